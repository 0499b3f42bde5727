"""The datasets of the warehouse: their columns, keys and meaning (the documented schema).

Every dataset has a country table (one row per key, countries as ISO3) and, where
the source publishes its own aggregates (world, regions, income groups), a
``<name>_published`` table holding them exactly as published, so that our
aggregates can be checked against the source's. Every row carries the
``edition`` it belongs to.

``docs/schema.md`` is generated from this module (``migcap data schema``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DATASETS", "Column", "Dataset", "get_dataset"]


@dataclass(frozen=True)
class Column:
    """A column of a dataset table.

    Attributes
    ----------
    name
        Column name.
    type
        DuckDB type (``VARCHAR``, ``INTEGER``, ``DOUBLE``, ``BOOLEAN``).
    description
        Meaning and unit.
    """

    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Dataset:
    """A dataset: a table of country rows keyed by ``keys``, with value columns.

    Attributes
    ----------
    name
        Table name in the warehouse.
    title
        Human title.
    source
        The ``--source`` name of its readers (``un-ims``, ``wdi``, …).
    keys
        Key columns (with ``edition``, unique per row).
    values
        Value columns.
    area_columns
        Columns that hold ISO3 (or special partner) codes.
    published_keys
        Keys of the ``<name>_published`` aggregates table, which replaces the area
        column(s) by ``code`` (the source's own code) and ``name``; empty if none.
    """

    name: str
    title: str
    source: str
    keys: tuple[Column, ...]
    values: tuple[Column, ...]
    area_columns: tuple[str, ...]
    published_keys: tuple[Column, ...] = ()
    description: str = ""

    @property
    def columns(self) -> tuple[Column, ...]:
        """Key and value columns (without ``edition``)."""
        return self.keys + self.values

    @property
    def key_names(self) -> list[str]:
        """Names of the key columns."""
        return [c.name for c in self.keys]

    @property
    def published(self) -> str | None:
        """Name of the published-aggregates table, if any."""
        return f"{self.name}_published" if self.published_keys else None

    @property
    def published_columns(self) -> tuple[Column, ...]:
        """Columns of the published-aggregates table."""
        return self.published_keys + (Column("name", "VARCHAR", "name given by the source"),) + self.values


_ISO3 = "ISO 3166 alpha-3 code (CHI, XKX for Channel Islands and Kosovo)"
_YEAR = Column("year", "INTEGER", "year of reference")
_CODE = Column("code", "VARCHAR", "the source's own code of the aggregate (M49 or World Bank code)")
_INTERVALS = (
    Column("lower80", "DOUBLE", "lower bound of the 80% prediction interval (projections)"),
    Column("upper80", "DOUBLE", "upper bound of the 80% prediction interval"),
    Column("lower95", "DOUBLE", "lower bound of the 95% prediction interval"),
    Column("upper95", "DOUBLE", "upper bound of the 95% prediction interval"),
)

_STOCK_VALUES = (
    Column("migrants", "DOUBLE", "international migrant stock at mid-year, both sexes (persons)"),
    Column("migrants_male", "DOUBLE", "international migrant stock, males (persons)"),
    Column("migrants_female", "DOUBLE", "international migrant stock, females (persons)"),
    Column("population", "DOUBLE", "total population at mid-year, both sexes (persons; source in thousands × 1000)"),
    Column("population_male", "DOUBLE", "total population, males (persons)"),
    Column("population_female", "DOUBLE", "total population, females (persons)"),
    Column("migrants_pct", "DOUBLE", "migrant stock as % of the total population, as published"),
    Column("female_pct", "DOUBLE", "female migrants as % of the migrant stock, as published"),
    Column("refugees", "DOUBLE", "refugees and asylum seekers (persons), as published; missing where not estimated"),
    Column("type_of_data", "VARCHAR", "UN code of the data basis: B birthplace, C citizenship, R refugees added, I imputed"),
)

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            "migrant_stock",
            "International migrant stock by destination, sex and year",
            "un-ims",
            keys=(Column("iso3", "VARCHAR", "country or area of destination: " + _ISO3), _YEAR),
            values=_STOCK_VALUES,
            area_columns=("iso3",),
            published_keys=(_CODE, _YEAR),
            description="UN DESA International Migrant Stock, totals by destination (Tables 1-4, 6).",
        ),
        Dataset(
            "bilateral_stock",
            "International migrant stock by origin and destination",
            "un-ims",
            keys=(
                _YEAR,
                Column("dest", "VARCHAR", "country or area of destination: " + _ISO3),
                Column("origin", "VARCHAR", "country or area of origin: " + _ISO3 + "; UNK = unknown origin"),
            ),
            values=(
                Column("migrants", "DOUBLE", "migrant stock, both sexes (persons)"),
                Column("migrants_male", "DOUBLE", "males (persons), where published"),
                Column("migrants_female", "DOUBLE", "females (persons), where published"),
                Column("derived", "BOOLEAN", "true for rows computed by migcap (the unknown-origin residual)"),
            ),
            area_columns=("dest", "origin"),
            description=(
                "UN DESA International Migrant Stock, origin-by-destination Table 1. Origin UNK holds the "
                "source's unknown-origin columns or, where the file lacks them, the residual official "
                "total minus the sum of known origins (derived = true)."
            ),
        ),
        Dataset(
            "wdi",
            "World Development Indicators (remittances, population, GDP, unemployment)",
            "wdi",
            keys=(
                Column("indicator", "VARCHAR", "WDI indicator code, e.g. BX.TRF.PWKR.CD.DT"),
                Column("iso3", "VARCHAR", "economy: " + _ISO3),
                _YEAR,
            ),
            values=(
                Column("value", "DOUBLE", "value in the indicator's unit (see the indicators table)"),
                Column("derived", "BOOLEAN", "true for values computed by migcap (e.g. GDP per capita = GDP / population)"),
            ),
            area_columns=("iso3",),
            published_keys=(Column("indicator", "VARCHAR", "WDI indicator code"), _CODE, _YEAR),
            description="World Bank WDI series, one row per indicator, economy and year.",
        ),
        Dataset(
            "knomad",
            "Migrant remittance inflows and outflows (KNOMAD/World Bank)",
            "knomad",
            keys=(Column("iso3", "VARCHAR", "economy: " + _ISO3), _YEAR),
            values=(
                Column("inflow_usd", "DOUBLE", "migrant remittance inflows, current US$ (source: US$ million × 1e6)"),
                Column("outflow_usd", "DOUBLE", "migrant remittance outflows, current US$"),
            ),
            area_columns=("iso3",),
            published_keys=(_CODE, _YEAR),
            description="KNOMAD/World Bank remittance inflows and outflows workbooks.",
        ),
        Dataset(
            "wpp",
            "World Population Prospects: population, births, deaths, net migration",
            "wpp",
            keys=(
                Column("indicator", "VARCHAR", "population, population_male, population_female, births, deaths, "
                       "net_migration, cnmr (crude net migration rate ‰), cbr, cdr, growth_rate (%)"),
                Column("iso3", "VARCHAR", "country or area: " + _ISO3),
                _YEAR,
                Column("variant", "VARCHAR", "estimate, or a projection variant (median, …)"),
            ),
            values=(Column("value", "DOUBLE", "counts in persons (source thousands × 1000); rates as published"),)
            + _INTERVALS,
            area_columns=("iso3",),
            published_keys=(
                Column("indicator", "VARCHAR", "indicator"),
                _CODE,
                _YEAR,
                Column("variant", "VARCHAR", "variant"),
            ),
            description="UN DESA World Population Prospects, annual (population also 5-yearly before 2024).",
        ),
        Dataset(
            "unhcr",
            "Refugees, asylum seekers, IDPs and stateless persons by origin and asylum",
            "unhcr",
            keys=(
                _YEAR,
                Column("origin", "VARCHAR", "country of origin: " + _ISO3 + "; UNK unknown, XXA stateless, TIB Tibetan"),
                Column("asylum", "VARCHAR", "country of asylum/residence: " + _ISO3),
            ),
            values=(
                Column("refugees", "DOUBLE", "refugees under UNHCR's mandate (persons, end-year)"),
                Column("asylum_seekers", "DOUBLE", "asylum seekers"),
                Column("returned_refugees", "DOUBLE", "refugees returned during the year"),
                Column("idps", "DOUBLE", "internally displaced persons of concern to UNHCR"),
                Column("returned_idps", "DOUBLE", "IDPs returned during the year"),
                Column("stateless", "DOUBLE", "stateless persons"),
                Column("others_of_concern", "DOUBLE", "others of concern to UNHCR"),
                Column("other_protection", "DOUBLE", "other people in need of international protection"),
                Column("host_community", "DOUBLE", "host community members"),
            ),
            area_columns=("origin", "asylum"),
            description="UNHCR Refugee Population Statistics Database.",
        ),
    )
}

def get_dataset(name: str) -> Dataset:
    """The dataset called ``name``.

    Raises
    ------
    migcap.errors.NotFound
        If there is no such dataset (the web answers 404).
    """
    from migcap.errors import NotFound

    try:
        return DATASETS[name]
    except KeyError:
        raise NotFound(f"unknown table {name!r}", hint=f"choose one of {', '.join(DATASETS)}") from None
