"""Assessments in and out of files: YAML, JSON and the Excel workbook officials fill in.

Import is all-or-nothing. The whole file is read and every value checked first (item ids,
levels, dates, versions, the rules of the scale); then every changed entry is checked against
the database for edits made since the file was exported. If there is any problem, nothing is
imported and :class:`~migcap.errors.ImportRejected` lists every bad row with its
sheet, row, column, value and what is allowed. Otherwise all changes are written in one
transaction, each one recorded in the history.

The YAML/JSON document (``format: migcap-assessment/1``)::

    format: migcap-assessment/1
    state: {iso3: KEN, name: Kenya, hypothetical: false}
    assessment: {id: <uuid>, label: 2025 self-assessment, created: 2025-01-10T09:00:00+00:00}
    inventory: {id: migcap-wmr2010, version: 1.0.0}
    profile: {tags: [transit], figures: {}}     # declared by the team (optional)
    entries:
      - item: CORE-01
        level: partial            # absent | planned | partial | established | good practice | not applicable
        evidence: Census 2019 asks country of birth
        notes: ''
        assessor: Ministry of Interior, statistics unit
        date: 2025-01-09
        version: 0                # as exported; do not edit

An entry without ``version`` can only answer an item nobody has answered yet. A key left out
keeps the stored value; an explicit empty value clears it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from migcap import db
from migcap.capacity.raw import RawDocument, RawRow
from migcap.errors import ConflictError, ImportRejected, InputError, MigcapError

from .assessments import (
    KEEP,
    Assessment,
    EntryUpdate,
    apply_updates,
    clean_text,
    create_assessment,
    current_user,
    empty_entry,
    entry_rule_problem,
    get_assessment,
    is_conflict,
    values_by_version,
)
from .inventory import Inventory, load_inventory
from .values import EARLIEST, check_date_range, parse_date
from .vocab import FIGURES, LEVEL_LABELS, PROFILE_TAGS, parse_level

__all__ = [
    "FORMAT",
    "ImportReport",
    "export_assessment",
    "export_bytes",
    "export_document",
    "import_file",
    "read_document",
]

FORMAT = "migcap-assessment/1"
ENTRY_KEYS = ("item", "title", "level", "evidence", "notes", "assessor", "date", "version")
#: Versions are whole numbers from 0 up to what the database's integer column holds.
MAX_VERSION = 2**31 - 1
LEVELS_ALLOWED = ", ".join(LEVEL_LABELS.values()) + " (or empty)"


@dataclass(frozen=True)
class ImportReport:
    """What an import did (or, with ``dry_run``, would do)."""

    file: str
    uid: str
    iso3: str
    state: str
    label: str
    created: bool
    changed: int
    unchanged: int
    dry_run: bool = False

    def text(self) -> str:
        verb = "would change" if self.dry_run else "changed"
        new = " (new assessment)" if self.created else ""
        return (f"{self.file}: {self.state} ({self.iso3}), {self.label}{new}: {verb} {self.changed} item(s), "
                f"{self.unchanged} unchanged; id {self.uid}")


# ------------------------------------------------------------------------------------------ reading


def read_document(path: Path, *, name: str | None = None) -> RawDocument:
    """Read a YAML, JSON or Excel assessment file without checking its values.

    ``name`` is how messages name the file (default: its path), e.g. the name of an upload.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", file=name or str(path))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from .workbook import read_workbook

        doc: RawDocument = read_workbook(path, name)
        return doc
    if suffix not in (".yaml", ".yml", ".json"):
        raise InputError("unknown file type", file=str(path), hint="use .xlsx, .yaml, .yml or .json")
    from .inventory import _read_yaml

    doc = _read_yaml(path, name)
    if not isinstance(doc, Mapping):
        raise InputError("an assessment file must be a mapping with format, state, inventory and entries",
                         file=name or str(path))
    raw = RawDocument(name or str(path), None, {k: v for k, v in doc.items() if k != "entries"}, [])
    entries = doc.get("entries")
    if not isinstance(entries, list):
        raw.problem(None, "entries", None, "missing or not a list of entries")
        return raw
    for i, e in enumerate(entries, start=1):
        row = RawRow(i, dict(e) if isinstance(e, Mapping) else {})
        if not isinstance(e, Mapping):
            raw.problem(row, None, e, "an entry must be a mapping with item, level, evidence, …")
            continue
        for key in e:
            if key not in ENTRY_KEYS:
                raw.problem(row, str(key), e[key], "unknown field", ", ".join(ENTRY_KEYS))
        raw.rows.append(row)
    return raw


