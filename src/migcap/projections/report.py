"""The generated tables and figures of ``docs/projections.md``.

Every number in that document between ``<!-- generated:NAME -->`` and
``<!-- /generated:NAME -->`` comes from here, computed from the bundled data; run::

    python -m migcap.projections.report docs/projections.md            # all blocks
    python -m migcap.projections.report docs/projections.md --quick    # skip the slow variant study

The fit and the backtest use the default sampler settings and seed 1, so the text is
reproducible; the variant study refits four model variants on three development backtests.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import duckdb

    from migcap.projections.backtesting import BacktestResult
    from migcap.projections.project import Future

__all__ = ["blocks", "fill", "main"]

DRAWS = 2000
SEED = 1


def _m(x: float, digits: int = 1) -> str:
    """Persons → millions."""
    return f"{x / 1e6:,.{digits}f}"


def _k(x: float) -> str:
    """Persons → thousands (no "-0")."""
    return f"{round(x / 1e3):,}"


def _p(x: float | None) -> str:
    return "–" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{100 * x:.1f}%"


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def block_fit(fut: Future) -> str:
    m = fut.model
    s = m.posterior.settings
    d = m.diagnostics
    rows = []
    for name, (r, ess, med, lo, hi) in d.hyper.items():
        rows.append((f"`{name}`", f"{med:.4g}", f"{lo:.4g} – {hi:.4g}", f"{r:.3f}", f"{ess:.0f}"))
    r, rn = d.country_rhat_max
    e, en = d.country_ess_min
    head = (f"Fit of {m.data.n_countries} countries to WPP {m.data.edition}, periods "
            f"{m.data.ends[0] - 5}–{m.data.ends[0]} … {m.data.ends[-1] - 5}–{m.data.ends[-1]}: "
            f"{s.chains} chains × ({s.burnin:,} burn-in + {s.iterations:,}) iterations, thinned by {s.thin} "
            f"({m.posterior.draws:,} draws kept), seed {s.seed}, {m.posterior.seconds:.0f} s on "
            "the machine of `bench/PROJECTIONS.md`. Largest R-hat over the hyperparameters "
            f"{d.rhat_max[0]:.3f} (`{d.rhat_max[1]}`); over the {3 * m.data.n_countries} country parameters "
            f"{r:.3f} (`{rn}`); smallest bulk ESS of a country parameter {e:.0f} (`{en}`). Metropolis "
            "acceptance rates: "
            + ", ".join(f"{k} {v:.2f}" for k, v in m.posterior.acceptance.items()) + ".")
    return head + "\n\n" + _table(("hyperparameter", "posterior median", "95% interval", "R-hat", "bulk ESS"),
                                  rows)


def _summary_rows(bt: BacktestResult) -> list[tuple[Any, ...]]:
    rows = []
    for r in bt.summary:
        rows.append((r["set"], r["periods"], r["n"], _p(r["coverage80"]),
                     f"{_p(r['above80'])} / {_p(r['below80'])}",
                     _p(r["coverage95"]), f"{_p(r['above95'])} / {_p(r['below95'])}", f"{r['mae']:.4f}",
                     f"{r['mae_persistence']:.4f}", "–"))
    return rows


def block_backtest(bt: BacktestResult) -> str:
    from migcap.projections.backtesting import REFERENCE

    rows = _summary_rows(bt)
    rows.append(("bayesMig (issue 6)", "2010–2015 and 2015–2020", REFERENCE["n"], _p(REFERENCE["coverage80"]),
                 "11–12% / 5–7%", _p(REFERENCE["coverage95"]), "–", f"{REFERENCE['mae']:.4f}",
                 f"{REFERENCE['mae_persistence']:.4f}", "–"))
    rows.append(("bayesMig, 5 years ahead", "2005–2010", 236, "–", "–", "–", "–",
                 f"{REFERENCE['mae_5y']:.4f}", f"{REFERENCE['mae_persistence_5y']:.4f}", "–"))
    r, rn = bt.model.diagnostics.rhat_max
    head = (f"Fitted to {bt.model.data.ends[0] - 5}–{bt.model.data.ends[0]} … 2000–2005 "
            f"(default sampler, seed {bt.model.posterior.settings.seed}; largest hyperparameter R-hat "
            f"{r:.3f}, `{rn}`), {bt.draws:,} trajectories (seed {bt.seed}), scored against WPP "
            f"{bt.model.data.edition}'s estimates. "
            "Rates per 5-year period; above/below = share of observed rates above the upper / "
            "below the lower bound. WPP: no WPP projection made in 2005 is bundled (WPP 2024's medians start "
            "in 2024), so there is nothing to score.")
    return head + "\n\n" + _table(("set", "periods", "n", "80% coverage", "above / below", "95% coverage",
                                   "above / below", "MAE", "MAE persistence", "MAE WPP"), rows)


def block_headline(bt: BacktestResult, fut: Future) -> str:
    head = bt.headline()
    ref = next(r for r in bt.summary if r["set"] == "reference design")
    five = next(r for r in bt.summary if r["horizon"] == "5")
    d = fut.model.diagnostics
    from scipy.stats import binomtest

    above, below = round(ref["above80"] * ref["n"]), round(ref["below80"] * ref["n"])
    lean_p = binomtest(above, above + below, 0.5).pvalue if above + below else 1.0
    checks = [
        ("80% coverage within 77–83% (reference design)", _p(ref["coverage80"]),
         0.77 <= ref["coverage80"] <= 0.83),
        ("95% coverage within 92–97% (reference design)", _p(ref["coverage95"]),
         0.92 <= ref["coverage95"] <= 0.97),
        ("no lean: misses above and below the 80% band differ by at most 3 points",
         f"{_p(ref['above80'])} above, {_p(ref['below80'])} below (sign test p = {lean_p:.2f})",
         abs(ref["above80"] - ref["below80"]) <= 0.03),
        ("MAE below 0.0269 (reference design)", f"{ref['mae']:.4f}", ref["mae"] < 0.0269),
        ("MAE below persistence at every horizon",
         ", ".join(f"{r['horizon']} y: {r['mae']:.4f} vs {r['mae_persistence']:.4f}" for r in bt.summary
                   if r["set"].endswith("ahead")),
         all(r["mae"] < r["mae_persistence"] for r in bt.summary if r["set"].endswith("ahead"))),
        ("converged fit: R-hat < 1.05 on every hyperparameter", f"{d.rhat_max[0]:.3f} ({d.rhat_max[1]})",
         d.converged),
    ]
    rows = [(goal, value, "met" if ok else "**not met**") for goal, value, ok in checks]
    text = (f"All {head['n']} country-periods of 2005–2020: 80% coverage "
            f"{_p(head['coverage80'])}, 95% coverage {_p(head['coverage95'])}, MAE {head['mae']:.4f} against "
            f"{head['mae_persistence']:.4f} for persistence. Five years ahead the model's MAE is "
            f"{five['mae']:.4f}, persistence's {five['mae_persistence']:.4f}.")
    return _table(("goal of issue 6", "measured", ""), rows) + "\n\n" + text


def block_stock_backtest(con: duckdb.DuckDBPyConnection, bt: BacktestResult) -> str:
    from migcap.projections.backtesting import stock_backtest

    out = []
    for form in ("regime", "linear", "asymmetric"):
        t = stock_backtest(bt, con, form=form)
        rows = []
        for r in t:
            if r["area_code"] == "countries":
                cov = (f"country intervals: {r['median']:.1%} of {r['observed']:.0f} country-years "
                       f"inside the 80% interval, {r['lower80']:.1%} inside the 95% interval")
                continue
            if r["year"] != 2020 and r["area_code"] != "WLD":
                continue
            rows.append((r["area"], r["year"], _m(r["observed"]), _m(r["median"]),
                         f"{_m(r['lower80'])} – {_m(r['upper80'])}",
                         f"{_m(r['lower95'])} – {_m(r['upper95'])}"))
        out.append(f"**{form} stock–flow model** — {t.notes[0]} Its {cov}.\n\n"
                   + _table(("area", "year", "IMS (millions)", "median", "80% interval", "95% interval"),
                            rows))
    return "\n\n".join(out)


def block_wpp_2050(fut: Future) -> str:
    from migcap.projections.project import compare_wpp

    parts = []
    for scheme in ("wmr2010", "un-geo"):
        t = compare_wpp(scheme=scheme, year=2050, fut=fut)
        rows = [(r["area"], _k(r["net_migration"]), f"{_k(r['lower80'])} – {_k(r['upper80'])}",
                 _k(r["net_migration_wpp"]), _k(r["difference"]), _m(r["population"]),
                 _m(r["population_wpp"]), _m(r["migrant_stock"])) for r in t]
        parts.append(f"Regions of `{scheme}`:\n\n" + _table(
            ("area", "net migration 2045–2050, median (thousand/year)", "80% interval", "WPP 2024 median",
             "difference", "population mid-2050 (millions)", "WPP 2024", "migrant stock mid-2050 (millions)"),
            rows))
    return "\n\n".join(parts)


def block_countries(fut: Future) -> str:
    from migcap.projections.data import PERIOD
    from migcap.projections.project import net_migration

    rows = []
    j_last = len(fut.trajectories.ends) - 1
    for iso3 in ("USA", "DEU", "GBR", "RUS", "SAU", "ARE", "IND", "CHN", "PAK", "MEX", "PHL", "NGA", "SYR",
                 "UKR"):
        p = net_migration(iso3, fut=fut)
        q = p.quantiles
        i = fut.iso3.index(iso3)
        obs = fut.model.data.migrants[i, -1] / PERIOD
        rows.append((p.area.name, _k(obs), _k(q["median"][0]), _k(fut.outlook.migrants[i, 0] / PERIOD),
                     _k(q["median"][j_last]), f"{_k(q['lower80'][j_last])} – {_k(q['upper80'][j_last])}",
                     _k(fut.outlook.migrants[i, j_last] / PERIOD)))
    return _table(("country", "observed 2015–2020", "2020–2025 median", "WPP 2020–2025", "2045–2050 median",
                   "80% interval", "WPP 2045–2050"), rows) + \
        "\n\nThousands of net migrants per year (average of the period). WPP's 2020–2025 includes its " \
        f"estimates of 2020–{fut.outlook.last_estimated_year}."


def block_scenarios(fut: Future) -> str:
    from migcap.projections.project import stock_scenarios

    out = []
    for area in ("WLD", "EUR", "AFR", "ASI"):
        t = stock_scenarios(area, fut=fut)
        rows = []
        for r in t:
            if r["year"] not in (2030, 2050):
                continue
            interval = "" if np.isnan(r["lower80"]) else f"{_m(r['lower80'])} – {_m(r['upper80'])}"
            rows.append((r["scenario"], r["year"], _m(r["median"]), interval))
        out.append(f"**{t.rows[0][1]}** — {t.notes[0]}\n\n" + _table(("scenario", "year", "millions (median)",
                                                                         "80% interval"), rows))
    return "\n\n".join(out)


def block_wmr(fut: Future) -> str:
    """The WMR 2010 method on today's data: the pace of 1990–2010 from 2010, and of 2000–2020 from 2020."""
    st = fut.stocks
    have = np.isfinite(st.stock[:, st.years.index(2020)])

    def total(y: int) -> float:
        return float(np.nansum(st.stock[have, st.years.index(y)]))

    s1990, s2000, s2010, s2020 = total(1990), total(2000), total(2010), total(2020)
    g_old = (s2010 / s1990) ** (1 / 20)
    g_new = (s2020 / s2000) ** (1 / 20)
    rows = [
        ("pace of 1990–2010, from 2010 (the WMR 2010 set-up, revised data)", f"{100 * (g_old - 1):.2f}%",
         _m(s2010), _m(s2010 * g_old ** 40)),
        ("pace of 2000–2020, from 2020 (today's data)", f"{100 * (g_new - 1):.2f}%", _m(s2020),
         _m(s2020 * g_new ** 30)),
    ]
    return (_table(("method", "annual growth", "start (millions)", "2050 (millions)"), rows)
            + f"\n\nIMS {st.edition} world totals over the countries with a 2020 stock: 1990 {_m(s1990)}, "
              f"2000 {_m(s2000)}, 2010 {_m(s2010)}, 2020 {_m(s2020)} million.")


