"""Irregular migration and displacement: deaths and disappearances en route, internal displacement,
asylum applications and border encounters, for the world, a region of a scheme, or a country.

Each function returns a :class:`~migcap.table.Table` by year, with its source edition, units and
notes. Totals over countries go through :func:`migcap.geo.aggregate.aggregate_sql`, so a region's
row says how many of its countries the figures cover (``countries``, ``coverage``). These sources
record events: a country without a record has none recorded (no deaths recorded, no displacement
reported), which is not the same as a missing report — the notes say so.

The data serve the inventory's areas *Irregular migration* (IRR-01 better data, including deaths and
disappearances; IRR-02 border management; IRR-08 mixed flows and protection) and *Environmental
change and migration* (ENV-01 evidence, ENV-03 preparedness for displacement).

Examples
--------
>>> t = deaths("WLD", years="2023")                                      # doctest: +SKIP
>>> t.column("dead_and_missing")                                          # doctest: +SKIP
[8755.0]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from migcap.errors import DataUnavailableError, MigcapError
from migcap.geo.aggregate import AggregateRows, CoverageRule, aggregate_sql, register_members
from migcap.geo.schemes import Scheme, load_scheme
from migcap.table import Table

if TYPE_CHECKING:
    import duckdb

    from migcap.evidence.areas import Area

__all__ = ["SIGNAL_YEARS", "Signal", "asylum", "country_signals", "deaths", "displacement", "encounters",
           "parse_years"]

Years = str | int | Sequence[int] | None

_COVERAGE_NOTE = ("countries = the area's countries with a record in that year; coverage = their share of "
                  "the area's countries that the edition holds at all. A country without a record has none "
                  "recorded, which does not mean there were none.")


def parse_years(years: Years) -> list[int] | None:
    """Years as given to a command: ``None`` (all), ``2023``, ``"2015-2024"``, ``"2019,2021"`` or a list.

    >>> parse_years("2019-2021"), parse_years("2015, 2023"), parse_years(2020), parse_years(None)
    ([2019, 2020, 2021], [2015, 2023], [2020], None)

    Raises
    ------
    MigcapError
        For text that is not years or a range of years.
    """
    if years is None:
        return None
    if isinstance(years, int):
        return [years]
    if not isinstance(years, str):
        return sorted({int(y) for y in years})
    out: set[int] = set()
    for part in years.replace("–", "-").split(","):
        part = part.strip()
        m = re.fullmatch(r"(\d{4})(?:\s*-\s*(\d{4}))?", part)
        if not m or (m.group(2) and int(m.group(2)) < int(m.group(1))):
            raise MigcapError(f"not a year or range of years: {part!r}",
                              hint="write e.g. 2023, 2015-2024 or 2019,2021")
        out.update(range(int(m.group(1)), int(m.group(2) or m.group(1)) + 1))
    return sorted(out)


def _context(con: duckdb.DuckDBPyConnection | None, dataset: str, edition: str | None, area: str,
             scheme: str | Scheme) -> tuple[duckdb.DuckDBPyConnection, str, Scheme, Area]:
    from migcap.evidence.areas import resolve_area
    from migcap.store.warehouse import connect, resolve_edition

    con = con or connect()
    ed = resolve_edition(con, dataset, edition)
    sch = scheme if isinstance(scheme, Scheme) else load_scheme(scheme)
    return con, ed, sch, resolve_area(area, sch)


def _check_years(con: duckdb.DuckDBPyConnection, dataset: str, edition: str, years: list[int] | None,
                 year_sql: str = "year") -> None:
    if not years:
        return
    have = [r[0] for r in con.execute(f'SELECT DISTINCT {year_sql} AS y FROM "{dataset}" WHERE edition = ? '
                                      "ORDER BY y", [edition]).fetchall()]
    if not any(y in have for y in years):
        raise DataUnavailableError(f"no {dataset} for {', '.join(map(str, years))} in edition {edition}",
                                   hint=f"years available: {have[0]}-{have[-1]}" if have else None)


def _aggregate(con: duckdb.DuckDBPyConnection, relation: str, params: Sequence[Any], values: dict[str, Any],
               area: Area, sch: Scheme,
               years: list[int] | None) -> tuple[dict[int, dict[str, Any]], AggregateRows]:
    """The area's rows by year: ``{year: {value…, members, reporting, coverage}}``."""
    result = aggregate_sql(con, relation, params, values, by=area.kind,
                           scheme=sch if area.kind == "region" else None, years=years, rule=CoverageRule())
    out: dict[int, dict[str, Any]] = {}
    for row in result.rows:
        rec = dict(zip(result.columns, row, strict=True))
        if rec["area_code"] == area.code:
            out[int(rec["year"])] = rec
    return out, result


