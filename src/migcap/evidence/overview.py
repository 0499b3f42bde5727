"""Global, regional and country overviews in the manner of the World Migration Report 2010.

An overview gathers, for one area and year: the migrant stock and its trend since
1990 (level, % of population, annual growth per period, share of the world,
female share, refugees), the main destinations, origins and corridors, the
diaspora (emigrants abroad), remittances received and paid (and as % of GDP),
the main recipients and senders, and the 2009 crisis figures — each section a
:class:`~migcap.table.Table` with its source — plus the key facts in words.

Examples
--------
>>> ov = overview("MEA", scheme="wmr2010", year=2020)                   # doctest: +SKIP
>>> ov.facts[0].text                                                    # doctest: +SKIP
"In 2020 40.4 million international migrants lived in Middle East, 14.5% of its population …"
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from migcap.errors import DataUnavailableError
from migcap.evidence.areas import Area, Kind, area_filter, resolve_area
from migcap.evidence.facts import Fact, build_facts, with_article
from migcap.geo.aggregate import register_members
from migcap.geo.schemes import Scheme, load_scheme
from migcap.table import Table

if TYPE_CHECKING:
    import duckdb

__all__ = ["Area", "Overview", "key_facts", "overview", "overviews", "resolve_area"]

TOP = 10


@dataclass(frozen=True)
class Overview:
    """An area's overview: sections (tables) and key facts."""

    kind: Kind
    code: str
    name: str
    year: int
    scheme: str
    sections: dict[str, Table]
    facts: list[Fact] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"area": {"kind": self.kind, "code": self.code, "name": self.name}, "year": self.year,
                "scheme": self.scheme, "facts": [f.to_dict() for f in self.facts],
                "sections": {k: t.to_dict() for k, t in self.sections.items()}}

    def to_markdown(self) -> str:
        """The overview as Markdown: the facts, then each section's table."""
        lines = [f"# {self.name}: migration overview, {self.year}", ""]
        lines += [f"- {f.text}" for f in self.facts]
        for t in self.sections.values():
            lines += ["", t.to_markdown()]
        return "\n".join(lines) + "\n"


class _Shared:
    """Tables that several areas' overviews share, computed once per call of :func:`overviews`."""

    def __init__(self, con: duckdb.DuckDBPyConnection, sch: Scheme, edition: str) -> None:
        self.con, self.sch, self.edition = con, sch, edition
        self._memo: dict[tuple[str, str], Any] = {}

    def _get(self, what: str, kind: str, make: Any) -> Any:
        key = (what, kind)
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def stocks(self, kind: Kind) -> Table:
        from migcap.evidence.stocks import stocks

        return self._get("stocks", kind, lambda: stocks(by=kind, scheme=self.sch, edition=self.edition,
                                                        con=self.con))

    def crisis(self, kind: Kind) -> Table:
        from migcap.evidence.crisis import shock_impact

        return self._get("crisis", kind, lambda: shock_impact("remittances_received", shock=2009, by=kind,
                                                              scheme=self.sch, con=self.con).table)

    def bilateral(self) -> tuple[str, list[int], tuple[str, ...], str]:
        """The bilateral edition that goes with the stocks, its years, its citation and what its origin
        UNK holds: the same for every area, so read once."""
        def make() -> tuple[str, list[int], tuple[str, ...], str]:
            from migcap.evidence.matrix import unknown_origin_note
            from migcap.store.warehouse import matching_edition, source_line, years_of

            ed = matching_edition(self.con, "bilateral_stock", self.edition)
            return (ed, years_of(self.con, "bilateral_stock", ed),
                    (source_line(self.con, "bilateral_stock", ed),), unknown_origin_note(self.con, ed))

        return self._get("bilateral", "", make)

    def remittances(self, kind: Kind) -> tuple[Any, tuple[str, ...], dict[str, Any]]:
        return self._get("remittances", kind, lambda: _remittance_rows(self.con, kind, self.sch))


