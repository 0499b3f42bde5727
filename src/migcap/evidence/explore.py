"""What the explorer offers: its measures, their series, the countries with a migrant stock, country search.

The explorer (the web app's pages and API) shows any indicator of :mod:`migcap.evidence.indicators` and
two shares from the migrant stock table (:data:`STOCK_MEASURES`); :func:`measures` is the one catalogue
of them and :func:`stock_series` turns a stock table into the series of one share. The report and the
web app list the same countries: :func:`countries_with_stock`.

Examples
--------
>>> list(measures())[:2]
['migrants_pct', 'remittances_received']
>>> measure("female_pct").unit
'% of migrants'
>>> [c["iso3"] for c in search_countries("KEN")][:1]
['KEN']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from migcap.errors import MigcapError
from migcap.geo.schemes import Scheme, load_scheme
from migcap.table import Table

if TYPE_CHECKING:
    import duckdb

__all__ = ["STOCK_MEASURES", "Measure", "StockCountry", "countries_with_stock", "measure", "measures",
           "search_countries", "stock_series", "years_with_values"]

#: Explorer measures that come from the migrant stock table rather than from an indicator series:
#: name → (title, unit); the name is a column of :func:`migcap.evidence.stocks.stocks`.
STOCK_MEASURES = {
    "migrants_pct": ("International migrants, share of the population", "% of population"),
    "female_pct": ("Women and girls, share of international migrants", "% of migrants"),
}

#: The columns of a series (:func:`migcap.evidence.indicators.series` and :func:`stock_series`).
SERIES_COLUMNS = ("area_code", "area", "year", "value", "coverage")


@dataclass(frozen=True)
class Measure:
    """Something the explorer can show: an indicator or a migrant-stock measure.

    Attributes
    ----------
    name
        Its name in a request (``migrant_stock``, ``migrants_pct``, …).
    title
        What it measures.
    unit
        The unit of its values.
    dataset
        The dataset it comes from.
    """

    name: str
    title: str
    unit: str
    dataset: str


class StockCountry(NamedTuple):
    """A country with a migrant stock, and the region of a scheme it belongs to."""

    iso3: str
    name: str
    region: str


def measures() -> dict[str, Measure]:
    """Everything the explorer can show, by name.

    Returns
    -------
    dict of str to Measure
        ``migrants_pct`` first, then every indicator of :data:`migcap.evidence.indicators.INDICATORS`
        in its order, then ``female_pct``.
    """
    from migcap.evidence.indicators import INDICATORS

    out = {"migrants_pct": Measure("migrants_pct", *STOCK_MEASURES["migrants_pct"], "migrant_stock")}
    out.update({i.name: Measure(i.name, i.title, i.unit, i.dataset) for i in INDICATORS.values()})
    out["female_pct"] = Measure("female_pct", *STOCK_MEASURES["female_pct"], "migrant_stock")
    return out


def measure(name: str) -> Measure:
    """One measure of :func:`measures`.

    Raises
    ------
    MigcapError
        If there is none of this name (the hint lists them).
    """
    ms = measures()
    if name not in ms:
        raise MigcapError(f"unknown indicator {name!r}", hint=f"choose one of {', '.join(ms)}")
    return ms[name]


def stock_series(stocks: Table, name: str) -> Table:
    """The series of one stock measure, from a table of :func:`migcap.evidence.stocks.stocks`.

    Parameters
    ----------
    stocks
        A migrant stock table (world, regions or countries).
    name
        One of :data:`STOCK_MEASURES` (a column of ``stocks``).

    Returns
    -------
    Table
        Columns ``area_code, area, year, value, coverage`` (as an indicator series), titled with the
        measure and its unit; the sources and notes of ``stocks``.

    Raises
    ------
    MigcapError
        If ``name`` is not a stock measure.
    """
    if name not in STOCK_MEASURES:
        raise MigcapError(f"{name!r} is not a migrant stock measure",
                          hint=f"use {' or '.join(STOCK_MEASURES)}")
    title, unit = STOCK_MEASURES[name]
    i = stocks.columns.index(name)
    return Table(SERIES_COLUMNS, tuple((r[0], r[1], r[2], r[i], r[-1]) for r in stocks.rows),
                 title=f"{title} ({unit})", sources=stocks.sources, notes=stocks.notes, units={"value": unit})


def years_with_values(series: Table) -> list[int]:
    """The years in which a series (columns as :data:`SERIES_COLUMNS`) has at least one value, in order."""
    return sorted({r[2] for r in series.rows if r[3] is not None})


def search_countries(q: str) -> list[dict[str, Any]]:
    """Countries whose name, official name or code contains ``q``; an exact code or name first.

    Parameters
    ----------
    q
        Part of a name (compared as :func:`migcap.geo.countries.normalize_name` writes it), or an ISO3,
        ISO2 or M49 code; empty: every country.

    Returns
    -------
    list of dict
        ``iso3, iso2, m49, name, official_name, un_area, wb_economy`` of each hit: the country ``q``
        names exactly first, then those whose name starts with ``q``, each group by name.
    """
    from migcap.geo.countries import country_table, normalize_name

    table = country_table()
    exact = table.lookup(q) if q.strip() else None
    key = normalize_name(q)
    hits = []
    for c in table:
        codes = {c.iso3.lower(), (c.iso2 or "").lower(), str(c.m49)}
        names = " | ".join(normalize_name(n) for n in {c.name, c.short_name, c.official_name})
        if c.iso3 == exact or not key or key in names or q.strip().lower() in codes:
            hits.append(c)
    hits.sort(key=lambda c: (c.iso3 != exact, not normalize_name(c.name).startswith(key), c.name))
    return [{"iso3": c.iso3, "iso2": c.iso2, "m49": c.m49, "name": c.name, "official_name": c.official_name,
             "un_area": c.un_area, "wb_economy": c.wb_economy} for c in hits]


# The latest edition is the one with the latest sort date (as the warehouse's editions view orders them).
_STOCK_COUNTRIES = """
    SELECT DISTINCT iso3 FROM migrant_stock
    WHERE edition = coalesce(?, (SELECT edition FROM editions WHERE dataset = 'migrant_stock'
                                 ORDER BY sort_date DESC, edition DESC LIMIT 1))
      AND migrants IS NOT NULL
    ORDER BY iso3
"""


def countries_with_stock(
    *,
    scheme: str | Scheme = "wmr2010",
    edition: str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> list[StockCountry]:
    """Every country with a migrant stock in an edition, by name, with its region.

    Parameters
    ----------
    scheme
        The region scheme of :attr:`StockCountry.region` (a name or a
        :class:`~migcap.geo.schemes.Scheme`); a country in none of its regions is in ``"Other"``.
    edition
        IMS edition; default: the latest. An edition not in the warehouse has no countries.
    con
        Warehouse connection (default: :func:`migcap.store.warehouse.connect`).

    Returns
    -------
    list of StockCountry
        ``(iso3, name, region)`` of each country that reports a stock in some year, ordered by name.
    """
    from migcap.geo.countries import country_table
    from migcap.store.warehouse import connect

    con = con or connect()
    sch = scheme if isinstance(scheme, Scheme) else load_scheme(scheme)
    names = country_table()
    out = [StockCountry(iso3, names.name_of(iso3), sch.regions.get(sch.region_of(iso3) or "", "Other"))
           for (iso3,) in con.execute(_STOCK_COUNTRIES, [edition]).fetchall()]
    return sorted(out, key=lambda c: c.name)