# ------------------------------------------------------------------------------------------ checking


@dataclass
class _Checked:
    iso3: str
    name: str
    hypothetical: bool
    inventory: Inventory
    uid: str | None
    label: str | None
    created_at: datetime | None
    created_by: str | None
    tags: list[str]
    figures: dict[str, Any]
    updates: list[tuple[RawRow, EntryUpdate]]


def _text(doc: RawDocument, row: RawRow, key: str) -> Any:
    """A text field of a row, cleaned as the database stores it (:func:`clean_text`), or a problem."""
    if key not in row.values:
        return KEEP
    v = row.values[key]
    if v is None:
        return ""
    if isinstance(v, float) and not math.isfinite(v):
        doc.problem(row, key, v, "not a finite number, and not text", "a text (write it in quotes)")
        return KEEP
    if isinstance(v, bool) or not isinstance(v, str | int | float):
        shown = v if isinstance(v, str | int | float | bool) else type(v).__name__   # not a whole list
        doc.problem(row, key, shown, "must be text")
        return KEEP
    text = v if isinstance(v, str) else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
    try:
        return clean_text(key, text)
    except InputError as exc:
        doc.problem(row, key, text, exc.problem.removeprefix(f"the {key} "))
        return KEEP


def _date(doc: RawDocument, row: RawRow) -> Any:
    if "date" not in row.values:
        return KEEP
    v = row.values["date"]
    try:
        d = parse_date(v)
    except InputError:
        doc.problem(row, "date", v, "not a date", "a date like 2025-03-31 (or empty)")
        return KEEP
    if d is None:
        return None
    try:
        return check_date_range(d)
    except InputError:
        doc.problem(row, "date", d.isoformat(), "date out of range",
                    f"a date between {EARLIEST.isoformat()} and today")
        return KEEP


def _version(doc: RawDocument, row: RawRow) -> int | None:
    v = row.values.get("version")
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, str) and v.strip().isdigit():
        v = int(v.strip())
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= MAX_VERSION:
        doc.problem(row, "version", v, "not an entry version",
                    "the whole number exported with the file (do not edit this column)")
        return None
    return v


def _section(meta: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = meta.get(key)
    return dict(value) if isinstance(value, Mapping) else {}


def _check_meta(doc: RawDocument) -> tuple[str, str, bool, Inventory | None]:
    meta = doc.meta
    if meta.get("format") != FORMAT:
        doc.problem(None, "format", meta.get("format"), "not a migcap assessment file", FORMAT)
    state = _section(meta, "state")
    hypothetical = bool(state.get("hypothetical", False))
    code = str(state.get("iso3") or "").strip().upper()
    name = str(state.get("name") or "").strip()
    if not code:
        doc.problem(None, "state.iso3", None, "missing", "the ISO3 code of the state")
    elif hypothetical:
        from migcap.geo.countries import country_table

        if not re.match(r"^X[A-Z]{2}$", code) or country_table().lookup(code) is not None:
            doc.problem(None, "state.iso3", code, "not a code for a hypothetical state",
                        "XAA–XZZ, not a real country's code")
        name = name or f"Hypothetical state {code}"
    else:
        from migcap.errors import UnknownAreaError
        from migcap.geo.countries import country

        try:
            c = country(code)
            code, name = c.iso3, name or c.name
        except UnknownAreaError as exc:
            doc.problem(None, "state.iso3", code, str(exc), "a country name or ISO3 code")
    inv_meta = _section(meta, "inventory")
    inv: Inventory | None = None
    try:
        inv = load_inventory(inv_meta.get("id") or None)
    except MigcapError as exc:
        doc.problem(None, "inventory.id", inv_meta.get("id"), str(exc), "an installed inventory id")
    if inv is not None and inv_meta.get("version") and \
            str(inv_meta["version"]).split(".")[0] != inv.version.split(".")[0]:
        doc.problem(None, "inventory.version", inv_meta["version"],
                    f"made for another major version of {inv.id} (installed {inv.version})",
                    f"a file exported with {inv.id} {inv.version.split('.')[0]}.x")
    return code, name, hypothetical, inv


def _check_profile(doc: RawDocument) -> tuple[list[str], dict[str, Any]]:
    prof = doc.meta.get("profile") or {}
    if not isinstance(prof, Mapping):
        doc.problem(None, "profile", prof, "must be a mapping with tags and figures")
        return [], {}
    tags = []
    for t in prof.get("tags") or []:
        if t not in PROFILE_TAGS or t == "all":
            doc.problem(None, "profile.tags", t, "unknown profile tag",
                        ", ".join(k for k in PROFILE_TAGS if k != "all"))
        else:
            tags.append(t)
    figures: dict[str, Any] = {}
    for key, spec in (prof.get("figures") or {}).items():
        value = spec.get("value") if isinstance(spec, Mapping) else spec
        if key not in FIGURES:
            doc.problem(None, f"profile.figures.{key}", value, "unknown profile figure", ", ".join(FIGURES))
        elif value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                                    or not math.isfinite(value)):
            doc.problem(None, f"profile.figures.{key}", value, "not a (finite) number")
        else:
            figures[key] = spec
    return tags, figures


