"""Backtest: fit to the data up to 2005, project, and compare with what the data now say.

Design (the one of the reference run of bayesMig in issue 6): the model is fitted to
the WPP 2024 estimates of the periods 1950–1955 … 2000–2005, projects 2005–2010,
2010–2015 and 2015–2020 for every country, and each projection is compared with WPP
2024's estimate of that period's rate. Nothing after 2005 enters the projection: the
natural growth that weights the world constraint is that of 2000–2005, held constant.

Scores, per horizon (5, 10, 15 years) and pooled:

* coverage of the 80% and 95% intervals, and the share of misses above and below;
* mean absolute error of the median, and of two benchmarks: *persistence* (the rate of
  2000–2005 carried forward) and WPP's medians. The bundled WPP 2024 has no
  projection made in 2005 (its medians start in 2024, and its estimates for 2005–2020 are
  the truth compared against), so ``mae_wpp`` is reported as missing, not made up.

The reference design of the issue scores the periods 2010–2015 and 2015–2020 (472
country-periods); its 5-year figure is the period 2005–2010.

Examples
--------
>>> from migcap.projections import backtest                  # doctest: +SKIP
>>> bt = backtest()                                           # doctest: +SKIP
>>> bt.to_dict()["coverage80"]                                # doctest: +SKIP
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from migcap.errors import DataUnavailableError
from migcap.projections.data import PERIOD, RateData, load_rates, period_label
from migcap.projections.fitted import FittedModel, fit_rates
from migcap.projections.model import Priors, Progress, SamplerSettings
from migcap.projections.trajectories import Trajectories
from migcap.table import Table

if TYPE_CHECKING:
    import duckdb

__all__ = ["BacktestResult", "backtest", "score", "stock_backtest"]

SUMMARY_COLUMNS = ("set", "periods", "horizon", "n", "coverage80", "above80", "below80", "coverage95",
                   "above95", "below95", "mae", "mae_persistence", "mae_wpp")
DETAIL_COLUMNS = ("iso3", "country", "period_end", "horizon", "observed", "median", "lower80", "upper80",
                  "lower95", "upper95", "persistence")
REFERENCE = {"coverage80": 0.82, "coverage95": 0.92, "mae": 0.0269, "mae_persistence": 0.0303, "n": 472,
             "mae_5y": 0.0225, "mae_persistence_5y": 0.0211}
QUANTILES = (0.5, 0.1, 0.9, 0.025, 0.975)


def score(detail: Table, label: str, periods: str, horizon: str) -> tuple[Any, ...]:
    """One summary row from detail rows (``DETAIL_COLUMNS``)."""
    rows = list(detail)
    n = len(rows)
    if n == 0:
        return (label, periods, horizon, 0, *([None] * (len(SUMMARY_COLUMNS) - 4)))
    obs = np.array([r["observed"] for r in rows])
    med = np.array([r["median"] for r in rows])
    l80, u80 = np.array([r["lower80"] for r in rows]), np.array([r["upper80"] for r in rows])
    l95, u95 = np.array([r["lower95"] for r in rows]), np.array([r["upper95"] for r in rows])
    pers = np.array([r["persistence"] for r in rows])
    return (
        label, periods, horizon, n,
        float(np.mean((obs >= l80) & (obs <= u80))), float(np.mean(obs > u80)), float(np.mean(obs < l80)),
        float(np.mean((obs >= l95) & (obs <= u95))), float(np.mean(obs > u95)), float(np.mean(obs < l95)),
        float(np.mean(np.abs(med - obs))), float(np.mean(np.abs(pers - obs))), None,
    )


@dataclass(frozen=True, eq=False)
class BacktestResult:
    """Scores of a backtest.

    Attributes
    ----------
    summary
        One row per horizon, for the reference design and for all periods (``SUMMARY_COLUMNS``).
    detail
        One row per country and period (``DETAIL_COLUMNS``), rates per 5-year period.
    model
        The model fitted to the data up to ``fit_end``.
    fit_end
        End year of the last period fitted.
    """

    summary: Table
    detail: Table
    model: FittedModel
    fit_end: int
    draws: int
    seed: int

    def headline(self) -> dict[str, Any]:
        """The scores of all checked periods pooled."""
        return next(r for r in self.summary if r["set"] == "all")

    def to_frame(self) -> Any:
        """The summary as a DataFrame."""
        return self.summary.to_frame()

    def to_table(self) -> Table:
        """The summary table."""
        return self.summary

    def to_dict(self) -> dict[str, Any]:
        """Pooled scores at the top level (``coverage80, coverage95, mae, mae_persistence, mae_wpp, n``),
        then every summary row, the convergence of the fit, the reference figures and notes."""
        head = self.headline()
        d = self.model.diagnostics
        r, rname = d.rhat_max
        return {
            **{k: head[k] for k in ("coverage80", "coverage95", "mae", "mae_persistence", "mae_wpp", "n",
                                    "above80", "below80", "above95", "below95")},
            "fit_end": self.fit_end,
            "periods": head["periods"],
            "draws": self.draws,
            "seed": self.seed,
            "rows": self.summary.to_dict()["rows"],
            "fit": {"rhat_max": r, "rhat_max_parameter": rname, "converged": d.converged,
                    "seconds": self.model.posterior.seconds, **self.model.posterior.settings.to_dict()},
            "reference_bayesmig": REFERENCE,
            "sources": list(self.summary.sources),
            "notes": list(self.summary.notes),
        }


def _trajectories(model: FittedModel, ends: tuple[int, ...], *, draws: int, seed: int) -> Trajectories:
    """Trajectories of a backtest: natural growth of the last fitted period held constant."""
    data = model.data
    natural = (data.population[:, -1] - data.migrants[:, -1]) / data.population[:, -2]
    nat = np.repeat(natural[:, None], len(ends), axis=1)
    return model.simulate(ends, nat, draws=draws, seed=seed)


def _detail(model: FittedModel, truth: RateData, ends: tuple[int, ...], *, draws: int, seed: int) -> Table:
    data = model.data
    traj = _trajectories(model, ends, draws=draws, seed=seed)
    q = np.quantile(traj.rates, QUANTILES, axis=0)       # (5, countries, periods)
    rows = []
    last = data.rates[:, -1]
    for j, end in enumerate(ends):
        col = truth.ends.index(end)
        for i, iso3 in enumerate(data.iso3):
            ti = truth.iso3.index(iso3)
            rows.append((iso3, data.names[i], end, end - model.last_end, float(truth.rates[ti, col]),
                         float(q[0, i, j]), float(q[1, i, j]), float(q[2, i, j]), float(q[3, i, j]),
                         float(q[4, i, j]), float(last[i])))
    return Table(DETAIL_COLUMNS, tuple(rows),
                 title=f"Backtest, by country and period (fitted to {model.last_end})",
                 units={c: "net migrants per 5 years ÷ end-of-period population net of them"
                        for c in DETAIL_COLUMNS[4:]})


def backtest(
    con: duckdb.DuckDBPyConnection | None = None,
    *,
    fit_end: int = 2005,
    draws: int = 2000,
    seed: int = 1,
    edition: str | None = None,
    priors: Priors | None = None,
    settings: SamplerSettings | None = None,
    progress: Progress | None = None,
    reference_ends: tuple[int, ...] = (2015, 2020),
    last_check: int | None = None,
) -> BacktestResult:
    """Fit to the periods up to ``fit_end``, project the later observed ones and score the projections.

    Parameters
    ----------
    con
        Warehouse connection (default: :func:`migcap.store.warehouse.connect`).
    fit_end
        End year of the last fitted period (default 2005: data 1950–2005).
    draws, seed
        Trajectories and their seed.
    edition, priors, settings, progress
        As for :func:`~migcap.projections.fit`.
    reference_ends
        Period ends of the reference design (the issue's 2010–2020: periods ending 2015 and 2020).
    last_check
        End year of the last period checked (default: the last observed). A development
        backtest (say fitted to 1990, checked to 2005) chooses between model variants
        without looking at the periods of the final test.

    Returns
    -------
    BacktestResult

    Raises
    ------
    DataUnavailableError
        If no observed period follows ``fit_end``.
    """
    from migcap.store.warehouse import connect

    con = con or connect()
    truth = load_rates(con, edition)
    if fit_end not in truth.ends or fit_end == truth.ends[-1]:
        raise DataUnavailableError(
            f"cannot backtest from {fit_end}: the fit must end at an observed period end before "
            f"{truth.ends[-1]}", hint=f"period ends: {', '.join(map(str, truth.ends[2:-1]))}")
    ends = tuple(e for e in truth.ends if e > fit_end and (last_check is None or e <= last_check))
    model = fit_rates(truth.upto(fit_end), priors=priors, settings=settings, progress=progress)
    detail = _detail(model, truth, ends, draws=draws, seed=seed)
    label = f"{period_label(ends[0])} … {period_label(ends[-1])}"
    rows = []
    for end in ends:
        rows.append(score(detail.where(period_end=end), f"{end - fit_end} years ahead", period_label(end),
                          f"{end - fit_end}"))
    ref = tuple(e for e in reference_ends if e in ends)
    if ref:
        sub = Table(detail.columns, tuple(r for r in detail.rows if r[2] in ref))
        rows.append(score(sub, "reference design", " and ".join(period_label(e) for e in ref),
                          ", ".join(str(e - fit_end) for e in ref)))
    rows.append(score(detail, "all", label, ", ".join(str(e - fit_end) for e in ends)))
    d = model.diagnostics
    r, rname = d.rhat_max
    notes = (
        f"Model fitted to the WPP {truth.edition} estimates of {period_label(truth.ends[0])} … "
        f"{period_label(fit_end)} ({model.data.n_countries} countries); {draws} trajectories, seed {seed}; "
        f"largest hyperparameter R-hat {r:.3f} ({rname}).",
        "Rates: net migrants of the 5-year period ÷ (end-of-period population − net migrants). "
        "Persistence: the 2000–2005 rate carried forward. coverage = share of observed rates inside "
        "the interval; above/below = share outside on each side.",
        f"mae_wpp is missing: WPP {truth.edition}'s medians start in 2024 and no earlier WPP "
        "projection is bundled, so there is no WPP forecast of 2005–2020 to score.",
    )
    summary = Table(SUMMARY_COLUMNS, tuple(rows),
                    title=f"Backtest of the net migration model: fitted to {fit_end}, checked on {label}",
                    sources=(truth.source,), notes=notes,
                    units={"mae": "rate per 5-year period", "mae_persistence": "rate per 5-year period",
                           "coverage80": "share", "coverage95": "share"})
    return BacktestResult(summary, detail, model, fit_end, draws, seed)


STOCK_COLUMNS = ("area_code", "area", "year", "observed", "median", "lower80", "upper80", "lower95",
                 "upper95")


def stock_backtest(
    result: BacktestResult,
    con: duckdb.DuckDBPyConnection | None = None,
    *,
    scheme: str = "wmr2010",
    form: str = "regime",
) -> Table:
    """Backtest of the migrant stock: the stock–flow model fitted to the IMS stocks up to the
    backtest's ``fit_end``, run on the backtest's net migration trajectories, against IMS.

    Rows: the world and the regions of ``scheme`` in each checked year, then the coverage of
    the country intervals (area ``countries``: ``observed`` holds the number of country-years,
    ``median`` the 80% and ``lower80`` the 95% coverage).
    """
    from migcap.geo.schemes import load_scheme
    from migcap.projections.areas import resolve_area
    from migcap.projections.data import load_stocks
    from migcap.projections.result import summarise
    from migcap.projections.stockflow import fit_stock_model, project_stocks
    from migcap.store.warehouse import connect

    con = con or connect()
    model = result.model
    truth = load_rates(con, model.data.edition)
    stocks = load_stocks(con, truth)
    ends = tuple(e for e in sorted({r["period_end"] for r in result.detail}) if e in stocks.years)
    if not ends or model.last_end not in stocks.years:
        raise DataUnavailableError(f"no migrant stocks for {model.last_end} and the years after it")
    sm = fit_stock_model(stocks, truth, last_year=model.last_end, form=form)
    traj = _trajectories(model, tuple(range(model.last_end + PERIOD, ends[-1] + 1, PERIOD)),
                         draws=result.draws, seed=result.seed)
    s0 = stocks.stock[:, stocks.years.index(model.last_end)]
    paths = project_stocks(sm, s0, traj.migrants, traj.population, seed=result.seed)
    cols = [stocks.years.index(e) for e in ends]
    jj = [traj.ends.index(e) + 1 for e in ends]
    sch = load_scheme(scheme)
    rows = []
    areas = [resolve_area("WLD", sch, available=model.data.iso3)] + \
        [resolve_area(c, sch, available=model.data.iso3) for c in sch.regions]
    pos = {c: i for i, c in enumerate(model.data.iso3)}
    for a in areas:
        idx = np.array([pos[c] for c in a.members])
        have = np.isfinite(s0[idx]) & np.isfinite(stocks.stock[idx][:, cols]).all(axis=1)
        idx = idx[have]
        q = summarise(paths[:, idx][:, :, jj].sum(axis=1))
        for j, e in enumerate(ends):
            rows.append((a.code, a.name, e, float(stocks.stock[idx, cols[j]].sum()),
                         *(float(v) for v in q[:, j])))
    inside80 = inside95 = total = 0
    for j in range(len(ends)):
        obs = stocks.stock[:, cols[j]]
        ok = np.isfinite(obs) & np.isfinite(s0)
        qq = np.quantile(paths[:, ok, jj[j]], [0.1, 0.9, 0.025, 0.975], axis=0)
        o = obs[ok]
        inside80 += int(((o >= qq[0]) & (o <= qq[1])).sum())
        inside95 += int(((o >= qq[2]) & (o <= qq[3])).sum())
        total += int(ok.sum())
    rows.append(("countries", "coverage of country intervals", ends[-1], float(total), inside80 / total,
                 inside95 / total, math.nan, math.nan, math.nan))
    coef = ", ".join(f"{n} {m:.3f} (between-period sd {sd:.3f})" for n, m, sd in sm.rows())
    notes = (
        f"Stock–flow model ({form}) fitted to UN DESA IMS {stocks.edition} stocks "
        f"{sm.years[0] - PERIOD}–{model.last_end}: {coef}; run on the {result.draws} net migration "
        f"trajectories of the backtest (fitted to {model.last_end}).",
        "Last row: country-years inside the 80% (median column) and 95% (lower80 column) intervals; "
        "observed column = number of country-years.",
    )
    return Table(STOCK_COLUMNS, tuple(rows), title=f"Backtest of the migrant stock from {model.last_end}",
                 sources=(truth.source, stocks.source), notes=notes,
                 units={c: "international migrants (1 July)" for c in STOCK_COLUMNS[3:]})
