"""A state's migration profile, derived from the data core, and the rules that turn it into tags.

Figures (each with its year and source edition):

``immigrant_share``
    ``migrant_stock.migrants_pct`` (UN DESA IMS, latest edition, latest year).
``immigrant_growth``
    Growth of the migrant stock over ten years, in the same edition (Y = latest year):
    ``((migrants[Y] / migrants[B]) ** (10 / (Y - B)) - 1) * 100``, where B is the year of the
    edition nearest to Y - 10 within two years (the earlier on a tie). B = Y - 10 gives the plain
    ten-year growth; IMS 2024 (…, 2015, 2020, 2024) gives B = 2015, nine years, scaled to ten at
    the same annual rate.
``emigrants``, ``emigrant_share``
    Sum of ``bilateral_stock.migrants`` over all destinations with ``origin`` = the state
    (latest edition, latest year); share = emigrants / the state's population in
    ``migrant_stock`` for the same year (edition of the same name if there is one) * 100.
``remittances_gdp``
    WDI ``BX.TRF.PWKR.DT.GD.ZS``, latest year with a value (edition picked by indicator).
``remittances_usd``, ``remittance_fall_2009``
    WDI ``BX.TRF.PWKR.CD.DT``: latest value; fall = ``(1 - R2009 / R2008) * 100`` (positive = fell).
``refugees_hosted``, ``refugees_per_1000``
    UNHCR ``refugees + other_protection`` with ``asylum`` = the state, latest year (0 if UNHCR lists
    the state as a country of asylum in other years only; missing if it never does); per 1,000 of
    the WDI population (``SP.POP.TOTL``) of that year or the latest earlier one.
``net_migration``, ``net_migration_rate``
    WPP estimates, mean of ``net_migration`` and of ``cnmr`` over the last five estimated years.
``migrant_deaths``, ``disaster_displacement``, ``conflict_displacement``, ``asylum_applicants``,
``us_encounters``, ``eu_crossings`` (with ``…_per_1000`` and ``…_pctile``)
    Irregular migration and displacement: IOM Missing Migrants Project, IDMC, Eurostat, US CBP and
    Frontex (if imported), as :func:`migcap.evidence.irregular.country_signals` defines them. Rates
    are per 1,000 of the population in the latest year of the latest ``migrant_stock`` edition;
    percentiles are percentile ranks among the countries with a record.

Tags (the rules are in :data:`RULES`; thresholds are module constants): ``destination``,
``origin``, ``high_emigration``, ``remittance_dependent``, ``remittance_shock``,
``refugee_hosting``, ``rapid_immigration_growth``, and on irregular migration and displacement
``migrant_deaths_on_route``,
``disaster_displacement``, ``conflict_displacement``, ``asylum_destination`` and
``irregular_crossings_origin`` (each rule with its basis in :data:`RULE_BASIS`) from the figures;
``sids`` and ``ldc`` from
the UN lists (schemes ``sids``, ``ldc``); ``transit`` only when the assessment team declares it.
A figure that is missing never triggers a rule (missing is not zero).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from migcap.evidence.facts import with_article
from migcap.table import Table

from .vocab import FIGURES, PROFILE_TAGS

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "ASYLUM_PER_1000",
    "CROSSINGS_PER_1000",
    "DEATHS_PERCENTILE",
    "DESTINATION_NET_RATE",
    "DESTINATION_SHARE",
    "DISPLACEMENT_PERCENTILE",
    "DISPLACEMENT_PER_1000",
    "HIGH_EMIGRATION_SHARE",
    "ORIGIN_NET_RATE",
    "ORIGIN_SHARE",
    "RAPID_GROWTH",
    "REFUGEES_ABSOLUTE",
    "REFUGEES_PER_1000",
    "REMITTANCE_GDP",
    "REMITTANCE_SHOCK",
    "RULES",
    "RULE_BASIS",
    "Figure",
    "Profile",
    "apply_rules",
    "data_figures",
    "migration_profile",
    "rule_text",
]

DESTINATION_SHARE = 10.0  # immigrants, % of population
DESTINATION_NET_RATE = 2.0  # net migration per 1,000, five-year mean
ORIGIN_SHARE = 5.0  # emigrants, % of population
ORIGIN_NET_RATE = -1.0  # net migration per 1,000, five-year mean
HIGH_EMIGRATION_SHARE = 15.0  # emigrants, % of population
REMITTANCE_GDP = 5.0  # % of GDP
REMITTANCE_SHOCK = 5.0  # % fall from 2008 to 2009
REFUGEES_PER_1000 = 5.0  # refugees hosted per 1,000 population
REFUGEES_ABSOLUTE = 250_000.0  # refugees hosted
RAPID_GROWTH = 50.0  # % growth of the migrant stock in ten years
DEATHS_PERCENTILE = 90.0  # percentile rank of the dead and missing recorded in the country, five years
DISPLACEMENT_PER_1000 = 5.0  # new displacements a year per 1,000 population, five-year mean (each cause)
DISPLACEMENT_PERCENTILE = 90.0  # percentile rank of new displacements a year, five-year mean (each cause)
ASYLUM_PER_1000 = 2.0  # asylum applicants per 1,000 population, latest year
CROSSINGS_PER_1000 = 1.0  # citizens encountered (US) or detected (EU) per 1,000 population, latest year


@dataclass(frozen=True)
class Figure:
    """One figure of a profile."""

    key: str
    value: float | None
    year: int | None
    source: str
    period: str = ""  # the years it covers, where more than its year (e.g. '2020–2024')

    @property
    def label(self) -> str:
        return FIGURES[self.key][0]

    @property
    def unit(self) -> str:
        return FIGURES[self.key][1]

    def text(self) -> str:
        """The figure in words, e.g. ``'emigrants 12.3% of population (2019)'``.

        >>> Figure("remittance_fall_2009", -5.9, 2009, "wdi").text()
        'remittances rose 5.9% in 2009'
        """
        v = self.value
        if v is None:
            return f"{FIGURES[self.key][0].lower()}: not available"
        shown = {
            "immigrant_share": lambda: f"immigrants {v:.1f}% of population",
            "immigrant_growth": lambda: f"migrant stock grew {v:.1f}% in ten years",
            "emigrants": lambda: f"{v:,.0f} emigrants",
            "emigrant_share": lambda: f"emigrants {v:.1f}% of population",
            "remittances_gdp": lambda: f"remittances {v:.1f}% of GDP",
            "remittances_usd": lambda: f"remittances US$ {v / 1e6:,.0f} million",
            "remittance_fall_2009": lambda: (f"remittances fell {v:.1f}% in 2009" if v >= 0
                                             else f"remittances rose {-v:.1f}% in 2009"),
            "refugees_hosted": lambda: f"{v:,.0f} refugees and others in need of protection hosted",
            "refugees_per_1000": lambda: f"{v:.1f} refugees per 1,000 population",
            "net_migration": lambda: f"net migration {v:+,.0f} a year",
            "net_migration_rate": lambda: f"net migration rate {v:+.1f} per 1,000",
            "migrant_deaths": lambda: f"{v:,.0f} migrants recorded dead or missing in the country",
            "migrant_deaths_pctile": lambda: f"percentile {v:.0f}",
            "disaster_displacement": lambda: f"{v:,.0f} new disaster displacements a year",
            "disaster_displacement_per_1000": lambda: f"{v:.1f} new disaster displacements a year per 1,000",
            "disaster_displacement_pctile": lambda: f"percentile {v:.0f}",
            "conflict_displacement": lambda: f"{v:,.0f} new conflict displacements a year",
            "conflict_displacement_per_1000": lambda: f"{v:.1f} new conflict displacements a year per 1,000",
            "conflict_displacement_pctile": lambda: f"percentile {v:.0f}",
            "asylum_applicants": lambda: f"{v:,.0f} asylum applicants",
            "asylum_per_1000": lambda: f"{v:.1f} asylum applicants per 1,000 population",
            "us_encounters": lambda: f"{v:,.0f} encounters of citizens at the US southwest border",
            "us_encounters_per_1000": lambda: f"{v:.1f} US border encounters per 1,000 population",
            "eu_crossings": lambda: f"{v:,.0f} detections of citizens at the EU external borders",
            "eu_crossings_per_1000": lambda: f"{v:.1f} EU border detections per 1,000 population",
        }[self.key]()
        if self.period:
            return f"{shown} ({self.period})"
        if self.key == "remittance_fall_2009" or not self.year:
            return shown
        return f"{shown} ({self.year})"


#: A condition on one figure: (figure key, ">=" or "<=", threshold).
Condition = tuple[str, str, float]

#: Each tag and the conditions that give it (any one of them suffices).
RULES: tuple[tuple[str, tuple[Condition, ...]], ...] = (
    ("destination", (("immigrant_share", ">=", DESTINATION_SHARE),
                     ("net_migration_rate", ">=", DESTINATION_NET_RATE))),
    ("origin", (("emigrant_share", ">=", ORIGIN_SHARE), ("net_migration_rate", "<=", ORIGIN_NET_RATE))),
    ("high_emigration", (("emigrant_share", ">=", HIGH_EMIGRATION_SHARE),)),
    ("remittance_dependent", (("remittances_gdp", ">=", REMITTANCE_GDP),)),
    ("remittance_shock", (("remittance_fall_2009", ">=", REMITTANCE_SHOCK),)),
    ("refugee_hosting", (("refugees_per_1000", ">=", REFUGEES_PER_1000),
                         ("refugees_hosted", ">=", REFUGEES_ABSOLUTE))),
    ("rapid_immigration_growth", (("immigrant_growth", ">=", RAPID_GROWTH),)),
    ("migrant_deaths_on_route", (("migrant_deaths_pctile", ">=", DEATHS_PERCENTILE),)),
    ("disaster_displacement", (("disaster_displacement_per_1000", ">=", DISPLACEMENT_PER_1000),
                               ("disaster_displacement_pctile", ">=", DISPLACEMENT_PERCENTILE))),
    ("conflict_displacement", (("conflict_displacement_per_1000", ">=", DISPLACEMENT_PER_1000),
                               ("conflict_displacement_pctile", ">=", DISPLACEMENT_PERCENTILE))),
    ("asylum_destination", (("asylum_per_1000", ">=", ASYLUM_PER_1000),)),
    ("irregular_crossings_origin", (("us_encounters_per_1000", ">=", CROSSINGS_PER_1000),
                                    ("eu_crossings_per_1000", ">=", CROSSINGS_PER_1000))),
)

#: The basis of the rules on irregular migration and displacement, in words (part of their rule text).
RULE_BASIS: dict[str, str] = {
    "migrant_deaths_on_route": (
        "dead and missing recorded by the IOM Missing Migrants Project with the country as place of "
        "incident, "
        "summed over its last five complete years; percentile rank among the countries with a record"),
    "disaster_displacement": (
        "IDMC new internal displacements by disasters, mean of the last five years with data; per 1,000 of "
        "the population (UN DESA IMS, latest year), or percentile rank among the countries with disaster "
        "displacement"),
    "conflict_displacement": (
        "IDMC new internal displacements by conflict and violence, mean of the last five years with data; "
        "per 1,000 of the population (UN DESA IMS, latest year), or percentile rank among the countries with "
        "conflict displacement"),
    "asylum_destination": (
        "Eurostat asylum applicants with the country as country of application, latest year, per 1,000 of "
        "the population (UN DESA IMS, latest year); only the European countries Eurostat covers"),
    "irregular_crossings_origin": (
        "citizens of the country encountered at the US southwest land border (US CBP) or detected crossing "
        "the EU external borders irregularly (Frontex, if imported), latest complete calendar year, per "
        "1,000 of the population (UN DESA IMS, latest year)"),
}

#: The count a rate or a percentile is taken of: quoted with it in a tag's reason.
_COUNT_OF = {"migrant_deaths_pctile": "migrant_deaths",
             "disaster_displacement_per_1000": "disaster_displacement",
             "disaster_displacement_pctile": "disaster_displacement",
             "conflict_displacement_per_1000": "conflict_displacement",
             "conflict_displacement_pctile": "conflict_displacement",
             "asylum_per_1000": "asylum_applicants",
             "us_encounters_per_1000": "us_encounters",
             "eu_crossings_per_1000": "eu_crossings"}


def _met(value: float, op: str, threshold: float) -> bool:
    return value >= threshold if op == ">=" else value <= threshold


def rule_text(conditions: tuple[Condition, ...], tag: str | None = None) -> str:
    """A rule in words: ``'emigrant_share >= 5 or net_migration_rate <= -1'``, with its basis for the
    tags of :data:`RULE_BASIS`.

    >>> rule_text(dict(RULES)["asylum_destination"], "asylum_destination")[:55]
    'asylum_per_1000 >= 2; basis: Eurostat asylum applicants'
    """
    text = " or ".join(f"{k} {op} {t:,g}" for k, op, t in conditions)
    return f"{text}; basis: {RULE_BASIS[tag]}" if tag in RULE_BASIS else text


@dataclass(frozen=True)
class TagReason:
    """Why a profile has a tag: the rule and the figures that met it, or a declaration/classification."""

    tag: str
    rule: str
    figures: tuple[Figure, ...] = ()
    kind: str = "data"  # data | declared | classification

    def text(self) -> str:
        if self.kind == "data":
            return f"{self.tag}: " + "; ".join(f.text() for f in self.figures) + f" (rule: {self.rule})"
        return f"{self.tag}: {self.rule}"


@dataclass(frozen=True)
class Profile:
    """A state's migration profile: figures, tags with reasons, and sources."""

    iso3: str
    name: str
    figures: Mapping[str, Figure]
    tags: Mapping[str, TagReason]
    sources: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
    hypothetical: bool = False
    #: dataset → the edition its figures come from (what the priorities of a review rest on)
    editions: Mapping[str, str] = field(default_factory=dict)

    @property
    def tag_set(self) -> frozenset[str]:
        return frozenset(self.tags)

    def reason(self, tag: str) -> str:
        return self.tags[tag].text() if tag in self.tags else PROFILE_TAGS.get(tag, tag)

    def to_dict(self) -> dict[str, Any]:
        return {
            "iso3": self.iso3, "name": self.name, "hypothetical": self.hypothetical,
            "figures": {k: {"value": f.value, "year": f.year, "source": f.source, "label": f.label,
                            "unit": f.unit} for k, f in self.figures.items()},
            "tags": {t: {"rule": r.rule, "kind": r.kind, "figures": [f.key for f in r.figures]}
                     for t, r in self.tags.items()},
            "sources": list(self.sources), "notes": list(self.notes), "editions": dict(self.editions),
        }

    def to_table(self) -> Table:
        rows = tuple((k, f.label, f.value, f.unit, f.year, f.source) for k, f in self.figures.items())
        mark = " — HYPOTHETICAL" if self.hypothetical else ""
        return Table(("figure", "label", "value", "unit", "year", "source"), rows,
                     title=f"Migration profile of {with_article(self.name)} ({self.iso3}){mark}",
                     sources=self.sources,
                     notes=tuple(r.text() for r in self.tags.values()) + self.notes)


