"""Named indicators: where each comes from, how it aggregates, and its series for any area.

An indicator is a country-year series in one dataset, with a rule for regions:
``sum`` (stocks, flows, money) or a mean weighted by population (rates). The
series of any indicator for the world, the regions of a scheme or the countries
is one call: :func:`series`.

Examples
--------
>>> t = series("remittances_received", by="world", years=[2008, 2009])    # doctest: +SKIP
>>> t.column("value")                                                     # doctest: +SKIP
[406235112902.93, 389464158162.34]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from migcap.errors import DataUnavailableError, MigcapError
from migcap.geo.aggregate import By, CoverageRule, aggregate_sql
from migcap.geo.schemes import Scheme, load_scheme
from migcap.table import Table

if TYPE_CHECKING:
    import duckdb

__all__ = ["AGGREGATE_COLUMNS", "INDICATORS", "Indicator", "compare_with_published", "get_indicator",
           "map_sources", "map_values", "series"]

WB_POPULATION = "SP.POP.TOTL"


@dataclass(frozen=True)
class Indicator:
    """A country-year series and how it aggregates.

    Attributes
    ----------
    name
        The name used on the command line (``remittances_received`` …).
    title, unit
        For tables and text.
    dataset
        Warehouse table.
    column
        Value column (``value`` for long tables).
    code
        Indicator code within long datasets (``wdi``, ``wpp``), else ``None``.
    method
        ``sum`` or ``mean`` (weighted by population).
    higher_is_worse
        A rise is the harm (unemployment); otherwise a fall is.
    positive
        Values are positive, so a log-linear trend applies.
    """

    name: str
    title: str
    unit: str
    dataset: str
    column: str
    code: str | None = None
    method: Literal["sum", "mean"] = "sum"
    higher_is_worse: bool = False
    positive: bool = True
    variant: str | None = None

    def relation(self, con: duckdb.DuckDBPyConnection, edition: str | None) -> tuple[str, list[object], str]:
        """SQL of the country rows ``(iso3, year, value[, weight])``, its parameters and the edition used."""
        from migcap.store.warehouse import resolve_edition

        ed = resolve_edition(con, self.dataset, edition,
                             indicator=self.code if self.dataset == "wdi" else None)
        where = ["edition = ?"]
        params: list[object] = [ed]
        if self.code:
            where.append("indicator = ?")
            params.append(self.code)
        if self.variant:
            where.append("variant = ?")
            params.append(self.variant)
        base = (f'SELECT iso3, year, "{self.column}" AS value FROM "{self.dataset}" WHERE '
                f'{" AND ".join(where)}')
        if self.method == "mean":
            pop_ed = resolve_edition(con, "wdi", None, indicator=WB_POPULATION)
            base = (f"SELECT s.iso3, s.year, s.value, p.value AS weight FROM ({base}) s LEFT JOIN "
                    f"(SELECT iso3, year, value FROM wdi WHERE edition = ? AND indicator = ?) p "
                    f"USING (iso3, year)")
            params += [pop_ed, WB_POPULATION]
        return base, params, ed


INDICATORS: dict[str, Indicator] = {
    i.name: i
    for i in (
        Indicator("remittances_received", "Personal remittances received", "current US$", "wdi", "value",
                  "BX.TRF.PWKR.CD.DT"),
        Indicator("remittances_paid", "Personal remittances paid", "current US$", "wdi", "value",
                  "BM.TRF.PWKR.CD.DT"),
        Indicator("remittance_inflows_knomad", "Migrant remittance inflows (KNOMAD)", "current US$", "knomad",
                  "inflow_usd"),
        Indicator("remittance_outflows_knomad", "Migrant remittance outflows (KNOMAD)", "current US$",
                  "knomad", "outflow_usd"),
        Indicator("gdp", "GDP", "current US$", "wdi", "value", "NY.GDP.MKTP.CD"),
        Indicator("population_wb", "Population (World Bank)", "persons", "wdi", "value", WB_POPULATION),
        Indicator("migrant_stock", "International migrant stock", "persons", "migrant_stock", "migrants"),
        Indicator("refugees", "Refugees and asylum seekers (UN DESA)", "persons", "migrant_stock",
                  "refugees"),
        Indicator("net_migration", "Net migration", "persons per year", "wpp", "value", "net_migration",
                  positive=False, variant="estimate"),
        Indicator("unemployment", "Unemployment, total (modelled ILO estimate)", "% of labour force", "wdi",
                  "value", "SL.UEM.TOTL.ZS", method="mean", higher_is_worse=True),
    )
}


def get_indicator(name: str) -> Indicator:
    """The indicator called ``name``.

    Raises
    ------
    MigcapError
        If unknown; the message lists the known ones.
    """
    try:
        return INDICATORS[name]
    except KeyError:
        raise MigcapError(f"unknown indicator {name!r}",
                          hint=f"choose one of {', '.join(INDICATORS)}") from None


def series(
    indicator: str | Indicator,
    *,
    by: By = "world",
    scheme: str | Scheme = "wmr2010",
    years: Sequence[int] | None = None,
    edition: str | None = None,
    coverage: str | CoverageRule = "any",
    con: duckdb.DuckDBPyConnection | None = None,
) -> Table:
    """The series of an indicator for the world, the regions of a scheme, or the countries.

    Returns
    -------
    Table
        Columns ``area_code, area, year, value, coverage``; the source edition in ``sources``.

    Raises
    ------
    DataUnavailableError
        If the indicator has no values in the years asked for.
    """
    from migcap.store.warehouse import connect, source_line

    ind = indicator if isinstance(indicator, Indicator) else get_indicator(indicator)
    con = con or connect()
    relation, params, ed = ind.relation(con, edition)
    sch = (scheme if isinstance(scheme, Scheme) else load_scheme(scheme)) if by == "region" else None
    rows = aggregate_sql(con, relation, params, {"value": ind.method}, by=by, scheme=sch, years=years,
                         rule=CoverageRule.parse(coverage), weight="weight" if ind.method == "mean" else None)
    if years and not rows.rows:
        raise DataUnavailableError(f"no {ind.name} in {', '.join(map(str, years))} (edition {ed})")
    notes = [] if ind.method == "sum" else ["Regional values are means weighted by population (World Bank)."]
    if rows.unclassified:
        notes.append("Not in any region of the scheme: " + ", ".join(rows.unclassified))
    return Table(("area_code", "area", "year", "value", "coverage"),
                 tuple((c, n, y, v, cov) for c, n, y, v, _m, _r, cov in rows.rows),
                 title=f"{ind.title} ({ind.unit})", sources=(source_line(con, ind.dataset, ed),),
                 notes=tuple(notes), units={"value": ind.unit})


REMITTANCES_PCT_GDP = "BX.TRF.PWKR.DT.GD.ZS"


def remittances_map_year(con: duckdb.DuckDBPyConnection, year: int) -> int | None:
    """The year of remittances (% of GDP) a map of ``year`` shows: ``year`` itself, or the latest earlier
    year with values where WDI does not reach it (IMS 2024's 2024, with WDI to 2022); ``None`` if none."""
    from migcap.store.warehouse import resolve_edition

    wdi = resolve_edition(con, "wdi", indicator=REMITTANCES_PCT_GDP)
    row = con.execute("SELECT max(year) FROM wdi WHERE edition = ? AND indicator = ? AND value IS NOT NULL "
                      "AND year <= ?", [wdi, REMITTANCES_PCT_GDP, year]).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def map_values(con: duckdb.DuckDBPyConnection, year: int, *, edition: str | None = None,
               remittances_year: int | None = None) -> list[dict[str, Any]]:
    """Per country, the two shares the world maps show.

    Parameters
    ----------
    con
        Warehouse connection.
    year
        Year of the migrant stock.
    edition
        UN DESA IMS edition (default: the latest).
    remittances_year
        Year of the remittances; ``None`` takes each country's latest year with a value.

    Returns
    -------
    list of dict
        ``id`` (ISO 3166 numeric, the TopoJSON's key, three digits), ``iso3``, ``name`` and, where
        known, ``migrants_pct`` (migrants % of population, IMS) and ``remittances_pct_gdp``
        (personal remittances received % of GDP: the World Bank's own series where the WDI edition has it,
        else derived as 100 × received / GDP, see :func:`migcap.ingest.worldbank.derive_pct_of_gdp`);
        ordered by name.
    """
    from migcap.store.warehouse import resolve_edition

    ims = resolve_edition(con, "migrant_stock", edition)
    wdi = resolve_edition(con, "wdi", indicator=REMITTANCES_PCT_GDP)
    rows = con.execute("""
        WITH rem AS (SELECT iso3, arg_max(value, year) AS pct FROM wdi
                     WHERE edition = ? AND indicator = ? AND value IS NOT NULL AND (? IS NULL OR year = ?)
                     GROUP BY iso3)
        SELECT coalesce(c.iso_numeric, c.m49), c.iso3, c.name, m.migrants_pct, rem.pct
        FROM countries c
        LEFT JOIN migrant_stock m ON m.iso3 = c.iso3 AND m.edition = ? AND m.year = ?
        LEFT JOIN rem ON rem.iso3 = c.iso3
        WHERE m.migrants_pct IS NOT NULL OR rem.pct IS NOT NULL
        ORDER BY c.name""",
                       [wdi, REMITTANCES_PCT_GDP, remittances_year, remittances_year, ims, year]).fetchall()
    out = []
    for num, iso3, name, stock_pct, rem_pct in rows:
        row: dict[str, Any] = {"id": f"{num:03d}", "iso3": iso3, "name": name}
        if stock_pct is not None:
            row["migrants_pct"] = stock_pct
        if rem_pct is not None:
            row["remittances_pct_gdp"] = rem_pct
        out.append(row)
    return out


def map_sources(con: duckdb.DuckDBPyConnection, edition: str | None = None) -> tuple[str, str]:
    """The citations of the two shares of :func:`map_values`.

    Parameters
    ----------
    con
        Warehouse connection.
    edition
        UN DESA IMS edition (default: the latest).

    Returns
    -------
    tuple of str
        The source line of the IMS edition, and that of the latest WDI edition with remittances as % of GDP.
    """
    from migcap.store.warehouse import resolve_edition, source_line

    ims = resolve_edition(con, "migrant_stock", edition)
    wdi = resolve_edition(con, "wdi", indicator=REMITTANCES_PCT_GDP)
    return source_line(con, "migrant_stock", ims), source_line(con, "wdi", wdi)


AGGREGATE_COLUMNS = ("aggregate_code", "aggregate", "year", "migcap_sum", "coverage", "published",
                     "difference", "difference_pct")
#: the World Bank aggregates that :func:`compare_with_published` compares, and how migcap forms each
_AGGREGATES: dict[str, tuple[By, str | None]] = {"WLD": ("world", None), "LMY": ("region", "wb-lmic")}


def compare_with_published(
    indicator: str = "remittances_received",
    *,
    edition: str | None = None,
    against: str | None = None,
    coverage: str | CoverageRule = "any",
    con: duckdb.DuckDBPyConnection | None = None,
) -> Table:
    """migcap's world and low- and middle-income sums of a WDI indicator beside the World Bank's aggregates.

    An edition without aggregates (the gdidata copy, ``2024-12``) gets its world and region totals from
    migcap's own sums (:func:`series`, with its coverage rule). This sets them beside the ``WLD`` and ``LMY``
    aggregates that another edition publishes, for the years both hold. LMY is summed over scheme
    ``wb-lmic`` (the World Bank's income groups of FY2023).

    Parameters
    ----------
    indicator
        A WDI indicator of :data:`INDICATORS` that aggregates by sum.
    edition
        The edition summed (default: the latest with the indicator).
    against
        The edition whose published aggregates are compared (default: the latest other edition that has
        them).
    coverage
        Coverage rule of the sums.

    Returns
    -------
    Table
        Columns :data:`AGGREGATE_COLUMNS`; ``difference`` = migcap's sum − published, ``difference_pct`` in %
        of the published value.

    Raises
    ------
    MigcapError
        For an indicator outside WDI or averaged, or no edition with published aggregates.
    """
    from migcap.store.warehouse import connect, editions, resolve_edition, source_line

    ind = get_indicator(indicator)
    if ind.dataset != "wdi" or ind.method != "sum":
        raise MigcapError(f"{ind.name} is not a WDI indicator summed over countries",
                          hint="e.g. remittances_received or remittances_paid")
    con = con or connect()
    ed = resolve_edition(con, "wdi", edition, indicator=ind.code)
    having = {r[0] for r in con.execute("SELECT DISTINCT edition FROM wdi_published WHERE indicator = ? AND "
                                        "code IN ('WLD', 'LMY')", [ind.code]).fetchall()}
    if against is None:
        against = next((e.edition for e in editions(con, "wdi") if e.edition in having and e.edition != ed),
                       None)
        if against is None:
            raise MigcapError(f"no other edition of wdi publishes world aggregates of {ind.code}")
    elif against not in having:
        raise MigcapError(f"edition {against} of wdi publishes no world aggregates of {ind.code}",
                          hint=f"editions that do: {', '.join(sorted(having)) or 'none'}")
    published = {(c, y): v for c, y, v in con.execute(
        "SELECT code, year, value FROM wdi_published WHERE edition = ? AND indicator = ? "
        "AND value IS NOT NULL",
        [against, ind.code]).fetchall()}
    names = dict(con.execute("SELECT DISTINCT code, name FROM wdi_published WHERE edition = ? AND "
                             "code IN ('WLD', 'LMY')", [against]).fetchall())
    rows = []
    for code, (by, scheme) in _AGGREGATES.items():
        years = sorted(y for c, y in published if c == code)
        sums = series(ind, by=by, scheme=scheme or "wmr2010", years=years, edition=ed, coverage=coverage,
                      con=con)
        for area_code, _area, year, value, cov in sums.rows:
            if area_code != code or value is None:
                continue
            pub = published[(code, year)]
            rows.append((code, names.get(code, code), year, value, cov, pub, value - pub,
                         (value - pub) / pub * 100 if pub else None))
    if not rows:
        raise DataUnavailableError(f"editions {ed} and {against} of wdi share no year of {ind.code}")
    return Table(AGGREGATE_COLUMNS, tuple(rows),
                 title=f"{ind.title}: migcap's sums of edition {ed} beside the World Bank's aggregates of "
                       f"edition {against}",
                 sources=(source_line(con, "wdi", ed), source_line(con, "wdi", against)),
                 notes=("migcap_sum: the countries of the edition that report the year, summed; LMY over the "
                        "World Bank's FY2023 low- and middle-income countries (scheme wb-lmic).",
                        "difference: migcap's sum of one edition minus the World Bank's aggregate of the "
                        "other; where both sum the same economies, it is the revision between the two "
                        "editions."),
                 units={"migcap_sum": ind.unit, "published": ind.unit, "difference": ind.unit,
                        "difference_pct": "% of published", "coverage": "share of the countries"})
