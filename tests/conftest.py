"""Shared fixtures: a warehouse built once per session from the bundled snapshots, and
private copies of it for tests that import or break things."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

_SESSION_DIR: Path | None = None


def pytest_configure(config: pytest.Config) -> None:
    """No test may read or write the user's own data folder: point it at an empty one."""
    import tempfile

    os.environ["MIGCAP_DATA_DIR"] = tempfile.mkdtemp(prefix="migcap-tests-")


def _clear_caches() -> None:
    from migcap.config import get_settings
    from migcap.geo.countries import country_table

    get_settings.cache_clear()
    country_table.cache_clear()


@pytest.fixture(scope="session")
def session_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The data folder with a warehouse built from the bundled snapshots (read-only use)."""
    global _SESSION_DIR
    data_dir = tmp_path_factory.mktemp("migcap-data")
    old = os.environ.get("MIGCAP_DATA_DIR")
    os.environ["MIGCAP_DATA_DIR"] = str(data_dir)
    _clear_caches()
    from migcap.store.warehouse import build

    build()
    _SESSION_DIR = data_dir
    yield data_dir
    if old is None:
        os.environ.pop("MIGCAP_DATA_DIR", None)
    else:
        os.environ["MIGCAP_DATA_DIR"] = old
    _clear_caches()


@pytest.fixture()
def con(session_store: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """A read-only connection to the session warehouse."""
    monkeypatch.setenv("MIGCAP_DATA_DIR", str(session_store))
    _clear_caches()
    from migcap.store.warehouse import connect

    c = connect()
    yield c
    c.close()


@pytest.fixture()
def private_store(session_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A data folder of this test only, starting as a copy of the session warehouse."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(session_store / "warehouse.duckdb", data_dir / "warehouse.duckdb")
    monkeypatch.setenv("MIGCAP_DATA_DIR", str(data_dir))
    _clear_caches()
    yield data_dir
    _clear_caches()


@pytest.fixture(scope="module")
def model_store(session_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """For one test module: a data folder with a copy of the session's warehouse and a small projection model
    saved where projections look for it — so that no request waits for the web app's background fit, and the
    session's data folder never holds a small model."""
    from migcap.projections.data import load_rates
    from migcap.projections.fitted import fit_rates
    from migcap.projections.model import SamplerSettings
    from migcap.projections.store import default_model_path, save_model
    from migcap.store.warehouse import connect

    data_dir = tmp_path_factory.mktemp("model-store")
    shutil.copy(session_store / "warehouse.duckdb", data_dir / "warehouse.duckdb")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MIGCAP_DATA_DIR", str(data_dir))
        _clear_caches()
        con = connect()
        data = load_rates(con)
        con.close()
        small = SamplerSettings(chains=2, burnin=150, iterations=300, thin=3, seed=1)
        save_model(fit_rates(data, settings=small, warn=False), default_model_path(data.edition))
        yield data_dir
    _clear_caches()


def snapshot_of(directory: Path) -> dict[str, bytes]:
    """Every file under a folder with its bytes (to show that nothing changed)."""
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}