def _stock_trend(shared: _Shared, area: Area) -> Table:
    world = shared.stocks("world")
    world_m = dict(zip(world.column("year"), world.column("migrants"), strict=True))
    t = shared.stocks(area.kind).where(area_code=area.code)
    rows = []
    prev: tuple[int, float] | None = None
    for r in t:
        m = r["migrants"]
        growth = (math.log(m / prev[1]) / (r["year"] - prev[0]) * 100) if (m and prev and prev[1]) else None
        share = m / world_m[r["year"]] * 100 if m is not None and world_m.get(r["year"]) else None
        refugees_pct = r["refugees"] / m * 100 if m and r["refugees"] is not None else None
        rows.append((r["year"], m, r["migrants_pct"], growth, share, r["female_pct"], r["refugees"],
                     refugees_pct))
        prev = (r["year"], m) if m else None
    notes = ["growth_rate_pct: annual rate of change since the previous year shown, "
             "100 · ln(M₂/M₁) / (t₂ − t₁), as in UN DESA's Table 5."]
    if area.kind == "country":
        from migcap.evidence.stocks import data_basis

        basis = data_basis(shared.con, area.code, shared.edition)
        if basis:
            notes.append(f"What the figures count: {basis}.")
    return Table(("year", "migrants", "migrants_pct", "growth_rate_pct", "share_of_world_pct", "female_pct",
                  "refugees", "refugees_pct_of_migrants"), tuple(rows),
                 title=f"International migrants in {with_article(area.name)}, 1990 onwards",
                 sources=t.sources,
                 notes=tuple(notes),
                 units={"migrants": "persons", "migrants_pct": "% of population",
                        "growth_rate_pct": "% per year",
                        "share_of_world_pct": "% of the world's migrants", "female_pct": "% of migrants",
                        "refugees": "persons"})


def _top_destinations(con: duckdb.DuckDBPyConnection, area: Area, members: str | None, year: int,
                      edition: str) -> Table:
    from migcap.store.warehouse import source_line

    where, params = area_filter(area, members, "m.iso3")
    rows = con.execute(f"""
        SELECT m.iso3, c.name, m.migrants, m.migrants_pct,
               m.migrants / sum(m.migrants) OVER () * 100 AS share
        FROM migrant_stock m JOIN countries c USING (iso3)
        WHERE m.edition = ? AND m.year = ? AND m.migrants IS NOT NULL AND {where}
        ORDER BY m.migrants DESC LIMIT {TOP}""", [edition, year, *params]).fetchall()
    return Table(("rank", "iso3", "country", "migrants", "migrants_pct", "share_of_area_pct"),
                 tuple((i + 1, *r) for i, r in enumerate(rows)),
                 title=f"Main destinations in {with_article(area.name)}, {year}",
                 sources=(source_line(con, "migrant_stock", edition),))


def _bilateral(shared: _Shared, area: Area, members: str | None,
               year: int) -> tuple[dict[str, Table], int]:
    """Origins, corridors and diaspora from the bilateral stock (the latest year ≤ ``year``) of the same
    IMS edition as the stocks where there is one."""
    from migcap.geo.countries import country_table

    con = shared.con
    ed, years, src, unknown = shared.bilateral()
    usable = [y for y in years if y <= year]
    if not usable:
        raise DataUnavailableError(f"no bilateral stock for {year} or earlier (edition {ed})")
    by = usable[-1]
    name = country_table().name_of
    dest_where, dest_params = area_filter(area, members, "dest")
    diaspora_where, orig_params = area_filter(area, members, "b.origin")
    sections: dict[str, Table] = {}
    # shares of all immigrants; the unknown origin is not a country, so it is shown after the ranking
    origins = con.execute(f"""
        WITH o AS (SELECT origin, sum(migrants) AS m, sum(migrants) / sum(sum(migrants)) OVER () * 100 AS s
                   FROM bilateral_stock WHERE edition = ? AND year = ? AND {dest_where} GROUP BY origin)
        (SELECT * FROM o WHERE origin <> 'UNK' ORDER BY m DESC LIMIT {TOP})
        UNION ALL (SELECT * FROM o WHERE origin = 'UNK')""", [ed, by, *dest_params]).fetchall()
    known = [r for r in origins if r[0] != "UNK"]
    known.sort(key=lambda r: -r[1])
    unk_note = f"UNK: unknown origin ({unknown}); not ranked, as it is no country."
    sections["top_origins"] = Table(
        ("rank", "origin_code", "origin", "migrants", "share_of_immigrants_pct"),
        tuple((i + 1, o, name(o), m, s) for i, (o, m, s) in enumerate(known))
        + tuple((None, o, name(o), m, s) for o, m, s in origins if o == "UNK"),
        title=f"Where the migrants in {with_article(area.name)} were born, {by}", sources=src,
        notes=(unk_note,))
    if area.kind == "country":
        cond, cparams = "(dest = ? OR origin = ?) AND origin <> 'UNK'", [area.code, area.code]
    else:
        cond, cparams = f"{dest_where} AND origin <> 'UNK'", dest_params
    corridors = con.execute(f"""
        SELECT origin, dest, migrants FROM bilateral_stock WHERE edition = ? AND year = ? AND {cond}
        ORDER BY migrants DESC LIMIT {TOP}""", [ed, by, *cparams]).fetchall()
    sections["top_corridors"] = Table(
        ("rank", "year", "origin_code", "origin", "destination_code", "destination", "migrants"),
        tuple((i + 1, by, o, name(o), d, name(d), m) for i, (o, d, m) in enumerate(corridors)),
        title=f"Largest migration corridors {'of' if area.kind == 'country' else 'into'} "
              f"{with_article(area.name)}, {by}",
        sources=src)
    if area.kind == "country":
        dests = con.execute(f"""
            SELECT dest, migrants, migrants / sum(migrants) OVER () * 100 FROM bilateral_stock
            WHERE edition = ? AND year = ? AND origin = ? ORDER BY migrants DESC LIMIT {TOP}""",
                            [ed, by, area.code]).fetchall()
        total = con.execute("SELECT sum(migrants) FROM bilateral_stock WHERE edition = ? AND year = "
                            "? AND origin = ?",
                            [ed, by, area.code]).fetchone()
        sections["emigrant_destinations"] = Table(
            ("rank", "destination_code", "destination", "emigrants", "share_of_emigrants_pct"),
            tuple((i + 1, d, name(d), m, s) for i, (d, m, s) in enumerate(dests)),
            title=f"Where the emigrants of {with_article(area.name)} live, {by}", sources=src,
            notes=(f"Emigrants in all countries: {total[0] if total else 0:,.0f}.",))
    diaspora = con.execute(f"""
        SELECT b.origin, sum(b.migrants) AS e, any_value(t.population)
        FROM bilateral_stock b
        LEFT JOIN migrant_stock t ON t.iso3 = b.origin AND t.year = b.year AND t.edition = ?
        WHERE b.edition = ? AND b.year = ? AND {diaspora_where}
        GROUP BY b.origin ORDER BY e DESC LIMIT {TOP}""", [ed, ed, by, *orig_params]).fetchall()
    sections["diaspora"] = Table(
        ("rank", "origin_code", "origin", "emigrants", "emigrants_pct_of_population"),
        tuple((i + 1, o, name(o), e, (e / p * 100) if p else None) for i, (o, e, p) in enumerate(diaspora)),
        title="Emigrants abroad by country of "
              f"birth{'' if area.kind == 'country' else ' in ' + with_article(area.name)}, {by}",
        sources=src, notes=("Population: UN DESA IMS of the same revision.",))
    return sections, by


