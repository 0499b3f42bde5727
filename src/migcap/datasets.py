"""The datasets of the warehouse: their columns, keys and meaning (the documented schema).

Every dataset has a country table (one row per key, countries as ISO3) and, where
the source publishes its own aggregates (world, regions, income groups), a
``<name>_published`` table holding them exactly as published, so that our
aggregates can be checked against the source's. Every row carries the
``edition`` it belongs to.

Each dataset also says which values are possible (:class:`Valid`, the years of
:attr:`Dataset.years`): :meth:`migcap.store.snapshots.Snapshot.validated`, which every
reader's output passes through before anything is written, refuses the others.

``docs/schema.md`` is generated from this module (``migcap data schema``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["ANY", "COUNT", "DATASETS", "NON_NEGATIVE", "PERCENT", "Column", "Dataset", "Valid", "get_dataset"]


@dataclass(frozen=True)
class Valid:
    """The values a numeric column may hold, besides missing ones; every value must be a finite number.

    Attributes
    ----------
    minimum, maximum
        Bounds (inclusive), if any.
    integer
        Whole numbers only: the publisher gives whole numbers (persons). Spreadsheet arithmetic noise
        (``38891.00000000001`` in IMS 2019, Andorra) is a whole number; ``1.5`` is not.
    signed_if_derived
        Rows flagged ``derived`` may fall below ``minimum`` (a residual computed by migcap, such as the
        unknown-origin stock = total − known origins, is negative where the source's parts exceed its total).

    Examples
    --------
    >>> COUNT.describe()
    'whole numbers ≥ 0'
    >>> Valid(0, 100).describe()
    'numbers from 0 to 100'
    """

    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    signed_if_derived: bool = False

    def describe(self) -> str:
        """The rule in words (for error messages and ``docs/schema.md``)."""
        kind = "whole numbers" if self.integer else "numbers"
        if self.minimum is not None and self.maximum is not None:
            text = f"{kind} from {self.minimum:g} to {self.maximum:g}"
        elif self.minimum is not None:
            text = f"{kind} ≥ {self.minimum:g}"
        elif self.maximum is not None:
            text = f"{kind} ≤ {self.maximum:g}"
        else:
            text = f"finite {kind}"
        return text + (" (derived rows: any sign)" if self.signed_if_derived else "")


#: any finite number
ANY = Valid()
#: persons and other counts the publisher gives as whole numbers
COUNT = Valid(minimum=0, integer=True)
#: amounts (US$, persons converted from thousands) and rates that cannot be negative
NON_NEGATIVE = Valid(minimum=0)
#: a share in per cent of a whole
PERCENT = Valid(minimum=0, maximum=100)


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
    valid: Valid = ANY


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
    years
        The first and last possible ``year``; ``None`` as the last: the edition's release year
        (see :func:`migcap.store.snapshots.release_year`).
    valid_by_indicator
        For datasets with an ``indicator`` key: the valid values of every numeric value column in
        the rows of an indicator (replacing the columns' own rule); indicators not listed may hold
        any finite number.
    bundled
        ``False`` where the publisher's terms do not allow migcap to redistribute the data: no
        snapshot is bundled, and users import the file themselves (``migcap data import``).
    """

    name: str
    title: str
    source: str
    keys: tuple[Column, ...]
    values: tuple[Column, ...]
    area_columns: tuple[str, ...]
    published_keys: tuple[Column, ...] = ()
    description: str = ""
    years: tuple[int, int | None] = (1900, None)
    valid_by_indicator: Mapping[str, Valid] = field(default_factory=dict, hash=False)
    bundled: bool = True

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
    Column("migrants", "DOUBLE", "international migrant stock at mid-year, both sexes (persons)", COUNT),
    Column("migrants_male", "DOUBLE", "international migrant stock, males (persons)", COUNT),
    Column("migrants_female", "DOUBLE", "international migrant stock, females (persons)", COUNT),
    Column("population", "DOUBLE",
           "total population at mid-year, both sexes (persons; source in thousands × 1000)", NON_NEGATIVE),
    Column("population_male", "DOUBLE", "total population, males (persons)", NON_NEGATIVE),
    Column("population_female", "DOUBLE", "total population, females (persons)", NON_NEGATIVE),
    Column("migrants_pct", "DOUBLE", "migrant stock as % of the total population, as published", PERCENT),
    Column("female_pct", "DOUBLE", "female migrants as % of the migrant stock, as published", PERCENT),
    Column("refugees", "DOUBLE",
           "refugees and asylum seekers (persons), as published; missing where not estimated", COUNT),
    Column("type_of_data", "VARCHAR",
           "UN code of the data basis: B birthplace, C citizenship, R refugees added, I imputed"),
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
            years=(1990, None),
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
                Column("migrants", "DOUBLE", "migrant stock, both sexes (persons)",
                       Valid(minimum=0, integer=True, signed_if_derived=True)),
                Column("migrants_male", "DOUBLE", "males (persons), where published", COUNT),
                Column("migrants_female", "DOUBLE", "females (persons), where published", COUNT),
                Column("derived", "BOOLEAN",
                       "true for rows computed by migcap (the unknown-origin residual)"),
            ),
            area_columns=("dest", "origin"),
            description=(
                "UN DESA International Migrant Stock, origin-by-destination Table 1. Origin UNK holds the "
                "source's unknown-origin columns or, where the file lacks them, the residual official "
                "total minus the sum of known origins (derived = true)."
            ),
            years=(1990, None),
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
                Column("derived", "BOOLEAN",
                       "true for values computed by migcap (e.g. GDP per capita = GDP / population)"),
            ),
            area_columns=("iso3",),
            published_keys=(Column("indicator", "VARCHAR", "WDI indicator code"), _CODE, _YEAR),
            description="World Bank WDI series, one row per indicator, economy and year.",
            years=(1960, None),
            valid_by_indicator={
                "BX.TRF.PWKR.CD.DT": NON_NEGATIVE,  # personal remittances, received (current US$)
                "BM.TRF.PWKR.CD.DT": NON_NEGATIVE,  # personal remittances, paid (current US$)
                "BX.TRF.PWKR.DT.GD.ZS": NON_NEGATIVE,  # received, % of GDP (above 100 in a few economies)
                "SP.POP.TOTL": COUNT,  # population, total
                "NY.GDP.MKTP.CD": NON_NEGATIVE,  # GDP (current US$)
                "NY.GDP.PCAP.CD": NON_NEGATIVE,  # GDP per capita (current US$)
                "SL.UEM.TOTL.ZS": PERCENT,  # unemployment, % of the labour force
                "SM.POP.NETM": Valid(integer=True),  # net migration, persons (negative: net emigration)
            },
        ),
        Dataset(
            "knomad",
            "Migrant remittance inflows and outflows (KNOMAD/World Bank)",
            "knomad",
            keys=(Column("iso3", "VARCHAR", "economy: " + _ISO3), _YEAR),
            values=(
                Column("inflow_usd", "DOUBLE",
                       "migrant remittance inflows, current US$ (source: US$ million × 1e6)", NON_NEGATIVE),
                Column("outflow_usd", "DOUBLE", "migrant remittance outflows, current US$", NON_NEGATIVE),
            ),
            area_columns=("iso3",),
            published_keys=(_CODE, _YEAR),
            description="KNOMAD/World Bank remittance inflows and outflows workbooks.",
            years=(1960, None),
        ),
        Dataset(
            "bilateral_remittances",
            "Bilateral remittances by sending and receiving country (KNOMAD/World Bank)",
            "knomad-brm",
            keys=(
                _YEAR,
                Column("origin", "VARCHAR", "remittance-sending country (where the migrants live): " + _ISO3),
                Column("dest", "VARCHAR", "remittance-receiving country: " + _ISO3),
            ),
            values=(
                Column("remittances_usd_m", "DOUBLE",
                       "estimated remittances from origin to dest, current US$ million (as published)",
                       NON_NEGATIVE),
            ),
            area_columns=("origin", "dest"),
            published_keys=(
                _YEAR,
                Column("origin", "VARCHAR", "sending country (ISO3), or WLD for the source's WORLD row"),
                Column("dest", "VARCHAR", "receiving country (ISO3), or WLD for the source's WORLD column"),
            ),
            description=(
                "KNOMAD/World Bank Bilateral Remittance Matrix: analytical estimates of the remittances each "
                "sending country pays to each receiving country. Empty, zero and '-' cells have no row. The "
                "published table holds the source's WORLD row (received from the world), WORLD column (sent "
                "to the world) and their corner (the world total)."
            ),
            years=(2000, None),
        ),
        Dataset(
            "wpp",
            "World Population Prospects: population, births, deaths, net migration",
            "wpp",
            keys=(
                Column("indicator", "VARCHAR",
                       "population, population_male, population_female, births, deaths, "
                       "net_migration, cnmr (crude net migration rate ‰), cbr, cdr, growth_rate (%)"),
                Column("iso3", "VARCHAR", "country or area: " + _ISO3),
                _YEAR,
                Column("variant", "VARCHAR", "estimate, or a projection variant (median, …)"),
            ),
            values=(Column("value", "DOUBLE",
                           "counts in persons (source thousands × 1000); rates as published"),)
            + _INTERVALS,
            area_columns=("iso3",),
            published_keys=(
                Column("indicator", "VARCHAR", "indicator"),
                _CODE,
                _YEAR,
                Column("variant", "VARCHAR", "variant"),
            ),
            description="UN DESA World Population Prospects, annual (population also 5-yearly before 2024).",
            years=(1950, 2100),
            # counts in thousands × 1000 are not whole numbers; net migration, its rate and
            # growth take any sign
            valid_by_indicator={name: NON_NEGATIVE for name in (
                "population", "population_male", "population_female", "births", "deaths", "cbr", "cdr")},
        ),
        Dataset(
            "unhcr",
            "Refugees, asylum seekers, IDPs and stateless persons by origin and asylum",
            "unhcr",
            keys=(
                _YEAR,
                Column("origin", "VARCHAR",
                       "country of origin: " + _ISO3 + "; UNK unknown, XXA stateless, TIB Tibetan"),
                Column("asylum", "VARCHAR", "country of asylum/residence: " + _ISO3),
            ),
            values=(
                Column("refugees", "DOUBLE", "refugees under UNHCR's mandate (persons, end-year)", COUNT),
                Column("asylum_seekers", "DOUBLE", "asylum seekers", COUNT),
                Column("returned_refugees", "DOUBLE", "refugees returned during the year", COUNT),
                Column("idps", "DOUBLE", "internally displaced persons of concern to UNHCR", COUNT),
                Column("returned_idps", "DOUBLE", "IDPs returned during the year", COUNT),
                Column("stateless", "DOUBLE", "stateless persons", COUNT),
                Column("others_of_concern", "DOUBLE", "others of concern to UNHCR", COUNT),
                Column("other_protection", "DOUBLE", "other people in need of international protection",
                       COUNT),
                Column("host_community", "DOUBLE", "host community members", COUNT),
            ),
            area_columns=("origin", "asylum"),
            description="UNHCR Refugee Population Statistics Database.",
            years=(1951, None),
        ),
        Dataset(
            "missing_migrants",
            "Migrants recorded dead or missing en route, by month, route and country of incident",
            "iom-mmp",
            keys=(
                _YEAR,
                Column("month", "INTEGER", "month of the incident (1-12)"),
                Column("route", "VARCHAR", "migration route as the Missing Migrants Project names it "
                       "(Central Mediterranean Route, …; Undefined)"),
                Column("iso3", "VARCHAR", "country of the incident: " + _ISO3),
            ),
            values=(
                Column("dead_and_missing", "DOUBLE", "persons recorded dead or missing (the source does not "
                       "separate the dead from the missing in this file)", COUNT),
                Column("incidents", "DOUBLE", "incident records (incidents, split and cumulative incidents)",
                       COUNT),
            ),
            area_columns=("iso3",),
            description=(
                "IOM Missing Migrants Project: deaths and disappearances of people in the process of "
                "migration towards an international destination, incident records summed by month, route "
                "and country of incident. Records, not a census: a country without a record has none "
                "recorded."
            ),
            years=(2014, None),
        ),
        Dataset(
            "displacement",
            "Internal displacements (new, per year) and internally displaced persons (end-year), by cause",
            "idmc",
            keys=(
                Column("iso3", "VARCHAR", "country or area: " + _ISO3 + "; AB9 Abyei Area"),
                _YEAR,
                Column("cause", "VARCHAR", "conflict (armed conflict, communal and criminal violence) or "
                       "disaster (natural hazards)"),
                Column("hazard", "VARCHAR", "hazard of a disaster displacement (flood, storm, drought, "
                       "earthquake, …); 'all' where the source gives no breakdown (conflict; stocks)"),
            ),
            values=(
                Column("new_displacements", "DOUBLE", "internal displacements during the year (movements: "
                       "a person displaced twice counts twice)", COUNT),
                Column("idps", "DOUBLE", "internally displaced persons at the end of the year (sum over "
                       "sex and age as published)", COUNT),
            ),
            area_columns=("iso3",),
            description="Internal Displacement Monitoring Centre (IDMC), Global Internal Displacement "
                        "Database.",
            years=(2008, None),
        ),
        Dataset(
            "asylum_applications",
            "Asylum applicants by country of application and citizenship (Eurostat)",
            "eurostat-asylum",
            keys=(
                _YEAR,
                Column("dest", "VARCHAR", "country of application: " + _ISO3),
                Column("origin", "VARCHAR", "citizenship of the applicant: " + _ISO3
                       + "; STL stateless, OOO other or unknown"),
            ),
            values=(
                Column("applicants", "DOUBLE", "asylum applicants, all sexes (persons; Eurostat "
                       "rounds to multiples of 5)", COUNT),
                Column("applicants_male", "DOUBLE", "males", COUNT),
                Column("applicants_female", "DOUBLE", "females", COUNT),
            ),
            area_columns=("dest", "origin"),
            published_keys=(_YEAR, _CODE, Column("origin", "VARCHAR", "citizenship of the applicant")),
            description=(
                "Eurostat migr_asyappctza: asylum applicants in the EU member states, EFTA countries and a "
                "few others (the United Kingdom to 2019). The bundled edition comes from the IOM GDI "
                "package, which documents them as first-time applicants, but its totals match Eurostat's "
                "all applicants (first-time and subsequent): see docs/data.md. An edition that `migcap data "
                "update` fetches from Eurostat's API holds first-time applicants (NASY_APP). The EU27 total "
                "is kept as published."
            ),
            years=(2008, None),
        ),
        Dataset(
            "border_encounters",
            "Encounters at the US southwest land border by month, citizenship, component and demographic",
            "cbp",
            keys=(
                _YEAR,
                Column("month", "INTEGER", "calendar month (1-12); the US fiscal year starts in October"),
                Column("citizenship", "VARCHAR", "citizenship: " + _ISO3 + "; OOO other countries; UNK "
                       "not reported (before October 2019)"),
                Column("component", "VARCHAR", "U.S. Border Patrol or Office of Field Operations"),
                Column("encounter_type", "VARCHAR", "Apprehensions (Title 8, Border Patrol), Inadmissibles "
                       "(Title 8, Field Operations) or Expulsions (Title 42)"),
                Column("demographic", "VARCHAR", "Single Adults, FMUA (in a family unit), UC / Single "
                       "Minors, UAC, Accompanied Minors, as published"),
            ),
            values=(Column("encounters", "DOUBLE", "encounters (events, not persons: a person may be "
                           "encountered more than once)", COUNT),),
            area_columns=("citizenship",),
            description="U.S. Customs and Border Protection, southwest land border encounters.",
            years=(2017, None),
        ),
        Dataset(
            "border_crossings",
            "Detections of illegal border crossings at the EU external borders (Frontex)",
            "frontex",
            keys=(
                _YEAR,
                Column("month", "INTEGER", "month (1-12)"),
                Column("route", "VARCHAR", "migratory route as Frontex names it"),
                Column("border", "VARCHAR", "Sea or Land"),
                Column("citizenship", "VARCHAR", "citizenship: " + _ISO3
                       + "; OOO other, OOS not specified, STL stateless"),
            ),
            values=(Column("detections", "DOUBLE", "detections of illegal border crossing (not persons: the "
                           "same person may cross several times)", COUNT),),
            area_columns=("citizenship",),
            description=(
                "Frontex monthly detections of illegal border crossings. Not bundled: Frontex's terms allow "
                "private use only without its permission; import the file with "
                "`migcap data import FILE --source frontex`."
            ),
            years=(2009, None),
            bundled=False,
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