def _area_filter(con: duckdb.DuckDBPyConnection, area: Area, sch: Scheme,
                 column: str) -> tuple[str, list[Any]]:
    from migcap.evidence.areas import area_filter

    return area_filter(area, register_members(con, sch) if area.kind == "region" else None, column)


def _months(con: duckdb.DuckDBPyConnection, dataset: str, edition: str) -> dict[int, int]:
    """Months with data in each year of an edition (a year with fewer than 12 is incomplete)."""
    rows = con.execute(f'SELECT year, count(DISTINCT month) FROM "{dataset}" WHERE edition = ? '
                       "GROUP BY year", [edition]).fetchall()
    return {int(y): int(n) for y, n in rows}


def _region_notes(area: Area, sch: Scheme, result: AggregateRows) -> list[str]:
    notes = []
    if area.kind == "region":
        notes.append(f"Region: {area.name} of {sch.title} ({sch.id}).")
        if result.unclassified:
            notes.append("Not in any region of the scheme (left out of the regions): "
                         + ", ".join(result.unclassified) + ".")
    return notes


# ------------------------------------------------------------------------------------------------ deaths


def deaths(area: str = "WLD", *, years: Years = None, by: Literal["year", "route"] = "year",
           scheme: str | Scheme = "wmr2010", edition: str | None = None,
           con: duckdb.DuckDBPyConnection | None = None) -> Table:
    """Migrants recorded dead or missing en route (IOM Missing Migrants Project), by year or by route.

    Parameters
    ----------
    area
        ``WLD``, a region of ``scheme`` (code or name) or a country: where the incidents happened.
    years
        Years to keep (see :func:`parse_years`); default: all.
    by
        ``year``: one row per year, with the countries covered; ``route``: one row per year and route.
    scheme
        The region scheme that ``area`` may name a region of.
    edition
        Edition of ``missing_migrants``; default: the latest.
    con
        Warehouse connection (default: :func:`migcap.store.warehouse.connect`).

    Returns
    -------
    Table
        ``by="year"``: ``area_code, area, year, months, dead_and_missing, incidents, countries,
        coverage``; ``by="route"``: ``area_code, area, year, route, dead_and_missing, incidents``.

    Raises
    ------
    UnknownAreaError, DataUnavailableError, EditionError
    """
    from migcap.store.warehouse import source_line

    if by not in ("year", "route"):
        raise MigcapError(f"unknown --by {by!r}", hint="use year or route")
    con, ed, sch, a = _context(con, "missing_migrants", edition, area, scheme)
    ys = parse_years(years)
    _check_years(con, "missing_migrants", ed, ys)
    months = _months(con, "missing_migrants", ed)
    units = {"dead_and_missing": "persons", "incidents": "incident records",
             "months": "months the edition covers"}
    notes = ["Dead and missing together, as the Missing Migrants Project gives them in this file; "
             "incidents are the project's records (incidents, split and cumulative incidents)."]
    partial = [f"{y} ({n} months)" for y, n in sorted(months.items()) if n < 12 and (not ys or y in ys)]
    if partial:
        notes.append("Incomplete years: " + ", ".join(partial) + ".")
    year_filter = f" AND year IN ({', '.join(map(str, ys))})" if ys else ""
    if by == "route":
        where, params = _area_filter(con, a, sch, "iso3")
        rows = con.execute(
            f"SELECT year, route, sum(dead_and_missing), sum(incidents) FROM missing_migrants "
            f"WHERE edition = ? AND {where}{year_filter} GROUP BY year, route "
            "ORDER BY year, sum(dead_and_missing) DESC, route", [ed, *params]).fetchall()
        table_rows = tuple((a.code, a.name, y, r, d, n) for y, r, d, n in rows)
        if a.kind == "region":
            notes.append(f"Region: {a.name} of {sch.title} ({sch.id}); incidents in its countries.")
        return Table(("area_code", "area", "year", "route", "dead_and_missing", "incidents"), table_rows,
                     title=f"Migrants recorded dead or missing by route, {a.name}",
                     sources=(source_line(con, "missing_migrants", ed),), notes=tuple(notes), units=units)
    relation = ("SELECT iso3, year, sum(dead_and_missing) AS dead_and_missing, sum(incidents) AS incidents "
                "FROM missing_migrants WHERE edition = ? GROUP BY iso3, year")
    by_year, result = _aggregate(con, relation, [ed], {"dead_and_missing": "sum", "incidents": "sum"}, a,
                                 sch, ys)
    year_rows = tuple((a.code, a.name, y, months.get(y), r["dead_and_missing"], r["incidents"],
                       r["reporting"], r["coverage"]) for y, r in sorted(by_year.items()))
    notes += _region_notes(a, sch, result) + [_COVERAGE_NOTE]
    return Table(("area_code", "area", "year", "months", "dead_and_missing", "incidents", "countries",
                  "coverage"), year_rows, title=f"Migrants recorded dead or missing, {a.name}",
                 sources=(source_line(con, "missing_migrants", ed),), notes=tuple(notes),
                 units={**units, "countries": "countries with a record", "coverage": "share of countries"})