def apply_rules(figures: Mapping[str, Figure], *, declared: tuple[str, ...] = (),
                memberships: Mapping[str, str] | None = None) -> dict[str, TagReason]:
    """The profile tags that the figures, declarations and classifications give."""
    tags: dict[str, TagReason] = {}
    for tag, conditions in RULES:
        met = tuple(figures[k] for k, op, t in conditions
                    if k in figures and figures[k].value is not None and _met(figures[k].value, op, t))  # type: ignore[arg-type]
        if met:
            quoted: list[Figure] = []
            for f in met:  # a rate or percentile is quoted with the count it is taken of
                count = figures.get(_COUNT_OF.get(f.key, ""))
                if count is not None and count not in quoted:
                    quoted.append(count)
                quoted.append(f)
            tags[tag] = TagReason(tag, rule_text(conditions, tag), tuple(quoted), "data")
    for tag, words in (memberships or {}).items():
        tags.setdefault(tag, TagReason(tag, words, (), "classification"))
    for tag in declared:
        if tag in tags:
            continue
        tags[tag] = TagReason(tag, "declared by the assessment team", (), "declared")
    return tags


# ------------------------------------------------------------------------------------------ data


def data_figures(
    con: duckdb.DuckDBPyConnection, iso3: str, editions_used: dict[str, str] | None = None,
) -> tuple[dict[str, Figure], list[str], list[str]]:
    """The profile figures of a country from the warehouse: ``(figures, sources, notes)``.

    Figures that the data lack are absent (never zero); ``notes`` say which. ``editions_used``, if
    given, receives dataset → edition for every edition cited.
    """
    from migcap.errors import EditionError
    from migcap.evidence.country import (
        MIGRANT_SHARE,
        NET_MIGRATION_RATE,
        REMITTANCES_GDP,
        country_series,
        emigrants,
        refugees_hosted,
    )
    from migcap.evidence.indicators import INDICATORS
    from migcap.store.warehouse import editions, source_line

    figs: dict[str, Figure] = {}
    sources: list[str] = []
    notes: list[str] = []

    def cite(dataset: str, edition: str) -> str:
        if editions_used is not None:
            editions_used.setdefault(dataset, edition)
        line = source_line(con, dataset, edition)
        if line not in sources:
            sources.append(line)
        return f"{dataset} {edition}"

    # immigrants (UN DESA IMS)
    migrants = country_series(INDICATORS["migrant_stock"], iso3, con=con)
    latest = migrants.latest()
    if latest is not None:
        year, count = latest
        src = cite("migrant_stock", migrants.edition)
        pct = country_series(MIGRANT_SHARE, iso3, con=con, edition=migrants.edition).values.get(year)
        if pct is not None:
            figs["immigrant_share"] = Figure("immigrant_share", pct, year, src)
        base = _ten_years_before(year, [y for y, v in migrants.values.items() if v])
        if base is not None:
            before = migrants.values[base]
            growth = ((count / before) ** (10 / (year - base)) - 1) * 100
            scaled = "" if year - base == 10 else ", at its annual rate over ten years"
            figs["immigrant_growth"] = Figure("immigrant_growth", growth, year,
                                              src + f" ({base}–{year}{scaled})")
    else:
        notes.append("no migrant stock figures for this country")

    # emigrants (UN DESA IMS origin × destination)
    if editions(con, "bilateral_stock"):
        out = emigrants(iso3, con=con)
        if out is not None:
            src = cite("bilateral_stock", out.edition)
            figs["emigrants"] = Figure("emigrants", out.count, out.year, src)
            if out.share is not None:
                cite("migrant_stock", out.population_edition)
                figs["emigrant_share"] = Figure(
                    "emigrant_share", out.share, out.year,
                    f"{src}; population from migrant_stock {out.population_edition}")
        else:
            notes.append("no emigrant figures for this country")

    # remittances (WDI)
    remittances = (("remittances_gdp", REMITTANCES_GDP),
                   ("remittances_usd", INDICATORS["remittances_received"]))
    for key, indicator in remittances:
        try:
            series = country_series(indicator, iso3, con=con)
        except EditionError:
            notes.append(f"WDI indicator {indicator.code} not in the warehouse")
            continue
        newest = series.latest()
        if newest is None:
            notes.append(f"no WDI {indicator.code} for this country")
            continue
        src = cite("wdi", series.edition) + f" {indicator.code}"
        figs[key] = Figure(key, newest[1], newest[0], src)
        if key == "remittances_usd" and series.values.get(2008) and 2009 in series.values:
            figs["remittance_fall_2009"] = Figure(
                "remittance_fall_2009", (1 - series.values[2009] / series.values[2008]) * 100, 2009, src)

    # refugees hosted (UNHCR)
    hosted = refugees_hosted(iso3, con=con) if editions(con, "unhcr") else None
    if hosted is not None:
        src = cite("unhcr", hosted.edition)
        if hosted.hosted is None:
            notes.append("UNHCR reports no refugee figures for this country")
        else:
            figs["refugees_hosted"] = Figure("refugees_hosted", hosted.hosted, hosted.year, src)
        try:
            population = country_series(INDICATORS["population_wb"], iso3, con=con)
            pop = population.latest(until=hosted.year)
        except EditionError:
            pop = None
        if hosted.hosted is not None and pop and pop[1]:
            figs["refugees_per_1000"] = Figure(
                "refugees_per_1000", hosted.hosted / pop[1] * 1000, hosted.year,
                f"{src}; population wdi {population.edition} SP.POP.TOTL {pop[0]}")
            cite("wdi", population.edition)

    # net migration (WPP estimates)
    if editions(con, "wpp"):
        net = (("net_migration", INDICATORS["net_migration"]), ("net_migration_rate", NET_MIGRATION_RATE))
        for key, ind in net:
            series = country_series(ind, iso3, con=con)
            last5 = list(series.values.items())[:5]
            if len(last5) == 5:
                years = sorted(y for y, _ in last5)
                figs[key] = Figure(key, sum(v for _, v in last5) / 5, years[-1],
                                   cite("wpp", series.edition) + f" ({years[0]}–{years[-1]} mean)")

    # irregular migration and displacement (IOM MMP, IDMC, Eurostat, US CBP, Frontex)
    from migcap.evidence.irregular import country_signals

    signals, missing, consulted = country_signals(iso3, con=con)
    for dataset, edition in consulted.items():  # a figure the data do not give is a finding too
        cite(dataset, edition)
    for sig in signals:
        src = cite(sig.dataset, sig.edition) + f" ({sig.period})"
        if sig.basis:
            cite("migrant_stock", sig.basis.split()[2])
            src += f"; {sig.basis}"
        figs[sig.key] = Figure(sig.key, sig.value, sig.year, src, sig.period)
    notes += missing
    return figs, sources, notes