def block_stock_model(fut: Future) -> str:
    sm = fut.stock_model
    rows = [(f"`{n}`", f"{m:.3f}", f"{sd:.3f}") for n, m, sd in sm.rows()]
    assert sm.coef_periods is not None
    per = ", ".join(f"{y - 5}–{y}: " + " / ".join(f"{v:.3f}" for v in c)
                    for y, c in zip(sm.years, sm.coef_periods, strict=True))
    return (_table(("coefficient", "mean of the periods", "between-period sd"), rows)
            + f"\n\nBy period ({' / '.join(n for n, _, _ in sm.rows())}): {per}. {sm.n_obs} country-periods; "
              f"residual sd (log scale) median {np.median(sm.resid_sd):.3f}; lag-1 autocorrelation "
              f"of the residuals {sm.rho:.2f} (not carried into projections).")


def block_stock_forms(fut: Future) -> str:
    """The stock–flow forms on today's projection: fit, and how many country medians collapse by the
    horizon."""
    from migcap.projections.stockflow import (
        FORMS,
        IMPLAUSIBLE_FACTOR,
        MAX_SD,
        fit_stock_model,
        project_stocks,
    )

    traj = fut.trajectories
    s0 = fut.stocks.stock[:, fut.stocks.years.index(fut.model.last_end)]
    have = np.isfinite(s0) & (s0 > 0)
    rows = []
    for form in FORMS:
        sm = (fut.stock_model if form == fut.stock_model.form
              else fit_stock_model(fut.stocks, fut.model.data, form=form))
        paths = project_stocks(sm, s0, traj.migrants, traj.population, seed=fut.seed)
        median = np.median(paths[:, have, -1], axis=0)
        ratio = median / s0[have]
        world = np.quantile(paths[:, have, -1].sum(axis=1), [0.5, 0.1, 0.9])
        rows.append((f"`{form}`" + (" (used)" if form == fut.stock_model.form else ""),
                     f"{np.median(sm.resid_sd):.3f}", int((sm.resid_sd >= MAX_SD).sum()),
                     f"{int((ratio < 1 / IMPLAUSIBLE_FACTOR).sum())} of {int(have.sum())}",
                     f"{int((ratio > IMPLAUSIBLE_FACTOR).sum())}",
                     f"{_m(world[0])} ({_m(world[1])} – {_m(world[2])})"))
    emig = [c for c, e in zip(fut.stocks.iso3, fut.stock_model.emigration, strict=True) if e] \
        if fut.stock_model.emigration is not None else []
    return (_table(("form", "residual sd, median", f"countries at the cap ({MAX_SD:g})",
                    f"median {traj.ends[-1]} stock below 1/{IMPLAUSIBLE_FACTOR:g} of {fut.model.last_end}",
                    f"above {IMPLAUSIBLE_FACTOR:g} times",
                    f"world {traj.ends[-1]}, millions: median (80%)"), rows)
            + f"\n\n{len(emig)} countries are net emigration countries in the fitted periods "
              f"{fut.stock_model.years[0] - 5}–{fut.stock_model.years[-1]}; the same "
              f"{traj.draws} trajectories (seed {fut.seed}) drive every form.")