def _created(doc: RawDocument) -> datetime | None:
    a = _section(doc.meta, "assessment")
    v = a.get("created")
    if v is None:
        return None
    if isinstance(v, datetime):
        return v if v.tzinfo else v.replace(tzinfo=UTC)
    if isinstance(v, date):
        return datetime(v.year, v.month, v.day, tzinfo=UTC)
    try:
        d = datetime.fromisoformat(str(v))
        return d if d.tzinfo else d.replace(tzinfo=UTC)
    except ValueError:
        doc.problem(None, "assessment.created", v, "not a date and time", "e.g. 2025-01-10T09:00:00+00:00")
        return None


def _check(doc: RawDocument) -> _Checked | None:
    iso3, name, hypothetical, inv = _check_meta(doc)
    tags, figures = _check_profile(doc)
    created_at = _created(doc)
    a = _section(doc.meta, "assessment")
    uid = str(a["id"]).strip() if a.get("id") else None
    if uid is not None and not re.match(r"^[0-9A-Za-z-]{8,36}$", uid):
        doc.problem(None, "assessment.id", uid, "not an assessment id", "the id exported with the file")
    updates: list[tuple[RawRow, EntryUpdate]] = []
    seen: dict[str, int] = {}
    for row in doc.rows:
        raw_item = row.values.get("item")
        item_id = str(raw_item).strip().upper() if raw_item is not None else ""
        ok = True
        if not item_id:
            doc.problem(row, "item", raw_item, "missing item id", "an item id of the inventory, e.g. CORE-01")
            ok = False
        elif inv is not None and item_id not in inv.item_ids:
            doc.problem(row, "item", raw_item, f"not an item of {inv.id} {inv.version}",
                        "the item ids of the inventory (see 'migcap inventory list')")
            ok = False
        elif item_id in seen:
            doc.problem(row, "item", raw_item,
                        f"item given twice (first in {'row' if doc.sheet else 'entry'} {seen[item_id]})",
                        "each item once")
            ok = False
        else:
            seen[item_id] = row.number
        level: Any = KEEP
        if "level" in row.values:
            try:
                level = parse_level(row.values["level"])
            except ValueError:
                doc.problem(row, "level", row.values["level"], "not a level", LEVELS_ALLOWED)
                ok = False
        upd = EntryUpdate(item_id, level, _text(doc, row, "evidence"), _text(doc, row, "notes"),
                          _text(doc, row, "assessor"), _date(doc, row), base_version=_version(doc, row))
        if not ok:
            continue
        given = upd.given()
        if "level" in given and (rule := entry_rule_problem(
                {"level": given["level"], "notes": given.get("notes", "x"),
                 "evidence": given.get("evidence", "x")})):
            column = "notes" if "notes" in rule else "evidence"
            doc.problem(row, column, given.get(column), rule,
                        "a reason in 'notes'" if column == "notes" else "a description of the evidence")
            continue
        updates.append((row, upd))
    if doc.problems or inv is None:
        return None
    return _Checked(iso3, name, hypothetical, inv, uid, str(a.get("label") or "").strip() or None, created_at,
                    str(a.get("created_by") or "").strip() or None, tags, figures, updates)


