"""Stock tables, births and deaths for flow estimation, from the warehouse.

For a period ``t0-t1`` (two years of the bundled bilateral stocks, e.g.
``2015-2019``) this module builds what :func:`~migcap.flows.ffs_demo` needs:

* **two stock tables**, place of birth x place of residence, at mid-year ``t0``
  and ``t1``. Off-diagonal cells are the UN DESA bilateral migrant stocks
  (``bilateral_stock``); the diagonal (native born) is the population of the
  place minus all its foreign born, including those of unknown origin.
* **births and deaths** of each place over the period, from World Population
  Prospects (``wpp``, variant ``estimate``). WPP's annual figures are calendar
  years and the stocks refer to 1 July, so the period from mid-``t0`` to
  mid-``t1`` takes half of the births of ``t0``, all of ``t0+1 … t1-1`` and half
  of ``t1`` (4 years of births for 2015-2019, 5 for 1990-1995).

Choices (see ``docs/flows.md``, "Flows from the bundled data"):

* **Places** of a period are the areas with bilateral stocks as a destination in
  both years, a population in both years and births and deaths in WPP. Others
  are left out and named (1990-2005: South Sudan, Curaçao, Sint Maarten and
  Montenegro are not yet destinations in the bilateral tables; the Holy See has
  no births or deaths in WPP). WPP reports Guernsey and Jersey where the IMS
  reports the Channel Islands: their births and deaths are added up.
* **Unknown origin** (``UNK``, the residual of the official total) and people born
  in a place that is left out: ``unknown="distribute"`` (default) shares them over
  the known places of birth of their place of residence, in proportion to the
  known stocks (where none is known, like the world's foreign born);
  ``"drop"`` leaves them out of the tables (the population of the place is
  reduced by them).
* **Population** (behind the native born): ``population="wpp"`` (default) takes
  the WPP estimates of the same edition as births and deaths, so that each
  place's population change equals its births minus deaths plus WPP's net
  migration (the account closes to a few persons with the half-year weights
  above); a stock year without a WPP estimate (2019: they are five-yearly before
  2024) is carried from the previous estimate with WPP's births, deaths and net
  migration. ``"ims"`` takes the population published with the migrant stocks
  (``migrant_stock`` of the same IMS edition: WPP 2019 for IMS 2019); mixed with
  WPP 2024 births and deaths, its revisions turn into migration (``docs/flows.md``).
* **Data conflicts**: where the foreign born exceed the population (Bonaire, Sint
  Eustatius and Saba in 1990-2005), the native born are set to 0 and the foreign
  born scaled down to the population, as migest's ``ffs_demo`` does, and the
  period's note says so.

Examples
--------
>>> from migcap.store.warehouse import connect                    # doctest: +SKIP
>>> d = period_data(load_inputs(connect()), 2015, 2019)     # doctest: +SKIP
>>> len(d.places), d.stock_start.shape                      # doctest: +SKIP
(231, (231, 231))
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from migcap.errors import DataUnavailableError, EditionError, InputError

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "COMPOSITES",
    "PeriodData",
    "WarehouseInputs",
    "available_periods",
    "data_notes",
    "load_inputs",
    "parse_period",
    "period_data",
]

Unknown = Literal["distribute", "drop"]
Population = Literal["ims", "wpp"]

#: Areas the IMS reports as one and WPP as several: births, deaths (and population) are summed.
COMPOSITES: Mapping[str, tuple[str, ...]] = {"CHI": ("GGY", "JEY")}

_PERIOD = re.compile(r"^\s*(\d{4})\s*[-–/:]\s*(\d{4})\s*$")


def parse_period(text: str) -> tuple[int, int]:
    """``"2015-2019"`` → ``(2015, 2019)``.

    Raises
    ------
    InputError
        If the text is not two years with the first before the second.

    Examples
    --------
    >>> parse_period("1990-1995")
    (1990, 1995)
    """
    m = _PERIOD.match(str(text))
    if not m:
        raise InputError(f"period {text!r} must be two years like 2020-2024")
    start, end = int(m.group(1)), int(m.group(2))
    if end <= start:
        raise InputError(f"period {text!r}: the end year must come after the start year")
    return start, end


@dataclass(frozen=True, eq=False)
class PeriodData:
    """The inputs of a flow estimate for one period, ready for :func:`~migcap.flows.ffs_demo`.

    Attributes
    ----------
    period
        ``"2015-2019"``.
    start, end
        The two stock years.
    places
        ISO3 codes, in the order of the tables (sorted).
    stock_start, stock_end
        Place of birth x place of residence (persons), native born on the diagonal.
    births, deaths
        Births and deaths of each place over the period (persons).
    population_start, population_end
        Population of each place (the column totals before unknown origins are dropped).
    migrants_start, migrants_end
        Foreign born of each place, all origins (the IMS total).
    unknown_start, unknown_end
        People of unknown place of birth (or born in a place left out) in each place.
    left_out
        Places left out of the period, with the reason.
    notes
        What was done to the data, in sentences.
    sources
        Citations of the dataset editions used.
    """

    period: str
    start: int
    end: int
    places: tuple[str, ...]
    stock_start: np.ndarray
    stock_end: np.ndarray
    births: np.ndarray
    deaths: np.ndarray
    population_start: np.ndarray
    population_end: np.ndarray
    migrants_start: np.ndarray
    migrants_end: np.ndarray
    unknown_start: np.ndarray
    unknown_end: np.ndarray
    left_out: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class WarehouseInputs:
    """Everything read from the warehouse once, for any number of periods.

    Attributes
    ----------
    edition, wpp_edition
        The IMS (bilateral stock) and WPP editions.
    years
        Years of the bilateral stocks in the edition.
    bilateral
        Column arrays ``year, dest, origin, migrants`` of the bilateral table, with
        ``codes`` (the sorted place codes) and ``dest_id``, ``origin_id`` (positions in ``codes``).
    population
        ``{year: {iso3: persons}}`` for each stock year (by the population source).
    births, deaths
        ``{year: {iso3: persons}}`` of the WPP estimates (composites added); years after
        the last estimate year (2024 in WPP 2024) from the medium variant.
    population_source
        ``"ims"`` or ``"wpp"``; ``derived_years`` lists the years whose WPP population
        was carried from an estimate with WPP's births, deaths and net migration.
    sources
        Citations of the editions.
    projected_years
        Years whose births, deaths and net migration are WPP's medium-variant projection.
    """

    edition: str
    wpp_edition: str
    years: tuple[int, ...]
    bilateral: Mapping[str, np.ndarray]
    population: Mapping[int, Mapping[str, float]]
    births: Mapping[int, Mapping[str, float]]
    deaths: Mapping[int, Mapping[str, float]]
    population_source: str
    derived_years: tuple[int, ...]
    sources: tuple[str, ...]
    projected_years: tuple[int, ...] = ()


def _by_year(rows: Sequence[tuple[Any, ...]]) -> dict[int, dict[str, float]]:
    out: dict[int, dict[str, float]] = {}
    for iso3, year, value in rows:
        if value is not None:
            out.setdefault(int(year), {})[str(iso3)] = float(value)
    for values in out.values():
        for whole, parts in COMPOSITES.items():
            if whole not in values and all(p in values for p in parts):
                values[whole] = sum(values[p] for p in parts)
    return out


def _half_weights(start: int, end: int) -> dict[int, float]:
    """Weights of calendar years from mid-``start`` to mid-``end``: half of the end years."""
    return {y: 0.5 if y in (start, end) else 1.0 for y in range(start, end + 1)}


def _wpp_population(by_year: dict[int, dict[str, float]],
                    components: Mapping[str, dict[int, dict[str, float]]],
                    years: Sequence[int]) -> tuple[dict[int, dict[str, float]], tuple[int, ...]]:
    """WPP population for the stock years; a year without an estimate is carried from the
    nearest earlier one with WPP's own births, deaths and net migration (so the account closes)."""
    have = sorted(by_year)
    out: dict[int, dict[str, float]] = {}
    derived = []
    for year in years:
        if year in by_year:
            out[year] = by_year[year]
            continue
        before = [y for y in have if y < year]
        after = [y for y in have if y > year]
        if not before and not after:
            raise DataUnavailableError(f"no WPP population estimate near {year}",
                                       hint="use the IMS population (population='ims')")
        base, sign = (before[-1], 1.0) if before else (after[0], -1.0)
        lo, hi = sorted((base, year))
        weights = _half_weights(lo, hi)
        missing = [f"{k} {y}" for k, table in components.items() for y in weights if y not in table]
        if missing:
            raise DataUnavailableError(f"no WPP population for {year} and no {missing[0]} to derive it",
                                       hint="use the IMS population (population='ims')")
        pop = {}
        for iso3, p0 in by_year[base].items():
            try:
                change = sum(w * (components["births"][y][iso3] - components["deaths"][y][iso3]
                                  + components["net_migration"][y][iso3]) for y, w in weights.items())
            except KeyError:
                continue
            pop[iso3] = p0 + sign * change
        out[year] = pop
        derived.append(year)
    return out, tuple(derived)


