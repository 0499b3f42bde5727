"""International migrant stocks by world, region or country (UN DESA International Migrant Stock).

Examples
--------
>>> t = stocks(by="world", years=[2020])                       # doctest: +SKIP
>>> t.column("migrants")                                        # doctest: +SKIP
[280598105.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from migcap.errors import DataUnavailableError, MigcapError
from migcap.geo.aggregate import By, CoverageRule, aggregate_sql
from migcap.geo.schemes import Scheme, load_scheme
from migcap.table import Table

if TYPE_CHECKING:
    import duckdb

__all__ = ["STOCK_COLUMNS", "TYPE_OF_DATA", "data_basis", "stock_years", "stocks"]

STOCK_COLUMNS = ("area_code", "area", "year", "migrants", "migrants_male", "migrants_female", "population",
                 "migrants_pct", "female_pct", "refugees", "coverage")
UNITS = {"migrants": "persons", "migrants_male": "persons", "migrants_female": "persons",
         "population": "persons", "migrants_pct": "% of population",
         "female_pct": "% of migrants", "refugees": "persons (refugees and asylum seekers)",
         "coverage": "share of members reporting"}

# Country rows; the female share of an aggregate refers to the members whose stock is known by sex.
# Population is summed over all members (as UN DESA does), so that % of population is comparable.
_RELATION = """
    SELECT iso3, year, migrants, population,
           CASE WHEN migrants_female IS NOT NULL THEN migrants END AS migrants_sexed,
           migrants_male, migrants_female, refugees
    FROM migrant_stock WHERE edition = ?
"""

# The same rows with UNHCR's counterpart of the refugee column (refugees and asylum seekers, by country of
# asylum, at the end of the year), for an edition that gives no refugees (IMS 2024)
_RELATION_UNHCR = f"""
    SELECT m.* REPLACE (u.refugees AS refugees)
    FROM ({_RELATION}) m
    LEFT JOIN (SELECT asylum AS iso3, year,
                      sum(coalesce(refugees, 0)) + sum(coalesce(asylum_seekers, 0)) AS refugees
               FROM unhcr WHERE edition = ? GROUP BY asylum, year) u ON u.iso3 = m.iso3 AND u.year = m.year
