"""Assessments: create, read, change (with optimistic versions) and the history of every change.

An *assessment* is one round of a state's self-assessment against an inventory (a state may
have several, e.g. one per year). Each item's answer is an *entry* with a ``version``: an edit
names the version it was based on (``expected_version``; 0 for an item never answered) and is
refused with :class:`~migcap.errors.ConflictError` if someone else changed the entry
in between. The check happens inside the database's UPDATE (``... WHERE version = :expected``),
so it holds for concurrent processes too. Every change is kept in the history: who, when,
which item, which field, old and new value.

Examples
--------
>>> a = create_assessment("KEN", by="analyst")                        # doctest: +SKIP
>>> e = set_item(a.uid, "CORE-01", level="partial", evidence="Census 2019 has birthplace",
...              by="analyst", expected_version=0)                    # doctest: +SKIP
>>> e.version                                                         # doctest: +SKIP
1
"""

from __future__ import annotations

import getpass
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from migcap import db
from migcap.capacity import models
from migcap.errors import ConflictError, InputError, MigcapError, UnknownAreaError
from migcap.table import Table

from .inventory import DEFAULT_INVENTORY, Inventory, load_inventory
from .values import clean_text, entry_value, unfit_text
from .values import lines as _lines
from .vocab import FIGURES, NOT_APPLICABLE, PROFILE_TAGS, level_label

__all__ = [
    "FIELDS",
    "Assessment",
    "Change",
    "Entry",
    "EntryUpdate",
    "ReadOnlyError",
    "apply_updates",
    "clean_text",
    "create_assessment",
    "current_user",
    "empty_entry",
    "entry_rule_problem",
    "find_assessments",
    "get_assessment",
    "history",
    "history_table",
    "is_conflict",
    "resolve_state",
    "set_item",
    "unfit_text",
    "values_by_version",
]

#: The fields of an entry that a person fills in.
FIELDS = ("level", "evidence", "notes", "assessor", "assessed_on")
#: The longest text a field may hold (characters).


class ReadOnlyError(MigcapError):
    """The assessment was published: it can no longer be changed (start a new round instead)."""
_HYPOTHETICAL_CODE = re.compile(r"^X[A-Z]{2}$")


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


def current_user() -> str:
    """Who is making changes: the login name (override with ``by=``)."""
    try:
        return getpass.getuser()
    except Exception:  # no login name (containers)
        return "unknown"


@dataclass(frozen=True)
class Entry:
    """The current answer for one item."""

    item_id: str
    level: str | None
    evidence: str
    notes: str
    assessor: str
    assessed_on: date | None
    version: int
    updated_at: datetime | None
    updated_by: str

    @property
    def answered(self) -> bool:
        return self.level is not None

    def values(self) -> dict[str, Any]:
        """The fields a person fills in, to compare with a change (line breaks as ``\\n``, as stored since
        texts are cleaned by :func:`clean_text`; older entries may hold ``\\r\\n``)."""
        return {"level": self.level, "evidence": _lines(self.evidence), "notes": _lines(self.notes),
                "assessor": _lines(self.assessor), "assessed_on": self.assessed_on}

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item_id, "level": self.level, "evidence": self.evidence, "notes": self.notes,
                "assessor": self.assessor,
                "date": self.assessed_on.isoformat() if self.assessed_on else None, "version": self.version}


def empty_entry(item_id: str) -> Entry:
    """The entry of an item nobody has answered (version 0)."""
    return Entry(item_id, None, "", "", "", None, 0, None, "")


