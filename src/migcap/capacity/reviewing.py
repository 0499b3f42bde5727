"""The review: scores, coverage and confidence, gaps and weaknesses, strengths, comparisons.

Scoring formula
---------------
Each item *i* gets a weight from its relevance for the state's profile:
``w_i`` = 1 (low), 2 (medium) or 3 (high), the highest relevance that any of the state's
profile tags (or ``all``) gives the item. Levels count ``L_i`` = 0 absent, 1 planned,
2 partial, 3 established, 4 good practice. Over the items *answered* and *applicable* (not
"not applicable") of an area::

    score = 100 * sum(w_i * L_i) / (4 * sum(w_i))

The overall score is the same formula over all items of all areas (not a mean of area scores).
A score is ``None`` when nothing was answered.

* coverage = items answered (including "not applicable") / items in the area;
* evidence share = answered applicable items with evidence / answered applicable items;
* confidence = ``high`` if coverage >= 0.9 and evidence share >= 0.8, ``medium`` if
  coverage >= 0.6 and evidence share >= 0.5, else ``low``.

Gaps and weaknesses
-------------------
The target level depends on relevance: high → established, medium → partial, low → planned.
An answered applicable item below its target is a *gap* (level absent or planned) or a
*weakness* (partial or established but below target). Its priority weight is
``w_i * (target value - level value)``; priority is ``high`` for a weight >= 6, ``medium`` for
>= 3, else ``low``. Unanswered items are not gaps; those of high relevance are listed apart.

Strengths: answered items at or above their target at level established or good practice
(good practice first).

Comparisons
-----------
Over time: the state's latest assessment against its previous one (scores, and each item that
improved, regressed, or was newly answered). With a peer: both states' scores, each under its
own profile's weights (a score says how well a state meets the needs of its own profile), and
the items where the peer is established or better while the state is below its target.
Peers found automatically: other states with a published assessment that are in the same WMR 2010
region, or whose profile tags overlap by at least half (Jaccard >= 0.5). Hypothetical states are
only ever compared with hypothetical states.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from migcap.table import Table

from .assessments import Assessment, get_assessment
from .inventory import Inventory, load_inventory
from .profile import Profile, migration_profile
from .vocab import LEVEL_VALUE, NOT_APPLICABLE, RELEVANCE_WEIGHT, level_label, target_level

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "AreaScore",
    "Comparison",
    "ItemResult",
    "Review",
    "compare",
    "find_peers",
    "profile_of",
    "review",
    "review_assessment",
]

HIGH_PRIORITY = 6
MEDIUM_PRIORITY = 3
FORMULA = ("score = 100 × Σ(w·L) / (4 × Σw) over answered applicable items; w = 1/2/3 for low/medium/high "
           "relevance for the profile; L = 0 absent … 4 good practice")


def _priority(weight: int) -> str:
    return "high" if weight >= HIGH_PRIORITY else "medium" if weight >= MEDIUM_PRIORITY else "low"


def _confidence(coverage: float, evidence_share: float | None) -> str:
    ev = evidence_share or 0.0
    if coverage >= 0.9 and ev >= 0.8:
        return "high"
    if coverage >= 0.6 and ev >= 0.5:
        return "medium"
    return "low"


@dataclass(frozen=True)
class ItemResult:
    """One item of the review."""

    item: str
    area: str
    title: str
    relevance: str
    weight: int
    drivers: tuple[str, ...]
    target: str
    level: str | None
    has_evidence: bool
    evidence: str
    shortfall: int
    priority_weight: int
    priority: str | None
    kind: str | None  # gap | weakness | None
    reasons: tuple[str, ...]

    @property
    def answered(self) -> bool:
        return self.level is not None

    @property
    def applicable(self) -> bool:
        return self.level != NOT_APPLICABLE

    @property
    def value(self) -> int | None:
        return LEVEL_VALUE.get(self.level) if self.level else None

    def gap_dict(self) -> dict[str, Any]:
        return {"item": self.item, "area": self.area, "title": self.title, "level": level_label(self.level),
                "target": level_label(self.target), "relevance": self.relevance, "kind": self.kind,
                "priority": self.priority, "weight": self.priority_weight, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class AreaScore:
    """Score, coverage and confidence of an area (or, with id ``ALL``, of the whole assessment)."""

    id: str
    title: str
    score: float | None
    coverage: float
    evidence_share: float | None
    confidence: str
    items: int
    answered: int
    applicable: int
    with_evidence: int
    weight_sum: int
    weighted_levels: int

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "score": _r(self.score), "coverage": _r(self.coverage, 3),
                "evidence_share": _r(self.evidence_share, 3), "confidence": self.confidence,
                "items": self.items, "answered": self.answered, "applicable": self.applicable,
                "with_evidence": self.with_evidence}


def _r(x: float | None, nd: int = 2) -> float | None:
    return None if x is None else round(x, nd)


def _score(area_id: str, title: str, results: Sequence[ItemResult]) -> AreaScore:
    answered = [r for r in results if r.answered]
    applicable = [r for r in answered if r.applicable]
    with_ev = [r for r in applicable if r.has_evidence]
    wsum = sum(r.weight for r in applicable)
    wl = sum(r.weight * (r.value or 0) for r in applicable)
    score = 100 * wl / (4 * wsum) if wsum else None
    coverage = len(answered) / len(results) if results else 0.0
    ev_share = len(with_ev) / len(applicable) if applicable else None
    return AreaScore(area_id, title, score, coverage, ev_share, _confidence(coverage, ev_share), len(results),
                     len(answered), len(applicable), len(with_ev), wsum, wl)


@dataclass(frozen=True)
class ItemChange:
    item: str
    title: str
    before: str | None
    after: str | None
    change: str  # improved | regressed | newly answered | no longer answered

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item, "title": self.title, "before": level_label(self.before),
                "after": level_label(self.after), "change": self.change}


@dataclass(frozen=True)
class Comparison:
    """This review against another one: the state's previous assessment, or a peer's."""

    kind: str  # previous | peer
    other: str
    overall: tuple[float | None, float | None, float | None]  # this, other, difference
    areas: tuple[tuple[str, float | None, float | None, float | None], ...]
    changes: tuple[ItemChange, ...] = ()
    peer_strengths: tuple[tuple[str, str, str, str], ...] = ()  # item, title, peer level, own level

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "other": self.other,
            "overall": {"this": _r(self.overall[0]), "other": _r(self.overall[1]),
                        "difference": _r(self.overall[2])},
            "areas": [{"id": a, "this": _r(t), "other": _r(o), "difference": _r(d)}
                      for a, t, o, d in self.areas],
            "improved": [c.to_dict() for c in self.changes if c.change == "improved"],
            "regressed": [c.to_dict() for c in self.changes if c.change == "regressed"],
            "newly_answered": [c.to_dict() for c in self.changes if c.change == "newly answered"],
            "no_longer_answered": [c.to_dict() for c in self.changes if c.change == "no longer answered"],
            "peer_strengths": [{"item": i, "title": t, "peer_level": level_label(p), "level": level_label(o)}
                               for i, t, p, o in self.peer_strengths],
        }


@dataclass(frozen=True)
class Review:
    """The review of one assessment (frozen; ``to_dict``, ``tables``, ``to_markdown``)."""

    assessment: Assessment
    inventory: Inventory
    profile: Profile
    overall: AreaScore
    areas: tuple[AreaScore, ...]
    items: tuple[ItemResult, ...]
    comparison: Comparison | None = None
    peers: tuple[dict[str, Any], ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def gaps(self) -> list[ItemResult]:
        """Gaps and weaknesses, highest priority first (then relevance, then inventory order)."""
        order = {iid: i for i, iid in enumerate(self.inventory.item_ids)}
        found = [r for r in self.items if r.kind is not None]
        return sorted(found, key=lambda r: (-r.priority_weight, -r.weight, order[r.item]))

    @property
    def strengths(self) -> list[ItemResult]:
        order = {iid: i for i, iid in enumerate(self.inventory.item_ids)}
        found = [r for r in self.items if r.answered and r.applicable and r.value is not None
                 and r.value >= LEVEL_VALUE["established"] and r.value >= LEVEL_VALUE[r.target]]
        return sorted(found, key=lambda r: (-(r.value or 0), -r.weight, order[r.item]))

    @property
    def unanswered_high(self) -> list[ItemResult]:
        return [r for r in self.items if not r.answered and r.relevance == "high"]

    def drivers(self) -> dict[str, dict[str, Any]]:
        """Which profile tag (and the figures behind it) raised the relevance of which items."""
        out: dict[str, dict[str, Any]] = {}
        for r in self.items:
            for t in r.drivers:
                if t == "all":
                    continue
                d = out.setdefault(t, {"reason": self.profile.reason(t), "items": [], "gaps": []})
                d["items"].append(r.item)
                if r.kind is not None:
                    d["gaps"].append(r.item)
        return out

    def area(self, area_id: str) -> AreaScore:
        return next(a for a in self.areas if a.id == area_id)

    def item(self, item_id: str) -> ItemResult:
        return next(r for r in self.items if r.item == item_id)

    def to_dict(self) -> dict[str, Any]:
        a = self.assessment
        return {
            "state": {"iso3": a.iso3, "name": a.state_name, "hypothetical": a.hypothetical},
            "assessment": {"id": a.uid, "label": a.label, "created": a.created_at.isoformat(),
                           "revision": a.revision},
            "inventory": {"id": self.inventory.id, "version": self.inventory.version},
            "formula": FORMULA,
            "overall": self.overall.to_dict(),
            "areas": [s.to_dict() for s in self.areas],
            "gaps": [g.gap_dict() for g in self.gaps],
            "strengths": [{"item": r.item, "title": r.title, "level": level_label(r.level), "target":
                           level_label(r.target), "evidence": r.evidence} for r in self.strengths],
            "unanswered_high_relevance": [r.item for r in self.unanswered_high],
            "drivers": self.drivers(),
            "profile": self.profile.to_dict(),
            "data_editions": dict(self.profile.editions),
            "peers": list(self.peers),
            "comparison": self.comparison.to_dict() if self.comparison else None,
            "notes": list(self.notes),
        }

    def tables(self) -> list[Table]:
        """The review as tables for the terminal: areas, gaps, strengths, comparison."""
        a = self.assessment
        src = (f"migcap review of '{a.label}' ({a.uid}); "
               f"inventory {self.inventory.id} {self.inventory.version}",
               *self.profile.sources)
        rows = [(s.id, s.title, _r(s.score, 1), _r(100 * s.coverage, 0),
                 _r(100 * s.evidence_share, 0) if s.evidence_share is not None else None, s.confidence)
                for s in (*self.areas, self.overall)]
        profile_note = "profile: " + (", ".join(sorted(self.profile.tags)) or "no tag") + \
            ("; HYPOTHETICAL state, illustrative only" if a.hypothetical else "")
        editions_note = ("priorities from the data editions " + ", ".join(
            f"{d} {e}" for d, e in self.profile.editions.items())) if self.profile.editions else None
        out = [Table(("area", "title", "score", "coverage_pct", "evidence_pct", "confidence"), tuple(rows),
                     title=f"Capacity review: {a.title}", sources=src,
                     notes=(FORMULA, profile_note, *((editions_note,) if editions_note else ()),
                            *self.notes))]
        gaps = tuple((g.item, g.title, level_label(g.level), level_label(g.target), g.relevance, g.priority,
                      g.priority_weight, ", ".join(g.drivers) + ("" if g.has_evidence else "; no evidence"))
                     for g in self.gaps)
        out.append(Table(("item", "title", "level", "target", "relevance", "priority", "weight", "profile"),
                         gaps, title="Gaps and weaknesses (highest priority first)"))
        out.append(Table(("item", "title", "level", "evidence"),
                         tuple((r.item, r.title, level_label(r.level), r.evidence) for r in self.strengths),
                         title="Strengths and good practice"))
        if self.comparison:
            c = self.comparison
            out.append(Table(("area", "this", "other", "difference"),
                             tuple((i, _r(t, 1), _r(o, 1), _r(d, 1)) for i, t, o, d in
                                   (*c.areas, ("ALL", *c.overall))),
                             title=f"Compared with {c.other}"))
            if c.changes:
                out.append(Table(("item", "title", "before", "after", "change"),
                                 tuple((x.item, x.title, level_label(x.before), level_label(x.after),
                                        x.change)
                                       for x in c.changes), title="What changed"))
            if c.peer_strengths:
                out.append(Table(("item", "title", "peer level", "own level"),
                                 tuple((i, t, level_label(p), level_label(o))
                                       for i, t, p, o in c.peer_strengths),
                                 title="Where the peer is strong and this state is below target"))
        if self.peers:
            out.append(Table(("iso3", "state", "assessment", "overall", "coverage_pct", "why a peer"),
                             tuple((p["iso3"], p["name"], p["label"], p["overall"], p["coverage_pct"],
                                    p["basis"])
                                   for p in self.peers), title="Peers with an assessment"))
        return out

    def to_markdown(self) -> str:
        a = self.assessment
        lines = [f"# Capacity review: {a.title}", ""]
        if a.hypothetical:
            lines += ["> **HYPOTHETICAL state.** This is an illustrative assessment, not the assessment of "
                      "any real country.", ""]
        lines += [f"Overall score **{_fmt(self.overall.score)}** / 100; "
                  f"coverage {self.overall.coverage:.0%}, "
                  f"evidence for {_pct(self.overall.evidence_share)} of answers, confidence "
                  f"{self.overall.confidence}.", "", f"Formula: {FORMULA}.", "", "## Migration profile", ""]
        for r in self.profile.tags.values():
            lines.append(f"- {r.text()}")
        if not self.profile.tags:
            lines.append("- no profile tag applies: every item has its baseline relevance")
        lines += [""]
        for t in self.tables():
            lines.append(t.to_markdown())
        return "\n".join(lines)


def _fmt(x: float | None) -> str:
    return "–" if x is None else f"{x:.1f}"


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.0%}"


# ------------------------------------------------------------------------------------------ compute


def review_assessment(a: Assessment, inv: Inventory, profile: Profile) -> Review:
    """The review of an assessment for a profile (a pure function of its inputs)."""
    tags = profile.tag_set
    results: list[ItemResult] = []
    for it in inv.items:
        rel, drivers = it.relevance_for(tags)
        w = RELEVANCE_WEIGHT[rel]
        target = target_level(rel)
        e = a.entry(it.id)
        level = e.level
        shortfall = 0
        kind = priority = None
        reasons: list[str] = []
        if level is not None and level != NOT_APPLICABLE and LEVEL_VALUE[level] < LEVEL_VALUE[target]:
            shortfall = LEVEL_VALUE[target] - LEVEL_VALUE[level]
            kind = "gap" if LEVEL_VALUE[level] <= LEVEL_VALUE["planned"] else "weakness"
            priority = _priority(w * shortfall)
            reasons.append(f"level {level_label(level)} is below the target {level_label(target)}")
            if drivers == ("all",):
                reasons.append(f"relevance {rel} for every state")
            else:
                reasons.append(f"relevance {rel} for the profile ({', '.join(drivers)})")
                reasons += [profile.reason(t) for t in drivers]
            if not e.evidence:
                reasons.append("no evidence recorded")
        results.append(ItemResult(it.id, it.area, it.title, rel, w, drivers, target, level, bool(e.evidence),
                                  e.evidence, shortfall, w * shortfall, priority, kind, tuple(reasons)))
    areas = tuple(_score(ar.id, ar.title, [r for r in results if r.area == ar.id]) for ar in inv.areas)
    overall = _score("ALL", "All areas", results)
    notes: list[str] = []
    if overall.answered == 0:
        notes.append("nothing answered yet: export the workbook ('migcap assess export ISO3'), "
                     "fill it in and import it")
    if a.inventory_version != inv.version:
        notes.append(f"assessed with inventory version {a.inventory_version}; reviewed with {inv.version}")
    return Review(a, inv, profile, overall, areas, tuple(results), notes=tuple(notes))


def profile_of(a: Assessment, con: duckdb.DuckDBPyConnection | None = None) -> Profile:
    """The migration profile an assessment is reviewed against (data + what the team declared)."""
    return migration_profile(a.iso3, name=a.state_name, con=con, declared_tags=a.declared_tags,
                             declared_figures=a.declared_figures, hypothetical=a.hypothetical)


def compare(this: Review, other: Review, kind: str) -> Comparison:
    """Scores and item changes of ``this`` against ``other`` (``kind``: previous or peer)."""

    def diff(x: float | None, y: float | None) -> float | None:
        return None if x is None or y is None else x - y

    areas = tuple((s.id, s.score, o.score, diff(s.score, o.score))
                  for s in this.areas for o in other.areas if o.id == s.id)
    overall = (this.overall.score, other.overall.score, diff(this.overall.score, other.overall.score))
    changes: list[ItemChange] = []
    peer_strengths: list[tuple[str, str, str, str]] = []
    other_items = {r.item: r for r in other.items}
    for r in this.items:
        o = other_items.get(r.item)
        if o is None:
            continue
        if kind == "previous":
            if r.level == o.level:
                continue
            if o.level is None:
                change = "newly answered"
            elif r.level is None:
                change = "no longer answered"
            elif r.value is not None and o.value is not None:
                change = "improved" if r.value > o.value else "regressed"
            else:  # to or from not applicable
                change = "improved" if (r.value or 0) > (o.value or 0) else "regressed"
            changes.append(ItemChange(r.item, r.title, o.level, r.level, change))
        elif (o.value is not None and o.value >= LEVEL_VALUE["established"] and r.kind is not None):
            peer_strengths.append((r.item, r.title, o.level or "", r.level or ""))
    label = (f"{other.assessment.label} of {other.assessment.state_name}" if kind == "previous"
             else f"{other.assessment.state_name} ({other.assessment.iso3}), {other.assessment.label}")
    return Comparison(kind, label, overall, areas, tuple(changes), tuple(peer_strengths))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def find_peers(a: Assessment, profile: Profile, con: duckdb.DuckDBPyConnection | None = None, *,
               candidates: Sequence[Assessment] | None = None,
               profiles: Any = None) -> list[dict[str, Any]]:
    """Other states with a *published* assessment in the same WMR 2010 region or with a similar profile.

    ``candidates`` replaces the published assessments (default:
    :func:`~migcap.capacity.teamwork.published_latest`: a draft, or an assessment of no organisation,
    is never anyone's peer). ``profiles``, if given, computes a profile (e.g. from a cache).
    """
    from migcap.geo.schemes import load_scheme

    from .teamwork import published_latest

    scheme = load_scheme("wmr2010")
    region = None if a.hypothetical else scheme.region_of(a.iso3)
    latest: dict[str, Assessment] = {}
    for x in (published_latest() if candidates is None else candidates):
        if x.iso3 != a.iso3 and x.hypothetical == a.hypothetical:
            latest[x.iso3] = x  # oldest first, so the last one kept is the latest
    peers = []
    for iso3, other in sorted(latest.items()):
        p = profiles(other) if profiles is not None else profile_of(other, con)
        basis = []
        if region is not None and scheme.region_of(iso3) == region:
            basis.append(f"same WMR 2010 region ({scheme.regions[region]})")
        sim = _jaccard(profile.tag_set, p.tag_set)
        if sim >= 0.5:
            basis.append(f"similar profile ({', '.join(sorted(profile.tag_set & p.tag_set))})")
        if not basis:
            continue
        r = review_assessment(other, load_inventory(other.inventory_id), p)
        peers.append({"iso3": iso3, "name": other.state_name, "label": other.label,
                      "overall": _r(r.overall.score, 1),
                      "coverage_pct": _r(100 * r.overall.coverage, 0), "basis": "; ".join(basis)})
    return peers


def review(ref: str, *, compare_with: str | None = None, previous: bool = False,
           con: duckdb.DuckDBPyConnection | None = None, peers: bool = True) -> Review:
    """Review a state's latest assessment (or one by id).

    Parameters
    ----------
    ref
        Country name/code, hypothetical state code, or assessment id.
    compare_with
        Another state (or assessment id) to compare with.
    previous
        Compare with the state's previous assessment.
    peers
        List other assessed states of the same region or a similar profile.
    """
    from dataclasses import replace

    if compare_with and previous:
        from migcap.errors import MigcapError

        raise MigcapError("choose either --compare-with or --previous, not both")
    a = get_assessment(ref)
    own_con = con is None and not a.hypothetical
    if own_con:
        from migcap.store.warehouse import connect

        con = connect()
    try:
        profile = profile_of(a, con)
        result = review_assessment(a, load_inventory(a.inventory_id), profile)
        comparison = None
        if previous:
            prev = get_assessment(a.iso3, which="previous")
            comparison = compare(result, review_assessment(prev, load_inventory(prev.inventory_id), profile),
                                 "previous")
        elif compare_with:
            other = get_assessment(compare_with)
            comparison = compare(result, review_assessment(other, load_inventory(other.inventory_id),
                                                           profile_of(other, con)), "peer")
        found = tuple(find_peers(a, profile, con)) if peers else ()
        return replace(result, comparison=comparison, peers=found)
    finally:
        if own_con and con is not None:
            con.close()