# ------------------------------------------------------------------------------------------ displacement


def displacement(area: str = "WLD", *, years: Years = None, scheme: str | Scheme = "wmr2010",
                 edition: str | None = None, con: duckdb.DuckDBPyConnection | None = None) -> Table:
    """Internal displacement by cause and year (IDMC): new displacements and IDPs at the end of the year.

    Parameters
    ----------
    area
        ``WLD``, a region of ``scheme`` or a country.
    years
        Years to keep (see :func:`parse_years`); default: all.
    scheme, edition, con
        As for :func:`deaths` (edition of ``displacement``).

    Returns
    -------
    Table
        ``area_code, area, year, conflict_new, disaster_new, new_displacements, coverage_new,
        conflict_idps, disaster_idps, idps, coverage_idps`` (the IDPs only in the years with stocks).

    Raises
    ------
    UnknownAreaError, DataUnavailableError, EditionError
    """
    from migcap.store.warehouse import source_line

    con, ed, sch, a = _context(con, "displacement", edition, area, scheme)
    ys = parse_years(years)
    _check_years(con, "displacement", ed, ys)
    parts: dict[str, dict[int, dict[str, Any]]] = {}
    notes: list[str] = []
    for measure, short in (("new_displacements", "new"), ("idps", "idps")):
        relation = (f"SELECT iso3, year, sum({measure}) AS total, "
                    f"sum(CASE WHEN cause = 'conflict' THEN {measure} END) AS conflict, "
                    f"sum(CASE WHEN cause = 'disaster' THEN {measure} END) AS disaster "
                    f"FROM displacement WHERE edition = ? AND {measure} IS NOT NULL GROUP BY iso3, year")
        parts[short], result = _aggregate(con, relation, [ed], {"total": "sum", "conflict": "sum",
                                                                "disaster": "sum"}, a, sch, ys)
        if short == "new":
            notes += _region_notes(a, sch, result)
    rows = []
    for y in sorted(set(parts["new"]) | set(parts["idps"])):
        new, idp = parts["new"].get(y, {}), parts["idps"].get(y, {})
        rows.append((a.code, a.name, y, new.get("conflict"), new.get("disaster"), new.get("total"),
                     new.get("coverage"), idp.get("conflict"), idp.get("disaster"), idp.get("total"),
                     idp.get("coverage")))
    notes += [
        "New displacements count movements during the year (a person displaced twice counts twice); IDPs "
        "are the people living in internal displacement at the end of the year.",
        "Conflict: armed conflict, communal and criminal violence; disaster: natural hazards (floods, "
        "storms, earthquakes, droughts, …).",
        "coverage_new, coverage_idps: share of the area's countries (among those the edition holds) with a "
        "figure that year; IDMC lists a country only where it recorded displacement.",
    ]
    return Table(("area_code", "area", "year", "conflict_new", "disaster_new", "new_displacements",
                  "coverage_new", "conflict_idps", "disaster_idps", "idps", "coverage_idps"), tuple(rows),
                 title=f"Internal displacement by cause, {a.name}",
                 sources=(source_line(con, "displacement", ed),), notes=tuple(notes),
                 units={"conflict_new": "displacements", "disaster_new": "displacements",
                        "new_displacements": "displacements", "conflict_idps": "persons",
                        "disaster_idps": "persons", "idps": "persons", "coverage_new": "share of countries",
                        "coverage_idps": "share of countries"})


