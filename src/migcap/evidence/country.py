"""One country's figures from the warehouse: the series of an indicator, its emigrants, the refugees it hosts.

These are the building blocks of a state's migration profile
(:func:`migcap.capacity.profile.data_figures`): each returns the values with the edition they
come from, so that the caller can cite it.

Examples
--------
>>> from migcap.store.warehouse import connect
>>> con = connect()
>>> s = country_series(MIGRANT_SHARE, "QAT", con=con)
>>> s.dataset, s.latest()[0] >= 2020, s.latest()[1] > 50
('migrant_stock', True, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from migcap.evidence.indicators import Indicator

if TYPE_CHECKING:
    import duckdb

__all__ = ["MIGRANT_SHARE", "NET_MIGRATION_RATE", "REMITTANCES_GDP", "CountrySeries", "Emigrants",
           "RefugeesHosted", "country_series", "emigrants", "refugees_hosted"]

#: International migrants as a share of the population (UN DESA IMS).
MIGRANT_SHARE = Indicator("migrants_pct", "International migrants as a share of the population", "%",
                          "migrant_stock", "migrants_pct")
#: Personal remittances received as a share of GDP (World Bank, WDI).
REMITTANCES_GDP = Indicator("remittances_gdp", "Personal remittances received", "% of GDP", "wdi", "value",
                            "BX.TRF.PWKR.DT.GD.ZS")
#: Crude net migration rate, estimates (UN DESA WPP).
NET_MIGRATION_RATE = Indicator("net_migration_rate", "Net migration rate", "per 1,000 population", "wpp",
                               "value", "cnmr", positive=False, variant="estimate")


@dataclass(frozen=True)
class CountrySeries:
    """The values of an indicator for one country (years without a value left out).

    Attributes
    ----------
    indicator
        The indicator.
    edition
        The edition of its dataset that the values come from.
    values
        Year -> value, newest year first.
    """

    indicator: Indicator
    edition: str
    values: dict[int, float]

    @property
    def dataset(self) -> str:
        """The warehouse dataset of the indicator."""
        return self.indicator.dataset

    def latest(self, until: int | None = None) -> tuple[int, float] | None:
        """The newest ``(year, value)`` (up to the year ``until``), or ``None``."""
        return next(((y, v) for y, v in self.values.items() if until is None or y <= until), None)


def country_series(indicator: Indicator, iso3: str, *, con: duckdb.DuckDBPyConnection,
                   edition: str | None = None) -> CountrySeries:
    """The series of ``indicator`` for the country ``iso3``.

    Parameters
    ----------
    indicator
        An indicator (:data:`migcap.evidence.indicators.INDICATORS` or one of this module's).
    iso3
        The country.
    con
        Warehouse connection.
    edition
        Edition of the indicator's dataset (default: the latest; for WDI the latest that has it).

    Raises
    ------
    EditionError
        If the dataset (or the WDI indicator) has no such edition in the warehouse.
    """
    relation, params, ed = indicator.relation(con, edition)
    rows = con.execute(f"SELECT year, value FROM ({relation}) WHERE iso3 = ? AND value IS NOT NULL "
                       "ORDER BY year DESC", [*params, iso3]).fetchall()
    return CountrySeries(indicator, ed, {int(y): float(v) for y, v in rows})


@dataclass(frozen=True)
class Emigrants:
    """The emigrants of a country: the migrants born there, summed over every destination.

    Attributes
    ----------
    year, count
        The latest year of the bilateral table with a value, and the number.
    edition
        The edition of ``bilateral_stock``.
    population, population_edition
        The country's population that year in ``migrant_stock`` (the edition of the same name if
        there is one, else the latest); ``None`` if unknown or zero.
    """

    year: int
    count: float
    edition: str
    population: float | None
    population_edition: str

    @property
    def share(self) -> float | None:
        """Emigrants as a percentage of the population."""
        return None if self.population is None else self.count / self.population * 100


def emigrants(iso3: str, *, con: duckdb.DuckDBPyConnection) -> Emigrants | None:
    """The emigrants of ``iso3`` in the latest edition of ``bilateral_stock`` (``None``: no figure).

    Raises
    ------
    EditionError
        If the warehouse has no ``bilateral_stock``.
    """
    from migcap.store.warehouse import matching_edition, resolve_edition

    bs_ed = resolve_edition(con, "bilateral_stock")
    row = con.execute("SELECT year, sum(migrants) FROM bilateral_stock WHERE edition = ? AND origin = ? "
                      "AND migrants IS NOT NULL GROUP BY year ORDER BY year DESC LIMIT 1",
                      [bs_ed, iso3]).fetchone()
    if row is None:
        return None
    year = int(row[0])
    pop_ed = matching_edition(con, "migrant_stock", bs_ed)
    pop = con.execute("SELECT population FROM migrant_stock WHERE edition = ? AND iso3 = ? AND year = ?",
                      [pop_ed, iso3, year]).fetchone()
    return Emigrants(year, float(row[1]), bs_ed, float(pop[0]) if pop and pop[0] else None, pop_ed)


@dataclass(frozen=True)
class RefugeesHosted:
    """Refugees and others in need of international protection hosted by a country (UNHCR).

    Attributes
    ----------
    year
        The latest year of the UNHCR table.
    hosted
        ``refugees + other_protection`` with the country as the country of asylum that year; 0 if
        UNHCR lists the country as a country of asylum in other years only (it lists only the
        populations that exist); ``None`` if it never does (unknown).
    edition
        The edition of ``unhcr``.
    """

    year: int
    hosted: float | None
    edition: str


def refugees_hosted(iso3: str, *, con: duckdb.DuckDBPyConnection) -> RefugeesHosted | None:
    """The refugees hosted by ``iso3`` in the latest year of the latest UNHCR edition (``None``: no year).

    Raises
    ------
    EditionError
        If the warehouse has no ``unhcr``.
    """
    from migcap.store.warehouse import resolve_edition

    ed = resolve_edition(con, "unhcr")
    last = con.execute("SELECT max(year) FROM unhcr WHERE edition = ?", [ed]).fetchone()
    if not last or last[0] is None:
        return None
    year = int(last[0])
    total = con.execute("SELECT sum(coalesce(refugees, 0)) + sum(coalesce(other_protection, 0)), count(*) "
                        "FROM unhcr WHERE edition = ? AND asylum = ? AND year = ?",
                        [ed, iso3, year]).fetchone()
    if total and total[1]:
        return RefugeesHosted(year, float(total[0]), ed)
    ever = con.execute("SELECT count(*) FROM unhcr WHERE edition = ? AND asylum = ?", [ed, iso3]).fetchone()
    return RefugeesHosted(year, 0.0 if ever and ever[0] else None, ed)
