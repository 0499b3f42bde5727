"""Temporary files of killed processes: removed at the next build or web start, never those of a live process.

The killed processes are real: a child process that dies half-way (``os._exit``, which like ``kill -9``
runs no cleanup) in a warehouse build, an import's snapshot write or an upload.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from migcap.tempfiles import pid_alive, remove_stale, tagged

ROOT = Path(__file__).resolve().parents[1]


def _die_in(script: str, data: Path) -> None:
    """Run ``script`` in a child process with ``MIGCAP_DATA_DIR=data``; it must die with status 9."""
    env = {**os.environ, "MIGCAP_DATA_DIR": str(data), "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 9, done.stderr


@pytest.fixture()
def dead_pid() -> int:
    """The id of a process that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not pid_alive(child.pid)
    return child.pid


@pytest.fixture()
def live_pid() -> Iterator[int]:
    """The id of a running process (of this test)."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield child.pid
    child.kill()
    child.wait()


@pytest.fixture()
def quick_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Builds in this process read no snapshot (an empty warehouse is built quickly; what is cleaned is
    the same)."""
    import migcap.store.warehouse as wh

    monkeypatch.setattr(wh, "_inputs", lambda settings: [])


def test_a_killed_build_leaves_files_the_next_build_removes(private_store: Path, live_pid: int,
                                                             quick_builds: None) -> None:
    from migcap.store.warehouse import build, connect

    _die_in("""
        import os
        import migcap.store.warehouse as wh
        real = wh._load_snapshot
        def load(con, *args):
            real(con, *args)
            os._exit(9)  # killed half-way through the build
        wh._load_snapshot = load
        wh.build()
    """, private_store)
    [building, wal] = sorted(private_store.glob(".warehouse.duckdb.*.building*"))
    assert wal.name == building.name + ".wal" and wal.stat().st_size > 0
    busy = private_store / f".warehouse.duckdb.{live_pid}.building"  # a build still running elsewhere
    busy.write_bytes(b"in use")
    build()
    assert sorted(p.name for p in private_store.glob(".warehouse.duckdb.*")) == [busy.name]
    con = connect(rebuild_if_stale=False)
    assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("1",)
    con.close()


def test_a_killed_import_leaves_a_part_file_the_next_build_removes(
        private_store: Path, tmp_path: Path, live_pid: int, quick_builds: None) -> None:
    from migcap.store.warehouse import build, remove_leftovers
    from tests import layouts

    wdi = layouts.wdi_xlsx(tmp_path / "wdi.xlsx")
    _die_in(f"""
        import os
        import pandas as pd
        from migcap.store.editions import import_files
        def write(self, path, **kw):
            open(path, "wb").write(b"half a parquet file")
            os._exit(9)
        pd.DataFrame.to_parquet = write
        import_files([{str(wdi)!r}], "wdi", edition="killed")
    """, private_store)
    folder = private_store / "imports" / "wdi"
    [left] = folder.glob(".*.tmp")
    assert left.name.startswith(".killed.parquet.")
    old = folder / ".2019.json.k2v_8xq1.tmp"  # a name from before they held a process id, two days old
    young = folder / ".2019.json.a7b8c9d0.tmp"
    busy = folder / f".other.parquet.{live_pid}.abcd1234.tmp"
    for p in (old, young, busy):
        p.write_bytes(b"x")
    os.utime(old, (time.time() - 2 * 86_400,) * 2)
    build()
    assert sorted(p.name for p in folder.iterdir()) == sorted([young.name, busy.name])
    assert remove_leftovers() == []


def test_uploads_of_a_killed_server_are_removed_when_the_app_starts(private_store: Path, dead_pid: int,
                                                                     live_pid: int, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from migcap import db
    from migcap.web import create_app
    from migcap.web.settings import WebSettings

    _die_in("""
        import os
        from migcap.capacity.uploads import temporary_upload
        temporary_upload(b"PK workbook", ".xlsx")
        os._exit(9)  # the server is killed while it reads the workbook
    """, private_store)
    tmp = private_store / "tmp"
    [left] = tmp.iterdir()
    attachments = private_store / "attachments" / "00000000-0000-4000-8000-000000000001"
    attachments.mkdir(parents=True)
    stale_part = attachments / f"{'a' * 32}.{dead_pid}.part"
    busy_part = attachments / f"{'b' * 32}.{live_pid}.part"
    busy_upload = tmp / tagged("upload", ".xlsx").replace(f".{os.getpid()}.", f".{live_pid}.")
    legacy = tmp / f"import-{'c' * 32}.xlsx"
    for p in (stale_part, busy_part, busy_upload, legacy):
        p.write_bytes(b"x")
    os.utime(legacy, (time.time() - 2 * 86_400,) * 2)
    settings = WebSettings(report_dir=tmp_path / "no-report", report_build="never", warm=False,
                           log_format="text", log_level="warning")
    try:
        with TestClient(create_app(settings)):
            pass
    finally:
        db.dispose_engines()
    assert sorted(tmp.iterdir()) == [busy_upload]
    assert sorted(attachments.iterdir()) == [busy_part]
    assert not left.exists()


def test_remove_stale_keeps_what_it_cannot_tell(tmp_path: Path, dead_pid: int, live_pid: int) -> None:
    import re

    pattern = re.compile(r"x\.(?P<pid>\d+)\.tmp")
    for name in (f"x.{dead_pid}.tmp", f"x.{live_pid}.tmp", f"x.{os.getpid()}.tmp", "x.0.tmp", "y.1.tmp"):
        (tmp_path / name).write_bytes(b"")
    removed = remove_stale(tmp_path.iterdir(), pattern)
    assert [p.name for p in removed] == [f"x.{dead_pid}.tmp"]
    assert len(list(tmp_path.iterdir())) == 4
    shutil.rmtree(tmp_path)
    assert remove_stale([tmp_path / f"x.{dead_pid}.tmp"], pattern) == []  # gone already: nothing to do