@dataclass(frozen=True)
class Assessment:
    """One assessment round of one state, with its current entries (frozen snapshot).

    ``entries`` holds only items that have been touched; :meth:`entry` returns an empty
    entry (version 0) for the others.
    """

    uid: str
    iso3: str
    state_name: str
    hypothetical: bool
    label: str
    inventory_id: str
    inventory_version: str
    declared_tags: tuple[str, ...]
    declared_figures: Mapping[str, Any]
    created_at: datetime
    created_by: str
    revision: int
    entries: Mapping[str, Entry] = field(default_factory=dict)

    def entry(self, item_id: str) -> Entry:
        return self.entries.get(item_id) or empty_entry(item_id)

    def inventory(self) -> Inventory:
        """The inventory this assessment was made against."""
        return load_inventory(self.inventory_id)

    @property
    def title(self) -> str:
        mark = " — HYPOTHETICAL state, illustrative only" if self.hypothetical else ""
        return f"{self.state_name} ({self.iso3}), {self.label}{mark}"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.uid, "iso3": self.iso3, "state": self.state_name,
                "hypothetical": self.hypothetical, "label": self.label,
                "inventory": {"id": self.inventory_id, "version": self.inventory_version},
                "declared_tags": list(self.declared_tags), "declared_figures": dict(self.declared_figures),
                "created": self.created_at.isoformat(), "created_by": self.created_by,
                "revision": self.revision,
                "entries": [e.to_dict() for e in self.entries.values()]}


@dataclass(frozen=True)
class Change:
    """One changed field, as kept in the history."""

    changed_at: datetime
    changed_by: str
    assessment: str
    label: str
    item_id: str | None
    action: str
    field: str | None
    old: Any
    new: Any
    version: int | None
    source: str


@dataclass(frozen=True)
class EntryUpdate:
    """A change to one entry, as read from a file or a form.

    ``base_version`` is the entry version the values were based on (``None`` if unknown);
    fields left at ``KEEP`` are not changed.
    """

    item_id: str
    level: Any = KEEP
    evidence: Any = KEEP
    notes: Any = KEEP
    assessor: Any = KEEP
    assessed_on: Any = KEEP
    base_version: int | None = None

    def given(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in FIELDS if getattr(self, f) is not KEEP}


# ------------------------------------------------------------------------------------- reading


def _to_entry(row: models.EntryRow) -> Entry:
    return Entry(row.item_id, row.level, row.evidence, row.notes, row.assessor, row.assessed_on, row.version,
                 row.updated_at, row.updated_by)


def _to_assessment(row: models.AssessmentRow, entries: Iterable[models.EntryRow]) -> Assessment:
    return Assessment(row.uid, row.iso3, row.state_name, row.hypothetical, row.label, row.inventory_id,
                      row.inventory_version, tuple(row.declared_tags or ()), dict(row.declared_figures or {}),
                      row.created_at, row.created_by, row.revision,
                      {e.item_id: _to_entry(e) for e in sorted(entries, key=lambda e: e.item_id)})


def _load(session: Session, row: models.AssessmentRow) -> Assessment:
    entries = session.scalars(select(models.EntryRow).where(models.EntryRow.assessment_id == row.id)).all()
    return _to_assessment(row, entries)


def find_assessments(iso3: str | None = None) -> list[Assessment]:
    """All assessments (of one state), oldest first, with their entries."""
    with db.session_scope() as s:
        q = select(models.AssessmentRow).order_by(models.AssessmentRow.created_at, models.AssessmentRow.id)
        if iso3:
            q = q.where(models.AssessmentRow.iso3 == iso3.upper())
        return [_load(s, r) for r in s.scalars(q).all()]


def resolve_state(text: str) -> tuple[str, str, bool]:
    """``(iso3, name, hypothetical)`` for a country name/code, or for a hypothetical state in the database.

    Raises
    ------
    UnknownAreaError
        If the text is neither a country nor an assessed hypothetical state.
    """
    code = text.strip().upper()
    if _HYPOTHETICAL_CODE.match(code):
        with db.session_scope() as s:
            row = s.scalars(select(models.AssessmentRow).where(models.AssessmentRow.iso3 == code,
                                                           models.AssessmentRow.hypothetical.is_(True)).limit(1)).first()
            if row is not None:
                return row.iso3, row.state_name, True
    from migcap.geo.countries import country

    try:
        c = country(text)
    except UnknownAreaError:
        if _HYPOTHETICAL_CODE.match(code):
            raise UnknownAreaError(
                f"no hypothetical state {code} in the assessments database",
                hint=("`migcap assess example` loads the example state; "
                      "`migcap assess new` creates one")) from None
        raise
    return c.iso3, c.name, False


