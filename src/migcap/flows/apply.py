"""Flows applied to data: the bundled world stocks or the user's own tables, by country or region.

Two entry points, both returning a frozen :class:`FlowEstimates`:

* :func:`estimate_world_flows` — country-to-country flows for every place of the
  bundled UN DESA bilateral stocks, with births and deaths from WPP (see
  :mod:`migcap.flows.data` for how the tables are prepared), for one or more
  periods, optionally aggregated to the regions of a scheme;
* :func:`estimate_user_flows` — the same from the user's own stock tables (files
  or frames; see :mod:`migcap.flows.files`).

Methods: ``"demo"`` (:func:`~migcap.flows.ffs_demo`, demographic accounting;
default), ``"diff"`` (:func:`~migcap.flows.ffs_diff`, stock differencing) and
``"rates"`` (:func:`~migcap.flows.ffs_rates`, Dennett: a global total shared in
proportion to the foreign-born stocks at the start; the total is ``total`` or,
by default, the demographic-accounting total of the same period).

Examples
--------
>>> import pandas as pd
>>> places = ["A", "B"]
>>> s0 = pd.DataFrame([[90, 10], [5, 95]], index=places, columns=places)
>>> s1 = pd.DataFrame([[80, 20], [5, 95]], index=places, columns=places)
>>> est = estimate_user_flows(s0, s1, period="2000-2005")
>>> est.flows.rows
(('2000-2005', 'A', 'B', 10.0),)
>>> est.totals.column("flow")
[10.0]
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from migcap.errors import InputError, MigcapError
from migcap.table import Table

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

    from migcap.flows.data import PeriodData, Population, Unknown
    from migcap.geo.schemes import Scheme

__all__ = [
    "FLOW_COLUMNS",
    "METHODS",
    "TOTAL_COLUMNS",
    "FlowEstimates",
    "RegionMap",
    "estimate_period",
    "estimate_user_flows",
    "estimate_world_flows",
    "region_map",
]

Method = Literal["demo", "diff", "rates"]
METHODS = ("demo", "diff", "rates")
Progress = Callable[[str, int, int], None]

FLOW_COLUMNS = ("period", "orig", "dest", "flow")
TOTAL_COLUMNS = ("period", "places", "population_start", "migrants_start", "migrants_end", "births",
                 "deaths", "flow", "flow_pct")
FLOW_UNITS = {"flow": "persons moving over the period"}
TOTAL_UNITS = {"population_start": "persons", "migrants_start": "persons (foreign born)",
               "migrants_end": "persons (foreign born)", "births": "persons", "deaths": "persons",
               "flow": "persons moving over the period", "flow_pct": "% of the population at the start"}
OTHER_CODE = "OTH"
METHOD_TEXT = {"demo": "demographic accounting (ffs_demo)", "diff": "stock differencing (ffs_diff)",
               "rates": "migration rates, Dennett (ffs_rates)"}


# ------------------------------------------------------------------------------------ result
@dataclass(frozen=True, eq=False)
class FlowEstimates:
    """Estimated flows for one or more periods.

    Attributes
    ----------
    flows
        Table ``period, orig, dest, flow``: country (place) codes, or region codes
        when a scheme was given (then including flows between countries of the
        same region on ``orig == dest``). Country tables list the flows that are
        not 0.
    totals
        Table ``period, places, population_start, migrants_start, migrants_end,
        births, deaths, flow, flow_pct``: the global total flow per period (all
        moves between places) and what it comes from.
    matrices
        ``{period: orig x dest array}`` of the place-to-place flows (read-only).
    places
        ``{period: place labels}`` of the rows and columns of ``matrices``.
    warnings
        Warnings of the estimators (e.g. data conflicts they repaired), one line each.
    """

    flows: Table
    totals: Table
    matrices: Mapping[str, np.ndarray] = field(default_factory=dict)
    places: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        frozen = {}
        for period, arr in self.matrices.items():
            view = np.asarray(arr, dtype=np.float64).view()
            view.flags.writeable = False
            frozen[period] = view
        object.__setattr__(self, "matrices", MappingProxyType(frozen))
        object.__setattr__(self, "places", MappingProxyType(dict(self.places)))

    def total(self, period: str | None = None) -> float:
        """The global total flow of a period (the only one if ``period`` is not given)."""
        rows = {r["period"]: r["flow"] for r in self.totals}
        if period is None:
            if len(rows) != 1:
                raise InputError(f"{len(rows)} periods: name one of {', '.join(rows)}")
            return float(next(iter(rows.values())))
        if period not in rows:
            raise InputError(f"no period {period!r}", hint=f"periods: {', '.join(rows)}")
        return float(rows[period])

    def od(self, period: str) -> pd.DataFrame:
        """The place-to-place flows of a period as a labelled ``orig x dest`` DataFrame."""
        import pandas as pd

        if period not in self.matrices:
            raise InputError(f"no period {period!r}", hint=f"periods: {', '.join(self.matrices)}")
        labels = list(self.places[period])
        frame = pd.DataFrame(self.matrices[period], index=labels, columns=labels)
        frame.index.name, frame.columns.name = "orig", "dest"
        return frame


# ------------------------------------------------------------------------------------ regions
@dataclass(frozen=True)
class RegionMap:
    """Places → regions of a scheme (each place in one region; the rest in ``OTH``)."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    index: np.ndarray  # region position of each place
    unassigned: tuple[str, ...]
    scheme: str

    def aggregate(self, od: np.ndarray) -> np.ndarray:
        """``regions x regions`` sums of a ``places x places`` matrix."""
        k = len(self.codes)
        member = np.zeros((od.shape[0], k))
        member[np.arange(od.shape[0]), self.index] = 1.0
        out: np.ndarray = member.T @ od @ member
        return out


