"""The fixed vocabulary of capacity assessments: levels, relevance, profile tags, figures, actors.

Everything here is data that the inventory schema, the assessments, the review and the
workbook share, so that a label means the same thing everywhere.

Examples
--------
>>> parse_level("Good practice"), parse_level(" not applicable "), parse_level("")
('good_practice', 'not_applicable', None)
>>> LEVEL_VALUE["partial"], target_level("high")
(2, 'established')
"""

from __future__ import annotations

__all__ = [
    "ACTORS",
    "ACTOR_LABELS",
    "FIGURES",
    "LEVELS",
    "LEVEL_LABELS",
    "LEVEL_MEANINGS",
    "LEVEL_VALUE",
    "NOT_APPLICABLE",
    "PROFILE_TAGS",
    "RELEVANCE",
    "RELEVANCE_WEIGHT",
    "TARGET_FOR_RELEVANCE",
    "level_label",
    "parse_level",
    "target_level",
]

#: The five steps of the scale, lowest first; their values are 0–4.
LEVELS: tuple[str, ...] = ("absent", "planned", "partial", "established", "good_practice")
#: A sixth answer that takes the item out of the score (a reason is required in the notes).
NOT_APPLICABLE = "not_applicable"
LEVEL_VALUE: dict[str, int] = {name: i for i, name in enumerate(LEVELS)}
LEVEL_LABELS: dict[str, str] = {
    "absent": "absent",
    "planned": "planned",
    "partial": "partial",
    "established": "established",
    "good_practice": "good practice",
    NOT_APPLICABLE: "not applicable",
}
LEVEL_MEANINGS: dict[str, str] = {
    "absent": "Nothing is in place and nothing has been decided.",
    "planned": "Decided or in preparation (a plan, a draft law, a budgeted project) but not yet operating.",
    "partial": "Operating, but incomplete: a pilot, limited coverage, irregular funding or parts of the "
               "checklist missing.",
    "established": "Operating nationally with a legal or policy basis, staff and budget, covering most of "
                   "the checklist.",
    "good_practice": "Established, monitored or evaluated with results, and of a quality others could "
                     "learn from (evidence required).",
    NOT_APPLICABLE: "Does not apply to this state; say why in the notes (a reason is required).",
}

#: Relevance of an item for a profile, and its weight in scores and priorities.
RELEVANCE: tuple[str, ...] = ("low", "medium", "high")
RELEVANCE_WEIGHT: dict[str, int] = {"low": 1, "medium": 2, "high": 3}
#: The level an item should reach, given its relevance for the state's profile.
TARGET_FOR_RELEVANCE: dict[str, str] = {"low": "planned", "medium": "partial", "high": "established"}

#: Profile tags an inventory item may name in its relevance. ``all`` is every state.
PROFILE_TAGS: dict[str, str] = {
    "all": "every state (the baseline relevance of the item)",
    "origin": "country of origin: many nationals abroad or net emigration",
    "transit": "transit country (declared by the assessment team; not derivable from stock data)",
    "destination": "country of destination: many immigrants or net immigration",
    "high_emigration": "a large diaspora relative to the population",
    "remittance_dependent": "remittances are a large share of GDP",
    "remittance_shock": "remittances fell markedly in the 2009 crisis",
    "refugee_hosting": "hosts many refugees and others in need of international protection",
    "rapid_immigration_growth": "the immigrant population grew fast over ten years",
    "migrant_deaths_on_route": "many migrants recorded dead or missing on routes through the country",
    "disaster_displacement": "many new internal displacements by disasters",
    "conflict_displacement": "many new internal displacements by conflict and violence",
    "asylum_destination": "many asylum applications in the country (European countries, Eurostat)",
    "irregular_crossings_origin": "many of its citizens encountered or detected crossing a border "
                                  "irregularly (US southwest border, EU external borders)",
    "sids": "small island developing state (UN list)",
    "ldc": "least developed country (UN list)",
}