def get_assessment(ref: str, *, which: str = "latest") -> Assessment:
    """An assessment by id, or a state's latest (``which="latest"``) or the one before it (``"previous"``).

    Raises
    ------
    MigcapError
        If there is none (the message says how to create one).
    """
    text = ref.strip()
    with db.session_scope() as s:
        row = s.scalars(select(models.AssessmentRow).where(models.AssessmentRow.uid == text)).first()
        if row is not None:
            return _load(s, row)
    iso3, name, _ = resolve_state(text)
    rounds = find_assessments(iso3)
    if not rounds:
        raise MigcapError(f"no assessment of {name} ({iso3}) in the database",
                          hint=f"create one with 'migcap assess new {iso3}' or import a file")
    if which == "latest":
        return rounds[-1]
    if which == "previous":
        if len(rounds) < 2:
            raise MigcapError(f"{name} ({iso3}) has only one assessment; --previous needs two",
                              hint="create the next round with 'migcap assess new'")
        return rounds[-2]
    raise ValueError(f"which must be 'latest' or 'previous', not {which!r}")


# ------------------------------------------------------------------------------------- writing


def _clean_tags(tags: Iterable[str]) -> list[str]:
    out = []
    for t in tags:
        t = t.strip().lower().replace("-", "_")
        if t not in PROFILE_TAGS or t == "all":
            raise InputError(f"unknown profile tag {t!r}",
                             hint=f"use one of {', '.join(k for k in PROFILE_TAGS if k != 'all')}")
        if t not in out:
            out.append(t)
    return out


