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
from typing import TYPE_CHECKING, Any, Literal

from migcap.errors import DataUnavailableError, MigcapError
from migcap.geo.aggregate import AggregateRows, CoverageRule, aggregate_sql, register_members
from migcap.geo.schemes import Scheme, load_scheme
from migcap.table import Table

if TYPE_CHECKING:
    import duckdb

    from migcap.evidence.overview import Area

__all__ = ["asylum", "deaths", "displacement", "encounters", "parse_years"]

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
    from migcap.evidence.overview import resolve_area
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
    if area.kind == "world":
        return "TRUE", []
    if area.kind == "region":
        members = register_members(con, sch)
        return f"{column} IN (SELECT iso3 FROM {members} WHERE code = ?)", [area.code]
    return f"{column} = ?", [area.code]


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