def _remittance_rows(con: duckdb.DuckDBPyConnection, kind: Kind,
                     sch: Scheme) -> tuple[Any, tuple[str, ...], dict[str, Any]]:
    """Received, paid and GDP of the reporting members per area and year (one query for all areas)."""
    from migcap.evidence.indicators import get_indicator
    from migcap.geo.aggregate import aggregate_sql
    from migcap.store.warehouse import resolve_edition, source_line

    rec_i, paid_i, gdp_i = (get_indicator(n) for n in ("remittances_received", "remittances_paid", "gdp"))
    rec_sql, rec_p, rec_ed = rec_i.relation(con, None)
    paid_sql, paid_p, paid_ed = paid_i.relation(con, None)
    gdp_sql, gdp_p, gdp_ed = gdp_i.relation(con, None)
    pct_ed = resolve_edition(con, "wdi", indicator="BX.TRF.PWKR.DT.GD.ZS")
    relation = f"""
        SELECT coalesce(r.iso3, p.iso3) AS iso3, coalesce(r.year, p.year) AS year, r.value AS received,
               p.value AS paid, CASE WHEN r.value IS NOT NULL THEN g.value END AS gdp_of_reporting
        FROM ({rec_sql}) r FULL JOIN ({paid_sql}) p USING (iso3, year)
        LEFT JOIN ({gdp_sql}) g ON g.iso3 = coalesce(r.iso3, p.iso3) AND g.year = coalesce(r.year, p.year)
        WHERE coalesce(r.year, p.year) >= 2000"""
    params = [*rec_p, *paid_p, *gdp_p]
    agg = aggregate_sql(con, relation, params, {"received": "sum", "paid": "sum", "gdp_of_reporting": "sum"},
                        by=kind, scheme=sch if kind == "region" else None)
    sources = tuple(dict.fromkeys(source_line(con, "wdi", e) for e in (rec_ed, paid_ed, gdp_ed, pct_ed)))
    context = {"rec": (rec_sql, rec_p), "paid": (paid_sql, paid_p), "gdp_ed": gdp_ed, "pct_ed": pct_ed}
    return agg, sources, context