def load_inputs(con: duckdb.DuckDBPyConnection, *, edition: str | None = None,
                wpp_edition: str | None = None, population: Population = "wpp") -> WarehouseInputs:
    """Read the bilateral stocks, populations, births and deaths once from the warehouse.

    Parameters
    ----------
    con
        Warehouse connection.
    edition
        IMS edition of the bilateral stocks (default: the latest); the population
        (``population="ims"``) comes from the ``migrant_stock`` table of the same edition.
    wpp_edition
        WPP edition of births and deaths (default: the latest).
    population
        ``"ims"`` or ``"wpp"`` (see the module documentation).

    Raises
    ------
    EditionError, DataUnavailableError
        If an edition is unknown or the data needed are missing.
    """
    from migcap.store.warehouse import resolve_edition, source_line

    if population not in ("ims", "wpp"):
        raise InputError(f"unknown population source {population!r}", hint="use ims or wpp")
    ed = resolve_edition(con, "bilateral_stock", edition)
    wed = resolve_edition(con, "wpp", wpp_edition)
    bilateral = con.execute(
        "SELECT year, dest, origin, migrants FROM bilateral_stock WHERE edition = ? AND migrants IS NOT NULL "
        "ORDER BY year, dest, origin", [ed]).fetchnumpy()
    codes, inverse = np.unique(np.concatenate([bilateral["dest"], bilateral["origin"]]).astype(str),
                               return_inverse=True)
    m = bilateral["dest"].size
    bilateral = {**bilateral, "codes": codes, "dest_id": inverse[:m], "origin_id": inverse[m:]}
    years = tuple(int(y) for y in np.unique(bilateral["year"]))
    if not years:
        raise DataUnavailableError(f"bilateral_stock edition {ed} has no stocks")
    sources = [source_line(con, "bilateral_stock", ed)]
    # estimates; after the last estimate year (WPP 2024: 2023), the medium variant (a stock year such as
    # 2024 is a projection year of WPP 2024, as it is for IMS 2024, which is built on it)
    demog = con.execute(
        "SELECT indicator, iso3, year, value, variant FROM wpp WHERE edition = ? AND indicator IN "
        "('births', 'deaths', 'net_migration') AND year BETWEEN ? AND ? AND (variant = 'estimate' OR "
        "(variant = 'median' AND year > (SELECT max(year) FROM wpp WHERE edition = ? AND "
        "variant = 'estimate' AND indicator = 'births')))",
        [wed, min(years), max(years), wed]).fetchall()
    projected = tuple(sorted({int(r[2]) for r in demog if r[4] == "median"}))
    demog = [r[:4] for r in demog]
    components = {ind: _by_year([(i, y, v) for k, i, y, v in demog if k == ind])
                  for ind in ("births", "deaths", "net_migration")}
    if population == "ims":
        try:
            ims = resolve_edition(con, "migrant_stock", ed)
        except EditionError:
            raise DataUnavailableError(
                f"no migrant_stock edition {ed} to take the population from",
                hint="use the WPP population (population='wpp')") from None
        pop = _by_year(con.execute(
            "SELECT iso3, year, population FROM migrant_stock WHERE edition = ?", [ims]).fetchall())
        sources.append(source_line(con, "migrant_stock", ims))
        derived: tuple[int, ...] = ()
    else:
        pop, derived = _wpp_population(_by_year(con.execute(
            "SELECT iso3, year, value FROM wpp WHERE edition = ? AND indicator = 'population' "
            "AND variant = 'estimate'", [wed]).fetchall()), components, years)
    sources.append(source_line(con, "wpp", wed))
    return WarehouseInputs(ed, wed, years, bilateral, pop, components["births"], components["deaths"],
                           population, derived, tuple(dict.fromkeys(sources)), projected)


