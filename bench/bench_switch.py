"""The switch to a new warehouse: how long a running ``migcap serve --workers N`` takes to serve a new file.

Starts the server on a free port against a temporary data folder (the warehouse copied from the data folder,
``MIGCAP_DATA_DIR``, or built), then ``--rounds`` times replaces the warehouse with ``migcap data build`` in
this process and measures, from the moment ``build()`` returns (the new file is in place):

* **first** — until an answer of ``/healthz`` (each on a new connection, so any worker may take it) carries
  the new token;
* **all** — until every worker has the new file open and none holds the replaced one (``/proc/<pid>/fd``: no
  ``warehouse.duckdb (deleted)``), i.e. every worker switched and the old file's disk space is free.

Nothing else asks the server anything: the workers notice the new file by themselves (docs/web.md promises it
within two seconds). Prints the medians and the slowest round.

    python bench/bench_switch.py                    # 2 workers, 7 rounds
    python bench/bench_switch.py --workers 4 --rounds 5
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchlib import machine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.processes import descendants, warehouse_files


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _token(base: str) -> str | None:
    req = urllib.request.Request(base + "/healthz", headers={"Connection": "close"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return str(json.loads(r.read())["store"]["token"])
    except OSError:
        return None


def _all_switched(workers: list[int]) -> bool:
    return all((fds := warehouse_files(p)) and not any("(deleted)" in f for f in fds) for p in workers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    print("machine:", machine("duckdb", "uvicorn"))

    from migcap.config import get_settings

    source = get_settings().store_path
    data_dir = Path(tempfile.mkdtemp(prefix="migcap-bench-switch-"))
    os.environ["MIGCAP_DATA_DIR"] = str(data_dir)
    get_settings.cache_clear()
    from migcap.store.warehouse import build

    if source.is_file():
        shutil.copy(source, data_dir / "warehouse.duckdb")
    else:
        build()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "MIGCAP_WEB_REPORT_BUILD": "never", "MIGCAP_WEB_WARM": "false",
           "MIGCAP_WEB_PROJECTIONS": "off", "MIGCAP_WEB_ASSESSMENTS": "off",
           "MIGCAP_WEB_LOG_LEVEL": "warning"}
    log = data_dir / "server.log"
    with log.open("ab") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "migcap.cli.serve", "--host", "127.0.0.1",
                                 "--port", str(port), "--workers", str(args.workers)],
                                env=env, stdout=fh, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        workers: list[int] = []
        while time.monotonic() < deadline:
            workers = [p for p in descendants(proc.pid) if warehouse_files(p)]
            if len(workers) == args.workers and _token(base):
                break
            time.sleep(0.1)
        else:
            raise SystemExit("the server did not start:\n" + log.read_text())
        first, every = [], []
        for _ in range(args.rounds):
            old = _token(base)
            build()
            t0 = time.perf_counter()
            t_first = t_all = None
            while t_first is None or t_all is None:
                now = time.perf_counter() - t0
                if now > 60:
                    raise SystemExit(f"no switch within 60 s:\n{log.read_text()[-3000:]}")
                if t_first is None and _token(base) not in (None, old):
                    t_first = time.perf_counter() - t0
                if t_all is None and _all_switched(workers):
                    t_all = time.perf_counter() - t0
                time.sleep(0.02)
            first.append(t_first)
            every.append(t_all)
            time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"{args.workers} workers, {args.rounds} rounds")
    print(f"first answer with the new warehouse: median {statistics.median(first):.2f} s, "
          f"slowest {max(first):.2f} s")
    print(f"every worker switched, old file released: median {statistics.median(every):.2f} s, "
          f"slowest {max(every):.2f} s")


if __name__ == "__main__":
    main()