def region_map(places: Sequence[str], scheme: Scheme) -> RegionMap:
    """Assign places to the regions of a scheme.

    Places in no region go to a region ``OTH`` ("Rest of the world") so that the
    regional flows still add up to the world total; regions without any of the
    places are left out. Places are matched on ISO3
    codes, or on names and codes the country table understands.

    Raises
    ------
    InputError
        If the scheme puts a place in several regions (flows between regions need
        each place in one).
    """
    from migcap.geo.countries import country_table

    table = country_table()
    regions_of: dict[str, list[str]] = {}
    for iso3, code in scheme.members:
        regions_of.setdefault(iso3, []).append(code)
    codes = list(scheme.regions)
    pos = {c: i for i, c in enumerate(codes)}
    index = np.empty(len(places), dtype=np.intp)
    unassigned: list[str] = []
    for i, place in enumerate(places):
        key: str | None = place if place in regions_of else table.lookup(place)
        found = regions_of.get(key) if key else None
        if found and len(found) > 1:
            raise InputError(f"scheme {scheme.id!r} puts {place} in several regions "
                             f"({', '.join(found)}); flows between regions need each place in one region")
        if found:
            index[i] = pos[found[0]]
        else:
            index[i] = -1
            unassigned.append(place)
    used = sorted(set(index[index >= 0].tolist()))  # regions holding at least one place
    renumber = np.full(len(codes), -1, dtype=np.intp)
    renumber[used] = np.arange(len(used))
    index = np.where(index >= 0, renumber[np.maximum(index, 0)], -1)
    codes = [codes[i] for i in used]
    names = [scheme.regions[c] for c in codes]
    if unassigned:
        codes.append(OTHER_CODE)
        names.append("Rest of the world")
        index[index < 0] = len(codes) - 1
    return RegionMap(tuple(codes), tuple(names), index, tuple(unassigned), scheme.id)


# ------------------------------------------------------------------------------------ estimation
def _check_method(method: str) -> None:
    if method not in METHODS:
        raise InputError(f"unknown flow method {method!r}", hint=f"use one of {', '.join(METHODS)}")


