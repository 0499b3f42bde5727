"""Backtests: fit to the data up to a year, project the later periods, score against what the data say.

Two designs, and the order in which they may be used:

* **Development backtests** (``development_backtest()``, ``migcap project backtest
  --development``): fits to 1990, 1995 and 2000, each checked on its periods up to 2000–2005.
  They never look at a period after 2005, so every modelling choice is made on them.
* **The reference test** (``backtest()``, the default): the design of bayesMig's reference
  run (issue 6), fitted to the WPP 2024 estimates of 1950–1955 … 2000–2005, projecting
  2005–2010, 2010–2015 and 2015–2020 for every country. Its *reference design* scores
  2010–2015 and 2015–2020 (472 country-periods). It is reported for a model once chosen, and
  never used to choose.

Nothing after a fit's last period enters its projection: the natural growth that weights the
world constraint is that of its last fitted period, held constant.

Scores (:mod:`migcap.projections.scoring`), per horizon, per tercile of country volatility
(the standard deviation of the changes of a country's rate over the fitted periods, so known
at the forecast origin), per fit of the development design, and pooled:

* coverage of the 50%, 80% and 95% intervals, and the lean (shares of misses above and below);
* mean width of each interval, the interval scores of the 80% and 95% intervals and the
  weighted interval score (WIS) of the quantiles 2.5/10/50/90/97.5%;
* the CRPS of the trajectories;
* mean absolute error of the median against *persistence* (the last fitted rate carried
  forward), and the share of countries whose median beats persistence.

There is no WPP forecast to score beside them: the bundled WPP 2024's medians start in 2024,
and its estimates for 2005–2020 are the truth the forecasts are compared with.

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
from migcap.projections.data import PERIOD, MigrantStocks, RateData, load_rates, period_label
from migcap.projections.fitted import FittedModel, fit_rates
from migcap.projections.model import Priors, Progress, SamplerSettings
from migcap.projections.scoring import QUANTILES, SCORE_COLUMNS, crps_from_draws, scores, terciles, volatility
from migcap.projections.trajectories import Trajectories
from migcap.table import Table

if TYPE_CHECKING:
    import duckdb

__all__ = ["BASELINES", "DEVELOPMENT_FITS", "BacktestResult", "backtest", "development_backtest",
           "stock_backtest", "stock_baselines"]

SUMMARY_COLUMNS = ("set", "periods", "horizon", *SCORE_COLUMNS)
DETAIL_COLUMNS = ("fit_end", "iso3", "country", "period_end", "horizon", "volatility", "tercile", "observed",
                  "median", "lower50", "upper50", "lower80", "upper80", "lower95", "upper95", "persistence",
                  "crps")
#: Fits of the development backtests, and the last period end they check.
DEVELOPMENT_FITS = (1990, 1995, 2000)
DEVELOPMENT_LAST_CHECK = 2005
#: bayesMig's reference backtest as summarised by bayesMig itself (issue 6).
REFERENCE = {"coverage80": 0.82, "coverage95": 0.92, "mae": 0.0269, "mae_persistence": 0.0303, "n": 472,
             "mae_5y": 0.0225, "mae_persistence_5y": 0.0211}
#: bayesMig's reference backtest scored on migcap's observed rates of the same 472 country-periods,
#: as quoted in issue 15 (no bayesMig output is bundled to recompute them).
REFERENCE_SAME_PERIODS = {"coverage80": 0.824, "coverage95": 0.915, "width80": 0.099, "width95": 0.160,
                          "wis": 0.0151, "mae": 0.0269, "n": 472}
_UNITS = ({c: "rate per 5-year period" for c in SCORE_COLUMNS
           if c.startswith(("width", "interval", "wis", "crps", "mae"))}
          | {c: "share" for c in SCORE_COLUMNS if c.startswith(("coverage", "above", "below", "beats"))})
TERCILES = {1: "calmest third", 2: "middle third", 3: "most volatile third"}


def _span(ends: list[int]) -> str:
    """Period label of one end, or ``first … last``."""
    ends = sorted(set(ends))
    return period_label(ends[0]) if len(ends) == 1 else f"{period_label(ends[0])} … {period_label(ends[-1])}"


def _row(rows: list[dict[str, Any]], label: str) -> tuple[Any, ...]:
    """One summary row (``SUMMARY_COLUMNS``) of detail rows."""
    s = scores(rows)
    periods = _span([r["period_end"] for r in rows]) if rows else ""
    horizon = ", ".join(str(h) for h in sorted({r["horizon"] for r in rows}))
    return (label, periods, horizon, *(s[c] for c in SCORE_COLUMNS))


def summarise(detail: Table, *, reference_ends: tuple[int, ...] = ()) -> tuple[tuple[Any, ...], ...]:
    """Summary rows of detail rows (``DETAIL_COLUMNS``): per horizon, the reference design (the
    periods ``reference_ends`` of a single fit), per volatility tercile, per fit (if several) and all."""
    rows = list(detail)
    out = []
    for h in sorted({r["horizon"] for r in rows}):
        out.append(_row([r for r in rows if r["horizon"] == h], f"{h} years ahead"))
    fits = sorted({r["fit_end"] for r in rows})
    if len(fits) == 1 and reference_ends:
        ref = [r for r in rows if r["period_end"] in reference_ends]
        if ref:
            out.append(_row(ref, "reference design"))
    for t, name in TERCILES.items():
        out.append(_row([r for r in rows if r["tercile"] == t], f"volatility: {name}"))
    if len(fits) > 1:
        for fe in fits:
            out.append(_row([r for r in rows if r["fit_end"] == fe], f"fit to {fe}"))
    out.append(_row(rows, "all"))
    return tuple(out)


@dataclass(frozen=True, eq=False)
class BacktestResult:
    """Scores of a backtest (one fit, or the fits of the development design).

    Attributes
    ----------
    summary
        Rows per horizon, reference design, volatility tercile, fit and all (``SUMMARY_COLUMNS``).
    detail
        One row per fit, country and period (``DETAIL_COLUMNS``), rates per 5-year period.
    models
        The models fitted, one per fit end, in order.
    draws, seed
        Trajectories per fit and their seed.
    """

    summary: Table
    detail: Table
    models: tuple[FittedModel, ...]
    draws: int
    seed: int

    @property
    def model(self) -> FittedModel:
        """The model of the last fit."""
        return self.models[-1]

    @property
    def fit_end(self) -> int:
        """End year of the last period fitted (of the last fit)."""
        return self.model.last_end

    @property
    def fit_ends(self) -> tuple[int, ...]:
        """End year of the last fitted period of each fit."""
        return tuple(m.last_end for m in self.models)

    @property
    def development(self) -> bool:
        """Several fits: the development design."""
        return len(self.models) > 1

    def headline(self) -> dict[str, Any]:
        """The scores of all checked periods pooled."""
        return next(r for r in self.summary if r["set"] == "all")

    def row(self, label: str) -> dict[str, Any]:
        """The summary row named ``label`` (``"reference design"``, ``"5 years ahead"``, …)."""
        return next(r for r in self.summary if r["set"] == label)

    def to_frame(self) -> Any:
        """The summary as a DataFrame."""
        return self.summary.to_frame()

    def to_table(self) -> Table:
        """The summary table."""
        return self.summary

    def to_dict(self) -> dict[str, Any]:
        """Pooled scores at the top level (every ``SCORE_COLUMNS`` key: ``coverage80, wis, crps, mae``, …),
        then the design, every summary row, the convergence of each fit, bayesMig's figures and notes."""
        head = self.headline()
        fits = []
        for m in self.models:
            r, rname = m.diagnostics.rhat_max
            fits.append({"fit_end": m.last_end, "model_version": m.version, "rhat_max": r,
                         "rhat_max_parameter": rname, "converged": m.diagnostics.converged,
                         "seconds": m.posterior.seconds,
                         **m.posterior.settings.to_dict()})
        return {
            **{k: head[k] for k in SCORE_COLUMNS},
            "design": "development" if self.development else "reference",
            "model_version": self.model.version,
            "fit_end": self.fit_end,
            "fit_ends": list(self.fit_ends),
            "periods": head["periods"],
            "draws": self.draws,
            "seed": self.seed,
            "rows": self.summary.to_dict()["rows"],
            "fit": fits[-1],
            "fits": fits,
            "reference_bayesmig": REFERENCE,
            "bayesmig_same_periods": REFERENCE_SAME_PERIODS,
            "sources": list(self.summary.sources),
            "notes": list(self.summary.notes),
        }