"""


def _refugees_source(con: duckdb.DuckDBPyConnection, edition: str) -> str | None:
    """The UNHCR edition that gives the refugees of an IMS edition without them, else ``None``."""
    from migcap.store.warehouse import editions, resolve_edition

    row = con.execute("SELECT count(refugees) FROM migrant_stock WHERE edition = ?", [edition]).fetchone()
    if (row and row[0]) or not editions(con, "unhcr"):
        return None
    return resolve_edition(con, "unhcr")


#: the letters of UN DESA's "type of data" code
TYPE_OF_DATA = {"B": "foreign-born population", "C": "foreign citizens", "R": "refugees added",
                "I": "imputed (no data for the country)"}


def data_basis(con: duckdb.DuckDBPyConnection, iso3: str, edition: str | None = None) -> str | None:
    """What a country's migrant stock counts, in words, from the UN's type-of-data code.

    Returns ``None`` where the edition gives no code.

    Examples
    --------
    >>> data_basis(connect(), "KEN")                           # doctest: +SKIP
    'foreign-born population, refugees added (UN DESA type of data: B R)'
    """
    from migcap.store.warehouse import resolve_edition

    ed = resolve_edition(con, "migrant_stock", edition)
    row = con.execute("SELECT type_of_data FROM migrant_stock WHERE edition = ? AND iso3 = ? "
                      "AND type_of_data IS NOT NULL AND type_of_data <> '' ORDER BY year DESC LIMIT 1",
                      [ed, iso3]).fetchone()
    if row is None:
        return None
    letters = str(row[0]).split()
    words = [TYPE_OF_DATA[x] for x in letters if x in TYPE_OF_DATA]
    return f"{', '.join(words)} (UN DESA type of data: {' '.join(letters)})" if words else None


def _pct(part: float | None, whole: float | None) -> float | None:
    if part is None or not whole:
        return None
    return part / whole * 100.0


def stock_years(con: duckdb.DuckDBPyConnection, edition: str | None = None) -> list[int]:
    """The years of a migrant stock edition, in order.

    Parameters
    ----------
    con
        Warehouse connection.
    edition
        IMS edition; default: the latest.

    Raises
    ------
    EditionError
        If the edition is not in the warehouse.
    """
    from migcap.store.warehouse import resolve_edition, years_of

    return years_of(con, "migrant_stock", resolve_edition(con, "migrant_stock", edition))


def stocks(
    *,
    by: By = "world",
    scheme: str | Scheme = "wmr2010",
    years: Sequence[int] | None = None,
    edition: str | None = None,
    coverage: str | CoverageRule = "any",
    con: duckdb.DuckDBPyConnection | None = None,
) -> Table:
    """Migrant stock, population, % of population, female share and refugees.

    Parameters
    ----------
    by
        ``world``, ``region`` (of ``scheme``) or ``country``.
    scheme
        A scheme name or :class:`~migcap.geo.schemes.Scheme` (or a path to a scheme file).
    years
        Years to keep (default: all years of the edition).
    edition
        IMS edition, e.g. ``"2019"``; default: the latest.
    coverage
        Coverage rule for aggregates (see :mod:`migcap.geo.aggregate`).
    con
        Warehouse connection (default: :func:`migcap.store.warehouse.connect`).

    Returns
    -------
    Table
        Columns ``area_code, area, year, migrants, migrants_male, migrants_female, population,
        migrants_pct, female_pct, refugees, coverage`` (males and females: sums over the members
        whose stock is known by sex). Refugees are UN DESA's; for an edition that has none (IMS 2024),
        UNHCR's refugees and asylum seekers at the end of the year, said in a note and a source.

    Raises
    ------
    DataUnavailableError
        If none of the years is in the edition.
    """
    from migcap.store.warehouse import connect, resolve_edition, source_line

    if by not in ("world", "region", "country"):
        raise MigcapError(f"unknown --by {by!r}", hint="use world, region or country")
    con = con or connect()
    ed = resolve_edition(con, "migrant_stock", edition)
    have = stock_years(con, ed)
    if years:
        missing = [y for y in years if y not in have]
        if missing:
            raise DataUnavailableError(
                f"no migrant stock for {', '.join(map(str, missing))} in edition {ed}",
                hint=f"years available: {', '.join(map(str, have))}")
    sch = (scheme if isinstance(scheme, Scheme) else load_scheme(scheme)) if by == "region" else None
    unhcr = _refugees_source(con, ed)
    result = aggregate_sql(
        con, _RELATION if unhcr is None else _RELATION_UNHCR, [ed] if unhcr is None else [ed, unhcr],
        {"migrants": "sum", "population": "sum", "migrants_sexed": "sum", "migrants_male": "sum",
         "migrants_female": "sum", "refugees": "sum"},
        by=by, scheme=sch, years=years, rule=CoverageRule.parse(coverage),
    )
    rows = []
    for code, name, year, migrants, population, sexed, male, female, refugees, *_, cov in result.rows:
        rows.append((code, name, year, migrants, male, female, population, _pct(migrants, population),
                     _pct(female, sexed), refugees, cov))
    notes = []
    if sch is not None:
        notes.append(f"Regions: {sch.title} ({sch.id}).")
    if result.unclassified:
        notes.append("Not in any region of the scheme (left out of the regions): "
                     + ", ".join(result.unclassified))
    if by != "country":
        notes.append(f"Coverage rule: {CoverageRule.parse(coverage)}; coverage = share of member countries "
                     "(covered by the edition) reporting a stock in that year. Refugees: sum over members "
                     "that report them.")
    sources = [source_line(con, "migrant_stock", ed)]
    if unhcr is not None:
        notes.append(f"Refugees: IMS {ed} gives none; the column holds UNHCR's refugees and asylum seekers "
                     "under its mandate, by country of asylum, at the end of each year (IMS counts them at "
                     "mid-year and adds UNRWA's Palestine refugees): not comparable with the refugees of "
                     "earlier IMS editions.")
        sources.append(source_line(con, "unhcr", unhcr))
    what = {"world": "the world", "region": f"regions ({sch.id if sch else ''})", "country": "countries"}[by]
    return Table(STOCK_COLUMNS, tuple(rows), title=f"International migrant stock, {what}",
                 sources=tuple(sources), notes=tuple(notes), units=UNITS)
