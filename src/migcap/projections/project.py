"""Projections to 2050 (or 2100): net migration, population and migrant stocks, and the scenarios.

Every projection runs the same pipeline:

1. the fitted net migration model (loaded from the data folder, or fitted and saved
   once) simulates every country's rates from 2015–2020 onward, with world net
   migration held to zero and population following WPP 2024's natural growth, its
   spread matched to WPP's population intervals;
2. the stock–flow model turns each trajectory's net migrants into migrant stocks;
3. the area's trajectories (a country, or the sum over a region's or the world's
   countries) give the median and the 80% and 95% intervals.

Examples
--------
>>> from migcap.projections import net_migration, stock                 # doctest: +SKIP
>>> net_migration("DEU", draws=1000, seed=1).to_table().column("median")  # doctest: +SKIP
>>> stock("WLD").to_frame()                                              # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from migcap.errors import DataUnavailableError, MigcapError
from migcap.geo.schemes import Scheme, load_scheme
from migcap.projections.areas import Area, resolve_area
from migcap.projections.data import (
    LAST_PROJECTED_END,
    PERIOD,
    MigrantStocks,
    RateData,
    WppOutlook,
    load_outlook,
    load_rates,
    load_stocks,
    period_label,
)
from migcap.projections.fitted import FittedModel
from migcap.projections.model import Progress
from migcap.projections.result import COLUMNS, Projection, summarise
from migcap.projections.stockflow import (
    IMPLAUSIBLE_FACTOR,
    StockModel,
    fit_stock_model,
    project_stocks,
)
from migcap.projections.trajectories import Trajectories, variant_log_sd, wpp_log_sd
from migcap.table import Table

if TYPE_CHECKING:
    import duckdb

__all__ = ["MAX_DRAWS", "Future", "check_request", "compare_wpp", "future", "get_model", "net_migration",
           "population", "stock", "stock_scenarios"]

MAX_DRAWS = 5000
ModelArg = FittedModel | str | Path | None


def _check(to: int, draws: int, last_end: int) -> tuple[int, ...]:
    first = last_end + PERIOD
    if isinstance(to, bool) or not isinstance(to, int | np.integer):
        raise DataUnavailableError(f"the end year must be a whole year (got {to!r})")
    if to < first or to > LAST_PROJECTED_END:
        raise DataUnavailableError(f"year {to} is out of range: projections run from {first} to "
                                   f"{LAST_PROJECTED_END}", value=to)
    if to % PERIOD:
        raise DataUnavailableError(
            f"year {to} does not end a 5-year period: projections are by periods ending in years "
            f"divisible by 5 (mid-year)", hint=f"use {to - to % PERIOD + PERIOD} or {to - to % PERIOD}")
    if isinstance(draws, bool) or not 1 <= draws <= MAX_DRAWS:
        raise DataUnavailableError(f"the number of trajectories must be between 1 and {MAX_DRAWS}",
                                   value=draws)
    return tuple(range(first, to + 1, PERIOD))


def check_request(data: RateData, area: str | Area, *, scheme: str | Scheme = "wmr2010", to: int = 2050,
                  draws: int = 1000) -> Area:
    """The area of a projection request, after checking it, the end year and the number of trajectories
    against the observed data — before any model is fitted or loaded.

    Raises
    ------
    UnknownAreaError, DataUnavailableError
        As the projection itself would: an unknown area, a country without WPP estimates, a year or a
        number of trajectories out of range.
    """
    _check(to, draws, data.ends[-1])
    return area if isinstance(area, Area) else resolve_area(area, scheme, available=data.iso3)


def get_model(
    con: duckdb.DuckDBPyConnection,
    model: ModelArg = None,
    *,
    refit: bool = False,
    progress: Progress | None = None,
    edition: str | None = None,
) -> FittedModel:
    """The fitted model to project with.

    ``model`` may be a :class:`FittedModel`, or the path of a saved one. Without it the model
    saved in the data folder is used if it was fitted to the current data; otherwise (or with
    ``refit``) the model is fitted and saved there — once, whichever process asks first: the others
    wait for that fit (:func:`migcap.projections.store.fit_default`).
    """
    from migcap.projections.store import fit_default, load_model

    if isinstance(model, FittedModel):
        return model
    if model is not None:
        return load_model(model)
    fitted = fit_default(load_rates(con, edition), refit=refit, progress=progress)
    assert fitted is not None  # fit_default waits for another process's fit
    return fitted


@dataclass(frozen=True, eq=False)
class Future:
    """Everything one run of the projection pipeline produced, for every country.

    Attributes
    ----------
    model, outlook
        The net migration model and WPP's outlook on the same grid.
    trajectories
        Net migration and population trajectories.
    stocks, stock_model, stock_paths
        Observed IMS stocks, the stock–flow model and ``(draws, countries, periods + 1)`` stock
        trajectories from the last observed year (NaN for countries without a stock).
    seed
        The seed of the trajectories.
    """

    model: FittedModel
    outlook: WppOutlook
    trajectories: Trajectories
    stocks: MigrantStocks
    stock_model: StockModel
    stock_paths: np.ndarray
    seed: int

    @property
    def iso3(self) -> tuple[str, ...]:
        """The countries, in the order of the arrays."""
        return self.model.data.iso3

    def index(self, members: Sequence[str]) -> np.ndarray:
        """Row indices of these countries."""
        pos = {c: i for i, c in enumerate(self.iso3)}
        return np.array([pos[c] for c in members], dtype=int)

    def sources(self) -> tuple[str, ...]:
        """Citations of the data used."""
        return (self.model.data.source, self.stocks.source)


def future(
    con: duckdb.DuckDBPyConnection | None = None,
    *,
    to: int = 2050,
    draws: int = 1000,
    seed: int = 1,
    model: ModelArg = None,
    progress: Progress | None = None,
    refit: bool = False,
) -> Future:
    """Run the projection pipeline for every country (see the module docstring).

    Raises
    ------
    DataUnavailableError
        If ``to`` is out of range or not the end of a 5-year period, or ``draws`` is out of range.
    """
    from migcap.store.warehouse import connect

    if not isinstance(draws, int) or isinstance(draws, bool):
        raise DataUnavailableError(f"the number of trajectories must be a whole number (got {draws!r})")
    con = con or connect()
    fitted = get_model(con, model, refit=refit, progress=progress)
    ends = _check(to, draws, fitted.last_end)
    data = fitted.data
    outlook = load_outlook(con, data.iso3, start=fitted.last_end, to=to, edition=data.edition)
    sd = wpp_log_sd(outlook.pop_lower80, outlook.pop_upper80, outlook.pop_lower95, outlook.pop_upper95)
    cap = variant_log_sd(outlook.pop_low, outlook.pop_high)
    w = outlook.world[:, -1]
    world_sd = float(wpp_log_sd(*(w[1:, None])).item()) if np.isfinite(w).all() else None
    traj = fitted.simulate(ends, outlook.natural, draws=draws, seed=seed, natural_sd=sd, natural_cap=cap,
                           world_sd=world_sd)
    stocks = load_stocks(con, data)
    sm = fit_stock_model(stocks, data)
    s0 = stocks.stock[:, stocks.years.index(fitted.last_end)]
    paths = project_stocks(sm, s0, traj.migrants, traj.population, seed=seed)
    return Future(fitted, outlook, traj, stocks, sm, paths, seed)


def _pairs(years: Sequence[int], values: np.ndarray) -> tuple[tuple[int, float], ...]:
    return tuple((int(y), float(v)) for y, v in zip(years, values, strict=True))


def _area(fut: Future, area: str | Area, scheme: str | Scheme) -> Area:
    return area if isinstance(area, Area) else resolve_area(area, scheme, available=fut.iso3)


def _notes(fut: Future, area: Area) -> list[str]:
    d = fut.model.diagnostics
    r, name = d.rhat_max
    notes = [
        f"{fut.trajectories.draws} trajectories (seed {fut.seed}) of migcap's net migration model, version "
        f"{fut.model.version} (a Bayesian hierarchical AR(1) model) of "
        f"5-year net migration rates fitted to WPP {fut.model.data.edition} estimates "
        f"{period_label(fut.model.data.ends[0])} … {period_label(fut.model.last_end)}; world net migration "
        f"is zero in every trajectory. Largest hyperparameter R-hat {r:.3f} ({name}).",
    ]
    if not d.converged:
        notes.append("WARNING: the model has not converged (R-hat ≥ 1.05); fit it again with "
                     "more iterations.")
    if area.missing:
        notes.append("Members without complete WPP estimates, left out: " + ", ".join(area.missing))
    if area.scheme:
        notes.append(f"Region {area.code} of scheme {area.scheme}.")
    return notes


def net_migration(
    area: str | Area = "WLD",
    *,
    scheme: str | Scheme = "wmr2010",
    to: int = 2050,
    draws: int = 1000,
    seed: int = 1,
    measure: Literal["count", "rate"] = "count",
    model: ModelArg = None,
    con: duckdb.DuckDBPyConnection | None = None,
    progress: Progress | None = None,
    fut: Future | None = None,
) -> Projection:
    """Probabilistic projection of net migration for the world, a region or a country.

    Parameters
    ----------
    area
        ``WLD``, a region code or name of ``scheme``, or a country name or code.
    scheme
        Region scheme (name or path).
    to
        Last year: the end (mid-year) of the last 5-year period, 2025 … 2100, divisible by 5.
    draws, seed
        Number of trajectories and their seed (the same seed gives the same numbers).
    measure
        ``count`` — net migrants per year (average of the 5-year period ending in the year);
        ``rate`` — the model's rate, net migrants of the period ÷ end-of-period population net of them.
    model
        A :class:`FittedModel` or the path of a saved model (default: the one in the data folder,
        fitted and saved on first use).
    con, progress
        Warehouse connection; progress callback for a fit.
    fut
        A :func:`future` already run (its ``to``, ``draws`` and ``seed`` are used).

    Returns
    -------
    Projection
        Columns ``area_code, area, year, median, lower80, upper80, lower95, upper95``.

    Raises
    ------
    UnknownAreaError, DataUnavailableError
        For an unknown area, or a year or number of trajectories out of range.
    """
    if measure not in ("count", "rate"):
        raise MigcapError(f"unknown measure {measure!r}", hint="use count or rate")
    fut = fut or future(con, to=to, draws=draws, seed=seed, model=model, progress=progress)
    a = _area(fut, area, scheme)
    idx = fut.index(a.members)
    tr = fut.trajectories
    m = tr.migrants[:, idx, :].sum(axis=1)
    if measure == "count":
        values, unit = m / PERIOD, "net migrants per year (average of the 5-year period ending mid-year)"
    else:
        base = (tr.population[:, idx, 1:] - tr.migrants[:, idx, :]).sum(axis=1)
        values, unit = m / base, "net migrants of the 5-year period ÷ end-of-period population net of them"
    data = fut.model.data
    last_m = float(data.migrants[idx, -1].sum())
    last_b = float(data.population[idx, -1].sum()) - last_m
    observed = last_m / PERIOD if measure == "count" else last_m / last_b
    notes = _notes(fut, a)
    notes.insert(1, f"Observed {period_label(data.ends[-1])}: {observed:,.{0 if measure == 'count' else 4}f} "
                    f"(WPP {data.edition} estimate).")
    if a.kind == "world":
        notes.insert(1, "World net migration is zero by construction in every trajectory.")
    what = "Net migration" if measure == "count" else "Net migration rate"
    past_m = data.migrants[idx].sum(axis=0)
    past = past_m / PERIOD if measure == "count" else past_m / (data.population[idx, 1:].sum(axis=0) - past_m)
    return Projection("net_migration" if measure == "count" else "net_migration_rate", a, tr.ends, values,
                      unit=unit, title=f"{what}, {a.name}: probabilistic projection to {tr.ends[-1]}",
                      sources=fut.sources()[:1], notes=tuple(notes), seed=fut.seed,
                      observed=_pairs(data.ends, past))


def population(
    area: str | Area = "WLD",
    *,
    scheme: str | Scheme = "wmr2010",
    to: int = 2050,
    draws: int = 1000,
    seed: int = 1,
    model: ModelArg = None,
    con: duckdb.DuckDBPyConnection | None = None,
    fut: Future | None = None,
) -> Projection:
    """Mid-year population of the trajectories (WPP natural growth, our net migration, WPP-matched spread)."""
    fut = fut or future(con, to=to, draws=draws, seed=seed, model=model)
    a = _area(fut, area, scheme)
    idx = fut.index(a.members)
    values = fut.trajectories.population[:, idx, 1:].sum(axis=1)
    data = fut.model.data
    return Projection("population", a, fut.trajectories.ends, values, unit="persons (1 July)",
                      title=f"Population, {a.name}: projection with the net migration model",
                      sources=fut.sources()[:1], notes=tuple(_notes(fut, a)), seed=fut.seed,
                      observed=_pairs((data.ends[0] - PERIOD, *data.ends), data.population[idx].sum(axis=0)))


def stock(
    area: str | Area = "WLD",
    *,
    scheme: str | Scheme = "wmr2010",
    to: int = 2050,
    draws: int = 1000,
    seed: int = 1,
    measure: Literal["count", "percent"] = "count",
    model: ModelArg = None,
    con: duckdb.DuckDBPyConnection | None = None,
    progress: Progress | None = None,
    fut: Future | None = None,
) -> Projection:
    """Probabilistic projection of the international migrant stock (mid-year) of an area.

    Parameters are those of :func:`net_migration`; ``measure`` is ``count`` (persons) or
    ``percent`` (of the population). Countries without an IMS stock are left out of the
    totals (listed in the notes).
    """
    if measure not in ("count", "percent"):
        raise MigcapError(f"unknown measure {measure!r}", hint="use count or percent")
    fut = fut or future(con, to=to, draws=draws, seed=seed, model=model, progress=progress)
    a = _area(fut, area, scheme)
    idx = fut.index(a.members)
    have = np.isfinite(fut.stock_paths[0, idx, 0])
    if not have.any():
        raise DataUnavailableError(f"no migrant stock for {a.name} in IMS edition {fut.stocks.edition}")
    idx_s = idx[have]
    s = fut.stock_paths[:, idx_s, 1:].sum(axis=1)
    start = fut.stock_paths[0, idx_s, 0].sum()
    p0 = fut.trajectories.population[0, idx_s, 0].sum()
    if measure == "count":
        values, unit = s, "international migrants (1 July)"
        obs = f"{start:,.0f}"
    else:
        values = 100.0 * s / fut.trajectories.population[:, idx_s, 1:].sum(axis=1)
        unit = "% of the population (1 July)"
        obs = f"{100 * start / p0:.2f}%"
    notes = _notes(fut, a)
    sm = fut.stock_model
    notes.insert(1, f"Observed {fut.model.last_end}: {obs} (UN DESA IMS {fut.stocks.edition}, "
                    "over the projected countries and areas). Stock–flow model "
                    f"fitted to IMS stocks {sm.years[0] - PERIOD}–{sm.years[-1]} ({sm.n_obs} "
                    "country-periods).")
    left = [c for c, ok in zip(a.members, have, strict=True) if not ok]
    if left:
        notes.append("Without an IMS stock, left out of the total: " + ", ".join(left))
    what = "International migrant stock" if measure == "count" else "International migrants, % of population"
    st = fut.stocks
    known = np.isfinite(st.stock[idx_s])
    shown = known.any(axis=0)
    past = np.where(known, st.stock[idx_s], 0.0).sum(axis=0)
    if measure == "percent":
        pop = np.where(known, st.population[idx_s], 0.0).sum(axis=0)
        past = 100.0 * np.divide(past, pop, out=np.full_like(past, np.nan), where=pop > 0)
    ratio = np.median(fut.stock_paths[:, idx_s, -1], axis=0) / fut.stock_paths[0, idx_s, 0]
    odd = [c for c, r in zip(np.asarray(a.members)[have], ratio, strict=True)
           if not 1 / IMPLAUSIBLE_FACTOR <= r <= IMPLAUSIBLE_FACTOR]
    if odd:
        notes.append(f"Indicative only for {', '.join(odd)}: the median projected stock of "
                     f"{fut.trajectories.ends[-1]} is less than 1/{IMPLAUSIBLE_FACTOR:g} or more than "
                     f"{IMPLAUSIBLE_FACTOR:g} times the {fut.model.last_end} stock, because the stock–flow "
                     "model fits their history poorly (large residuals, compounded period after period).")
    partial = [y for y, k, sh in zip(st.years, known.all(axis=0), shown, strict=True) if sh and not k]
    if partial:
        absent = [c for c, row in zip(np.asarray(a.members)[have], known, strict=True) if not row.all()]
        notes.append(f"Observed stocks of {', '.join(map(str, partial))} leave out {', '.join(absent)} "
                     f"(no separate figure in UN DESA IMS {st.edition}).")
    return Projection("migrant_stock" if measure == "count" else "migrant_stock_percent", a,
                      fut.trajectories.ends, values, unit=unit,
                      title=f"{what}, {a.name}: probabilistic projection to {fut.trajectories.ends[-1]}",
                      sources=fut.sources(), notes=tuple(notes), seed=fut.seed,
                      observed=_pairs([y for y, ok in zip(st.years, shown, strict=True) if ok], past[shown]))


SCENARIO_COLUMNS = ("area_code", "area", "scenario", "year", "median", "lower80", "upper80", "lower95",
                    "upper95")


def _observed_total(stocks: MigrantStocks, idx: np.ndarray, year: int) -> float:
    col = stocks.stock[idx, stocks.years.index(year)]
    return float(np.nansum(col))


def stock_scenarios(
    area: str | Area = "WLD",
    *,
    scheme: str | Scheme = "wmr2010",
    to: int = 2050,
    draws: int = 1000,
    seed: int = 1,
    model: ModelArg = None,
    con: duckdb.DuckDBPyConnection | None = None,
    progress: Progress | None = None,
    fut: Future | None = None,
    pace_years: int = 20,
) -> Table:
    """The migrant stock of an area under the model and under the scenarios people quote.

    Scenarios (rows per year):

    * ``model`` — the probabilistic projection (:func:`stock`);
    * ``pace of the last 20 years`` — the method of IOM's World Migration Report 2010: the
      stock grows at the average annual rate of the last ``pace_years`` years (2000–2020),
      compounded;
    * ``constant share of population`` — the share of 2020 times the projected population
      (the model's population trajectories, matched to WPP's intervals);
    * ``WPP net migration`` — the stock–flow model run on WPP 2024's median net migration and
      median population (mean coefficients, no noise).

    Returns
    -------
    Table
        ``area_code, area, scenario, year, median, lower80, upper80, lower95, upper95``
        (intervals empty for deterministic scenarios).
    """
    fut = fut or future(con, to=to, draws=draws, seed=seed, model=model, progress=progress)
    a = _area(fut, area, scheme)
    idx = fut.index(a.members)
    st = fut.stocks
    last = fut.model.last_end
    have = np.isfinite(st.stock[idx, st.years.index(last)])
    idx = idx[have]
    ends = fut.trajectories.ends
    rows: list[tuple[Any, ...]] = []
    nan = math.nan

    def add(name: str, q: np.ndarray) -> None:
        for j, y in enumerate(ends):
            rows.append((a.code, a.name, name, y, *(float(v) for v in q[:, j])))

    add("model", summarise(fut.stock_paths[:, idx, 1:].sum(axis=1)))
    s_now = _observed_total(st, idx, last)
    first = last - pace_years
    if first not in st.years:
        raise DataUnavailableError(f"no migrant stock in {first} for the {pace_years}-year pace")
    s_then = _observed_total(st, idx, first)
    growth = (s_now / s_then) ** (1.0 / pace_years)
    det = np.array([[s_now * growth ** (y - last) for y in ends]])
    add(f"pace of {first}–{last} (WMR 2010 method)",
        np.vstack([det, np.full((4, len(ends)), nan)]))
    pop = fut.trajectories.population[:, idx, :]
    share = s_now / pop[0, :, 0].sum()
    add(f"constant share of population ({100 * share:.2f}%)", summarise(share * pop[:, :, 1:].sum(axis=1)))
    wpp_pop = fut.outlook.population[idx][None]
    wpp_m = fut.outlook.migrants[idx][None]
    s0 = st.stock[idx, st.years.index(last)]
    wpp_paths = project_stocks(fut.stock_model.take(idx), s0, wpp_m, wpp_pop, noise=False)
    add("WPP 2024 net migration", np.vstack([wpp_paths[:, :, 1:].sum(axis=1), np.full((4, len(ends)), nan)]))
    notes = (
        f"Observed {first}: {s_then:,.0f}; {last}: {s_now:,.0f} (UN DESA IMS {st.edition}, summed over the "
        f"{len(idx)} projected countries and areas); annual growth {100 * (growth - 1):.2f}%.",
        *_notes(fut, a),
    )
    return Table(SCENARIO_COLUMNS, tuple(rows),
                 title=f"International migrant stock, {a.name}: model and scenarios",
                 sources=fut.sources(), notes=notes,
                 units={c: "international migrants (1 July)" for c in SCENARIO_COLUMNS[4:]})


def compare_wpp(
    *,
    scheme: str | Scheme = "wmr2010",
    year: int = 2050,
    draws: int = 1000,
    seed: int = 1,
    model: ModelArg = None,
    con: duckdb.DuckDBPyConnection | None = None,
    fut: Future | None = None,
) -> Table:
    """Our medians against WPP 2024's, by region of a scheme, for the period ending in ``year``.

    Columns: net migration per year in the 5-year period ending mid-``year`` (our median and
    80% interval, WPP's median), population on 1 July of ``year`` (ours, WPP's) and the
    migrant stock (ours).
    """
    fut = fut or future(con, to=year, draws=draws, seed=seed, model=model)
    sch = scheme if isinstance(scheme, Scheme) else load_scheme(scheme)
    j = fut.trajectories.ends.index(year)
    rows = []
    areas = [resolve_area(code, sch, available=fut.iso3) for code in sch.regions]
    areas.append(resolve_area("WLD", sch, available=fut.iso3))
    for a in areas:
        idx = fut.index(a.members)
        m = fut.trajectories.migrants[:, idx, j].sum(axis=1) / PERIOD
        q = summarise(m[:, None])[:, 0]
        wm = fut.outlook.migrants[idx, j].sum() / PERIOD
        p = np.median(fut.trajectories.population[:, idx, j + 1].sum(axis=1))
        wp = fut.outlook.population[idx, j + 1].sum()
        ok = np.isfinite(fut.stock_paths[0, idx, 0])
        s = np.median(fut.stock_paths[:, idx[ok], j + 1].sum(axis=1))
        rows.append((a.code, a.name, float(q[0]), float(q[1]), float(q[2]), float(wm), float(q[0] - wm),
                     float(p), float(wp), float(s)))
    cols = ("area_code", "area", "net_migration", "lower80", "upper80", "net_migration_wpp", "difference",
            "population", "population_wpp", "migrant_stock")
    return Table(cols, tuple(rows),
                 title=f"Medians for {period_label(year)} (net migration per year) and mid-{year} "
                 f"(population, stock), against WPP 2024", sources=fut.sources(),
                 notes=(f"Regions: {sch.title} ({sch.id}).", *(_notes(fut, areas[-1])[:1])),
                 units={"net_migration": "persons per year", "population": "persons"})


#: Published projections of the world's international migrant stock, for comparison only (nothing in
#: the model is tuned to them): (year, persons, who, what), each quoted from its publication.
PUBLISHED_WORLD_STOCK = (
    (2050, 405_000_000, "IOM, World Migration Report 2010: The Future of Migration",
     "“if the migrant population continues to increase at the same pace as the last 20 years” "
     "(from 214 million in 2010)"),
)
PUBLISHED_COLUMNS = ("projection", "year", "median", "lower80", "upper80", "lower95", "upper95", "basis")


def published_comparison(year: int = 2050, *, fut: Future | None = None, draws: int = 1000, seed: int = 1,
                         con: duckdb.DuckDBPyConnection | None = None) -> Table:
    """The world's projected migrant stock of ``year`` beside the published projections of that year
    (``PUBLISHED_WORLD_STOCK``): for comparison only, never a target.

    Returns
    -------
    Table
        ``projection, year, median, lower80, upper80, lower95, upper95, basis`` (persons; intervals
        empty for the published figures, which have none).
    """
    fut = fut or future(con, to=max(year, 2050), draws=draws, seed=seed)
    proj = stock("WLD", fut=fut)
    if year not in proj.years:
        raise DataUnavailableError(f"no projection for {year}",
                                   hint=f"years: {', '.join(map(str, proj.years))}")
    j = proj.years.index(year)
    q = proj.quantiles
    nan = math.nan
    rows: list[tuple[Any, ...]] = [
        (f"migcap, net migration model version {fut.model.version}", year,
         *(float(q[k][j]) for k in ("median", "lower80", "upper80", "lower95", "upper95")),
         f"{fut.trajectories.draws} trajectories from mid-{fut.model.last_end} (WPP "
         f"{fut.model.data.edition}, UN DESA IMS {fut.stocks.edition})"),
    ]
    rows += [(who, y, float(v), nan, nan, nan, nan, what) for y, v, who, what in PUBLISHED_WORLD_STOCK
             if y == year]
    return Table(PUBLISHED_COLUMNS, tuple(rows),
                 title=f"International migrants in the world, {year}: migcap beside published projections",
                 sources=(*fut.sources(), *(who for y, _, who, _ in PUBLISHED_WORLD_STOCK if y == year)),
                 notes=("For comparison only: the model was not tuned to any published figure.",
                        *proj.notes[:1]),
                 units={c: "international migrants (1 July)" for c in PUBLISHED_COLUMNS[2:7]})


__all__ += ["COLUMNS", "PUBLISHED_WORLD_STOCK", "published_comparison"]
