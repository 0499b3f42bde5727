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
    from migcap.projections.model import Priors
    from migcap.projections.project import Future
    from migcap.table import Table

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


def _f(x: float | None) -> str:
    """A score in rate units, four decimals."""
    return "–" if x is None else f"{x:.4f}"


SCORE_HEADER = ("set", "periods", "n", "50%", "80%", "above / below 80%", "95%", "width 80% / 95%", "WIS",
                "CRPS", "MAE", "MAE persistence", "countries beating persistence")


def _score_cells(r: dict[str, Any]) -> tuple[Any, ...]:
    return (_p(r["coverage50"]), _p(r["coverage80"]), f"{_p(r['above80'])} / {_p(r['below80'])}",
            _p(r["coverage95"]), f"{r['width80']:.3f} / {r['width95']:.3f}", _f(r["wis"]), _f(r["crps"]),
            _f(r["mae"]), _f(r["mae_persistence"]), _p(r["beats_persistence"]))


def _score_table(summary: Table, extra: Sequence[Sequence[Any]] = ()) -> str:
    rows = [(r["set"], r["periods"], r["n"], *_score_cells(r)) for r in summary]
    return _table(SCORE_HEADER, [*rows, *extra])


def block_backtest(bt: BacktestResult) -> str:
    from migcap.projections.backtesting import REFERENCE, REFERENCE_SAME_PERIODS

    ref, same = REFERENCE, REFERENCE_SAME_PERIODS
    periods = "2010–2015 and 2015–2020"
    extra = [
        ("bayesMig, its own summary (issue 6)", periods, ref["n"], "–", _p(ref["coverage80"]),
         "11–12% / 5–7%", _p(ref["coverage95"]), "–", "–", "–", _f(ref["mae"]), _f(ref["mae_persistence"]),
         "–"),
        ("bayesMig on migcap's rates (issue 15)", periods, same["n"], "–", _p(same["coverage80"]), "–",
         _p(same["coverage95"]), f"{same['width80']:.3f} / {same['width95']:.3f}", _f(same["wis"]), "–",
         _f(same["mae"]), "–", "–"),
    ]
    r, rn = bt.model.diagnostics.rhat_max
    head = (f"Fitted to {bt.model.data.ends[0] - 5}–{bt.model.data.ends[0]} … 2000–2005 "
            f"(default sampler, seed {bt.model.posterior.settings.seed}; largest hyperparameter R-hat "
            f"{r:.3f}, `{rn}`), {bt.draws:,} trajectories (seed {bt.seed}), scored against WPP "
            f"{bt.model.data.edition}'s estimates. Coverage of the central 50%, 80% and 95% intervals; "
            "above/below = share of observed rates above the upper / below the lower bound; widths, WIS "
            "(quantiles 2.5/10/50/90/97.5%), CRPS (of the trajectories) and MAE in rates per 5-year "
            "period, lower is better. The bayesMig rows are quoted from the issues (no bayesMig output "
            "is bundled). Volatility thirds rank countries by the standard deviation of the changes of "
            "their rate over 1950–2005.")
    return head + "\n\n" + _score_table(bt.summary, extra)


def block_development(summary: Table) -> str:
    """The development backtests of the chosen model (the first variant of the study)."""
    iterations, burnin, _ = VARIANT_SETTINGS
    return (f"Fits to 1990, 1995 and 2000, each checked on its periods up to 2000–2005; 4 chains × "
            f"({burnin:,} + {iterations:,}) iterations, {DRAWS:,} trajectories per fit (seed {SEED}). Same "
            "columns as above; volatility thirds are ranked on each fit's own periods.\n\n"
            + _score_table(summary))