def _remittances(shared: _Shared, area: Area, members: str | None, year: int | None) -> dict[str, Table]:
    con = shared.con
    agg, sources, ctx = shared.remittances(area.kind)
    rec_sql, rec_p = ctx["rec"]
    paid_sql, paid_p = ctx["paid"]
    gdp_ed, pct_ed = ctx["gdp_ed"], ctx["pct_ed"]
    official_pct = {}
    if area.kind == "country":
        official_pct = dict(con.execute(
            "SELECT year, value FROM wdi WHERE edition = ? AND indicator = "
            "'BX.TRF.PWKR.DT.GD.ZS' AND iso3 = ?",
            [pct_ed, area.code]).fetchall())
    rows = []
    for code, _name, y, received, paid, gdp, _m, _r, cov in agg.rows:
        if code != area.code or (year is not None and y > year):
            continue
        pct = official_pct.get(y)
        if pct is None and received is not None and gdp:
            pct = received / gdp * 100
        rows.append((y, received, paid, pct, cov, True))
    out = {"remittances_trend": Table(
        ("year", "received_usd", "paid_usd", "received_pct_gdp", "coverage", "complete"), tuple(rows),
        title=f"Personal remittances received and paid, {with_article(area.name)}", sources=sources,
        notes=("% of GDP: the World Bank's own indicator for a country where it has one; "
               f"otherwise received ÷ GDP (WDI edition {gdp_ed}) of the members that report remittances.",
               "complete = false marks a year whose figures look partial (see the note below, if any)."),
        units={"received_usd": "current US$", "paid_usd": "current US$", "received_pct_gdp": "% of GDP"})}
    latest = max((r[0] for r in rows if r[1] is not None), default=None)
    total = next((r[1] for r in rows if r[0] == latest), None)
    suspect = _partial_year_check(con, rec_sql, rec_p, latest, area, members, total)
    if suspect:
        t = out["remittances_trend"]
        flagged = tuple((*r[:-1], r[0] != latest) for r in t.rows)
        out["remittances_trend"] = Table(t.columns, flagged, t.title, t.sources, (*t.notes, suspect), t.units)
    if area.kind != "country" and latest is not None:
        where, fparams = area_filter(area, members, "r.iso3")
        for key, ind_sql, ind_p, label in (("top_recipients", rec_sql, rec_p, "received"),
                                           ("top_senders", paid_sql, paid_p, "paid")):
            top = con.execute(f"""
                SELECT r.iso3, c.name, r.value, pct.value FROM ({ind_sql}) r JOIN countries c USING (iso3)
                LEFT JOIN (SELECT iso3, year, value FROM wdi WHERE edition = ? AND indicator = 'BX.TRF.PWKR.DT.GD.ZS')
                     pct USING (iso3, year)
                WHERE r.year = ? AND r.value IS NOT NULL AND {where}
                ORDER BY r.value DESC LIMIT {TOP}""", [*ind_p, pct_ed, latest, *fparams]).fetchall()  # noqa: E501
            out[key] = Table(("rank", "iso3", "country", f"{label}_usd", "received_pct_gdp"),
                             tuple((i + 1, *r) for i, r in enumerate(top)),
                             title=f"Main remittance {'recipients' if label == 'received' else 'senders'} in "
                                   f"{with_article(area.name)}, {latest}", sources=sources)
    return out


#: An economy's WDI value looks partial when its ratio to KNOMAD's falls below this share of its usual ratio.
PARTIAL_DROP = 0.5
#: Years before the checked one whose median WDI/KNOMAD ratio is an economy's usual ratio.
USUAL_YEARS = 5
#: A year is flagged only if the flagged economies' shortfall is at least this share of the area's total.
MATERIAL_SHARE = 0.01