def block_volatility(fut: Future) -> str:
    """Median absolute change of the rates between consecutive periods, by period."""
    d = fut.model.data
    change = np.abs(np.diff(d.rates, axis=1))
    kappa = np.median(fut.model.posterior.kappa, axis=0)
    rows = [(f"{e - 5}–{e}", f"{np.median(change[:, j]):.4f}", f"{np.quantile(change[:, j], 0.9):.4f}",
             f"{kappa[j]:.2f}") for j, e in enumerate(d.ends[1:])]
    return _table(("period", "median absolute change of the rate", "90th percentile",
                   "fitted κ (posterior median)"), rows)


def block_constraint(fut: Future) -> str:
    """What the world constraint changes: the unconstrained world sum and a few countries."""
    from migcap.projections.data import PERIOD

    out = fut.outlook
    free = fut.model.simulate(out.ends, out.natural, draws=fut.trajectories.draws, seed=fut.seed,
                              constrain=False)
    world = np.median(free.migrants.sum(axis=1), axis=0) / PERIOD
    rows = [(f"{e - 5}–{e}", _k(w)) for e, w in zip(out.ends, world, strict=True)]
    text = _table(("period", "world net migration without the constraint, median (thousand/year)"), rows)
    crow = []
    for iso3 in ("USA", "CAN", "DEU", "IND", "CHN", "NGA"):
        i = fut.iso3.index(iso3)
        crow.append((fut.model.data.names[i], _k(np.median(free.migrants[:, i, -1]) / PERIOD),
                     _k(np.median(fut.trajectories.migrants[:, i, -1]) / PERIOD),
                     f"{np.median(fut.model.posterior.phi[:, i]):.2f}"))
    return text + "\n\n" + _table(("country", "2045–2050 without constraint", "with constraint",
                                    "φ (posterior median)"), crow)