def _memberships(iso3: str) -> dict[str, str]:
    from migcap.geo.schemes import load_scheme

    out = {}
    for tag, scheme in (("sids", "sids"), ("ldc", "ldc")):
        s = load_scheme(scheme)
        if any(m == iso3 for m, _ in s.members):
            out[tag] = f"member of the {s.title}"
    return out


def _declared_figures(declared: Mapping[str, Any]) -> dict[str, Figure]:
    out = {}
    for key, spec in declared.items():
        if isinstance(spec, Mapping):
            out[key] = Figure(key, spec.get("value"), spec.get("year"), str(spec.get("source") or "declared"))
        else:
            out[key] = Figure(key, None if spec is None else float(spec), None, "declared")
    return out


def _ten_years_before(year: int, years: list[int]) -> int | None:
    """The year nearest to ``year - 10`` within two years (the earlier on a tie), or ``None``.

    >>> _ten_years_before(2024, [1990, 2010, 2015, 2020, 2024])
    2015
    >>> _ten_years_before(2020, [2005, 2010, 2015, 2020]), _ten_years_before(2020, [2015, 2020]) is None
    (2010, True)
    """
    near = [y for y in years if abs(y - (year - 10)) <= 2 and y < year]
    return min(near, key=lambda y: (abs(y - (year - 10)), y)) if near else None


