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
    from migcap.countries import country_table

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
    from migcap.warehouse import build

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
    from migcap.warehouse import connect

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


def snapshot_of(directory: Path) -> dict[str, bytes]:
    """Every file under a folder with its bytes (to show that nothing changed)."""
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}