def block_variants(con: duckdb.DuckDBPyConnection) -> str:
    """Model variants on the development backtests (fits to 1990, 1995, 2000; checks to 2005), and — after
    the choice, for information — on the final test (fit to 2005)."""
    from migcap.projections.backtesting import backtest
    from migcap.projections.model import Priors, SamplerSettings

    variants = {
        "Student-t + drifting volatility (chosen)": Priors(),
        "Student-t, constant volatility": Priors(volatility=False),
        "normal + drifting volatility": Priors(nu_grid=()),
        "normal, constant volatility": Priors(nu_grid=(), volatility=False),
    }
    settings = SamplerSettings(iterations=4000, burnin=1000, thin=4)
    rows = []
    for name, pri in variants.items():
        tot: dict[str, float] = {}
        for fe in (1990, 1995, 2000):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = backtest(con, fit_end=fe, last_check=2005, settings=settings, priors=pri, draws=DRAWS,
                             seed=SEED).headline()
            for k in ("coverage80", "coverage95", "mae", "mae_persistence"):
                tot[k] = tot.get(k, 0.0) + r[k] * r["n"]
            tot["n"] = tot.get("n", 0.0) + r["n"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            final = backtest(con, settings=settings, priors=pri, draws=DRAWS, seed=SEED).headline()
        n = tot["n"]
        rows.append((name, int(n), _p(tot["coverage80"] / n), _p(tot["coverage95"] / n),
                     f"{tot['mae'] / n:.4f}",
                     f"{tot['mae_persistence'] / n:.4f}", _p(final["coverage80"]), _p(final["coverage95"]),
                     f"{final['mae']:.4f}"))
    return ("Development backtests pooled: fits to 1990, 1995 and 2000, each checked on its periods up to "
            "2000–2005 (1,416 country-periods); 4 chains × (1,000 + 4,000) iterations. The last "
            "three columns, the final test (fit to 2005, 2005–2020), were computed after the choice.\n\n"
            + _table(("variant", "n (dev)", "80% (dev)", "95% (dev)", "MAE (dev)", "persistence (dev)",
                      "80% (test)", "95% (test)", "MAE (test)"), rows))


def blocks(con: duckdb.DuckDBPyConnection, *, quick: bool = False,
           log: Callable[[str], None] = lambda s: None) -> dict[str, str]:
    """Every generated block, by name."""
    from migcap.projections.backtesting import backtest
    from migcap.projections.project import future

    out: dict[str, str] = {}
    t0 = time.perf_counter()
    log("fitting the model (or loading the saved fit)…")
    fut = future(con, to=2050, draws=DRAWS, seed=SEED)
    log("backtest…")
    bt = backtest(con, draws=DRAWS, seed=SEED)
    out["fit"] = block_fit(fut)
    out["headline"] = block_headline(bt, fut)
    out["backtest"] = block_backtest(bt)
    out["stock-backtest"] = block_stock_backtest(con, bt)
    out["stock-model"] = block_stock_model(fut)
    out["stock-forms"] = block_stock_forms(fut)
    out["volatility"] = block_volatility(fut)
    out["constraint"] = block_constraint(fut)
    out["wpp-2050"] = block_wpp_2050(fut)
    out["countries"] = block_countries(fut)
    out["wmr"] = block_wmr(fut)
    out["scenarios"] = block_scenarios(fut)
    if not quick:
        log("model variants (slow)…")
        out["variants"] = block_variants(con)
    log(f"done in {time.perf_counter() - t0:.0f} s")
    return out


def fill(text: str, generated: dict[str, str]) -> str:
    """Replace the content between ``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->``."""
    for name, body in generated.items():
        pattern = re.compile(rf"(<!-- generated:{re.escape(name)} -->\n).*?"
                             rf"(<!-- /generated:{re.escape(name)} -->)",
                             re.S)
        if not pattern.search(text):
            raise KeyError(f"no block {name!r} in the document")
        text = pattern.sub(lambda m, b=body: m.group(1) + b.rstrip("\n") + "\n" + m.group(2),  # type: ignore[misc]
                           text)
    return text


def main(argv: list[str] | None = None) -> None:
    """Regenerate the blocks of a Markdown file (default ``docs/projections.md``)."""
    from migcap.store.warehouse import connect

    parser = argparse.ArgumentParser(description="Regenerate the tables of "
                                                 "docs/projections.md from the data.")
    parser.add_argument("path", type=Path, nargs="?", default=Path("docs/projections.md"))
    parser.add_argument("--quick", action="store_true", help="skip the model-variant study (minutes)")
    args = parser.parse_args(argv)
    con = connect()
    gen = blocks(con, quick=args.quick, log=lambda s: print(s, file=sys.stderr))
    text = args.path.read_text(encoding="utf-8")
    args.path.write_text(fill(text, gen), encoding="utf-8")
    print(f"updated {len(gen)} blocks of {args.path}", file=sys.stderr)


if __name__ == "__main__":
    main()