def data_notes(inputs: WarehouseInputs, unknown: Unknown = "distribute") -> list[str]:
    """How the tables of every period were prepared, in sentences (for table notes)."""
    pop = (f"the UN DESA IMS {inputs.edition} population (migrant_stock)" if inputs.population_source == "ims"
           else f"WPP {inputs.wpp_edition} population estimates"
           + (f" ({', '.join(map(str, inputs.derived_years))}: carried from the previous estimate with "
              "WPP's births, deaths and net migration)" if inputs.derived_years else ""))
    return [
        f"Stocks: UN DESA IMS {inputs.edition} bilateral stocks; native born = {pop} minus all foreign born; "
        "stocks of unknown place of birth (or born in a place left out) "
        + ("shared over the known places of birth of each place of residence."
           if unknown == "distribute" else "left out of the tables."),
        f"Births and deaths: WPP {inputs.wpp_edition} estimates from mid-year to mid-year (half of the "
        "first and last calendar year, all of the years between)"
        + (f"; {', '.join(map(str, inputs.projected_years))}: WPP's medium-variant projection (no estimate "
           "yet)." if inputs.projected_years else "."),
    ]


def available_periods(inputs: WarehouseInputs) -> list[tuple[int, int]]:
    """Consecutive pairs of the stock years: ``[(1990, 1995), …, (2015, 2019)]``."""
    return list(zip(inputs.years[:-1], inputs.years[1:], strict=True))