def block_headline(bt: BacktestResult, fut: Future) -> str:
    from scipy.stats import binomtest

    from migcap.projections.backtesting import REFERENCE_SAME_PERIODS as SAME

    ref = bt.row("reference design")
    ahead = [r for r in bt.summary if r["set"].endswith("ahead")]
    thirds = [r for r in bt.summary if r["set"].startswith("volatility")]
    d = fut.model.diagnostics
    above, below = round(ref["above80"] * ref["n"]), round(ref["below80"] * ref["n"])
    lean_p = binomtest(above, above + below, 0.5).pvalue if above + below else 1.0
    checks = [
        ("80% interval coverage", _p(ref["coverage80"]), _p(SAME["coverage80"]), "77–83%",
         0.77 <= ref["coverage80"] <= 0.83),
        ("95% interval coverage", _p(ref["coverage95"]), _p(SAME["coverage95"]), "92–97%",
         0.92 <= ref["coverage95"] <= 0.97),
        ("80% coverage by volatility third (calm / middle / volatile)",
         " / ".join(_p(r["coverage80"]) for r in thirds), "–", "each within 74–86%",
         all(abs(r["coverage80"] - 0.8) <= 0.06 for r in thirds)),
        ("lean: misses above / below the 80% band", f"{_p(ref['above80'])} / {_p(ref['below80'])} "
         f"(sign test p = {lean_p:.2f})", "–", "no significant lean", lean_p >= 0.05),
        ("mean width of the 80% / 95% interval", f"{ref['width80']:.3f} / {ref['width95']:.3f}",
         f"{SAME['width80']:.3f} / {SAME['width95']:.3f}", "as narrow as calibration allows", None),
        ("weighted interval score (lower is better)", _f(ref["wis"]), _f(SAME["wis"]), f"< {SAME['wis']}",
         ref["wis"] < SAME["wis"]),
        ("CRPS of the trajectories", _f(ref["crps"]), "–", "–", None),
        ("MAE of the median", _f(ref["mae"]), _f(SAME["mae"]), "< 0.0260", ref["mae"] < 0.0260),
        ("MAE against persistence at every horizon",
         ", ".join(f"{r['horizon']} y: {r['mae']:.4f} vs {r['mae_persistence']:.4f}" for r in ahead), "–",
         "below persistence", all(r["mae"] < r["mae_persistence"] for r in ahead)),
        ("countries where the median beats persistence", _p(ref["beats_persistence"]), "–", "more than 60%",
         ref["beats_persistence"] > 0.6),
        ("converged fit: R-hat < 1.05 on every hyperparameter", f"{d.rhat_max[0]:.3f} ({d.rhat_max[1]})", "–",
         "< 1.05", d.converged),
    ]
    rows = [(goal, value, bm, target, "" if ok is None else ("met" if ok else "**not met**"))
            for goal, value, bm, target, ok in checks]
    return ("Reference test, reference design (fit to 2005; 2010–2015 and 2015–2020, "
            f"{ref['n']} country-periods). bayesMig's figures are those quoted in issue 15 for the same "
            "country-periods. The volatility thirds pool all three horizons.\n\n"
            + _table(("measure", "migcap", "bayesMig (same country-periods)", "goal", ""), rows))


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


def block_stock_baselines(con: duckdb.DuckDBPyConnection, bt: BacktestResult) -> str:
    """The stock backtest from 2005 against its baselines, per horizon."""
    from migcap.projections.backtesting import BASELINES, stock_baselines

    t = stock_baselines(bt, con)
    rows = [(r["year"], r["method"], r["countries"], _k(r["mae"]), _m(r["world_predicted"]),
             f"{r['world_error_pct']:+.1f}%") for r in t]
    by_year: dict[int, dict[str, float]] = {}
    for r in t:
        by_year.setdefault(r["year"], {})[r["method"]] = r["mae"]
    wins = [y for y, m in by_year.items() if all(m[BASELINES[0]] < m[b] for b in BASELINES[1:])]
    observed = {r["year"]: r["world_observed"] for r in t}
    return (t.notes[1] + " Observed world (same countries): "
            + ", ".join(f"{y} {_m(v)} M" for y, v in observed.items())
            + f". The model's country MAE is the lowest in {len(wins)} of {len(by_year)} years.\n\n"
            + _table(("year", "method", "countries", "MAE (thousands)", "world (millions)", "world error"),
                     rows))


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


def block_published(fut: Future) -> str:
    """The 2050 world stock beside published projections (for comparison only)."""
    from migcap.projections.project import published_comparison

    t = published_comparison(2050, fut=fut)
    rows = []
    for r in t:
        bands = ("" if np.isnan(r["lower80"]) else
                 f"{_m(r['lower80'])} – {_m(r['upper80'])} (95%: {_m(r['lower95'])} – {_m(r['upper95'])})")
        rows.append((r["projection"], _m(r["median"]), bands, r["basis"]))
    return ("For comparison only: the model was not tuned to any published figure.\n\n"
            + _table(("projection", "2050, millions", "80% interval", "basis"), rows))


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


