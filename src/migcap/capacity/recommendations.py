"""Recommendations to the state, civil society, international organizations (and the private sector).

One recommendation per gap or weakness of the review and per actor: the text is the actor's
role for that item in the inventory; the rationale names the gap (level against target), the
profile facts that make the item relevant, the data figures the item's indicators point to,
and whether evidence was recorded. Where the practice file documents an example elsewhere, it is
attached with its reference (only real, checkable practice is in that file; see
``migcap/data/capacity/practice.yaml``).

Order: priority weight (relevance weight × levels short of target), then relevance, then the
inventory order; ``rank`` numbers the recommendations of each actor from 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from migcap.errors import MigcapError
from migcap.table import Table

from .inventory import DEFAULT_INVENTORY, Inventory, PracticeExample, practice_examples
from .reviewing import ItemResult, Review, review
from .vocab import ACTOR_LABELS, ACTORS, level_label

if TYPE_CHECKING:
    import duckdb

__all__ = ["ACTOR_NAMES", "Recommendation", "Recommendations", "parse_actor", "recommend",
           "recommendations_for"]

#: Actor names as typed on the command line → internal code.
ACTOR_NAMES = {"state": "state", "civil-society": "civil_society", "international": "international",
               "private-sector": "private_sector"}


def parse_actor(name: str) -> str:
    """``civil-society`` → ``civil_society`` (accepts both spellings)."""
    key = name.strip().lower().replace("_", "-")
    if key in ("international-organizations", "io", "ios"):
        key = "international"
    if key not in ACTOR_NAMES:
        raise MigcapError(f"unknown actor {name!r}", hint=f"use one of {', '.join(ACTOR_NAMES)}")
    return ACTOR_NAMES[key]


@dataclass(frozen=True)
class Recommendation:
    """One recommendation to one actor."""

    actor: str
    rank: int
    priority: str
    weight: int
    item: str
    area: str
    title: str
    text: str
    rationale: str
    examples: tuple[PracticeExample, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"actor": self.actor.replace("_", "-"), "rank": self.rank, "priority": self.priority,
                "weight": self.weight, "item": self.item, "area": self.area, "title": self.title,
                "text": self.text, "rationale": self.rationale,
                "examples": [{"id": e.id, "title": e.title, "where": e.where, "since": e.since,
                              "reference": e.reference, "url": e.url} for e in self.examples]}


@dataclass(frozen=True)
class Recommendations:
    """The recommendations drawn from one review."""

    review: Review
    items: tuple[Recommendation, ...]

    def for_actor(self, actor: str) -> list[Recommendation]:
        return [r for r in self.items if r.actor == actor]

    def to_dict(self) -> dict[str, Any]:
        a = self.review.assessment
        return {"state": {"iso3": a.iso3, "name": a.state_name, "hypothetical": a.hypothetical},
                "assessment": {"id": a.uid, "label": a.label},
                "profile": sorted(self.review.profile.tags),
                "recommendations": [r.to_dict() for r in self.items]}

    def to_table(self) -> Table:
        a = self.review.assessment
        rows = tuple((r.actor.replace("_", "-"), r.rank, r.priority, r.item, r.title, r.text)
                     for r in self.items)
        return Table(("actor", "rank", "priority", "item", "title", "text"), rows,
                     title=f"Recommendations: {a.title}")

    def to_markdown(self) -> str:
        a = self.review.assessment
        lines = [f"# Recommendations: {a.title}", ""]
        if a.hypothetical:
            lines += ["> **HYPOTHETICAL state.** Illustrative recommendations for an invented assessment.",
                      ""]
        lines += [f"Drawn from the review of '{a.label}' against the profile "
                  f"{', '.join(sorted(self.review.profile.tags)) or '(no tag)'}; ordered by priority "
                  "(relevance for the profile × levels short of the target).", ""]
        actors = [x for x in ACTORS if self.for_actor(x)]
        if not actors:
            lines.append("No gaps or weaknesses: nothing to recommend on the answered items.")
        for actor in actors:
            lines += [f"## To {ACTOR_LABELS[actor]}", ""]
            for r in self.for_actor(actor):
                lines.append(f"{r.rank}. **[{r.priority}] {r.item} {r.title}.** {r.text}")
                lines.append(f"   *Why:* {r.rationale}")
                for e in r.examples:
                    lines.append(f"   *Practice elsewhere:* {e.citation()}")
            lines.append("")
        return "\n".join(lines)


def _rationale(g: ItemResult, review_: Review, inv: Inventory) -> str:
    prof = review_.profile
    parts = [f"{g.title} is assessed '{level_label(g.level)}', below the target '{level_label(g.target)}' "
             f"for this profile."]
    if g.drivers == ("all",):
        parts.append(f"The item is of {g.relevance} relevance for every state.")
    else:
        parts.append(f"Relevance is {g.relevance} because of the profile: "
                     + "; ".join(prof.reason(t) for t in g.drivers) + ".")
    shown = {f.key for t in g.drivers if t in prof.tags for f in prof.tags[t].figures}
    facts = [prof.figures[k].text() for k in inv.item(g.item).figure_keys()
             if k in prof.figures and k not in shown]
    if facts:
        parts.append("Data: " + "; ".join(facts) + ".")
    if not g.has_evidence:
        parts.append("No evidence was recorded for the current level.")
    return " ".join(parts)


def recommendations_for(review_: Review, actors: Iterable[str] | None = None) -> Recommendations:
    """The recommendations for the gaps of a review, for the given actors (default: state, civil
    society and international organizations)."""
    inv = review_.inventory
    wanted = list(actors) if actors is not None else ["state", "civil_society", "international"]
    for a in wanted:
        if a not in ACTORS:
            raise MigcapError(f"unknown actor {a!r}", hint=f"use one of {', '.join(ACTORS)}")
    with_practice = inv.id == DEFAULT_INVENTORY or inv.extends == DEFAULT_INVENTORY
    out: list[Recommendation] = []
    for actor in wanted:
        for rank, g in enumerate(review_.gaps, start=1):
            item = inv.item(g.item)
            text = getattr(item.actors, actor)
            examples = tuple(practice_examples(g.item)) if with_practice else ()
            out.append(Recommendation(actor, rank, g.priority or "low", g.priority_weight, g.item, g.area,
                                      g.title, text, _rationale(g, review_, inv), examples))
    return Recommendations(review_, tuple(out))


def recommend(ref: str, *, actor: str | None = None,
              con: duckdb.DuckDBPyConnection | None = None) -> Recommendations:
    """Recommendations from the review of a state's latest assessment (or one by id).

    Parameters
    ----------
    actor
        ``state``, ``civil-society``, ``international`` or ``private-sector``; default the first three.
    """
    actors = [parse_actor(actor)] if actor else None
    return recommendations_for(review(ref, con=con, peers=False), actors)