def estimate_period(
    stock_start: Any,
    stock_end: Any,
    births: Any = None,
    deaths: Any = None,
    *,
    method: Method = "demo",
    total: float | None = None,
    options: Mapping[str, Any] | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Place-to-place flows (``orig x dest``, diagonal 0) of one period and the warnings raised.

    Parameters
    ----------
    stock_start, stock_end, births, deaths
        As for :func:`~migcap.flows.ffs_demo`; births and deaths are used by ``"demo"``
        (and by ``"rates"`` when it needs the demographic-accounting total).
    method
        ``"demo"``, ``"diff"`` or ``"rates"``.
    total
        Global flow for ``"rates"`` (default: the ``"demo"`` total of the same tables).
    options
        Keyword options of the estimator (e.g. ``{"stayer_assumption": False}`` for
        ``"demo"``, ``{"decrease": "zero"}`` for ``"diff"``).

    Examples
    --------
    >>> od, warned = estimate_period([[90, 10], [5, 95]], [[80, 20], [5, 95]])
    >>> od.tolist(), warned
    ([[0.0, 10.0], [0.0, 0.0]], [])
    """
    from migcap.flows import ffs_demo, ffs_diff, ffs_rates

    _check_method(method)
    opts = dict(options or {})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if method == "diff":
            result = ffs_diff(stock_start, stock_end, **opts)
        elif method == "rates":
            if total is None:
                demo = ffs_demo(stock_start, stock_end, births, deaths, rounding_seed=None)
                total = demo.total()
                del demo
            result = ffs_rates(stock_start, stock_end, total=total, method="dennett", **opts)
        else:
            opts.setdefault("rounding_seed", None)
            result = ffs_demo(stock_start, stock_end, births, deaths, **opts)
        od = result.od_array()
    notes = list(dict.fromkeys(str(w.message) for w in caught))
    return od, notes


def _period_rows(period: str, labels: Sequence[str], od: np.ndarray, regions: RegionMap | None
                 ) -> list[tuple[Any, ...]]:
    if regions is not None:
        agg = regions.aggregate(od)
        k = len(regions.codes)
        return [(period, regions.codes[i], regions.codes[j], float(agg[i, j]))
                for i in range(k) for j in range(k)]
    rows_i, cols_j = np.nonzero(od)
    arr = np.asarray(labels, dtype=object)
    return list(zip([period] * rows_i.size, arr[rows_i].tolist(), arr[cols_j].tolist(),
                    od[rows_i, cols_j].tolist(), strict=True))


def _scheme(scheme: str | Scheme | None) -> Scheme | None:
    if scheme is None:
        return None
    from migcap.geo.schemes import Scheme, load_scheme

    return scheme if isinstance(scheme, Scheme) else load_scheme(scheme)


def _region_notes(regions: RegionMap | None) -> list[str]:
    if regions is None:
        return []
    text = [f"Regions ({regions.scheme}): " + "; ".join(f"{c} {n}" for c, n in
                                                        zip(regions.codes, regions.names, strict=True))
            + ". Flows with orig = dest are between countries of the same region."]
    if regions.unassigned:
        text.append(f"In no region of {regions.scheme} (counted in {OTHER_CODE}): "
                    + ", ".join(regions.unassigned) + ".")
    return text


def _options_text(method: str, options: Mapping[str, Any], total: float | None) -> str:
    shown = {k: v for k, v in options.items() if k != "rounding_seed"}
    text = f"Method: {METHOD_TEXT[method]}"
    if shown:
        text += " with " + ", ".join(f"{k}={v}" for k, v in shown.items())
    if method == "rates":
        text += (f"; global total {total:,.0f}" if total is not None
                 else "; global total = the demographic-accounting total of each period")
    return text + "."


def _periods(spec: str | Sequence[str] | None, available: list[tuple[int, int]]) -> list[tuple[int, int]]:
    from migcap.flows.data import parse_period

    if spec is None or (isinstance(spec, str) and spec.strip().lower() == "all"):
        return available
    items = [spec] if isinstance(spec, str) else list(spec)
    if any(str(s).strip().lower() == "all" for s in items):
        return available
    return list(dict.fromkeys(parse_period(s) for s in items))


def estimate_world_flows(
    periods: str | Sequence[str] | None = None,
    *,
    method: Method = "demo",
    scheme: str | Scheme | None = None,
    edition: str | None = None,
    wpp_edition: str | None = None,
    unknown: Unknown = "distribute",
    population: Population = "wpp",
    total: float | None = None,
    options: Mapping[str, Any] | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    progress: Progress | None = None,
) -> FlowEstimates:
    """Country-to-country (or region-to-region) flows from the bundled bilateral stocks.

    Parameters
    ----------
    periods
        ``"2015-2019"``, a list of such periods, or ``None``/``"all"`` for every
        consecutive pair of stock years of the edition (1990-1995 … 2015-2019).
    method
        ``"demo"`` (default), ``"diff"`` or ``"rates"`` (see the module documentation).
    scheme
        Region scheme (name, file or :class:`~migcap.geo.schemes.Scheme`) to aggregate
        to; default: country flows.
    edition, wpp_edition
        IMS edition of the bilateral stocks and WPP edition of births and deaths
        (default: the latest).
    unknown, population
        How unknown origins are handled and where the population comes from
        (see :mod:`migcap.flows.data`).
    total
        Global flow of every period for ``"rates"`` (default: the ``"demo"`` total).
    options
        Keyword options of the estimator, e.g. ``{"stayer_assumption": False}``.
    con
        Warehouse connection (default: :func:`migcap.store.warehouse.connect`).
    progress
        Called as ``progress(step, done, total)`` before each period and at the end.

    Returns
    -------
    FlowEstimates

    Raises
    ------
    InputError, DataUnavailableError, EditionError
        Bad period, method or option; data missing for a period.

    Examples
    --------
    >>> est = estimate_world_flows("2015-2019")             # doctest: +SKIP
    >>> est.total("2015-2019") > 0                           # doctest: +SKIP
    True
    """
    from migcap.flows.data import available_periods, data_notes, load_inputs, period_data

    _check_method(method)
    sch = _scheme(scheme)
    own = con is None
    if con is None:
        from migcap.store.warehouse import connect

        con = connect()
    try:
        inputs = load_inputs(con, edition=edition, wpp_edition=wpp_edition, population=population)
    finally:
        if own:
            con.close()
    chosen = _periods(periods, available_periods(inputs))
    rows: list[tuple[Any, ...]] = []
    totals: list[tuple[Any, ...]] = []
    matrices: dict[str, np.ndarray] = {}
    places: dict[str, tuple[str, ...]] = {}
    warned: list[str] = []
    notes: list[str] = []
    region_notes: list[str] = []
    for step, (start, end) in enumerate(chosen):
        if progress:
            progress(f"flows {start}-{end}", step, len(chosen))
        data = period_data(inputs, start, end, unknown=unknown)
        od, caught = estimate_period(data.stock_start, data.stock_end, _labelled(data.births, data),
                                     data.deaths, method=method, total=total, options=options)
        warned += [f"{data.period}: {w}" for w in caught]
        notes += list(data.notes)
        regions = region_map(data.places, sch) if sch is not None else None
        region_notes += _region_notes(regions)
        rows += _period_rows(data.period, data.places, od, regions)
        totals.append(_total_row(data.period, data, od))
        matrices[data.period] = od
        places[data.period] = data.places
    if progress:
        progress("done", len(chosen), len(chosen))
    base = [_options_text(method, dict(options or {}), total), *data_notes(inputs, unknown)]
    head = base + list(dict.fromkeys(region_notes))
    what = f"regions ({sch.id})" if sch is not None else "countries"
    title = f"Bilateral migration flows between {what}, {METHOD_TEXT[method]}"
    sources = inputs.sources
    return FlowEstimates(
        flows=Table(FLOW_COLUMNS, tuple(rows), title=title, sources=sources,
                    notes=tuple(head + notes), units=FLOW_UNITS),
        totals=Table(TOTAL_COLUMNS, tuple(totals), title=f"Global migration flow per period, "
                     f"{METHOD_TEXT[method]}", sources=sources, notes=tuple(base + notes),
                     units=TOTAL_UNITS),
        matrices=matrices, places=places, warnings=tuple(warned))


def _labelled(values: np.ndarray, data: PeriodData) -> Any:
    """Births as a labelled Series, so that the estimators' messages name places, not positions."""
    import pandas as pd

    return pd.Series(values, index=list(data.places))


def _total_row(period: str, data: Any, od: np.ndarray) -> tuple[Any, ...]:
    flow = float(od.sum())
    pop0 = float(np.sum(data.population_start))
    return (period, len(data.places), pop0, float(np.sum(data.migrants_start)),
            float(np.sum(data.migrants_end)), float(np.sum(data.births)), float(np.sum(data.deaths)),
            flow, round(flow / pop0 * 100, 4) if pop0 > 0 else None)


# ------------------------------------------------------------------------------------ user tables
@dataclass(frozen=True)
class _UserPeriod:
    places: tuple[str, ...]
    population_start: np.ndarray
    migrants_start: np.ndarray
    migrants_end: np.ndarray
    births: np.ndarray
    deaths: np.ndarray


def estimate_user_flows(
    stocks_start: str | Path | pd.DataFrame,
    stocks_end: str | Path | pd.DataFrame,
    births: str | Path | pd.Series | None = None,
    deaths: str | Path | pd.Series | None = None,
    *,
    period: str | None = None,
    method: Method = "demo",
    scheme: str | Scheme | None = None,
    total: float | None = None,
    options: Mapping[str, Any] | None = None,
) -> FlowEstimates:
    """Flows from the user's own stock tables (files or frames).

    Parameters
    ----------
    stocks_start, stocks_end
        Stock tables at the start and end: a CSV file (long ``pob, por, stock`` or a
        labelled square matrix, rows = place of birth; see
        :func:`migcap.flows.files.read_stock_table`) or a DataFrame in either layout.
    births, deaths
        Births and deaths per place over the period: a CSV ``place, value`` or a
        Series (default: none, i.e. 0).
    period
        Label of the period in the output (default ``"start-end"``).
    method, scheme, total, options
        As for :func:`estimate_world_flows`.

    Raises
    ------
    InputError
        Bad layout or values; the message names the file, row, column and place.
    EstimationError
        Totals that cannot be matched (e.g. more deaths than people); the message
        names the place and the tables.
    """
    from migcap.flows.files import check_same_places, read_place_values, read_stock_table

    _check_method(method)
    sch = _scheme(scheme)
    label = period or "start-end"
    names = {"stock_start": _name(stocks_start, "stock_start"), "stock_end": _name(stocks_end, "stock_end")}
    s0 = read_stock_table(stocks_start, "stock_start")
    s1 = read_stock_table(stocks_end, "stock_end")
    places = tuple(str(p) for p in s0.index)
    check_same_places(places, tuple(str(p) for p in s1.index), names["stock_start"], names["stock_end"])
    s1 = s1.loc[list(s0.index), list(s0.index)]
    s0 = s0.loc[:, list(s0.index)]
    vectors: dict[str, Any] = {}
    for key, value in (("births", births), ("deaths", deaths)):
        if value is None:
            vectors[key] = None
            continue
        names[key] = _name(value, key)
        vec = read_place_values(value, key)
        check_same_places(places, tuple(str(p) for p in vec.index), "the stock tables", names[key])
        vectors[key] = vec.loc[list(s0.index)]
    arr0, arr1 = s0.to_numpy(dtype=np.float64), s1.to_numpy(dtype=np.float64)
    if method != "diff":
        _check_totals(places, arr0, arr1, vectors, names)
    try:
        od, caught = estimate_period(s0, s1, vectors["births"], vectors["deaths"], method=method,
                                     total=total, options=options)
    except MigcapError as exc:
        files = ", ".join(f"{k} = {v}" for k, v in names.items() if v != k)
        raise type(exc)(f"{exc}" + (f" ({files})" if files else "")) from None
    zeros = np.zeros(len(places))
    b = vectors["births"].to_numpy(dtype=np.float64) if vectors["births"] is not None else zeros
    d = vectors["deaths"].to_numpy(dtype=np.float64) if vectors["deaths"] is not None else zeros
    info = _UserPeriod(places, arr0.sum(axis=0), arr0.sum(axis=0) - np.diag(arr0),
                       arr1.sum(axis=0) - np.diag(arr1), b, d)
    regions = region_map(places, sch) if sch is not None else None
    opts = dict(options or {})
    head = [_options_text(method, opts, total)] + _region_notes(regions)
    head.append("Tables: " + ", ".join(f"{k} = {v}" for k, v in names.items()) + "."
                + ("" if births is not None or deaths is not None or method != "demo"
                   else " No births or deaths given: taken as 0."))
    what = f"regions ({sch.id})" if sch is not None else "places"
    return FlowEstimates(
        flows=Table(FLOW_COLUMNS, tuple(_period_rows(label, places, od, regions)),
                    title=f"Migration flows between {what}, {METHOD_TEXT[method]}", notes=tuple(head),
                    units=FLOW_UNITS),
        totals=Table(TOTAL_COLUMNS, (_total_row(label, info, od),),
                     title=f"Total migration flow, {METHOD_TEXT[method]}", notes=tuple(head),
                     units=TOTAL_UNITS),
        matrices={label: od}, places={label: places}, warnings=tuple(caught))


def _check_totals(places: Sequence[str], s0: np.ndarray, s1: np.ndarray, vectors: Mapping[str, Any],
                  names: Mapping[str, str]) -> None:
    """Deaths are taken out of the start table and births out of the end table: neither may
    exceed the population of its place there."""
    from migcap.errors import EstimationError

    for key, table, stock in (("deaths", "stock_start", s0), ("births", "stock_end", s1)):
        if vectors.get(key) is None:
            continue
        values = vectors[key].to_numpy(dtype=np.float64)
        population = stock.sum(axis=0)
        over = np.flatnonzero(values > population)
        if over.size:
            i = int(over[0])
            raise EstimationError(
                f"{key} of place {places[i]!r} ({values[i]:,.6g}) exceed its population in {table} "
                f"({names[table]}: {population[i]:,.6g}); the totals cannot be matched",
                file=names[key] if names[key] != key else None,
                hint=f"{over.size} places" if over.size > 1 else None)


def _name(value: Any, default: str) -> str:
    return str(value) if isinstance(value, str | Path) else default