#: Figures of the migration profile: key → (label, unit). Inventory items may cite them as indicators.
FIGURES: dict[str, tuple[str, str]] = {
    "immigrant_share": ("International migrants as % of the population", "%"),
    "immigrant_growth": ("Growth of the international migrant stock over ten years", "%"),
    "emigrants": ("Emigrants (nationals and natives living abroad)", "persons"),
    "emigrant_share": ("Emigrants as % of the resident population", "%"),
    "remittances_gdp": ("Personal remittances received, % of GDP", "%"),
    "remittances_usd": ("Personal remittances received", "current US$"),
    "remittance_fall_2009": ("Fall in remittances received from 2008 to 2009 (negative: a rise)", "%"),
    "refugees_hosted": ("Refugees and others in need of international protection hosted", "persons"),
    "refugees_per_1000": ("Refugees and others in need of international protection per 1,000 population",
                          "per 1,000"),
    "net_migration": ("Net migration, average of the last five years estimated", "persons per year"),
    "net_migration_rate": ("Net migration rate, average of the last five years estimated", "per 1,000"),
    "migrant_deaths": ("Migrants recorded dead or missing with the country as place of incident, last five "
                       "complete years (IOM Missing Migrants Project)", "persons"),
    "migrant_deaths_pctile": ("Percentile rank of migrant_deaths among the countries with a record",
                              "percentile"),
    "disaster_displacement": ("New internal displacements by disasters a year, mean of the last five years "
                              "(IDMC)", "displacements per year"),
    "disaster_displacement_per_1000": ("New internal displacements by disasters a year per 1,000 population",
                                       "per 1,000 a year"),
    "disaster_displacement_pctile": ("Percentile rank of disaster_displacement among the countries with "
                                     "disaster displacement", "percentile"),
    "conflict_displacement": ("New internal displacements by conflict and violence a year, mean of the last "
                              "five years (IDMC)", "displacements per year"),
    "conflict_displacement_per_1000": ("New internal displacements by conflict and violence a year per 1,000 "
                                       "population", "per 1,000 a year"),
    "conflict_displacement_pctile": ("Percentile rank of conflict_displacement among the countries with "
                                     "conflict displacement", "percentile"),
    "asylum_applicants": ("Asylum applicants in the country, latest year (Eurostat)", "persons"),
    "asylum_per_1000": ("Asylum applicants in the country per 1,000 population, latest year", "per 1,000"),
    "us_encounters": ("Encounters of the country's citizens at the US southwest land border, latest complete "
                      "calendar year (US CBP)", "encounters"),
    "us_encounters_per_1000": ("US southwest border encounters of the country's citizens per 1,000 "
                               "population", "per 1,000"),
    "eu_crossings": ("Detections of illegal border crossings of the country's citizens at the EU external "
                     "borders, latest complete calendar year (Frontex)", "detections"),
    "eu_crossings_per_1000": ("Frontex detections of the country's citizens per 1,000 population",
                              "per 1,000"),
}

#: Who recommendations and inventory roles are addressed to.
ACTORS: tuple[str, ...] = ("state", "civil_society", "international", "private_sector")
ACTOR_LABELS: dict[str, str] = {
    "state": "the state",
    "civil_society": "civil society",
    "international": "international organizations",
    "private_sector": "the private sector",
}

_LEVEL_INPUTS = {label.lower(): code for code, label in LEVEL_LABELS.items()}
_LEVEL_INPUTS.update({code: code for code in LEVEL_LABELS})
_LEVEL_INPUTS.update({"n/a": NOT_APPLICABLE, "na": NOT_APPLICABLE, "good-practice": "good_practice",
                      "not-applicable": NOT_APPLICABLE})


def parse_level(text: object) -> str | None:
    """The level code for a label typed by a person, or ``None`` for an empty answer.

    Accepts the codes (``good_practice``), the labels (``good practice``), any case and
    surrounding spaces, and ``n/a``.

    Raises
    ------
    ValueError
        If the text is not a level.
    """
    if text is None:
        return None
    if not isinstance(text, str):
        raise ValueError(f"not a level: {text!r}")
    key = " ".join(text.split()).lower()
    if not key:
        return None
    try:
        return _LEVEL_INPUTS[key]
    except KeyError:
        raise ValueError(f"not a level: {text!r}") from None


def level_label(code: str | None) -> str:
    """The label of a level code (``""`` for no answer)."""
    return "" if code is None else LEVEL_LABELS[code]


def target_level(relevance: str) -> str:
    """The level an item of this relevance should reach (high → established, medium → partial,
    low → planned)."""
    return TARGET_FOR_RELEVANCE[relevance]