def _trajectories(model: FittedModel, ends: tuple[int, ...], *, draws: int, seed: int) -> Trajectories:
    """Trajectories of a backtest: natural growth of the last fitted period held constant."""
    data = model.data
    natural = (data.population[:, -1] - data.migrants[:, -1]) / data.population[:, -2]
    nat = np.repeat(natural[:, None], len(ends), axis=1)
    return model.simulate(ends, nat, draws=draws, seed=seed)


def _detail_rows(model: FittedModel, truth: RateData, ends: tuple[int, ...], *, draws: int,
                 seed: int) -> list[tuple[Any, ...]]:
    data = model.data
    traj = _trajectories(model, ends, draws=draws, seed=seed)
    q = np.quantile(traj.rates, QUANTILES, axis=0)       # (quantiles, countries, periods)
    vol = volatility(data.rates)
    third = terciles(vol)
    last = data.rates[:, -1]
    rows = []
    pos = [truth.iso3.index(c) for c in data.iso3]
    for j, end in enumerate(ends):
        obs = truth.rates[pos, truth.ends.index(end)]
        crps = crps_from_draws(traj.rates[:, :, j], obs)
        for i, iso3 in enumerate(data.iso3):
            rows.append((model.last_end, iso3, data.names[i], end, end - model.last_end, float(vol[i]),
                         int(third[i]), float(obs[i]), *(float(v) for v in q[:, i, j]), float(last[i]),
                         float(crps[i])))
    return rows


