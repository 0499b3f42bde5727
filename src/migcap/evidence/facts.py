"""Key facts: short sentences whose every figure comes from a table, with its source.

Nothing here is typed by hand: each sentence is built from the rows of an
:class:`~migcap.evidence.overview.Overview`, and each :class:`Fact` carries the figures it
states (name → value) and the citations of the editions they come from, so that
reports and the web app can show the source beside the sentence and tests can
check the text against the tables.

Examples
--------
>>> format_count(280_598_105)
'280.6 million'
>>> format_usd(389_464_158_162)
'US$ 389.5 billion'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from migcap.evidence.crisis import DEFAULT_LEVEL

if TYPE_CHECKING:

    from migcap.evidence.overview import Overview

__all__ = ["Fact", "build_facts", "format_count", "format_pct", "format_usd", "with_article"]


def format_count(value: float) -> str:
    """People: '280.6 million', '1.2 billion', '12,345'."""
    a = abs(value)
    if a >= 1e9:
        return f"{value / 1e9:.1f} billion"
    if a >= 1e6:
        return f"{value / 1e6:.1f} million"
    return f"{value:,.0f}"


def format_usd(value: float) -> str:
    """Money: 'US$ 389.5 billion', 'US$ 12.3 million'."""
    return "US$ " + format_count(value)


def format_pct(value: float, digits: int = 1) -> str:
    """'3.6%'."""
    return f"{value:.{digits}f}%"


@dataclass(frozen=True)
class Fact:
    """A sentence and the figures in it.

    Attributes
    ----------
    key
        What the fact is about (``stock``, ``growth``, ``remittances`` …).
    text
        The sentence, with the figures formatted.
    figures
        Name → the unformatted value the sentence states.
    sources
        Citations of the dataset editions.
    """

    key: str
    text: str
    figures: dict[str, Any] = field(default_factory=dict)
    sources: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"key": self.key, "text": self.text, "figures": self.figures, "sources": list(self.sources)}


_THE = ("United", "Republic", "Kingdom", "Islands", "Emirates", "Netherlands", "Philippines", "Bahamas",
        "Gambia",
        "Middle East", "Americas", "Caribbean", "Holy See", "State of", "Federation", "Union", "countries")


def with_article(name: str) -> str:
    """'the Middle East', 'the United States of America', 'Kenya'.

    >>> with_article("Middle East"), with_article("Kenya")
    ('the Middle East', 'Kenya')
    """
    if name == "World":
        return "the world"
    return f"the {name}" if any(w in name for w in _THE) and not name.startswith("the ") else name


def _row(table: Any, **where: Any) -> dict[str, Any] | None:
    rows = list(table.where(**where)) if where else list(table)
    return rows[0] if rows else None


def build_facts(ov: Overview) -> list[Fact]:
    """The key facts of an overview (as many as its data allow)."""
    facts: list[Fact] = []
    trend = ov.sections["stock_trend"]
    last = _row(trend, year=ov.year)
    where = "the world" if ov.kind == "world" else with_article(ov.name)
    verb = "there were" if ov.kind == "world" else "lived"
    if last and last["migrants"] is not None:
        # the share of the population is left out where the edition has none (no population figure,
        # or more migrants than people: the two sources disagree)
        pct = last["migrants_pct"]
        if ov.kind == "world":
            text = (f"In {ov.year} there were {format_count(last['migrants'])} international migrants"
                    + (f", {format_pct(pct)} of the world's population." if pct is not None else "."))
        else:
            text = (f"In {ov.year} {format_count(last['migrants'])} international migrants "
                    f"{verb} in {where}, "
                    + (f"{format_pct(pct)} of its population and " if pct is not None else "")
                    + f"{format_pct(last['share_of_world_pct'])} of the world's migrants.")
        facts.append(Fact("stock", text, {"year": ov.year, "migrants": last["migrants"],
                                           "migrants_pct": last["migrants_pct"],
                                           "share_of_world_pct": last["share_of_world_pct"]},
                          trend.sources))
        first = next((r for r in trend if r["migrants"] is not None), None)
        if first and first["year"] < ov.year:
            growth = (last["migrants"] / first["migrants"] - 1) * 100
            facts.append(Fact(
                "growth",
                f"The number {'grew' if growth >= 0 else 'fell'} by {format_pct(abs(growth), 0)} from "
                f"{format_count(first['migrants'])} in {first['year']}.",
                {"from_year": first["year"], "from": first["migrants"], "growth_pct": growth}, trend.sources))
        if last["female_pct"] is not None:
            facts.append(Fact("female", f"Women and girls were {format_pct(last['female_pct'])} of them.",
                              {"female_pct": last["female_pct"]}, trend.sources))
        if last["refugees"]:
            facts.append(Fact(
                "refugees",
                f"Refugees and asylum seekers numbered {format_count(last['refugees'])}, "
                f"{format_pct(last['refugees_pct_of_migrants'])} of the migrants.",
                {"refugees": last["refugees"], "refugees_pct_of_migrants": last["refugees_pct_of_migrants"]},
                trend.sources))
    top = ov.sections.get("top_corridors")
    corridor = _row(top) if top is not None else None
    if corridor:
        facts.append(Fact(
            "corridor",
            f"The largest corridor was {with_article(corridor['origin'])} to "
            f"{with_article(corridor['destination'])}, with {format_count(corridor['migrants'])} migrants in "
            f"{corridor['year']}.",
            {k: corridor[k] for k in ("origin", "destination", "migrants", "year")},
            top.sources if top else ()))
    rem = ov.sections.get("remittances_trend")
    if rem is not None:
        latest = next((r for r in reversed(list(rem)) if r["received_usd"] is not None and r["complete"]),
                      None)
        if latest:
            pct = latest["received_pct_gdp"]
            text = (f"In {latest['year']} {where} received "
                    f"{format_usd(latest['received_usd'])} in remittances"
                    + (f", {format_pct(pct)} of its GDP." if pct is not None else "."))
            facts.append(Fact("remittances", text, {"year": latest["year"],
                                                    "received_usd": latest["received_usd"],
                                                    "received_pct_gdp": pct}, rem.sources))
    crisis = ov.sections.get("crisis")
    shock = _row(crisis) if crisis is not None else None
    if shock and shock["yoy_pct"] is not None and shock["deviation_pct"] is not None:
        y0, y1 = shock["year"] - 1, shock["year"]
        inside = shock["lower"] is not None and shock["lower"] <= shock["actual"] <= shock["upper"]
        gap = (f"{format_pct(abs(shock['deviation_pct']))} "
               f"{'below' if shock['deviation_pct'] < 0 else 'above'} their pre-crisis trend, "
               f"{'within' if inside else 'outside'} its {DEFAULT_LEVEL:.0%} prediction "
               "interval")
        if shock["yoy_pct"] >= 0:
            text = (f"In the {y1} crisis, remittances received did not fall: they rose "
                    f"{format_pct(shock['yoy_pct'])} from {y0}, and stood {gap}.")
        else:
            back = (f"they were back at the {y0} level in {shock['recovery_year']}" if shock["recovery_year"]
                    else "they had not recovered by the end of the data")
            text = (f"In the {y1} crisis, remittances received fell "
                    f"{format_pct(abs(shock['yoy_pct']))} from {y0}, and stood {gap}; {back}.")
        facts.append(Fact("crisis", text, {k: shock[k] for k in ("year", "yoy_pct", "deviation_pct",
                                                                 "recovery_year")},
                          crisis.sources if crisis else ()))
    return facts