def _clean_figures(figures: Mapping[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in (figures or {}).items():
        if key not in FIGURES:
            raise InputError(f"unknown profile figure {key!r}", hint=f"use one of {', '.join(FIGURES)}")
        if isinstance(value, Mapping):
            v = value.get("value")
            year = value.get("year")
            source = str(value.get("source") or "declared in the assessment")
        else:
            v, year, source = value, None, "declared in the assessment"
        if v is not None and not isinstance(v, int | float):
            raise InputError(f"profile figure {key!r} must be a number", value=v)
        out[key] = {"value": None if v is None else float(v), "year": year, "source": source}
    return out


def create_assessment(state: str, *, by: str | None = None, label: str | None = None,
                      inventory: str | None = None, tags: Iterable[str] = (),
                      figures: Mapping[str, Any] | None = None, hypothetical: bool = False,
                      name: str | None = None, uid: str | None = None, created_at: datetime | None = None,
                      source: str = "api", session: Session | None = None) -> Assessment:
    """Start a new assessment round for a state.

    Parameters
    ----------
    state
        Country name or code; for a *hypothetical* state, a code ``XAA``–``XZZ`` that is not a
        country, with ``hypothetical=True`` and a ``name``.
    by
        Who creates it (default: the login name).
    label
        E.g. ``"2025 self-assessment"`` (default: ``"assessment of <date>"``).
    inventory
        Inventory id or file (default ``migcap-wmr2010``).
    tags
        Profile tags the team declares (e.g. ``transit``, which data cannot show).
    figures
        Profile figures declared by the team, overriding the data (figure key → number or
        ``{"value", "year", "source"}``).
    """
    inv = load_inventory(inventory or DEFAULT_INVENTORY)
    if hypothetical:
        code = state.strip().upper()
        if not _HYPOTHETICAL_CODE.match(code):
            raise InputError("a hypothetical state needs a code XAA–XZZ", value=state)
        from migcap.geo.countries import country_table

        if country_table().lookup(code) is not None:
            raise InputError(f"{code} is a real country or area code; "
                             "choose another for a hypothetical state")
        iso3, state_name = code, (name or f"Hypothetical state {code}")
    else:
        from migcap.geo.countries import country

        c = country(state)
        iso3, state_name = c.iso3, name or c.name
    when = created_at or db.now()
    who = by or current_user()
    row = models.AssessmentRow(uid=uid or str(uuid.uuid4()), iso3=iso3, state_name=state_name,
                               hypothetical=hypothetical,
                               label=label or f"assessment of {when.date().isoformat()}", inventory_id=inv.id,
                               inventory_version=inv.version, declared_tags=_clean_tags(tags),
                               declared_figures=_clean_figures(figures), created_at=when, created_by=who,
                               revision=0)

    def _do(s: Session) -> Assessment:
        s.add(row)
        try:
            s.flush()
        except IntegrityError:
            raise MigcapError(f"an assessment with id {row.uid} already exists") from None
        s.add(models.ChangeRow(assessment_id=row.id, item_id=None, action="create", field=None, old=None,
                           new={"label": row.label, "inventory": f"{inv.id} {inv.version}",
                                "tags": row.declared_tags},
                           version=None, changed_at=db.now(), changed_by=who, source=source))
        return _to_assessment(row, [])

    if session is not None:
        return _do(session)
    with db.session_scope(write=True) as s:
        return _do(s)


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _apply_one(s: Session, arow: models.AssessmentRow, upd: EntryUpdate, *, by: str, source: str,
               force: bool = False) -> tuple[Entry | None, bool]:
    """Apply one update inside a transaction; ``(new entry or None if unchanged, changed)``.

    Raises ConflictError when the entry's version is not ``upd.base_version`` (unless ``force``).
    """
    current = s.scalars(select(models.EntryRow).where(models.EntryRow.assessment_id == arow.id,
                                                  models.EntryRow.item_id == upd.item_id)).first()
    cur_version = current.version if current else 0
    old = _to_entry(current).values() if current else empty_entry(upd.item_id).values()
    new = dict(old)
    new.update({k: entry_value(k, v) for k, v in upd.given().items()})
    changed = [f for f in FIELDS if new[f] != old[f]]
    if not changed:
        return None, False
    rule = entry_rule_problem(new)
    if rule:
        raise InputError(f"item {upd.item_id}: {rule}")
    if not force and is_conflict(upd.base_version, cur_version):
        who = f"{current.updated_by} at {current.updated_at:%Y-%m-%d %H:%M} UTC" if current else "someone"
        base = "an unknown version" if upd.base_version is None else f"version {upd.base_version}"
        raise ConflictError(
            f"item {upd.item_id} was changed by {who} (now version {cur_version}); your change was based on "
            f"{base} and was not saved", item=upd.item_id, expected=upd.base_version, current=cur_version,
            hint="reload the assessment (or export it again), re-apply your change and save")
    stamp = db.now()
    if current is None:
        try:
            with s.begin_nested():
                s.execute(insert(models.EntryRow).values(
                    assessment_id=arow.id, item_id=upd.item_id, version=1, updated_at=stamp, updated_by=by,
                    **{k: (v if v is not None or k in ("level", "assessed_on") else "")
                       for k, v in new.items()}))
        except IntegrityError:
            raise ConflictError(f"item {upd.item_id} was answered by someone else at the same time; "
                                "your change was not saved",
                                item=upd.item_id, expected=upd.base_version, current=1,
                                hint="reload the assessment and re-apply your change") from None
        version = 1
    else:
        # The guard is in the UPDATE itself: it matches only if the row still has the version the
        # edit was based on, whatever happened between the read above and this write.
        expected = upd.base_version if upd.base_version is not None and not force else cur_version
        result = s.execute(update(models.EntryRow)
                           .where(models.EntryRow.id == current.id, models.EntryRow.version == expected)
                           .values(version=expected + 1, updated_at=stamp, updated_by=by,
                                   **{f: new[f] for f in changed}))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConflictError(f"item {upd.item_id} was changed by someone else while saving; "
                                "your change was not saved",
                                item=upd.item_id, expected=expected, current=expected + 1,
                                hint="reload the assessment and re-apply your change")
        version = expected + 1
    for f in changed:
        s.add(models.ChangeRow(assessment_id=arow.id, item_id=upd.item_id, action="set", field=f,
                               old=_json(old[f]), new=_json(new[f]), version=version, changed_at=stamp,
                               changed_by=by, source=source))
    s.execute(update(models.AssessmentRow).where(models.AssessmentRow.id == arow.id)
              .values(revision=models.AssessmentRow.revision + 1))
    s.expire_all()
    row = s.scalars(select(models.EntryRow).where(models.EntryRow.assessment_id == arow.id,
                                              models.EntryRow.item_id == upd.item_id)).one()
    return _to_entry(row), True


def is_conflict(base_version: int | None, current_version: int) -> bool:
    """Whether a change based on ``base_version`` would overwrite someone else's change.

    An unknown base (``None``) conflicts unless the entry was never answered.
    """
    if base_version is None:
        return current_version != 0
    return base_version != current_version


def _assessment_row(s: Session, uid: str, *, write: bool = False) -> models.AssessmentRow:
    row = s.scalars(select(models.AssessmentRow).where(models.AssessmentRow.uid == uid)).first()
    if row is None:
        raise MigcapError(f"no assessment with id {uid}")
    if write:
        # Lock the assessment's ownership row for the transaction (PostgreSQL; SQLite's writers are
        # serialised already), so that a change and a publication never cross: after publishing, no
        # change is saved.
        owner = s.scalars(select(models.OwnerRow).where(models.OwnerRow.assessment_id == row.id)
                          .with_for_update()).first()
        if owner is not None and owner.status == "published":
            when = f" on {owner.published_at:%Y-%m-%d}" if owner.published_at else ""
            raise ReadOnlyError(f"the assessment '{row.label}' was published{when} and is read-only",
                                hint="start a new round to record changes")
    return row


def _check_item(inv: Inventory, item_id: str) -> str:
    return inv.item(item_id).id


def set_item(assessment: str, item_id: str, *, expected_version: int, by: str | None = None,
             level: Any = KEEP, evidence: Any = KEEP, notes: Any = KEEP, assessor: Any = KEEP,
             assessed_on: Any = KEEP, source: str = "api") -> Entry:
    """Change one entry of an assessment.

    Parameters
    ----------
    assessment
        The assessment id.
    item_id
        The inventory item.
    expected_version
        The entry version the change is based on: ``Entry.version`` as read (0 if the item
        was never answered). If the entry changed since, nothing is saved.
    level, evidence, notes, assessor, assessed_on
        New values; those not given stay as they are.

    Returns
    -------
    Entry
        The entry after the change (its version is one higher), or as it was if nothing changed.

    Raises
    ------
    ConflictError
        If someone else changed the entry since ``expected_version``.
    """
    who = by or current_user()
    with db.session_scope(write=True) as s:
        arow = _assessment_row(s, assessment, write=True)
        iid = _check_item(load_inventory(arow.inventory_id), item_id)
        upd = EntryUpdate(iid, level, evidence, notes, assessor, assessed_on, base_version=expected_version)
        entry, _ = _apply_one(s, arow, upd, by=who, source=source)
        if entry is None:
            cur = s.scalars(select(models.EntryRow).where(models.EntryRow.assessment_id == arow.id,
                                                      models.EntryRow.item_id == iid)).first()
            return _to_entry(cur) if cur else empty_entry(iid)
        return entry


def entry_rule_problem(values: Mapping[str, Any]) -> str | None:
    """The rule an entry's values break, if any: 'not applicable' needs a reason in the notes,
    'good practice' needs evidence."""
    if values.get("level") == NOT_APPLICABLE and not values.get("notes"):
        return "'not applicable' needs a reason in the notes"
    if values.get("level") == "good_practice" and not values.get("evidence"):
        return "'good practice' needs evidence"
    return None


def apply_updates(assessment: str, updates: Sequence[EntryUpdate], *, by: str, source: str,
                  force: bool = False, session: Session | None = None) -> tuple[int, int]:
    """Apply many entry updates in one transaction: all of them or none.

    Returns ``(changed, unchanged)``. Raises :class:`ConflictError` (and saves nothing) if any
    entry changed since its ``base_version``, unless ``force`` (then the history records the
    overwrite as such).
    """

    def _do(s: Session) -> tuple[int, int]:
        arow = _assessment_row(s, assessment, write=True)
        changed = unchanged = 0
        for upd in updates:
            _entry, did = _apply_one(s, arow, upd, by=by, source=source + (" (overwrite)" if force else ""),
                                    force=force)
            changed += did
            unchanged += not did
        return changed, unchanged

    if session is not None:
        return _do(session)
    with db.session_scope(write=True) as s:
        return _do(s)


# ------------------------------------------------------------------------------------- history


def history(ref: str, *, all_rounds: bool = True) -> list[Change]:
    """Every change of a state's assessments (or of one assessment, by id), oldest first."""
    with db.session_scope() as s:
        found = s.scalars(select(models.AssessmentRow.id)
                          .where(models.AssessmentRow.uid == ref.strip())).first()
    iso3 = name = None
    if found is None:
        iso3, name, _ = resolve_state(ref)
    with db.session_scope() as s:
        if found is not None:
            arows = list(s.scalars(select(models.AssessmentRow)
                                   .where(models.AssessmentRow.id == found)).all())
        else:
            arows = list(s.scalars(select(models.AssessmentRow).where(models.AssessmentRow.iso3 == iso3)
                                   .order_by(models.AssessmentRow.created_at)).all())
            if not arows:
                raise MigcapError(f"no assessment of {name} ({iso3}) in the database")
            if not all_rounds:
                arows = arows[-1:]
        by_id = {a.id: a for a in arows}
        rows = s.scalars(select(models.ChangeRow).where(models.ChangeRow.assessment_id.in_(list(by_id)))
                         .order_by(models.ChangeRow.changed_at, models.ChangeRow.id)).all()
        return [Change(r.changed_at, r.changed_by, by_id[r.assessment_id].uid, by_id[r.assessment_id].label,
                       r.item_id, r.action, r.field, r.old, r.new, r.version, r.source) for r in rows]


def values_by_version(uid: str) -> dict[tuple[str, int], dict[str, Any]]:
    """The values of every entry at every version, rebuilt from the history: ``(item, version) → values``.

    Version 0 of any item is the empty entry. Used by imports to tell rows that an official edited
    from rows that only show an old state of the entry.
    """
    with db.session_scope() as s:
        arow = _assessment_row(s, uid)
        rows = s.scalars(select(models.ChangeRow).where(models.ChangeRow.assessment_id == arow.id,
                                                    models.ChangeRow.item_id.is_not(None),
                                                    models.ChangeRow.version.is_not(None))
                         .order_by(models.ChangeRow.id)).all()
        state: dict[str, dict[str, Any]] = {}
        out: dict[tuple[str, int], dict[str, Any]] = {}
        for r in rows:
            assert r.item_id is not None and r.version is not None and r.field is not None
            cur = state.setdefault(r.item_id, empty_entry(r.item_id).values())
            value = _lines(r.new)
            if r.field == "assessed_on" and isinstance(value, str):
                value = date.fromisoformat(value)
            cur[r.field] = value
            out[(r.item_id, r.version)] = dict(cur)
        return out


def _show(field_name: str | None, value: Any) -> Any:
    if field_name == "level":
        return level_label(value) if value else ""
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return value


def history_table(ref: str) -> Table:
    """The history as a table: when, who, assessment, item, field, old, new, version, source."""
    changes = history(ref)
    rows = tuple((c.changed_at.strftime("%Y-%m-%d %H:%M:%S"), c.changed_by, c.label, c.item_id or "",
                  c.action, c.field or "", _show(c.field, c.old), _show(c.field, c.new), c.version,
                  c.source)
                 for c in changes)
    return Table(("when_utc", "who", "assessment", "item", "action", "field", "old", "new", "version",
                  "source"),
                 rows, title=f"History of the assessments of {ref.upper()}")

