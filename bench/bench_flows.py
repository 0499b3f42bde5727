"""Benchmark of migcap.flows on migest's 200-place reference problem.

Prints, for every estimator, the median (and minimum) wall time of the call
over several repeats, the ratio to migest 2.0.5's median on the same problem,
the peak resident memory of the whole process and the peak memory allocated by
the call itself (tracemalloc). Each estimator runs in a fresh subprocess, so
the peak RSS figures do not mix.

Usage::

    python bench/bench_flows.py              # all cases
    python bench/bench_flows.py --repeats 3  # fewer repeats
    python bench/bench_flows.py --only ffs_demo cm3
    python bench/bench_flows.py --threads 0    # BLAS default threads (default: 1)

The input is the synthetic 200-place problem shipped with the tests
(tests/data/migest/synth200_*); migest's figures are those of
../shared/reference/migest/README.md (R 4.2.2, reference BLAS, 2-core VM), whose
peak RSS includes about 80 MiB for R, migest and reading the CSV files.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from benchlib import machine

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "migest"
sys.path.insert(0, str(ROOT / "src"))

# migest 2.0.5 on the same problem: (median seconds, peak RSS MiB, note)
MIGEST: dict[str, tuple[float, float | None, str]] = {
    "ffs_demo": (36.9, 1034, ""),
    "ffs_demo_nostayer": (36.2, 696, ""),
    "ffs_diff": (0.002, 82, ""),
    "ffs_rates_dennett": (0.001, 90, ""),
    "ffs_rates_rvr": (0.018, 82, ""),
    "ipf2": (0.133, 122, ""),
    "cm2": (0.057, 94, ""),
    "ipf3": (2.85, 429, ""),
    "ipf3_qi": (5.62, 887, ""),
    "cm3_1iter": (75.6, 91, "1 iteration"),
    "cm3": (75.6 * 15, None, "estimate: 15 x 75.6 s, not run"),
}
REPEATS = {"ffs_demo": 7, "ffs_demo_nostayer": 7, "ipf3": 7, "ipf3_qi": 7}


# ----------------------------------------------------------------------------- data
def load() -> dict[str, Any]:
    regions = pd.read_csv(DATA / "synth200_regions.csv.gz")
    places = list(regions["region"])

    def table(name: str, column: str) -> pd.DataFrame:
        frame = pd.read_csv(DATA / name)
        return frame.pivot(index=frame.columns[0], columns=frame.columns[1],
                           values=column).loc[places, places]

    od = np.array(pd.read_csv(DATA / "synth200_ffs_demo_od.csv.gz")["flow"], dtype=float)
    od = od.reshape((200, 200), order="F")
    np.fill_diagonal(od, 0.0)
    s0 = table("synth200_stock_start.csv.gz", "stock")
    seed = s0.to_numpy(float) + 1
    np.fill_diagonal(seed, 0.0)
    a0 = table("synth200_adj_stock_start.csv.gz", "stock")
    a1 = table("synth200_adj_stock_end.csv.gz", "stock")
    a1s = a1.mul(a0.sum(axis=1) / a1.sum(axis=1), axis=0)
    return {
        "s0": s0, "s1": table("synth200_stock_end.csv.gz", "stock"),
        "births": pd.Series(regions["births"].to_numpy(float), index=places),
        "deaths": pd.Series(regions["deaths"].to_numpy(float), index=places),
        "rows": od.sum(axis=1), "cols": od.sum(axis=0), "total": float(od.sum()), "seed": seed,
        "a0t": a0.T, "a1s": a1s,
    }


def cases(d: dict[str, Any]) -> dict[str, Callable[[], object]]:
    from migcap.flows import (
        RCompatibleRandom,
        cm2,
        cm3,
        ffs_demo,
        ffs_diff,
        ffs_rates,
        ipf2,
        ipf3,
        ipf3_qi,
    )

    share = (0.3 + 0.4 * RCompatibleRandom(42).uniform(200 * 200)).reshape((200, 200), order="F")
    m3 = np.stack([d["seed"] * share, d["seed"] * (1 - share)], axis=2)

    def cm3_one() -> object:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # one iteration does not converge, by design
            return cm3(d["rows"], d["cols"], m3, max_iter=1)

    return {
        "ffs_demo": lambda: ffs_demo(d["s0"], d["s1"], d["births"], d["deaths"]),
        "ffs_demo_nostayer": lambda: ffs_demo(d["s0"], d["s1"], d["births"], d["deaths"],
                                              stayer_assumption=False),
        "ffs_diff": lambda: ffs_diff(d["s0"], d["s1"]),
        "ffs_rates_dennett": lambda: ffs_rates(d["s0"], total=d["total"]),
        "ffs_rates_rvr": lambda: ffs_rates(d["s0"], d["s1"], method="rogers-von-rabenau"),
        "ipf2": lambda: ipf2(d["rows"], d["cols"], d["seed"]),
        "cm2": lambda: cm2(d["rows"], d["cols"], d["seed"]),
        "ipf3": lambda: ipf3(d["a0t"], d["a1s"]),
        "ipf3_qi": lambda: ipf3_qi(d["a0t"], d["a1s"]),
        "cm3_1iter": cm3_one,
        "cm3": lambda: cm3(d["rows"], d["cols"], m3),
    }


# ----------------------------------------------------------------------------- child
def child(name: str, repeats: int) -> dict[str, Any]:
    data = load()
    fn = cases(data)[name]
    result = fn()  # warm-up (imports, first-touch allocations); not timed
    iterations = getattr(result, "iterations", None)
    del result
    gc.collect()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
        del out
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    gc.collect()
    tracemalloc.start()
    out = fn()
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del out
    return {"name": name, "times": times, "rss_before_mib": rss_before, "rss_peak_mib": rss_peak,
            "call_peak_mib": traced / 2**20, "iterations": iterations}


# ----------------------------------------------------------------------------- parent
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=None, help="repeats per case (default 7 or 20)")
    parser.add_argument("--only", nargs="*", default=None, help="names of the cases to run")
    parser.add_argument("--json", type=Path, default=None, help="also write the raw figures here")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS threads in the measured processes (default 1, like migest's "
                             "single-threaded R; 0 leaves the BLAS default)")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.repeats or 1)))
        return

    names = args.only or list(MIGEST)
    env = dict(os.environ)
    if args.threads > 0:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(args.threads)
    threads = args.threads if args.threads > 0 else "default"
    print(f"machine: {machine('numpy', 'pandas')}; BLAS threads: {threads}")
    print(f"{'function':<19}{'reps':>5}{'median s':>11}{'min s':>10}{'migest s':>10}{'x faster':>10}"
          f"{'peak RSS':>10}{'call peak':>11}{'migest RSS':>12}  iterations / note")
    rows = []
    for name in names:
        reps = args.repeats or REPEATS.get(name, 20)
        proc = subprocess.run([sys.executable, __file__, "--child", name, "--repeats", str(reps)],
                              capture_output=True, text=True, check=True, env=env)
        rec = json.loads(proc.stdout.strip().splitlines()[-1])
        med = statistics.median(rec["times"])
        ref_s, ref_mib, note = MIGEST[name]
        rec.update({"median_s": med, "migest_s": ref_s, "migest_mib": ref_mib, "ratio": ref_s / med})
        rows.append(rec)
        ref_rss = f"{ref_mib:.0f} MiB" if ref_mib else "-"
        ratio = ref_s / med
        ratio_text = f"{ratio:.0f}x" if ratio >= 10 else f"{ratio:.1f}x"
        print(f"{name:<19}{reps:>5}{med:>11.4f}{min(rec['times']):>10.4f}{ref_s:>10.3f}"
              f"{ratio_text:>10}{rec['rss_peak_mib']:>7.0f} MiB{rec['call_peak_mib']:>7.0f} MiB"
              f"{ref_rss:>12}  {rec['iterations']} {note}".rstrip())
    print("peak RSS = whole Python process (interpreter, numpy, pandas, the CSV inputs); "
          "call peak = memory allocated by the call (tracemalloc).")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine('numpy', 'pandas'), "threads": threads,
                                         "results": rows}, indent=2))


if __name__ == "__main__":
    main()