def _plan(doc: RawDocument, target: Assessment, updates: list[tuple[RawRow, EntryUpdate]], *,
          force: bool) -> tuple[list[EntryUpdate], list[EntryUpdate]]:
    """The updates to apply to an existing assessment; a problem for every conflicting row.

    A row is applied if it differs from the database. If the entry changed since the version the
    row was based on, the row is compared with that version (rebuilt from the history): unchanged,
    the official did not edit it and it is skipped (it only shows an older state); edited, it
    conflicts — refused, or applied with ``force``. Returns ``(updates, overwrites)``.
    """
    base_values: dict[tuple[str, int], dict[str, Any]] | None = None
    plan: list[EntryUpdate] = []
    overwrites: list[EntryUpdate] = []
    for row, upd in updates:
        cur = target.entry(upd.item_id)
        old = cur.values()
        new = _merged(old, upd)
        if new == old:
            continue
        if not is_conflict(upd.base_version, cur.version):
            plan.append(upd)
            continue
        if upd.base_version is not None and upd.base_version > cur.version:
            doc.problem(row, "version", upd.base_version,
                        f"item {upd.item_id} has never had this version (the database has version "
                        f"{cur.version}): the column was edited, or the file belongs to another copy of the "
                        "assessment",
                        "the version exported with the file (export the assessment again)")
            continue
        if upd.base_version is not None:
            if base_values is None:
                base_values = values_by_version(target.uid)
            base = base_values.get((upd.item_id, upd.base_version)) if upd.base_version else \
                empty_entry(upd.item_id).values()
            if base is not None and _merged(base, upd) == base:
                continue  # not edited in the file: it shows an older state, keep the newer one
        if force:
            overwrites.append(EntryUpdate(upd.item_id, upd.level, upd.evidence, upd.notes, upd.assessor,
                                          upd.assessed_on, base_version=cur.version))
            continue
        when = f"{cur.updated_at:%Y-%m-%d %H:%M} UTC" if cur.updated_at else "?"
        doc.problem(row, "version", upd.base_version,
                    f"item {upd.item_id} was changed in the database after this file was made "
                    f"(now version {cur.version}, by {cur.updated_by} at {when}) "
                    "and was also edited in the file",
                    "export the assessment again and re-enter your changes there, or import with "
                    "--force to overwrite (recorded in the history)")
    return plan, overwrites


def _merged(values: dict[str, Any], upd: EntryUpdate) -> dict[str, Any]:
    out = dict(values)
    for k, v in upd.given().items():
        out[k] = v if v is not None or k in ("level", "assessed_on") else ""
    return out


# ------------------------------------------------------------------------------------------ import