def migration_profile(iso3: str, *, name: str | None = None, con: duckdb.DuckDBPyConnection | None = None,
                      declared_tags: tuple[str, ...] = (), declared_figures: Mapping[str, Any] | None = None,
                      hypothetical: bool = False) -> Profile:
    """The migration profile of a country from the data core (or of a hypothetical state from its
    declared figures), with the tags its figures give.

    Parameters
    ----------
    iso3
        Country code.
    declared_tags, declared_figures
        What the assessment team declares: tags data cannot show (``transit``) and figures that
        replace the data's (each with its own source).
    hypothetical
        Use only the declared figures (no data exist for a hypothetical state).

    Examples
    --------
    >>> p = migration_profile("XHY", name="Hypothetica", hypothetical=True,
    ...                       declared_figures={"remittances_gdp": {"value": 9.8, "year": 2021,
    ...                                                              "source": "hypothetical"}})
    >>> sorted(p.tags), p.figures["remittances_gdp"].text()
    (['remittance_dependent'], 'remittances 9.8% of GDP (2021)')
    """
    figures: dict[str, Figure] = {}
    sources: list[str] = []
    notes: list[str] = []
    memberships: dict[str, str] = {}
    used: dict[str, str] = {}
    if not hypothetical:
        own = con is None
        if con is None:
            from migcap.store.warehouse import connect

            con = connect()
        try:
            figures, sources, notes = data_figures(con, iso3, used)
        finally:
            if own:
                con.close()
        memberships = _memberships(iso3)
        if name is None:
            from migcap.geo.countries import country

            name = country(iso3).name
    else:
        notes.append("HYPOTHETICAL state: figures are invented for illustration, not data")
    for key, fig in _declared_figures(declared_figures or {}).items():
        if key in figures:
            notes.append(f"{key}: the declared figure replaces the data ({figures[key].text()})")
        figures[key] = fig
    ordered = {k: figures[k] for k in FIGURES if k in figures}
    tags = apply_rules(ordered, declared=tuple(declared_tags), memberships=memberships)
    return Profile(iso3, name or iso3, ordered, tags, tuple(sources), tuple(notes), hypothetical,
                   dict(sorted(used.items())))
