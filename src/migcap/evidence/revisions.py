"""How a migrant stock figure was revised from one edition of International Migrant Stock to the next.

Each IMS revision re-estimates the past: IMS 2024 puts the world's migrants in 2020 at
275.3 million, where IMS 2020 said 280.6 million. This module sets the editions side by
side for the years they share, oldest edition first, with the change from the previous
edition.

Examples
--------
>>> t = stock_revisions(years=[2020])                                   # doctest: +SKIP
>>> [(r["edition"], r["migrants"]) for r in t]                          # doctest: +SKIP
[('2019', None), ('2020', 280598105.0), ('2024', 275284032.0)]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from migcap.errors import DataUnavailableError, EditionError
from migcap.geo.aggregate import By, CoverageRule
from migcap.geo.schemes import Scheme
from migcap.table import Table

if TYPE_CHECKING:
    import duckdb

__all__ = ["REVISION_COLUMNS", "stock_revisions"]

REVISION_COLUMNS = ("area_code", "area", "year", "edition", "migrants", "change", "change_pct")
UNITS = {"migrants": "persons", "change": "persons, against the previous edition",
         "change_pct": "% of the previous edition's figure"}


def stock_revisions(
    *,
    by: By = "world",
    scheme: str | Scheme = "wmr2010",
    years: Sequence[int] | None = None,
    editions: Sequence[str] | None = None,
    areas: Sequence[str] | None = None,
    coverage: str | CoverageRule = "any",
    con: duckdb.DuckDBPyConnection | None = None,
) -> Table:
    """The migrant stock of each area and year in several IMS editions, with the revision.

    Parameters
    ----------
    by, scheme, coverage
        As for :func:`migcap.evidence.stocks.stocks`.
    years
        Years to compare; default: the years that at least two of the editions share.
    editions
        Editions of ``migrant_stock`` to set side by side; default: all in the warehouse.
    areas
        Areas to keep: ISO3 or region codes, or country names; default: all.
    con
        Warehouse connection (default: :func:`migcap.store.warehouse.connect`).

    Returns
    -------
    Table
        Columns ``area_code, area, year, edition, migrants, change, change_pct``,
        editions oldest first; ``change`` is against the previous edition that has
        the year (missing for the first).

    Raises
    ------
    EditionError
        If an edition is not in the warehouse, or fewer than two are compared.
    DataUnavailableError
        If no year is shared, or no row is left for the areas asked.
    """
    from migcap.evidence.stocks import stock_years, stocks
    from migcap.store.warehouse import connect
    from migcap.store.warehouse import editions as list_editions

    con = con or connect()
    known = [e.edition for e in reversed(list_editions(con, "migrant_stock"))]  # oldest first
    chosen = known if not editions else [e for e in known if e in editions]
    for e in editions or ():
        if e not in known:
            raise EditionError(f"no edition {e!r} of migrant_stock", hint=f"editions: {', '.join(known)}")
    if len(chosen) < 2:
        raise EditionError("a revision needs at least two editions", hint=f"editions: {', '.join(known)}")
    have = {e: set(stock_years(con, e)) for e in chosen}
    shared = sorted(y for y in set().union(*have.values()) if sum(y in h for h in have.values()) >= 2)
    wanted = sorted(set(years)) if years else shared
    if not [y for y in wanted if y in shared]:
        raise DataUnavailableError(
            f"no year of {', '.join(map(str, wanted))} is in two of the editions {', '.join(chosen)}",
            hint=f"shared years: {', '.join(map(str, shared))}")
    if areas:
        from migcap.geo.countries import country_table

        table = country_table()
        areas = [table.lookup(a) or a.strip().upper() for a in areas]
    rows: dict[tuple[str, int], list[tuple[str, str, float | None]]] = {}
    sources: list[str] = []
    used: list[str] = []
    for e in chosen:
        ys = [y for y in wanted if y in have[e]]
        if not ys:
            continue
        t = stocks(by=by, scheme=scheme, years=ys, edition=e, coverage=coverage, con=con)
        sources.append(t.sources[0])  # the IMS edition (refugees, and their source, are not compared)
        used.append(e)
        for r in t:
            if areas and r["area_code"] not in areas:
                continue
            rows.setdefault((r["area_code"], r["year"]), []).append((e, r["area"], r["migrants"]))
    if not rows:
        raise DataUnavailableError("no figure for the areas asked", hint="give area codes such as WLD or KEN")
    out = []
    order = {code: i for i, code in enumerate(dict.fromkeys(code for code, _ in rows))}
    for (code, year), found in sorted(rows.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])):
        before: float | None = None
        for e, name, migrants in found:
            change = None if before is None or migrants is None else migrants - before
            pct = None if change is None or not before else change / before * 100
            out.append((code, name, year, e, migrants, change, pct))
            if migrants is not None:
                before = migrants
    what = {"world": "the world", "region": "regions", "country": "countries"}[by]
    return Table(REVISION_COLUMNS, tuple(out),
                 title=f"International migrant stock of {what} as revised between editions "
                       f"({', '.join(used)})",
                 sources=tuple(dict.fromkeys(sources)),
                 notes=("Each edition of International Migrant Stock re-estimates earlier years; change = "
                        "this edition's figure − the previous edition's, for the same area and year.",),
                 units=UNITS)
