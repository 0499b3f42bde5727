"""Benchmark of the data core (issue 2 targets).

Prints medians over repeats of:

* ``migcap data build`` from the bundled snapshots (wall time and peak RSS of the
  process; target < 20 s and < 1 GB);
* a cold ``migcap stocks --by region --format csv`` (a new process each time, the
  warehouse already built; target < 1 s wall);
* a warm aggregation query in one process (``stocks(by="region")`` on an open
  connection; target < 50 ms).

Usage::

    python bench/bench_data.py [--repeats 5]

It uses a temporary data folder, so the user's warehouse is not touched.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchlib import machine, run_fresh

ROOT = Path(__file__).resolve().parents[1]
MIGCAP = [sys.executable, "-m", "migcap.cli"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="migcap-bench-") as tmp:
        env = {**os.environ, "MIGCAP_DATA_DIR": tmp, "PYTHONPATH": str(ROOT / "src")}
        builds = [run_fresh([*MIGCAP, "data", "build"], env) for _ in range(max(3, args.repeats // 2))]
        cold = [run_fresh([*MIGCAP, "stocks", "--by", "region", "--format", "csv"], env)[0]
                for _ in range(args.repeats)]
        os.environ["MIGCAP_DATA_DIR"] = tmp
        sys.path.insert(0, str(ROOT / "src"))
        from migcap.evidence.stocks import stocks
        from migcap.store.warehouse import connect

        con = connect()
        stocks(by="region", con=con)
        warm = []
        for _ in range(max(20, args.repeats)):
            t = time.perf_counter()
            stocks(by="region", scheme="wmr2010", con=con)
            warm.append(time.perf_counter() - t)
        size = (Path(tmp) / "warehouse.duckdb").stat().st_size / 2**20
    print(f"machine: {machine()}")
    print(f"{'measure':48s} {'median':>10s} {'target':>10s}")
    print(f"{'migcap data build (wall)':48s} {statistics.median(b[0] for b in builds):9.2f}s {'< 20 s':>10s}")
    print(f"{'migcap data build (peak RSS)':48s} {statistics.median(b[1] for b in builds):7.0f}MiB "
          f"{'< 1 GB':>10s}")
    print(f"{'cold migcap stocks --by region --format csv':48s} {statistics.median(cold):9.3f}s "
          f"{'< 1 s':>10s}")
    print(f"{'warm stocks(by=region) query':48s} {statistics.median(warm) * 1000:8.1f}ms {'< 50 ms':>10s}")
    print(f"warehouse file: {size:.0f} MiB; peak RSS of this process: "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
