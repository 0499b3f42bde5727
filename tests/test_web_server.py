"""The web application as it runs: real ``migcap serve --workers 2`` processes on loopback.

* After ``migcap data import`` replaces the warehouse, both workers serve the new edition (a generous 30-s
  deadline: the documented switch is within two seconds, measured in ``bench/bench_switch.py``), and no worker
  keeps the replaced file open — ``/proc/<pid>/fd`` shows no ``warehouse.duckdb (deleted)``.
* Without a fitted projection model the server fits it once in the background for both workers, which answer
  503 with ``Retry-After`` meanwhile.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests import layouts
from tests.processes import descendants, warehouse_files
from tests.webserver import web_server

DEADLINE = 30.0


def _get(url: str) -> tuple[int, Any]:
    """Status and JSON body of a GET on a new connection (so that the kernel may hand it to either worker)."""
    req = urllib.request.Request(url, headers={"Connection": "close", "Cache-Control": "no-cache"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def test_two_workers_serve_an_imported_edition_and_release_the_old_file(private_store: Path,
                                                                          tmp_path: Path) -> None:
    env = {"MIGCAP_DATA_DIR": str(private_store), "MIGCAP_WEB_WARM": "false", "MIGCAP_WEB_PROJECTIONS": "off",
           "MIGCAP_WEB_ASSESSMENTS": "off", "MIGCAP_WEB_LOG_LEVEL": "warning",
           "MIGCAP_WEB_RESPONSE_CACHE_MB": "0"}
    url = "/api/v1/stocks?by=world&year=2020&edition=synthetic"
    with web_server(env, tmp_path / "server.log",
                    "--workers", "2", "--build-report", "never") as (base, proc):
        workers = []
        deadline = time.monotonic() + DEADLINE
        # both workers up, each with the warehouse open
        while len(workers) < 2 and time.monotonic() < deadline:
            workers = [p for p in descendants(proc.pid) if warehouse_files(p)]
            time.sleep(0.2)
        assert len(workers) == 2, descendants(proc.pid)
        for _ in range(6):
            status, body = _get(base + url)
            assert status == 404 and "synthetic" in body["error"]["message"]
        old_token = _get(base + "/healthz")[1]["store"]["token"]

        path = layouts.ims_totals(tmp_path / "ims_test.xlsx", revision=2020)
        done = subprocess.run([sys.executable, "-m", "migcap.cli", "data", "import", str(path),
                               "--source", "un-ims", "--edition", "synthetic"],
                              env={**os.environ, **env}, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr

        deadline = time.monotonic() + DEADLINE
        served = 0
        while served < 10 and time.monotonic() < deadline:  # ten answers in a row: both workers switched
            status, body = _get(base + url)
            served = served + 1 if status == 200 else 0
            if status != 200:
                time.sleep(0.2)
        assert served == 10, (status, body, (tmp_path / "server.log").read_text()[-2000:])
        assert body["rows"][0]["migrants"] == 5600  # the synthetic workbook: 3000 + 2000 + 600
        health = _get(base + "/healthz")[1]
        assert health["store"]["token"] != old_token and health["editions"]["migrant_stock"] == "synthetic"

        held: dict[int, list[str]] = {}
        while time.monotonic() < deadline:  # every worker has let go of the replaced file
            held = {p: warehouse_files(p) for p in workers}
            if all(files and not any("(deleted)" in f for f in files) for files in held.values()):
                break
            time.sleep(0.2)
        assert all(files and not any("(deleted)" in f for f in files) for files in held.values()), held


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_serve_starts_one_background_fit_for_all_workers(private_store: Path, tmp_path: Path) -> None:
    """``migcap serve --workers 2`` without a fitted model: one fit in the background, for both workers, which
    answer projection requests with 503 and ``Retry-After`` meanwhile; the fit ends with the server."""
    env = {"MIGCAP_DATA_DIR": str(private_store), "MIGCAP_WEB_WARM": "false", "MIGCAP_WEB_ASSESSMENTS": "off",
           "MIGCAP_WEB_LOG_LEVEL": "warning"}
    with web_server(env, tmp_path / "server.log",
                    "--workers", "2", "--build-report", "never") as (base, proc):
        fits = [p for p in descendants(proc.pid) if "migcap.projections.store" in _cmdline(p)]
        assert len(fits) == 1, [_cmdline(p) for p in descendants(proc.pid)]
        for _ in range(8):  # new connections: both workers answer
            req = urllib.request.Request(base + "/api/v1/projections?area=KEN",
                                         headers={"Connection": "close"})
            try:
                urllib.request.urlopen(req, timeout=10)
                raise AssertionError("a projection was served before the model was fitted")
            except urllib.error.HTTPError as exc:
                assert exc.code == 503 and exc.headers["Retry-After"] == "10"
                assert "is being fitted" in json.loads(exc.read())["error"]["message"]
        deadline = time.monotonic() + DEADLINE
        while (not (state := _get(base + "/healthz")[1]["projections"])["since"]
               and time.monotonic() < deadline):
            time.sleep(0.2)  # the child notes when it started once it has read the data
        assert state["state"] == "running" and state["since"]
        assert [p for p in descendants(proc.pid) if "migcap.projections.store" in _cmdline(p)] == fits
    deadline = time.monotonic() + DEADLINE
    while _cmdline(fits[0]) and time.monotonic() < deadline:  # stopped with the server
        time.sleep(0.2)
    assert not _cmdline(fits[0])
