"""Benchmark of the overview and crisis analytics (issue 3 targets).

* warm: the overviews of the world and the six WMR 2010 regions together, in one
  process with an open connection (target < 1 s);
* cold: ``migcap crisis --by country`` for all countries in a new process
  (target < 2 s).

Usage: ``python bench/bench_overview.py [--repeats 5]`` (uses a temporary data folder).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import machine

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="migcap-bench-") as tmp:
        env = {**os.environ, "MIGCAP_DATA_DIR": tmp, "PYTHONPATH": str(ROOT / "src")}
        subprocess.run([sys.executable, "-m", "migcap.cli", "data", "build"], env=env, check=True,
                       capture_output=True)
        cold = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "migcap.cli", "crisis", "--by", "country", "--format",
                            "csv"], env=env, check=True, capture_output=True)
            cold.append(time.perf_counter() - t)
        os.environ["MIGCAP_DATA_DIR"] = tmp
        sys.path.insert(0, str(ROOT / "src"))
        from migcap.evidence.overview import overviews
        from migcap.store.warehouse import connect

        con = connect()
        areas = ["WLD", "AFR", "AME", "ASI", "EUR", "MEA", "OCE"]
        overviews(areas, con=con)
        warm = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            overviews(areas, con=con)
            warm.append(time.perf_counter() - t)
    print(f"machine: {machine()}")
    print(f"{'measure':58s} {'median':>9s} {'target':>8s}")
    print(f"{'warm: overviews of the world + six WMR regions':58s} {statistics.median(warm):8.3f}s "
          f"{'< 1 s':>8s}")
    print(f"{'cold: migcap crisis --by country (all countries)':58s} {statistics.median(cold):8.3f}s "
          f"{'< 2 s':>8s}")


if __name__ == "__main__":
    main()