# ----------------------------------------------------------------------------------------------- asylum


def asylum(area: str = "WLD", *, years: Years = None, scheme: str | Scheme = "wmr2010",
           edition: str | None = None, con: duckdb.DuckDBPyConnection | None = None) -> Table:
    """Asylum applicants in European countries (Eurostat): in the area, and from it.

    Parameters
    ----------
    area
        ``WLD``, a region of ``scheme`` or a country: as the country of application
        (``as_destination``) and as the citizenship of the applicants (``as_origin``).
    years
        Years to keep (see :func:`parse_years`); default: all.
    scheme, edition, con
        As for :func:`deaths` (edition of ``asylum_applications``).

    Returns
    -------
    Table
        ``area_code, area, year, as_destination, destinations, coverage_destination, as_origin,
        coverage_origin``.

    Raises
    ------
    UnknownAreaError, DataUnavailableError, EditionError
    """
    from migcap.store.warehouse import source_line

    con, ed, sch, a = _context(con, "asylum_applications", edition, area, scheme)
    ys = parse_years(years)
    _check_years(con, "asylum_applications", ed, ys)
    sides = {}
    notes: list[str] = []
    for side, column in (("dest", "dest"), ("origin", "origin")):
        relation = (f"SELECT {column} AS iso3, year, sum(applicants) AS applicants FROM asylum_applications "
                    f"WHERE edition = ? GROUP BY {column}, year")
        sides[side], result = _aggregate(con, relation, [ed], {"applicants": "sum"}, a, sch, ys)
        if side == "origin":
            notes += _region_notes(a, sch, result)
    rows = []
    for y in sorted(set(sides["dest"]) | set(sides["origin"])):
        d, o = sides["dest"].get(y, {}), sides["origin"].get(y, {})
        rows.append((a.code, a.name, y, d.get("applicants"), d.get("reporting"), d.get("coverage"),
                     o.get("applicants"), o.get("coverage")))
    notes += [
        "as_destination: applicants who applied in the area's countries that Eurostat covers "
        "(EU member states, EFTA countries and a few others; the United Kingdom to 2019), not the whole "
        "world; as_origin: applicants who are citizens of the area's countries, in those European "
        "countries.",
        "World totals of as_origin include the stateless (STL) and other or unknown citizenships (OOO).",
        "Eurostat rounds each figure to a multiple of 5. The data package that supplied the figures calls "
        "them first-time applicants, but its totals match Eurostat's all applicants (first-time and "
        "subsequent): check Eurostat's first-time series (applicant = NASY_APP) before quoting them as "
        "first-time.",
    ]
    if not sides["dest"]:
        notes.append(f"No country of {a.name} is a country of application in the edition.")
    return Table(("area_code", "area", "year", "as_destination", "destinations", "coverage_destination",
                  "as_origin", "coverage_origin"), tuple(rows),
                 title=f"Asylum applicants in Europe, {a.name} as destination and as origin",
                 sources=(source_line(con, "asylum_applications", ed),), notes=tuple(notes),
                 units={"as_destination": "persons", "as_origin": "persons",
                        "destinations": "countries of application reporting",
                        "coverage_destination": "share of countries",
                        "coverage_origin": "share of countries"})


# ------------------------------------------------------------------------------------------- encounters