def _notes(truth: RateData, models: tuple[FittedModel, ...], draws: int, seed: int) -> tuple[str, ...]:
    fitted = "; ".join(f"to {period_label(m.last_end)} (largest hyperparameter R-hat "
                       f"{m.diagnostics.rhat_max[0]:.3f}, {m.diagnostics.rhat_max[1]})" for m in models)
    return (
        f"migcap's net migration model, version {models[-1].version}, fitted to the WPP {truth.edition} "
        f"estimates from {period_label(truth.ends[0])} {fitted}; "
        f"{models[-1].data.n_countries} countries; {draws} trajectories per fit, seed {seed}.",
        "Rates: net migrants of the 5-year period ÷ (end-of-period population − net migrants). "
        "Persistence: the last fitted rate carried forward. coverage = share of observed rates inside "
        "the central interval; above/below = share outside on each side; width = mean upper − lower.",
        "wis: weighted interval score of the quantiles 2.5/10/50/90/97.5%; crps: continuous ranked "
        "probability score of the trajectories; both in rate units, lower is better. "
        "beats_persistence: share of the countries whose median has the lower mean absolute error.",
        "Volatility terciles: countries ranked by the standard deviation of the changes of their rate "
        "over the fitted periods (known at the forecast origin).",
        f"No WPP forecast is scored: WPP {truth.edition}'s medians start in 2024 and no earlier WPP "
        "projection is bundled.",
    )