def import_file(path: Path | str, *, by: str | None = None, force: bool = False, dry_run: bool = False,
                into: str | None = None, name: str | None = None) -> ImportReport:
    """Import an assessment file (xlsx, yaml, yml, json): all of it, or nothing.

    Parameters
    ----------
    path
        The file.
    by
        Who imports (default: the login name); recorded in the history.
    force
        Overwrite entries changed in the database since the file was exported (the history
        keeps the overwritten values). Without it such rows are refused.
    dry_run
        Check everything and report what would change, without writing.
    into
        Only into this assessment (by id): a file of another assessment, or of none, is refused
        and no assessment is ever created (what the web application uses).
    name
        How messages and the history name the file (default: its path and file name).

    Raises
    ------
    ImportRejected
        With every problem found; the database is unchanged.
    """
    path = Path(path)
    shown = name or str(path)
    source = f"import {name or path.name}"
    who = by or current_user()
    doc = read_document(path, name=name)
    checked = _check(doc)
    if checked is None:
        raise ImportRejected(shown, doc.problems)
    if into is not None and checked.uid != into:
        doc.problem(None, "assessment.id", checked.uid,
                    "this file belongs to another assessment (or to none)",
                    "a workbook exported from this assessment")
        raise ImportRejected(shown, doc.problems)
    target: Assessment | None = None
    if checked.uid:
        try:
            target = get_assessment(checked.uid)
        except MigcapError:
            target = None
    if into is not None and target is None:
        doc.problem(None, "assessment.id", checked.uid, "no such assessment", "a workbook exported from it")
        raise ImportRejected(shown, doc.problems)
    if target is not None and target.iso3 != checked.iso3:
        doc.problem(None, "state.iso3", checked.iso3,
                    f"assessment {target.uid} in the database is of {target.iso3}", target.iso3)
        raise ImportRejected(shown, doc.problems)
    updates = [u for _, u in checked.updates]
    if target is not None:
        plan, overwrites = _plan(doc, target, checked.updates, force=force)
        if doc.problems:
            raise ImportRejected(shown, doc.problems)
        n = len(plan) + len(overwrites)
        if dry_run:
            return ImportReport(shown, target.uid, target.iso3, target.state_name, target.label, False,
                                n, len(updates) - n, True)
        try:
            with db.session_scope(write=True) as s:
                apply_updates(target.uid, plan, by=who, source=source, session=s)
                apply_updates(target.uid, overwrites, by=who, source=source + " (overwrite)", session=s)
        except ConflictError as exc:  # changed by someone else between the check and the write
            row = next(r for r, u in checked.updates if u.item_id == exc.item)
            doc.problem(row, "version", exc.expected, str(exc))
            raise ImportRejected(shown, doc.problems) from None
        return ImportReport(shown, target.uid, target.iso3, target.state_name, target.label, False,
                            n, len(updates) - n)
    # a new assessment: created together with its entries, in one transaction
    fresh = [EntryUpdate(u.item_id, u.level, u.evidence, u.notes, u.assessor, u.assessed_on, base_version=0)
             for u in updates]
    answered = sum(1 for u in fresh if any(v not in (None, "", KEEP) for v in u.given().values()))
    if dry_run:
        return ImportReport(shown, checked.uid or "(new)", checked.iso3, checked.name,
                            checked.label or "(new)", True, answered, len(fresh) - answered, True)
    with db.session_scope(write=True) as s:
        a = create_assessment(checked.iso3, by=checked.created_by or who, label=checked.label,
                              inventory=checked.inventory.id, tags=checked.tags, figures=checked.figures,
                              hypothetical=checked.hypothetical, name=checked.name, uid=checked.uid,
                              created_at=checked.created_at, source=source, session=s)
        changed, unchanged = apply_updates(a.uid, fresh, by=who, source=source, session=s)
    return ImportReport(shown, a.uid, a.iso3, a.state_name, a.label, True, changed, unchanged)


# ------------------------------------------------------------------------------------------ export


def export_document(a: Assessment) -> dict[str, Any]:
    """The assessment as a YAML/JSON document: every item of its inventory, answered or not."""
    inv = a.inventory()
    entries = []
    for it in inv.items:
        e = a.entry(it.id)
        entries.append({"item": it.id, "title": it.title, "level": LEVEL_LABELS[e.level] if e.level else None,
                        "evidence": e.evidence, "notes": e.notes, "assessor": e.assessor,
                        "date": e.assessed_on.isoformat() if e.assessed_on else None, "version": e.version})
    doc: dict[str, Any] = {
        "format": FORMAT,
        "state": {"iso3": a.iso3, "name": a.state_name, "hypothetical": a.hypothetical},
        "assessment": {"id": a.uid, "label": a.label, "created": a.created_at.isoformat(),
                       "created_by": a.created_by, "revision": a.revision,
                       "exported": datetime.now(UTC).replace(microsecond=0).isoformat()},
        "inventory": {"id": inv.id, "version": inv.version},
        "profile": {"tags": list(a.declared_tags), "figures": dict(a.declared_figures)},
        "entries": entries,
    }
    if a.hypothetical:
        doc["notice"] = ("HYPOTHETICAL state: an illustrative assessment, "
                         "not the assessment of any real country.")
    return doc


def export_assessment(ref: str, fmt: str) -> bytes:
    """An assessment (a state's latest, or by id) as ``xlsx``, ``yaml`` or ``json`` bytes."""
    return export_bytes(get_assessment(ref), fmt)


def export_bytes(a: Assessment, fmt: str) -> bytes:
    """An assessment as ``xlsx``, ``yaml`` or ``json`` bytes."""
    if fmt == "xlsx":
        from .workbook import write_workbook

        return write_workbook(a)
    doc = export_document(a)
    if fmt == "json":
        return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    if fmt in ("yaml", "yml"):
        import yaml

        header = ("# migcap assessment: edit level, evidence, notes, assessor and date; "
                  "keep item and version.\n")
        return (header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)).encode("utf-8")
    raise MigcapError(f"unknown format {fmt!r}", hint="use xlsx, yaml or json")