def encounters(area: str = "WLD", *, years: Years = None, fiscal: bool = False,
               scheme: str | Scheme = "wmr2010", edition: str | None = None,
               con: duckdb.DuckDBPyConnection | None = None) -> Table:
    """Encounters at the US southwest land border (CBP), by year, of citizens of the area.

    Parameters
    ----------
    area
        ``WLD`` (all encounters), a region of ``scheme`` or a country: the citizenship of the people
        encountered.
    years
        Years to keep (see :func:`parse_years`); default: all.
    fiscal
        US fiscal years (October to September, named by the year they end in) instead of calendar years.
    scheme, edition, con
        As for :func:`deaths` (edition of ``border_encounters``).

    Returns
    -------
    Table
        ``area_code, area, year, months, encounters, apprehensions, inadmissibles, expulsions,
        countries, coverage``.

    Raises
    ------
    UnknownAreaError, DataUnavailableError, EditionError
    """
    from migcap.store.warehouse import source_line

    con, ed, sch, a = _context(con, "border_encounters", edition, area, scheme)
    ys = parse_years(years)
    year_sql = "(year + CASE WHEN month >= 10 THEN 1 ELSE 0 END)" if fiscal else "year"
    _check_years(con, "border_encounters", ed, ys, year_sql)
    relation = (f"SELECT citizenship AS iso3, {year_sql} AS year, sum(encounters) AS encounters, "
                "sum(CASE WHEN encounter_type = 'Apprehensions' THEN encounters END) AS apprehensions, "
                "sum(CASE WHEN encounter_type = 'Inadmissibles' THEN encounters END) AS inadmissibles, "
                "sum(CASE WHEN encounter_type = 'Expulsions' THEN encounters END) AS expulsions "
                "FROM border_encounters WHERE edition = ? GROUP BY 1, 2")
    by_year, result = _aggregate(con, relation, [ed], {"encounters": "sum", "apprehensions": "sum",
                                                       "inadmissibles": "sum", "expulsions": "sum"},
                                 a, sch, ys)
    # months with data in each (calendar or fiscal) year
    mrows = con.execute(f"SELECT {year_sql} AS y, count(DISTINCT year * 100 + month) FROM border_encounters "
                        "WHERE edition = ? GROUP BY y", [ed]).fetchall()
    months = {int(y): int(n) for y, n in mrows}
    rows = tuple((a.code, a.name, y, months.get(y), r["encounters"], r["apprehensions"], r["inadmissibles"],
                  r["expulsions"], r["reporting"], r["coverage"]) for y, r in sorted(by_year.items()))
    kind = "fiscal" if fiscal else "calendar"
    notes = _region_notes(a, sch, result) + [
        f"Years are US {kind} years" + (" (FY2023 = October 2022 to September 2023)." if fiscal else ".")
        + " Encounters are events, not persons: a person may be encountered more than once.",
        "Apprehensions (Border Patrol) and inadmissibles (Field Operations) under Title 8; expulsions under "
        "Title 42 (public-health order, March 2020 to May 2023).",
        "CBP gives citizenship from October 2019: earlier encounters count only in the world total "
        "(citizenship UNK, not reported). OOO: other countries, in the world total only.",
    ]
    partial = [f"{y} ({n} months)" for y, n in sorted(months.items()) if n < 12 and (not ys or y in ys)]
    if partial:
        notes.append("Incomplete years: " + ", ".join(partial) + ".")
    if a.kind != "world":
        notes.append(_COVERAGE_NOTE)
    return Table(("area_code", "area", "year", "months", "encounters", "apprehensions", "inadmissibles",
                  "expulsions", "countries", "coverage"), rows,
                 title=f"US southwest land border encounters, citizens of {a.name}"
                 if a.kind != "world" else "US southwest land border encounters",
                 sources=(source_line(con, "border_encounters", ed),), notes=tuple(notes),
                 units={"encounters": "encounters (events)", "apprehensions": "encounters",
                        "inadmissibles": "encounters", "expulsions": "encounters",
                        "months": "months the edition covers",
                        "countries": "citizenships with a record", "coverage": "share of countries"})


# --------------------------------------------------------------------------- a country's signals


#: How many complete years the profile signals sum or average over.
SIGNAL_YEARS = 5