def _period_births(table: Mapping[int, Mapping[str, float]], start: int, end: int, what: str
                   ) -> dict[str, float]:
    """Mid-year ``start`` to mid-year ``end``: half of the end years, all the years between."""
    missing = [y for y in range(start, end + 1) if y not in table]
    if missing:
        raise DataUnavailableError(
            f"no WPP {what} estimate for {', '.join(map(str, missing))}",
            hint=f"WPP {what} estimates cover {min(table)}-{max(table)}" if table else None)
    weights = _half_weights(start, end)
    places = set.intersection(*(set(table[y]) for y in weights))
    return {p: sum(w * table[y][p] for y, w in weights.items()) for p in places}


def _stock_matrix(inputs: WarehouseInputs, year: int, index: Mapping[str, int], n: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Known foreign born (pob x por), all foreign born by por, unknown/left-out origin by por."""
    b = inputs.bilateral
    sel = b["year"] == year
    codes = b["codes"]
    lookup = np.full(codes.size + 1, -1, dtype=np.intp)  # code id -> place position (-1: not a place)
    for place, i in index.items():
        lookup[np.searchsorted(codes, place)] = i
    d_idx = lookup[b["dest_id"][sel]]
    o_idx = lookup[b["origin_id"][sel]]
    value = b["migrants"][sel].astype(np.float64)
    in_dest = d_idx >= 0
    total = np.bincount(d_idx[in_dest], weights=value[in_dest], minlength=n)
    known = in_dest & (o_idx >= 0) & (o_idx != d_idx)
    foreign = np.zeros((n, n))
    np.add.at(foreign, (o_idx[known], d_idx[known]), value[known])
    unknown = total - foreign.sum(axis=0)
    return foreign, total, np.maximum(unknown, 0.0)


def _distribute(foreign: np.ndarray, unknown: np.ndarray) -> np.ndarray:
    """Share the unknown-origin stock of each place over its known places of birth."""
    known = foreign.sum(axis=0)
    out = foreign.copy()
    has = (known > 0) & (unknown > 0)
    out[:, has] += foreign[:, has] * (unknown[has] / known[has])
    orphan = np.flatnonzero((known <= 0) & (unknown > 0))
    if orphan.size:
        world = foreign.sum(axis=1)
        for j in orphan:  # rare: a place with only unknown origins
            share = world.copy()
            share[j] = 0.0
            if share.sum() > 0:
                out[:, j] = unknown[j] * share / share.sum()
    return out


def period_data(inputs: WarehouseInputs, start: int, end: int, *, unknown: Unknown = "distribute"
                ) -> PeriodData:
    """The stock tables, births and deaths of one period (see the module documentation).

    Parameters
    ----------
    inputs
        What :func:`load_inputs` read.
    start, end
        Two years of the bilateral stocks, e.g. 2015 and 2019.
    unknown
        ``"distribute"`` or ``"drop"`` the stocks of unknown origin.

    Raises
    ------
    DataUnavailableError
        If a year has no bilateral stocks or WPP has no births/deaths for the period.
    """
    if unknown not in ("distribute", "drop"):
        raise InputError(f"unknown handling of unknown origins {unknown!r}", hint="use distribute or drop")
    for year in (start, end):
        if year not in inputs.years:
            raise DataUnavailableError(
                f"no bilateral stock for {year} in IMS edition {inputs.edition}",
                hint=f"years available: {', '.join(map(str, inputs.years))}")
    births = _period_births(inputs.births, start, end, "births")
    deaths = _period_births(inputs.deaths, start, end, "deaths")
    b = inputs.bilateral
    dests = {y: set(b["dest"][b["year"] == y].tolist()) for y in (start, end)}
    candidates = sorted(dests[start] | dests[end])
    left_out: dict[str, str] = {}
    places: list[str] = []
    for iso3 in candidates:
        if iso3 not in dests[start] or iso3 not in dests[end]:
            missing = start if iso3 not in dests[start] else end
            left_out[iso3] = f"no bilateral stocks as a place of residence in {missing}"
        elif any(iso3 not in inputs.population.get(y, {}) for y in (start, end)):
            left_out[iso3] = "no population"
        elif iso3 not in births or iso3 not in deaths:
            left_out[iso3] = f"no births or deaths in WPP {inputs.wpp_edition}"
        else:
            places.append(iso3)
    if len(places) < 2:
        raise DataUnavailableError(f"fewer than two places have the data for {start}-{end}")
    index = {p: i for i, p in enumerate(places)}
    n = len(places)
    tables, pops, totals, unknowns = [], [], [], []
    conflicts: list[str] = []
    for year in (start, end):
        foreign, total, unk = _stock_matrix(inputs, year, index, n)
        pop = np.array([inputs.population[year][p] for p in places])
        table = _distribute(foreign, unk) if unknown == "distribute" else foreign
        np.fill_diagonal(table, pop - total)
        conflict = np.flatnonzero(pop < total)
        if conflict.size:  # a data conflict: migest's nb_non_zero, done here so that it is reported
            table[:, conflict] *= pop[conflict] / total[conflict]
            table[conflict, conflict] = 0.0
            conflicts += [f"{places[j]} {year} ({total[j]:,.0f} foreign born, population {pop[j]:,.0f})"
                          for j in conflict]
        tables.append(table)
        pops.append(pop)
        totals.append(total)
        unknowns.append(unk)
    note = (f"{start}-{end}: {n} places; unknown place of birth (or born in a place left out): "
            f"{unknowns[0].sum():,.0f} in {start}, {unknowns[1].sum():,.0f} in {end}")
    if left_out:
        note += "; left out: " + ", ".join(f"{k} ({v})" for k, v in left_out.items())
    if conflicts:
        note += ("; more foreign born than population in " + ", ".join(conflicts)
                 + ": native born set to 0 and foreign born scaled down to the population (as migest does)")
    notes = [note + "."]
    return PeriodData(
        period=f"{start}-{end}", start=start, end=end, places=tuple(places),
        stock_start=tables[0], stock_end=tables[1],
        births=np.array([births[p] for p in places]), deaths=np.array([deaths[p] for p in places]),
        population_start=pops[0], population_end=pops[1], migrants_start=totals[0],
        migrants_end=totals[1], unknown_start=unknowns[0], unknown_end=unknowns[1],
        left_out=left_out, notes=tuple(notes), sources=inputs.sources)
