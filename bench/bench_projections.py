"""Benchmark of migcap.projections against the bayesMig reference of issue 6.

Cases, each in a fresh subprocess (so peak RSS figures do not mix):

* ``fit`` — the net migration model for all 236 countries (WPP 2024, 1950–2020) with the
  default sampler settings (4 chains × 2,000 burn-in + 8,000 iterations, thinned by 8):
  wall time, the largest R-hat over the hyperparameters and over the country parameters,
  the smallest bulk ESS;
* ``trajectories`` — 1,000 trajectories to 2050 of every country from the saved fit: the
  simulation alone (net migration with the world constraint, population matched to
  WPP's intervals) and the whole projection pipeline (WPP outlook, stock model, stocks),
  median of repeated runs; the same to 2100;
* ``backtest`` — the reference test (fit to 2005, check 2005–2020) with its scores, as
  ``migcap project backtest`` runs it (goal of issue 15: under 3 minutes);
* ``development`` — the development backtests (fits to 1990, 1995, 2000, checked up to 2005),
  as ``migcap project backtest --development``.

Usage::

    python bench/bench_projections.py                    # fit, trajectories
    python bench/bench_projections.py --only backtest development
    python bench/bench_projections.py --repeats 3 --json figures.json

bayesMig's figures (issue 6, same kind of 2-core machine): 255 s for 3 chains × 2,000
iterations, not converged (R-hat 3.5 on a hyperparameter); 1,616 s for 4 chains × 10,000,
R-hat 1.24; 32 s for 1,000 trajectories to 2050. The warehouse is built once in a
temporary data folder before timing (``MIGCAP_DATA_DIR``), so no case times a build.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from benchlib import machine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

BAYESMIG = {"fit_3x2000_s": 255.0, "fit_3x2000_rhat": 3.5, "fit_4x10000_s": 1616.0, "fit_4x10000_rhat": 1.24,
            "traj_1000_2050_s": 32.0}


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def case_fit(args: argparse.Namespace) -> dict[str, Any]:
    from migcap.projections.fitted import fit
    from migcap.projections.model import SamplerSettings
    from migcap.projections.store import default_model_path, save_model
    from migcap.store.warehouse import connect

    con = connect()
    settings = SamplerSettings(iterations=args.iterations, burnin=args.burnin,
                               thin=max(1, args.iterations // 1000))
    start = time.perf_counter()
    cpu = time.process_time()
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        model = fit(con, settings=settings)
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu
    save_model(model, default_model_path(model.data.edition))
    d = model.diagnostics
    r, rname = d.rhat_max
    ess_min = min(v[1] for v in d.hyper.values())
    return {"case": "fit", "seconds": wall, "cpu_seconds": cpu, "sampler_seconds": model.posterior.seconds,
            "chains": settings.chains, "burnin": settings.burnin, "iterations": settings.iterations,
            "countries": model.data.n_countries, "rhat_max": r, "rhat_max_parameter": rname,
            "hyper_ess_min": ess_min, "country_rhat_max": list(d.country_rhat_max),
            "country_ess_min": list(d.country_ess_min), "converged": d.converged,
            "hyper": {k: v[0] for k, v in d.hyper.items()}, "peak_rss_mib": _rss_mib()}


def case_trajectories(args: argparse.Namespace) -> dict[str, Any]:
    from migcap.projections.data import load_outlook
    from migcap.projections.project import future, get_model
    from migcap.projections.trajectories import wpp_log_sd
    from migcap.store.warehouse import connect

    con = connect()
    model = get_model(con)
    out: dict[str, Any] = {"case": "trajectories"}
    for to in (2050, 2100):
        outlook = load_outlook(con, model.data.iso3, to=to)
        sd = wpp_log_sd(outlook.pop_lower80, outlook.pop_upper80, outlook.pop_lower95, outlook.pop_upper95)
        sim, full = [], []
        future(con, model=model, to=to, draws=1000, seed=1)          # warm-up
        for r in range(args.repeats):
            t0 = time.perf_counter()
            tr = model.simulate(outlook.ends, outlook.natural, draws=1000, seed=r, natural_sd=sd)
            sim.append(time.perf_counter() - t0)
            del tr
            t0 = time.perf_counter()
            fut = future(con, model=model, to=to, draws=1000, seed=r)
            full.append(time.perf_counter() - t0)
            world = abs(fut.trajectories.migrants.sum(axis=1)).max()
            del fut
        out[str(to)] = {"simulate_median_s": statistics.median(sim),
                        "pipeline_median_s": statistics.median(full),
                        "repeats": args.repeats, "world_net_migration_max_abs": float(world)}
    out["peak_rss_mib"] = _rss_mib()
    return out


def _timed_backtest(run: Any) -> tuple[Any, float, Any]:
    """``run(con)`` on a fresh connection, timed, its warnings kept quiet: (result, seconds, con)."""
    from migcap.store.warehouse import connect

    con = connect()
    start = time.perf_counter()
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        result = run(con)
    return result, time.perf_counter() - start, con


def case_backtest(args: argparse.Namespace) -> dict[str, Any]:
    from migcap.projections.backtesting import backtest, stock_backtest

    bt, seconds, con = _timed_backtest(backtest)
    st = stock_backtest(bt, con)
    return {"case": "backtest", "seconds": seconds, "summary": bt.summary.to_dict()["rows"],
            "fit_rhat_max": list(bt.model.diagnostics.rhat_max), "stock": st.to_dict()["rows"],
            "peak_rss_mib": _rss_mib()}


def case_development(args: argparse.Namespace) -> dict[str, Any]:
    from migcap.projections.backtesting import development_backtest

    dev, seconds, _ = _timed_backtest(development_backtest)
    return {"case": "development", "seconds": seconds, "summary": dev.summary.to_dict()["rows"],
            "fit_rhat_max": max(m.diagnostics.rhat_max for m in dev.models), "peak_rss_mib": _rss_mib()}


CASES = {"fit": case_fit, "trajectories": case_trajectories, "backtest": case_backtest,
         "development": case_development}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", default=None, choices=list(CASES), help="cases to run")
    parser.add_argument("--repeats", type=int, default=5, help="repeats of the trajectory timings")
    parser.add_argument("--iterations", type=int, default=8000, help="iterations per chain after burn-in")
    parser.add_argument("--burnin", type=int, default=2000, help="burn-in iterations per chain")
    parser.add_argument("--json", type=Path, default=None, help="also write the raw figures here")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(CASES[args.child](args)))
        return
    names = args.only or ["fit", "trajectories"]
    env = dict(os.environ)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    data_dir = env.get("MIGCAP_DATA_DIR") or tempfile.mkdtemp(prefix="migcap-bench-")
    env["MIGCAP_DATA_DIR"] = data_dir
    subprocess.run([sys.executable, "-c", "from migcap.store.warehouse import connect; connect()"], env=env,
                   check=True, cwd=ROOT, capture_output=True)
    print(f"machine: {machine('numpy')}")
    results = []
    for name in names:
        cmd = [sys.executable, __file__, "--child", name, "--repeats", str(args.repeats), "--iterations",
               str(args.iterations), "--burnin", str(args.burnin)]
        proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
        if proc.returncode:
            print(proc.stderr, file=sys.stderr)
            raise SystemExit(f"case {name} failed")
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append(res)
        if name == "fit":
            print(f"fit: {res['countries']} countries, {res['chains']} chains x ({res['burnin']} "
                  f"+ {res['iterations']}) iterations: {res['seconds']:.1f} s wall ({res['cpu_seconds']:.1f} "
                  f"s CPU); max R-hat hyperparameters {res['rhat_max']:.3f} ({res['rhat_max_parameter']}), "
                  f"min hyper ESS {res['hyper_ess_min']:.0f}; country parameters max "
                  f"R-hat {res['country_rhat_max'][0]:.3f} ({res['country_rhat_max'][1]}), min "
                  f"ESS {res['country_ess_min'][0]:.0f}; peak RSS {res['peak_rss_mib']:.0f} MiB")
            print(f"     bayesMig: {BAYESMIG['fit_3x2000_s']:.0f} s (3x2000, "
                  f"R-hat {BAYESMIG['fit_3x2000_rhat']}), {BAYESMIG['fit_4x10000_s']:.0f} s (4x10000, "
                  f"R-hat {BAYESMIG['fit_4x10000_rhat']}); "
                  f"ratio {BAYESMIG['fit_4x10000_s'] / res['seconds']:.0f}x against the 4x10000 run")
        elif name == "trajectories":
            for to in ("2050", "2100"):
                r = res[to]
                print(f"1,000 trajectories to {to}: simulation {r['simulate_median_s']:.3f} s, whole "
                      f"pipeline (with stocks) {r['pipeline_median_s']:.3f} s (median of {r['repeats']}); "
                      f"max |world net migration| {r['world_net_migration_max_abs']:.2e}")
            print(f"     bayesMig: {BAYESMIG['traj_1000_2050_s']:.0f} s to 2050; ratio "
                  f"{BAYESMIG['traj_1000_2050_s'] / res['2050']['pipeline_median_s']:.0f}x (pipeline); "
                  f"peak RSS {res['peak_rss_mib']:.0f} MiB")
        else:
            print(f"{name}: {res['seconds']:.1f} s (goal of issue 15 for the backtest command: under 180 s); "
                  f"largest fit R-hat {res['fit_rhat_max'][0]:.3f} ({res['fit_rhat_max'][1]}); peak RSS "
                  f"{res['peak_rss_mib']:.0f} MiB")
            for r in res["summary"]:
                print(f"  {r['set']:<28} n={r['n']:<4} cov50/80/95 {r['coverage50']:.3f} "
                      f"{r['coverage80']:.3f} "
                      f"{r['coverage95']:.3f} (80: above {r['above80']:.3f}, below {r['below80']:.3f})  "
                      f"width80 {r['width80']:.3f}  WIS {r['wis']:.4f}  CRPS {r['crps']:.4f}  "
                      f"MAE {r['mae']:.4f}  persistence {r['mae_persistence']:.4f}")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine('numpy'), "results": results}, indent=1))


if __name__ == "__main__":
    main()