@dataclass(frozen=True)
class Signal:
    """One figure of a country on irregular migration or displacement, for its migration profile.

    Attributes
    ----------
    key
        The profile figure it gives (:data:`migcap.capacity.vocab.FIGURES`).
    value
        The figure.
    year
        The last year it covers.
    period
        The years it covers in words (``'2020–2024'``, ``'2019–2023 mean'``), with the number of
        countries a percentile is taken among.
    dataset, edition
        Where it comes from.
    basis
        More on the source (the population edition of a rate).
    """

    key: str
    value: float
    year: int
    period: str
    dataset: str
    edition: str
    basis: str = ""


def _complete_years(con: duckdb.DuckDBPyConnection, dataset: str, edition: str, *,
                    monthly: bool = True, column: str | None = None) -> list[int]:
    """The last :data:`SIGNAL_YEARS` years of an edition with data for all 12 months (monthly data) or
    with any value of ``column`` (annual data), oldest first."""
    if monthly:
        years = [y for y, n in sorted(_months(con, dataset, edition).items()) if n == 12]
    else:
        years = [int(r[0]) for r in con.execute(
            f'SELECT DISTINCT year FROM "{dataset}" WHERE edition = ? AND {column} IS NOT NULL ORDER BY year',
            [edition]).fetchall()]
    return years[-SIGNAL_YEARS:]


def _span(years: Sequence[int]) -> str:
    return f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])


def _percentile(values: dict[str, float], iso3: str) -> float:
    """Percentile rank of a country among the countries given: the share (%) whose figure is at or below
    its own (the largest has 100).

    >>> _percentile({"A": 1.0, "B": 5.0, "C": 5.0, "D": 9.0}, "B")
    75.0
    """
    mine = values[iso3]
    return 100 * sum(1 for v in values.values() if v <= mine) / len(values)


def _population(con: duckdb.DuckDBPyConnection, iso3: str) -> tuple[float, int, str] | None:
    """The country's population in the latest year of the latest ``migrant_stock`` edition (UN DESA IMS,
    built on WPP): ``(population, year, edition)``."""
    from migcap.store.warehouse import editions, resolve_edition

    if not editions(con, "migrant_stock"):
        return None
    ed = resolve_edition(con, "migrant_stock")
    row = con.execute("SELECT population, year FROM migrant_stock WHERE edition = ? AND iso3 = ? "
                      "AND population > 0 ORDER BY year DESC LIMIT 1", [ed, iso3]).fetchone()
    return (float(row[0]), int(row[1]), ed) if row else None


def _by_country(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any]) -> dict[str, float]:
    return {str(c): float(v) for c, v in con.execute(sql, list(params)).fetchall() if v is not None}


