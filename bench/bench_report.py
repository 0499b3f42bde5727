"""Benchmark of the report (issue 7 targets): the whole site with every country profile (< 60 s),
one country's profile (< 2 s), and the PDF. Each run is a new process (`migcap report`), on a warehouse
built beforehand in a temporary data folder.

Usage: ``python bench/bench_report.py [--repeats 3] [--pdf]``
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


def _run(args: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "migcap.cli", *args], env=env, check=True, capture_output=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--pdf", action="store_true", help="also time the full PDF (slow)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="migcap-bench-") as tmp:
        env = {**os.environ, "MIGCAP_DATA_DIR": tmp, "PYTHONPATH": str(ROOT / "src")}
        _run(["data", "build"], env)
        _run(["report", "--out", f"{tmp}/warm", "--area", "KEN"], env)  # caches the JavaScript bundle
        whole = [_run(["report", "--out", f"{tmp}/site"], env) for _ in range(args.repeats)]
        one = [_run(["report", "--out", f"{tmp}/one", "--area", "KEN"], env) for _ in range(args.repeats)]
        pdf = [_run(["report", "--out", f"{tmp}/pdf", "--pdf"], env)] if args.pdf else []
        part = [_run(["report", "--out", f"{tmp}/part", "--area", "WLD", "--area", "KEN", "--pdf"], env)
                for _ in range(args.repeats)]
        pages = len(list(Path(f"{tmp}/site").rglob("*.html")))
    print(f"machine: {machine()}")
    print(f"{'measure':58s} {'median':>9s} {'target':>8s}")
    print(f"{'whole report, HTML (' + str(pages) + ' pages)':58s} {statistics.median(whole):8.1f}s "
          f"{'< 60 s':>8s}")
    print(f"{'one country profile (--area KEN)':58s} {statistics.median(one):8.2f}s {'< 2 s':>8s}")
    print(f"{'world + one country, HTML and PDF':58s} {statistics.median(part):8.1f}s {'':>8s}")
    if pdf:
        print(f"{'whole report, HTML and PDF':58s} {pdf[0]:8.1f}s {'':>8s}")


if __name__ == "__main__":
    main()
