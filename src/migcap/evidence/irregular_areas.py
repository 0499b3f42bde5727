"""The section "Irregular migration and displacement" of the overviews: tables for the world, a region or
a country, each with its source and edition.

For the world and a region (incidents, displacements and applications in the area's countries;
encounters of its citizens):

``irregular_deaths_regions``
    Migrants recorded dead or missing by region of incident (the regions of the scheme), over the
    last five complete years of the IOM Missing Migrants Project up to the overview's year (the world
    only).
``irregular_deaths_routes``
    The same by migration route (the ten routes with the most dead and missing).
``irregular_displacement``
    IDMC new internal displacements by cause, and IDPs, by year
    (:func:`~migcap.evidence.irregular.displacement`).
``irregular_asylum``
    Eurostat asylum applicants in the area's countries and from them, by year
    (:func:`~migcap.evidence.irregular.asylum`).
``irregular_encounters``
    US southwest border encounters of the area's citizens, by year
    (:func:`~migcap.evidence.irregular.encounters`); left out where there are none.
``irregular_crossings``
    Frontex detections of illegal border crossings by route (the area's citizens), only where the user
    imported Frontex's file (it is not bundled).

For a country, where it appears:

``irregular_country``
    One row per role: place of incident of dead and missing migrants, country of new displacements
    (by cause) and of IDPs, country of asylum applications, citizenship of asylum applicants, of US
    border encounters and (if imported) of Frontex detections.
``irregular_asylum_destinations``, ``irregular_asylum_nationalities``
    The countries where its citizens applied for asylum, and the citizenships of those who applied in it.

The years: the five years up to the overview's year, or up to the last year with data (the last
complete year for monthly data) if that is earlier. A dataset without data in those years gives no
table. The data are records of events: a country without a record has none recorded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from migcap.evidence.areas import area_filter
from migcap.evidence.irregular import SIGNAL_YEARS, asylum, displacement, encounters
from migcap.geo.aggregate import register_members
from migcap.geo.schemes import Scheme
from migcap.table import Table

if TYPE_CHECKING:
    import duckdb

    from migcap.evidence.areas import Area

__all__ = ["irregular_tables"]

TOP = 10


class _Memo:
    """Figures that every area's tables share (editions, years, per-country sums), computed once per
    :func:`~migcap.evidence.overview.overviews` call."""

    def __init__(self, con: duckdb.DuckDBPyConnection, memo: dict[Any, Any]) -> None:
        self.con, self.memo = con, memo

    def get(self, key: tuple[Any, ...], make: Any) -> Any:
        key = ("irregular", *key)
        if key not in self.memo:
            self.memo[key] = make()
        return self.memo[key]

    def editions(self) -> dict[str, str]:
        return dict(self.get(("editions",), lambda: _editions(self.con)))

    def years(self, dataset: str, edition: str, until: int, *, monthly: bool,
              column: str | None = None) -> list[int]:
        """The last five years up to ``until`` with data (monthly data: with all 12 months), oldest first."""
        def make() -> list[int]:
            if monthly:
                rows = self.con.execute(f'SELECT year FROM "{dataset}" WHERE edition = ? GROUP BY year '
                                        "HAVING count(DISTINCT month) = 12 ORDER BY year",
                                        [edition]).fetchall()
            else:
                rows = self.con.execute(f'SELECT DISTINCT year FROM "{dataset}" WHERE edition = ? '
                                        f"AND {column} IS NOT NULL ORDER BY year", [edition]).fetchall()
            return [int(r[0]) for r in rows]

        years = self.get(("years", dataset, edition, monthly, column), make)
        return [y for y in years if y <= until][-SIGNAL_YEARS:]

    def by_country(self, sql: str, params: list[Any]) -> dict[str, Any]:
        """``{code: value}`` of a query whose first column is a country code (for all countries at once)."""
        return dict(self.get(("sql", sql, tuple(params)),
                             lambda: {str(r[0]): r[1] for r in self.con.execute(sql, params).fetchall()}))

    def source_line(self, dataset: str, edition: str) -> str:
        from migcap.store.warehouse import source_line

        return str(self.get(("source", dataset, edition), lambda: source_line(self.con, dataset, edition)))


def _span(years: list[int]) -> str:
    return f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])


def _edition_note(dataset: str, edition: str) -> str:
    return f"Edition: {dataset} {edition}."


def _with_edition(t: Table, dataset: str, edition: str) -> Table:
    import dataclasses

    return dataclasses.replace(t, notes=(*t.notes, _edition_note(dataset, edition)))


def _editions(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    from migcap.store.warehouse import editions, resolve_edition

    names = ("missing_migrants", "displacement", "asylum_applications", "border_encounters",
             "border_crossings")
    return {d: resolve_edition(con, d) for d in names if editions(con, d)}


def irregular_tables(con: duckdb.DuckDBPyConnection, area: Area, sch: Scheme, year: int, *,
                     memo: dict[Any, Any] | None = None) -> dict[str, Table]:
    """The tables of the section "Irregular migration and displacement" of an area's overview.

    Parameters
    ----------
    con
        Warehouse connection.
    area
        The world, a region of ``sch`` or a country.
    year
        The overview's year: the tables cover the five years up to it (or up to the last year with data).
    memo
        A dict shared by the calls for several areas on the same connection (figures computed once).

    Returns
    -------
    dict
        Section key → table (see the module's documentation); empty if the warehouse holds none of
        these datasets.
    """
    m = _Memo(con, {} if memo is None else memo)
    if area.kind == "country":
        return _country(m, area, year)
    return _area(m, area, sch, year)


def _area(m: _Memo, area: Area, sch: Scheme, year: int) -> dict[str, Table]:
    con, eds, source_line = m.con, m.editions(), lambda _c, d, e: m.source_line(d, e)
    out: dict[str, Table] = {}
    ed = eds.get("missing_migrants")
    ys = m.years("missing_migrants", ed, year, monthly=True) if ed else []
    if ed and ys:
        src = (source_line(con, "missing_migrants", ed),)
        notes = ("Dead and missing together, as the Missing Migrants Project gives them; incidents are the "
                 "project's records. A country without a record has none recorded.",
                 _edition_note("missing_migrants", ed))
        members = register_members(con, sch)
        if area.kind == "world":
            rows = con.execute(
                f"SELECT coalesce(m.code, '—'), coalesce(m.name, 'Not in any region of the scheme'), "
                f"sum(dead_and_missing) FROM missing_migrants d LEFT JOIN {members} m USING (iso3) "
                "WHERE edition = ? AND year BETWEEN ? AND ? GROUP BY 1, 2, m.ord ORDER BY m.ord NULLS LAST",
                [ed, ys[0], ys[-1]]).fetchall()
            # the world's total from the records themselves (a scheme's regions may overlap)
            got = con.execute("SELECT sum(dead_and_missing) FROM missing_migrants WHERE edition = ? "
                              "AND year BETWEEN ? AND ?", [ed, ys[0], ys[-1]]).fetchone()
            total = got[0] if got and got[0] is not None else 0
            rows = [(c, n, d, 100 * d / total if total else None) for c, n, d in rows]
            out["irregular_deaths_regions"] = Table(
                ("region_code", "region", "years", "dead_and_missing", "share_pct"),
                tuple((c, n, _span(ys), d, p) for c, n, d, p in rows)
                + (("WLD", "World", _span(ys), total, 100.0 if total else None),),
                title=f"Migrants recorded dead or missing by region of incident ({sch.title}), {_span(ys)}",
                sources=src, notes=notes,
                units={"dead_and_missing": "persons", "share_pct": "% of the world"})
        where, params = area_filter(area, members, "iso3")
        rows = con.execute(
            "SELECT route, sum(dead_and_missing), sum(incidents) FROM missing_migrants WHERE edition = ? "
            f"AND year BETWEEN ? AND ? AND {where} GROUP BY route ORDER BY 2 DESC, route LIMIT {TOP}",
            [ed, ys[0], ys[-1], *params]).fetchall()
        if rows:
            where_words = "" if area.kind == "world" else f", incidents in {area.name}"
            out["irregular_deaths_routes"] = Table(
                ("route", "years", "dead_and_missing", "incidents"),
                tuple((r, _span(ys), d, n) for r, d, n in rows),
                title=f"Migrants recorded dead or missing by route{where_words}, {_span(ys)}",
                sources=src, notes=notes, units={"dead_and_missing": "persons", "incidents": "records"})
    ed = eds.get("displacement")
    ys = m.years("displacement", ed, year, monthly=False, column="new_displacements") if ed else []
    if ed and ys:
        # to the last year with any figure up to the overview's year (IDPs may run a year further)
        row = con.execute("SELECT max(year) FROM displacement WHERE edition = ? AND year <= ?",
                          [ed, year]).fetchone()
        last = max(ys[-1], int(row[0])) if row and row[0] is not None else ys[-1]
        t = displacement(area.code, years=f"{ys[0]}-{last}", scheme=sch, edition=ed, con=con)
        out["irregular_displacement"] = _with_edition(t, "displacement", ed)
    ed = eds.get("asylum_applications")
    ys = m.years("asylum_applications", ed, year, monthly=False, column="applicants") if ed else []
    if ed and ys:
        t = asylum(area.code, years=f"{ys[0]}-{ys[-1]}", scheme=sch, edition=ed, con=con)
        if len(t):
            out["irregular_asylum"] = _with_edition(t, "asylum_applications", ed)
    ed = eds.get("border_encounters")
    ys = m.years("border_encounters", ed, year, monthly=True) if ed else []
    if ed and ys:
        t = encounters(area.code, years=f"{ys[0]}-{ys[-1]}", scheme=sch, edition=ed, con=con)
        if any(r["encounters"] for r in t):
            out["irregular_encounters"] = _with_edition(
                t.select(["area_code", "area", "year", "encounters", "apprehensions", "inadmissibles",
                          "expulsions", "countries", "coverage"]), "border_encounters", ed)
    ed = eds.get("border_crossings")  # Frontex: only where the user imported its file
    ys = m.years("border_crossings", ed, year, monthly=True) if ed else []
    if ed and ys:
        members = register_members(con, sch)
        where, params = area_filter(area, members, "citizenship")
        rows = con.execute(
            "SELECT route, sum(detections) FROM border_crossings WHERE edition = ? AND year BETWEEN ? AND ? "
            f"AND {where} GROUP BY route HAVING sum(detections) > 0 ORDER BY 2 DESC, route LIMIT {TOP}",
            [ed, ys[0], ys[-1], *params]).fetchall()
        if rows:
            whose = "" if area.kind == "world" else f", citizens of {area.name}"
            out["irregular_crossings"] = Table(
                ("route", "years", "detections"), tuple((r, _span(ys), n) for r, n in rows),
                title=f"Detections of illegal border crossings at the EU external borders by route{whose}, "
                      f"{_span(ys)}",
                sources=(m.source_line("border_crossings", ed),),
                notes=("Frontex counts detections, not persons: the same person may cross several times. "
                       "Not bundled with migcap: from the Frontex file imported into this data folder.",
                       _edition_note("border_crossings", ed)),
                units={"detections": "detections"})
    return out


def _country(m: _Memo, area: Area, year: int) -> dict[str, Table]:
    eds = m.editions()
    iso3 = area.code
    rows: list[tuple[Any, ...]] = []
    sources: list[str] = []
    used: list[str] = []

    def add(dataset: str, what: str, role: str, years: list[int], value: Any, unit: str) -> None:
        if value is None:
            return
        line = m.source_line(dataset, eds[dataset])
        if line not in sources:
            sources.append(line)
            used.append(f"{dataset} {eds[dataset]}")
        rows.append((what, role, _span(years), value, unit, f"{dataset} {eds[dataset]}"))

    out: dict[str, Table] = {}
    if "missing_migrants" in eds:
        ed = eds["missing_migrants"]
        ys = m.years("missing_migrants", ed, year, monthly=True)
        if ys:
            add("missing_migrants", "Migrants recorded dead or missing", "place of incident", ys,
                m.by_country("SELECT iso3, sum(dead_and_missing) FROM missing_migrants WHERE edition = ? "
                             "AND year BETWEEN ? AND ? GROUP BY iso3", [ed, ys[0], ys[-1]]).get(iso3),
                "persons")
    if "displacement" in eds:
        ed = eds["displacement"]
        ys = m.years("displacement", ed, year, monthly=False, column="new_displacements")
        if ys:
            for cause in ("disaster", "conflict"):
                total = m.by_country("SELECT iso3, sum(new_displacements) FROM displacement "
                                     "WHERE edition = ? AND cause = ? AND year BETWEEN ? AND ? GROUP BY iso3",
                                     [ed, cause, ys[0], ys[-1]]).get(iso3)
                add("displacement", f"New internal displacements by {cause}, a year (mean)",
                    "country of displacement", ys, None if total is None else total / len(ys),
                    "displacements per year")
        ys = m.years("displacement", ed, year, monthly=False, column="idps")
        if ys:
            for cause in ("conflict", "disaster"):
                add("displacement", f"Internally displaced persons ({cause}), end of year",
                    "country of displacement", ys[-1:],
                    m.by_country("SELECT iso3, sum(idps) FROM displacement WHERE edition = ? AND cause = ? "
                                 "AND year = ? GROUP BY iso3", [ed, cause, ys[-1]]).get(iso3), "persons")
    if "asylum_applications" in eds:
        ed = eds["asylum_applications"]
        ys = m.years("asylum_applications", ed, year, monthly=False, column="applicants")
        if ys:
            last = ys[-1:]
            for what, role, column in (("Asylum applicants (Eurostat)", "country of application", "dest"),
                                       ("Asylum applicants in European countries (Eurostat)", "citizenship",
                                        "origin")):
                add("asylum_applications", what, role, last, m.by_country(
                    f"SELECT {column}, sum(applicants) FROM asylum_applications WHERE edition = ? "
                    f"AND year = ? GROUP BY {column}", [ed, last[0]]).get(iso3), "persons")
            src = (m.source_line("asylum_applications", ed),)
            note = (_edition_note("asylum_applications", ed),)
            for key, mine, other, title in (
                    ("irregular_asylum_destinations", "origin", "dest",
                     f"Where citizens of {area.name} applied for asylum, {last[0]}"),
                    ("irregular_asylum_nationalities", "dest", "origin",
                     f"Citizenships of the asylum applicants in {area.name}, {last[0]}")):
                top = m.by_country(
                    f"SELECT {mine}, list([{other}, n::VARCHAR] ORDER BY n DESC, {other})[1:{TOP}] FROM "
                    f"(SELECT {mine}, {other}, sum(applicants) AS n FROM asylum_applications "
                    f"WHERE edition = ? AND year = ? GROUP BY {mine}, {other} HAVING n > 0) GROUP BY {mine}",
                    [ed, last[0]]).get(iso3)
                if top:
                    out[key] = Table(("iso3", "country", "applicants"),
                                     tuple((c, _name(c), float(n)) for c, n in top), title=title, sources=src,
                                     notes=note, units={"applicants": "persons"})
    for dataset, what, measure in (
            ("border_encounters", "Encounters at the US southwest land border (US CBP)", "encounters"),
            ("border_crossings", "Detections of illegal border crossings at the EU external borders "
             "(Frontex)", "detections")):
        if dataset not in eds:
            continue
        ed = eds[dataset]
        ys = m.years(dataset, ed, year, monthly=True)
        if ys:
            add(dataset, what, "citizenship", ys[-1:],
                m.by_country(f'SELECT citizenship, sum({measure}) FROM "{dataset}" WHERE edition = ? '
                             "AND year = ? GROUP BY citizenship", [ed, ys[-1]]).get(iso3), measure)
    if rows:
        out = {"irregular_country": Table(
            ("measure", "role", "years", "value", "unit", "edition"), tuple(rows),
            title=f"{area.name} in the evidence on irregular migration and displacement",
            sources=tuple(sources),
            notes=("Only where the country appears: these sources record events, and a country without a "
                   "record has none recorded.",
                   "The Missing Migrants Project file gives the country of incident only, not the origin of "
                   "the dead and missing.",
                   "Asylum applicants: only the European countries Eurostat covers are countries of "
                   "application; US border encounters and Frontex detections are events, not persons.",
                   "Editions: " + ", ".join(used) + "."))} | out
    return out


def _name(iso3: str) -> str:
    from migcap.geo.countries import country_table

    own = {"STL": "Stateless", "OOO": "Other or unknown"}
    return own.get(iso3) or country_table().name_of(iso3)