def country_signals(iso3: str, *,
                    con: duckdb.DuckDBPyConnection) -> tuple[list[Signal], list[str], dict[str, str]]:
    """A country's figures on irregular migration and displacement for its migration profile.

    Each is taken from the latest edition in the warehouse (a dataset that is absent gives none):

    * ``migrant_deaths`` — dead and missing recorded with the country as the place of incident, summed
      over the last five complete years of ``missing_migrants``; ``migrant_deaths_pctile`` its percentile
      rank among the countries with a record in those years (:func:`_percentile`);
    * ``disaster_displacement``, ``conflict_displacement`` — new internal displacements a year by cause,
      the mean of the last five years with new displacements in ``displacement`` (a year without a figure
      counts as none recorded); ``…_per_1000`` per 1,000 population; ``…_pctile`` the percentile rank
      among the countries with displacement of that cause in those years;
    * ``asylum_applicants``, ``asylum_per_1000`` — asylum applicants with the country as the country of
      application, latest year of ``asylum_applications`` (only the European countries Eurostat covers);
    * ``us_encounters``, ``us_encounters_per_1000`` — US southwest border encounters of the country's
      citizens, latest complete calendar year of ``border_encounters``;
    * ``eu_crossings``, ``eu_crossings_per_1000`` — Frontex detections of illegal border crossings of the
      country's citizens, latest complete calendar year of ``border_crossings`` (only where a user
      imported Frontex's file: it is not bundled).

    Populations: the country's population in the latest year of the latest ``migrant_stock`` edition.

    Returns
    -------
    (signals, notes, consulted)
        The figures, notes on what the data do not show for this country, and dataset → edition of
        every dataset consulted (whether it gave a figure or not).
    """
    from migcap.store.warehouse import editions, resolve_edition

    out: list[Signal] = []
    notes: list[str] = []
    consulted: dict[str, str] = {}
    pop = _population(con, iso3)
    pop_basis = f"population migrant_stock {pop[2]} ({pop[1]})" if pop else ""

    def rate(key: str, value: float, year: int, period: str, dataset: str, ed: str) -> None:
        if pop:
            out.append(Signal(key, value / pop[0] * 1000, year, period, dataset, ed, pop_basis))

    if editions(con, "missing_migrants"):
        ed = consulted["missing_migrants"] = resolve_edition(con, "missing_migrants")
        ys = _complete_years(con, "missing_migrants", ed)
        if ys:
            totals = _by_country(con, "SELECT iso3, sum(dead_and_missing) FROM missing_migrants "
                                 "WHERE edition = ? AND year BETWEEN ? AND ? GROUP BY iso3",
                                 [ed, ys[0], ys[-1]])
            if iso3 in totals:
                out.append(Signal("migrant_deaths", totals[iso3], ys[-1], _span(ys), "missing_migrants", ed))
                out.append(Signal("migrant_deaths_pctile", _percentile(totals, iso3), ys[-1],
                                  f"{_span(ys)}, among {len(totals)} countries with a record",
                                  "missing_migrants", ed))
            else:
                notes.append(f"no migrant deaths or disappearances recorded in the country in {_span(ys)} "
                             "(IOM Missing Migrants Project)")
    if editions(con, "displacement"):
        ed = consulted["displacement"] = resolve_edition(con, "displacement")
        ys = _complete_years(con, "displacement", ed, monthly=False, column="new_displacements")
        for cause in ("disaster", "conflict"):
            if not ys:
                break
            means = _by_country(con, "SELECT iso3, sum(new_displacements) / ? FROM displacement "
                                "WHERE edition = ? AND cause = ? AND year BETWEEN ? AND ? "
                                "AND new_displacements IS NOT NULL GROUP BY iso3",
                                [len(ys), ed, cause, ys[0], ys[-1]])
            period = f"{_span(ys)} mean"
            if iso3 not in means:
                notes.append(f"no new {cause} displacement recorded in the country in {_span(ys)} (IDMC)")
                continue
            out.append(Signal(f"{cause}_displacement", means[iso3], ys[-1], period, "displacement", ed))
            rate(f"{cause}_displacement_per_1000", means[iso3], ys[-1], period, "displacement", ed)
            out.append(Signal(f"{cause}_displacement_pctile", _percentile(means, iso3), ys[-1],
                              f"{period}, among {len(means)} countries with {cause} displacement",
                              "displacement", ed))
    if editions(con, "asylum_applications"):
        ed = consulted["asylum_applications"] = resolve_edition(con, "asylum_applications")
        row = con.execute("SELECT max(year) FROM asylum_applications WHERE edition = ?", [ed]).fetchone()
        last = int(row[0]) if row and row[0] is not None else None
        got = _by_country(con, "SELECT dest, sum(applicants) FROM asylum_applications WHERE edition = ? "
                          "AND year = ? AND dest = ? GROUP BY dest", [ed, last, iso3]) if last else {}
        if iso3 in got and last is not None:
            out.append(Signal("asylum_applicants", got[iso3], last, str(last), "asylum_applications", ed))
            rate("asylum_per_1000", got[iso3], last, str(last), "asylum_applications", ed)
    for dataset, key, measure in (("border_encounters", "us_encounters", "encounters"),
                                  ("border_crossings", "eu_crossings", "detections")):
        if not editions(con, dataset):
            continue
        ed = consulted[dataset] = resolve_edition(con, dataset)
        ys = _complete_years(con, dataset, ed)
        if not ys:
            continue
        got = _by_country(con, f'SELECT citizenship, sum({measure}) FROM "{dataset}" WHERE edition = ? '
                          "AND year = ? AND citizenship = ? GROUP BY citizenship", [ed, ys[-1], iso3])
        if iso3 in got:
            out.append(Signal(key, got[iso3], ys[-1], str(ys[-1]), dataset, ed))
            rate(f"{key}_per_1000", got[iso3], ys[-1], str(ys[-1]), dataset, ed)
    return out, notes, consulted