def _partial_year_check(con: duckdb.DuckDBPyConnection, rec_sql: str, rec_p: list[Any], year: int | None,
                        area: Area, members: str | None, total: float | None) -> str | None:
    """A note naming economies whose WDI value in ``year`` dropped to under half of its usual share of
    KNOMAD's (likely partial-year data), when their shortfall matters for the area's total.

    WDI and KNOMAD differ for some economies every year (definitions, sources: Portugal's WDI value is
    about a twentieth of KNOMAD's throughout); such a persistent gap says nothing about a year. A
    sudden fall of the ratio does: the Philippines' 2022 value in the May 2023 WDI is a quarter of
    KNOMAD's after a decade at par.
    """
    import statistics
    from collections import defaultdict

    from migcap.evidence.facts import format_usd
    from migcap.store.warehouse import resolve_edition

    if year is None:
        return None
    where, params = area_filter(area, members, "w.iso3")
    ked = resolve_edition(con, "knomad")
    pairs: dict[str, dict[int, tuple[float, float]]] = defaultdict(dict)
    for iso3, y, w, k in con.execute(f"""
            SELECT w.iso3, w.year, w.value, k.inflow_usd FROM ({rec_sql}) w
            JOIN knomad k ON k.iso3 = w.iso3 AND k.year = w.year AND k.edition = ?
            WHERE w.year BETWEEN ? AND ? AND w.value IS NOT NULL AND k.inflow_usd > 0 AND {where}""",
            [*rec_p, ked, year - USUAL_YEARS, year, *params]).fetchall():
        pairs[iso3][y] = (w, k)
    rows = []
    for iso3, series in pairs.items():
        if year not in series:
            continue
        w, k = series[year]
        usual = [a / b for y, (a, b) in series.items() if y < year]
        if w / k < PARTIAL_DROP * (statistics.median(usual) if usual else 1.0):
            rows.append((iso3, w, k))
    shortfall = sum(k - w for _, w, k in rows)
    if not rows or shortfall < MATERIAL_SHARE * (total or 0.0):
        return None
    rows.sort(key=lambda r: r[1] - r[2])
    shown = "; ".join(f"{iso3} {format_usd(w)} against {format_usd(k)}" for iso3, w, k in rows[:5])
    more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
    return (f"WDI values for {year} fell below half of their usual share of KNOMAD's (edition {ked}) for "
            f"{len(rows)} {'economy' if len(rows) == 1 else 'economies'} — {shown}{more} — probably "
            f"partial-year figures; totals for {year} are understated by about {format_usd(shortfall)}.")


def overviews(
    areas: list[str],
    *,
    scheme: str | Scheme = "wmr2010",
    year: int | None = None,
    edition: str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> list[Overview]:
    """Overviews of several areas at once (the tables they share are computed once).

    Parameters
    ----------
    areas
        Each ``WLD``, a region (code or name) of ``scheme``, or any country name or code.
    year
        The year of the migrant stock (default: the latest of the edition);
        bilateral figures use the latest year of their edition up to it, and
        remittances their series up to it.
    edition
        Edition of the migrant stock (IMS).

    Raises
    ------
    UnknownAreaError, DataUnavailableError
        For an unknown area or a year without data.
    """
    from migcap.evidence.irregular_areas import irregular_tables
    from migcap.store.warehouse import connect, resolve_edition, years_of

    con = con or connect()
    sch = scheme if isinstance(scheme, Scheme) else load_scheme(scheme)
    resolved = [resolve_area(a, sch) for a in areas]
    ed = resolve_edition(con, "migrant_stock", edition)
    years = years_of(con, "migrant_stock", ed)
    y = year if year is not None else years[-1]
    if y not in years:
        raise DataUnavailableError(f"no migrant stock for {y} in edition {ed}",
                                   hint=f"years available: {', '.join(map(str, years))}")
    shared = _Shared(con, sch, ed)
    members = register_members(con, sch)
    out = []
    for a in resolved:
        sections: dict[str, Table] = {"stock_trend": _stock_trend(shared, a)}
        if a.kind != "country":
            sections["top_destinations"] = _top_destinations(con, a, members, y, ed)
        bilateral, _ = _bilateral(shared, a, members, y)
        sections.update(bilateral)
        sections.update(_remittances(shared, a, members, year))
        sections["crisis"] = shared.crisis(a.kind).where(area_code=a.code)
        sections.update(irregular_tables(con, a, sch, y, memo=shared._memo))  # irregular migration
        draft = Overview(a.kind, a.code, a.name, y, sch.id, sections)
        out.append(Overview(a.kind, a.code, a.name, y, sch.id, sections, build_facts(draft)))
    return out


def overview(area: str = "WLD", *, scheme: str | Scheme = "wmr2010", year: int | None = None,
             edition: str | None = None, con: duckdb.DuckDBPyConnection | None = None) -> Overview:
    """The overview of one area (see :func:`overviews`)."""
    return overviews([area], scheme=scheme, year=year, edition=edition, con=con)[0]


def key_facts(area: str = "WLD", *, scheme: str = "wmr2010", year: int | None = None,
              con: duckdb.DuckDBPyConnection | None = None) -> list[Fact]:
    """The key facts of any area (``WLD``, a region of ``scheme``, or a country).

    >>> key_facts("WLD", year=2020)[0].text                   # doctest: +SKIP
    "In 2020 there were 280.6 million international migrants, 3.6% of the world's population."
    """
    return overview(area, scheme=scheme, year=year, con=con).facts