def _variants() -> dict[str, Priors]:
    """Every model variant tried, the chosen one (``MODEL_PRIORS``) first, the model of version 1 second."""
    from migcap.projections.fitted import MODEL_PRIORS
    from migcap.projections.model import DEFAULT_NU_GRID, Priors

    finite = tuple(g for g in DEFAULT_NU_GRID if g > 2)      # ν > 2: tails of finite variance
    ln, pop = "lognormal", True
    return {
        "t, walking κ, log-normal σ² with log population (chosen, version 2)": MODEL_PRIORS,
        "t, walking κ, inverse-gamma σ² (version 1)": Priors(),
        "t, constant volatility, inverse-gamma σ²": Priors(volatility=False),
        "normal, walking κ, inverse-gamma σ²": Priors(nu_grid=()),
        "normal, constant volatility, inverse-gamma σ²": Priors(nu_grid=(), volatility=False),
        "t with ν > 2, walking κ, inverse-gamma σ²": Priors(nu_grid=finite),
        "t, reverting κ, inverse-gamma σ²": Priors(kappa_process="revert"),
        "t with ν > 2, reverting κ, inverse-gamma σ²": Priors(nu_grid=finite, kappa_process="revert"),
        "t, walking κ, log-normal σ²": Priors(sigma_prior=ln),
        "t with ν > 2, reverting κ, log-normal σ²": Priors(nu_grid=finite, kappa_process="revert",
                                                          sigma_prior=ln),
        "t with ν > 2, walking κ, log-normal σ² with log population": Priors(
            nu_grid=finite, sigma_prior=ln, sigma_covariate=pop),
        "normal, walking κ, log-normal σ² with log population": Priors(nu_grid=(), sigma_prior=ln,
                                                                      sigma_covariate=pop),
        "t, reverting κ, log-normal σ² with log population": Priors(kappa_process="revert", sigma_prior=ln,
                                                                   sigma_covariate=pop),
        "t with ν > 2, reverting κ, log-normal σ² with log population": Priors(
            nu_grid=finite, kappa_process="revert", sigma_prior=ln, sigma_covariate=pop),
        "normal, reverting κ, log-normal σ² with log population": Priors(
            nu_grid=(), kappa_process="revert", sigma_prior=ln, sigma_covariate=pop),
    }


#: Sampler settings of the variant study (half the default run: 15 variants × 3 fits).
VARIANT_SETTINGS = (4000, 1000, 4)


def _variant_summary(name: str) -> Table:
    """The development backtests of one variant (run in a worker process)."""
    from migcap.projections.backtesting import development_backtest
    from migcap.projections.model import SamplerSettings
    from migcap.store.warehouse import connect

    iterations, burnin, thin = VARIANT_SETTINGS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dev = development_backtest(connect(), settings=SamplerSettings(iterations=iterations, burnin=burnin,
                                                                       thin=thin),
                                   priors=_variants()[name], draws=DRAWS, seed=SEED)
    return dev.summary


def block_variants(workers: int = 2) -> tuple[str, Table]:
    """Every model variant on the development backtests (fits to 1990, 1995, 2000; checks to 2005), and
    the development backtests of the chosen one (the first), in ``workers`` processes."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    names = list(_variants())
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        summaries = list(pool.map(_variant_summary, names))
    rows = []
    for name, summary in zip(names, summaries, strict=True):
        r = next(x for x in summary if x["set"] == "all")
        thirds = [x for x in summary if x["set"].startswith("volatility")]
        rows.append((name, _p(r["coverage50"]), _p(r["coverage80"]), _p(r["coverage95"]),
                     " / ".join(_p(x["coverage80"]) for x in thirds),
                     f"{r['width80']:.3f} / {r['width95']:.3f}", _f(r["wis"]), _f(r["crps"]), _f(r["mae"]),
                     _p(r["beats_persistence"])))
    n = next(x for x in summaries[0] if x["set"] == "all")["n"]
    iterations, burnin, _ = VARIANT_SETTINGS
    text = (f"Development backtests pooled: fits to 1990, 1995 and 2000, each checked on its periods up to "
            f"2000–2005 ({n:,} country-periods); 4 chains × ({burnin:,} + {iterations:,}) iterations, "
            f"{DRAWS:,} trajectories per fit, seed {SEED}. σ² are the country variances, κ the world "
            "volatility. The reference test (fit to 2005) is not shown for the variants: it is never used "
            "to choose.\n\n"
            + _table(("variant", "50%", "80%", "95%", "80% by volatility third", "width 80% / 95%", "WIS",
                      "CRPS", "MAE", "countries beating persistence"), rows))
    return text, summaries[0]


def block_reference_v1(con: duckdb.DuckDBPyConnection) -> str:
    """The reference test of the model of version 1 (issue 6's), for the before-and-after of issue 15."""
    from migcap.projections.backtesting import backtest
    from migcap.projections.model import Priors

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bt = backtest(con, priors=Priors(), draws=DRAWS, seed=SEED)
    keep = bt.summary.filter(lambda r: r["set"] in ("reference design", "all") or r["set"].startswith("vol"))
    return ("The model of version 1 (inverse-gamma country variances) on the same reference test, default "
            f"sampler, {DRAWS:,} trajectories, seed {SEED}:\n\n" + _score_table(keep))


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
    out["stock-baselines"] = block_stock_baselines(con, bt)
    out["stock-model"] = block_stock_model(fut)
    out["stock-forms"] = block_stock_forms(fut)
    out["volatility"] = block_volatility(fut)
    out["constraint"] = block_constraint(fut)
    out["wpp-2050"] = block_wpp_2050(fut)
    out["countries"] = block_countries(fut)
    out["wmr"] = block_wmr(fut)
    out["scenarios"] = block_scenarios(fut)
    out["published"] = block_published(fut)
    if not quick:
        log("model variants on the development backtests (slow)…")
        out["variants"], dev = block_variants()
        out["development"] = block_development(dev)
        log("the reference test of the model of version 1…")
        out["reference-v1"] = block_reference_v1(con)
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