def _run(con: duckdb.DuckDBPyConnection | None, fit_ends: tuple[int, ...], last_check: int | None, *,
         draws: int, seed: int, edition: str | None, priors: Priors | None, settings: SamplerSettings | None,
         progress: Progress | None, reference_ends: tuple[int, ...], title: str) -> BacktestResult:
    from migcap.store.warehouse import connect

    con = con or connect()
    truth = load_rates(con, edition)
    models, rows = [], []
    for fit_end in fit_ends:
        if fit_end not in truth.ends or fit_end == truth.ends[-1]:
            raise DataUnavailableError(
                f"cannot backtest from {fit_end}: the fit must end at an observed period end before "
                f"{truth.ends[-1]}", hint=f"period ends: {', '.join(map(str, truth.ends[2:-1]))}")
        ends = tuple(e for e in truth.ends if e > fit_end and (last_check is None or e <= last_check))
        if not ends:
            raise DataUnavailableError(f"no period to check after {fit_end} up to {last_check}")
        model = fit_rates(truth.upto(fit_end), priors=priors, settings=settings, progress=progress)
        models.append(model)
        rows += _detail_rows(model, truth, ends, draws=draws, seed=seed)
    title += f", checked on {_span([r[3] for r in rows])}"
    detail = Table(DETAIL_COLUMNS, tuple(rows), title=f"{title}: by fit, country and period",
                   units={c: "net migrants per 5 years ÷ end-of-period population net of them"
                          for c in DETAIL_COLUMNS[7:]})
    fits = tuple(models)
    summary = Table(SUMMARY_COLUMNS, summarise(detail, reference_ends=reference_ends), title=title,
                    sources=(truth.source,), notes=_notes(truth, fits, draws, seed),
                    units=_UNITS)
    return BacktestResult(summary, detail, fits, draws, seed)


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
        End year of the last fitted period (default 2005: data 1950–2005, the reference test).
    draws, seed
        Trajectories and their seed.
    edition, priors, settings, progress
        As for :func:`~migcap.projections.fit`.
    reference_ends
        Period ends of the reference design (the issue's 2010–2020: periods ending 2015 and 2020).
    last_check
        End year of the last period checked (default: the last observed).

    Returns
    -------
    BacktestResult

    Raises
    ------
    DataUnavailableError
        If no observed period follows ``fit_end``.
    """
    return _run(con, (fit_end,), last_check, draws=draws, seed=seed, edition=edition, priors=priors,
                settings=settings, progress=progress, reference_ends=reference_ends,
                title=f"Backtest of the net migration model: fitted to {fit_end}")


def development_backtest(
    con: duckdb.DuckDBPyConnection | None = None,
    *,
    fit_ends: tuple[int, ...] = DEVELOPMENT_FITS,
    last_check: int = DEVELOPMENT_LAST_CHECK,
    draws: int = 2000,
    seed: int = 1,
    edition: str | None = None,
    priors: Priors | None = None,
    settings: SamplerSettings | None = None,
    progress: Progress | None = None,
) -> BacktestResult:
    """The development backtests: a fit to each of ``fit_ends`` (1990, 1995, 2000), each checked on its
    periods up to ``last_check`` (2005), scored pooled (see :func:`backtest` for the parameters)."""
    return _run(con, tuple(fit_ends), last_check, draws=draws, seed=seed, edition=edition, priors=priors,
                settings=settings, progress=progress, reference_ends=(),
                title="Development backtests of the net migration model: fits to "
                      + ", ".join(map(str, fit_ends)))


STOCK_COLUMNS = ("area_code", "area", "year", "observed", "median", "lower80", "upper80", "lower95",
                 "upper95")


@dataclass(frozen=True, eq=False)
class _StockRun:
    """The stock–flow model of a backtest run on its trajectories: what the stock backtest and its
    baselines share. ``paths`` are ``(draws, countries, periods + 1)`` stocks from mid-``origin``."""

    stocks: MigrantStocks
    traj: Trajectories
    paths: np.ndarray
    s0: np.ndarray
    ends: tuple[int, ...]
    notes: tuple[str, ...]
    sources: tuple[str, ...]

    @property
    def origin(self) -> int:
        return self.ends[0] - PERIOD

    def column(self, year: int) -> int:
        """Index of ``year`` in the stocks."""
        return self.stocks.years.index(year)

    def step(self, year: int) -> int:
        """Index of ``year`` in the paths and the trajectories' population."""
        return self.traj.ends.index(year) + 1


def _stock_run(result: BacktestResult, con: duckdb.DuckDBPyConnection | None, form: str) -> _StockRun:
    from migcap.projections.data import load_stocks
    from migcap.projections.stockflow import fit_stock_model, project_stocks
    from migcap.store.warehouse import connect

    if result.development:
        raise DataUnavailableError("the stock backtest needs a single fit, not the development design",
                                   hint="run it on backtest(), the reference test")
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
    coef = ", ".join(f"{n} {m:.3f} (between-period sd {sd:.3f})" for n, m, sd in sm.rows())
    note = (f"Stock–flow model ({form}) fitted to UN DESA IMS {stocks.edition} stocks "
            f"{sm.years[0] - PERIOD}–{model.last_end}: {coef}; run on the {result.draws} net migration "
            f"trajectories of the backtest (fitted to {model.last_end}).")
    return _StockRun(stocks, traj, paths, s0, ends, (note,), (truth.source, stocks.source))


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
    from migcap.projections.result import summarise

    run = _stock_run(result, con, form)
    model = result.model
    stocks, paths, s0, ends = run.stocks, run.paths, run.s0, run.ends
    cols = [run.column(e) for e in ends]
    jj = [run.step(e) for e in ends]
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
    notes = (
        *run.notes,
        "Last row: country-years inside the 80% (median column) and 95% (lower80 column) intervals; "
        "observed column = number of country-years.",
    )
    return Table(STOCK_COLUMNS, tuple(rows), title=f"Backtest of the migrant stock from {model.last_end}",
                 sources=run.sources, notes=notes,
                 units={c: "international migrants (1 July)" for c in STOCK_COLUMNS[3:]})


BASELINE_COLUMNS = ("year", "horizon", "method", "countries", "mae", "world_observed", "world_predicted",
                    "world_error_pct")
#: The simple projections the stock model must beat (issue 15), as named in the table.
BASELINES = ("model (median)", "constant share of population", "trend of the share", "WMR 2010 method")


def _baseline_predictions(run: _StockRun, year: int, pace_years: int = 15) -> dict[str, np.ndarray]:
    """Each method's stock of every country in ``year``, from data up to the origin only: the model's
    median; the origin's share of population times the backtest's median projected population; the
    share's linear trend over the IMS years up to the origin, times that population (at least 0); the
    growth rate of the last ``pace_years`` years compounded (WMR 2010), or the origin's stock where the
    stock of the first year is missing or zero."""
    st, o = run.stocks, run.origin
    j = run.step(year)
    pop = np.median(run.traj.population[:, :, j], axis=0)
    s0, p0 = run.s0, st.population[:, run.column(o)]
    past = [y for y in st.years if y <= o]
    shares = st.stock[:, [run.column(y) for y in past]] / st.population[:, [run.column(y) for y in past]]
    x = np.array(past, dtype=float) - o
    ok = np.isfinite(shares)
    trend = np.full(len(s0), np.nan)
    for i in np.flatnonzero(ok.sum(axis=1) >= 2):
        slope, icpt = np.polyfit(x[ok[i]], shares[i, ok[i]], 1)
        trend[i] = max(icpt + slope * (year - o), 0.0)
    nan = np.full(len(s0), np.nan)
    first = st.stock[:, run.column(o - pace_years)] if o - pace_years in st.years else nan
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.where(np.isfinite(first) & (first > 0), (s0 / first) ** (1.0 / pace_years), 1.0)
    return {
        BASELINES[0]: np.median(run.paths[:, :, j], axis=0),
        BASELINES[1]: s0 / p0 * pop,
        BASELINES[2]: trend * pop,
        BASELINES[3]: s0 * growth ** (year - o),
    }


def stock_baselines(result: BacktestResult, con: duckdb.DuckDBPyConnection | None = None, *,
                    form: str = "regime", pace_years: int = 15) -> Table:
    """The stock backtest against its baselines: per checked year, the mean absolute error over the
    countries of the model's median and of each simple method (``BASELINES``), and their world totals
    against the observed one. Every input is known at the forecast origin (the IMS stocks up to it, and
    the backtest's projected population); the countries are those with a stock at the origin and in the
    year, the same for every method."""
    run = _stock_run(result, con, form)
    rows = []
    for year in run.ends:
        obs = run.stocks.stock[:, run.column(year)]
        pred = _baseline_predictions(run, year, pace_years)
        ok = np.isfinite(obs) & np.isfinite(run.s0) & np.logical_and.reduce([np.isfinite(v) for v in
                                                                              pred.values()])
        world = float(obs[ok].sum())
        for method in BASELINES:
            v = pred[method][ok]
            # the model's world figure is the median of the world's trajectories, not a sum of medians
            total = (float(np.median(run.paths[:, ok, run.step(year)].sum(axis=1))) if method == BASELINES[0]
                     else float(v.sum()))
            rows.append((year, year - run.origin, method, int(ok.sum()), float(np.mean(np.abs(v - obs[ok]))),
                         world, total, 100.0 * (total / world - 1.0)))
    notes = (
        *run.notes,
        f"Baselines from data up to {run.origin} only: constant share = the {run.origin} share of population "
        "times the backtest's median projected population; trend of the share = its straight line over "
        f"the IMS years {run.stocks.years[0]}–{run.origin}, times that population; WMR 2010 method = the "
        f"stock's annual growth of {run.origin - pace_years}–{run.origin} compounded.",
        "mae: mean absolute error over the countries (persons); world_predicted: the median of the world's "
        "trajectories for the model, the sum over the countries for the baselines; world_error_pct: it "
        "against the observed total (same countries).",
    )
    return Table(BASELINE_COLUMNS, tuple(rows),
                 title=f"Migrant stock from {run.origin}: the model against simple baselines",
                 sources=run.sources, notes=notes,
                 units={"mae": "international migrants", "world_observed": "international migrants",
                        "world_predicted": "international migrants", "world_error_pct": "%"})
