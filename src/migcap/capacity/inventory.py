"""The capacity inventory: schema, loading, user inventories, practice examples, export.

The inventory is data (YAML) checked against a schema on load. The bundled one,
``migcap-wmr2010``, lives in ``migcap/data/capacity/inventory.yaml``. Users may

* bring their own inventory in the same schema (any ``id``), or
* extend one: a file with ``extends: migcap-wmr2010`` adds areas and items to it
  under its own ``id``.

Either is given as a path, or dropped in ``<data dir>/capacity/inventories/`` and then
named by its ``id``.

Examples
--------
>>> inv = load_inventory()
>>> inv.id, len(inv.items) >= 60, [a.id for a in inv.areas][:3]
('migcap-wmr2010', True, ['CORE', 'LAB', 'IRR'])
>>> inv.item("LAB-02").title
'Assessing labour and skills shortages'
"""

from __future__ import annotations

import contextlib
import json
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from migcap.config import get_settings, package_data_dir
from migcap.errors import InputError, MigcapError, NotFound
from migcap.table import Table

from .vocab import ACTORS, FIGURES, PROFILE_TAGS, RELEVANCE

__all__ = [
    "DEFAULT_INVENTORY",
    "Area",
    "Frameworks",
    "Inventory",
    "Item",
    "PracticeExample",
    "frameworks",
    "inventory_markdown",
    "inventory_table",
    "inventory_xlsx",
    "item_markdown",
    "list_inventories",
    "load_inventory",
    "practice_examples",
]

DEFAULT_INVENTORY = "migcap-wmr2010"
SCHEMA = "migcap-inventory/1"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3)]
Level = Literal["low", "medium", "high"]
_ID = re.compile(r"^[A-Z][A-Z0-9]{1,7}-[0-9]{2,3}$")
_INDICATOR_TEXT = re.compile(r"^.{3,}\(.{2,}\)$")


def _data_dir() -> Path:
    return package_data_dir() / "capacity"


def _user_dir() -> Path:
    return get_settings().data_dir / "capacity" / "inventories"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Actors(_Model):
    """What each actor does for the item (a sentence addressed to it)."""

    state: Text
    civil_society: Text
    international: Text
    private_sector: Text


class Area(_Model):
    """A policy area (or the core capacities)."""

    id: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{1,7}$")]
    title: Text
    basis: Text
    description: Text


class Item(_Model):
    """One capacity item of the checklist.

    Attributes
    ----------
    id, area, title
        ``AREA-NN``, the area id and a short title.
    basis
        Where the item comes from (the WMR 2010 item it follows, or migcap's completion).
    purpose
        What the capacity is for.
    activities
        The concrete activities of the checklist.
    evidence
        What shows that the capacity exists.
    relevance
        Profile tag → ``low``/``medium``/``high``; ``all`` (required) is the baseline.
    indicators
        Profile figures (keys of :data:`migcap.capacity.vocab.FIGURES`) or ``"name (source)"``.
    actors
        The role of the state, civil society, international organizations and the private sector.
    mgi, gcm
        Crosswalk to the MGI dimensions and the GCM objectives (1–23).
    """

    id: Annotated[str, StringConstraints(pattern=_ID.pattern)]
    area: str
    title: Text
    basis: Text
    purpose: Text
    activities: Annotated[list[Text], Field(min_length=3)]
    evidence: Annotated[list[Text], Field(min_length=1)]
    relevance: dict[str, Level]
    indicators: Annotated[list[Text], Field(min_length=1)]
    actors: Actors
    mgi: Annotated[list[str], Field(min_length=1)]
    gcm: Annotated[list[Annotated[int, Field(ge=1, le=23)]], Field(min_length=1)]

    @field_validator("relevance")
    @classmethod
    def _relevance(cls, value: dict[str, str]) -> dict[str, str]:
        if "all" not in value:
            raise ValueError("needs 'all' (the baseline relevance for every state)")
        unknown = sorted(set(value) - set(PROFILE_TAGS))
        if unknown:
            raise ValueError(f"unknown profile tag(s) {', '.join(unknown)}; known: {', '.join(PROFILE_TAGS)}")
        return value

    @field_validator("indicators")
    @classmethod
    def _indicators(cls, value: list[str]) -> list[str]:
        for v in value:
            if v not in FIGURES and not _INDICATOR_TEXT.match(v):
                raise ValueError(f"indicator {v!r} is neither a profile figure ({', '.join(FIGURES)}) "
                                 "nor 'name (source)'")
        return value

    @model_validator(mode="after")
    def _id_in_area(self) -> Item:
        if not self.id.startswith(f"{self.area}-"):
            raise ValueError(f"item id {self.id!r} must start with its area {self.area!r} and '-'")
        return self

    def relevance_for(self, tags: set[str] | frozenset[str]) -> tuple[str, tuple[str, ...]]:
        """The item's relevance for a profile with these tags, and the tags that set it.

        The relevance is the highest that any of the tags (or ``all``) gives. The drivers are the
        profile tags that give it; ``("all",)`` when only the baseline does.

        >>> item = load_inventory().item("LAB-02")
        >>> item.relevance_for({"destination", "origin"})
        ('high', ('destination',))
        >>> item.relevance_for(set())
        ('low', ('all',))
        """
        ranked = {r: i for i, r in enumerate(RELEVANCE)}
        present = {t: lv for t, lv in self.relevance.items() if t == "all" or t in tags}
        best = max(present.values(), key=ranked.__getitem__)
        drivers = tuple(t for t, lv in self.relevance.items() if lv == best and t != "all" and t in tags)
        return best, drivers or ("all",)

    def figure_keys(self) -> tuple[str, ...]:
        """The indicators that are profile figures (linked to the data)."""
        return tuple(i for i in self.indicators if i in FIGURES)


class Inventory(_Model):
    """A versioned inventory: areas and items (checked for consistency on load)."""

    schema_: Literal["migcap-inventory/1"] = Field(alias="schema")
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{2,63}$")]
    title: Text
    version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+\.\d+$")]
    released: date
    description: Text
    extends: str | None = None
    areas: Annotated[list[Area], Field(min_length=1)]
    items: Annotated[list[Item], Field(min_length=1)]

    @model_validator(mode="after")
    def _consistent(self) -> Inventory:
        area_ids = [a.id for a in self.areas]
        dup = sorted({a for a in area_ids if area_ids.count(a) > 1})
        if dup:
            raise ValueError(f"duplicate area id(s): {', '.join(dup)}")
        item_ids = [i.id for i in self.items]
        dup = sorted({i for i in item_ids if item_ids.count(i) > 1})
        if dup:
            raise ValueError(f"duplicate item id(s): {', '.join(dup)}")
        fw = frameworks()
        for item in self.items:
            if item.area not in area_ids:
                raise ValueError(f"item {item.id}: unknown area {item.area!r}; areas: {', '.join(area_ids)}")
            bad = [m for m in item.mgi if m not in fw.mgi]
            if bad:
                raise ValueError(f"item {item.id}: unknown MGI dimension(s) {', '.join(bad)}; "
                                 f"known: {', '.join(fw.mgi)}")
        return self

    def item(self, item_id: str) -> Item:
        """The item with this id.

        Raises
        ------
        NotFound
            If there is none (the message suggests close ids; the web answers 404).
        """
        for it in self.items:
            if it.id == item_id.upper():
                return it
        import difflib

        close = difflib.get_close_matches(item_id.upper(), [i.id for i in self.items], n=3)
        raise NotFound(f"no item {item_id!r} in inventory {self.id} {self.version}",
                       hint=f"did you mean {', '.join(close)}?" if close else "see 'migcap inventory list'")

    def area(self, area_id: str) -> Area:
        """The area with this id."""
        for a in self.areas:
            if a.id == area_id:
                return a
        raise NotFound(f"no area {area_id!r} in inventory {self.id}")

    def items_of(self, area_id: str) -> list[Item]:
        """The items of one area, in inventory order."""
        return [i for i in self.items if i.area == area_id]

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.items)

    def to_dict(self) -> dict[str, Any]:
        """The inventory as it would be written to YAML/JSON."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class Frameworks(_Model):
    """MGI dimensions (id → title) and GCM objectives (1–23 → title)."""

    mgi: dict[str, str]
    gcm: dict[int, str]
    mgi_reference: str
    gcm_reference: str


class PracticeExample(_Model):
    """A documented example of practice elsewhere, with a reference a reader can check."""

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{3,40}$")]
    title: Text
    where: Text
    since: int | None = None
    items: Annotated[list[str], Field(min_length=1)]
    summary: Text
    reference: Text
    url: Annotated[str, StringConstraints(pattern=r"^https://\S+$")] | None = None

    def citation(self) -> str:
        """``title — where, since YEAR. reference. url``."""
        when = f", since {self.since}" if self.since else ""
        text = f"{self.title} — {self.where}{when}. {self.reference.rstrip('.')}."
        return f"{text} {self.url}" if self.url else text


# ------------------------------------------------------------------------------------------ loading


#: Limits on a YAML or JSON file (an inventory or an assessment), so that a small hostile file cannot cost
#: minutes or all memory: nesting of mappings and lists, aliases (``*name``), and nodes once every alias is
#: expanded (a 700-byte "billion laughs" file expands to about 400 million).
MAX_DEPTH = 50
MAX_ALIASES = 1_000
MAX_NODES = 1_000_000


def _decode(data: bytes, file: str) -> str:
    """UTF-8 text (a byte-order mark allowed), or an error naming the line of the first bad byte."""
    for bom, name in ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
                      (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16")):
        if data.startswith(bom):
            raise InputError(f"the file is {name} text, not UTF-8", file=file, hint="save it as UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"not UTF-8 text (byte 0x{data[exc.start]:02x} cannot start or continue a "
                         "character)", file=file, row=line, hint="save the file as UTF-8") from None


def _check_yaml_size(text: str, file: str) -> None:
    """Refuse a YAML text nested deeper than :data:`MAX_DEPTH`, with more than :data:`MAX_ALIASES` aliases or
    more than :data:`MAX_NODES` nodes once aliases are expanded — before building anything from it.

    The check reads the parser's events (libyaml's C parser when PyYAML has it), which costs a few
    milliseconds for the bundled inventory.
    """
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    sizes: dict[str, int] = {}       # anchor → its node's size with aliases expanded
    stack: list[list[Any]] = []      # open collections: [anchor, size so far]
    aliases = total = 0

    def fail(message: str, event: Any) -> NoReturn:
        mark = getattr(event, "start_mark", None)
        raise InputError(message, file=file, row=mark.line + 1 if mark is not None else None,
                         hint="write the values out plainly") from None

    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionEndEvent):
            anchor, size = stack.pop()   # counted already, node by node
            if anchor:
                sizes[anchor] = size
            if stack:
                stack[-1][1] += size
            continue
        if isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                fail(f"more than {MAX_ALIASES:,} aliases (*name)", event)
            size = sizes.get(event.anchor or "", 1)
        elif isinstance(event, yaml.ScalarEvent):
            size = 1
            if event.anchor:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.CollectionStartEvent):
            size = 1
        else:
            continue
        total += size
        if total > MAX_NODES:
            fail(f"more than {MAX_NODES:,} values once its aliases (*name) are expanded", event)
        if isinstance(event, yaml.CollectionStartEvent):
            stack.append([event.anchor, 1])
            if len(stack) > MAX_DEPTH:
                fail(f"nested deeper than {MAX_DEPTH} levels", event)
        elif stack:
            stack[-1][1] += size


def _json_depth(doc: Any) -> int:
    """How deeply lists and mappings nest in a parsed JSON document (without recursion)."""
    deepest, todo = 0, [(doc, 1)]
    while todo:
        node, depth = todo.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, depth)
            todo.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def _read_yaml(path: Path, name: str | None = None) -> Any:
    """A YAML or JSON file (by its suffix) as Python data.

    Every problem is one :class:`~migcap.errors.InputError` naming the file (as ``name``, default its
    path) and the line where known: not UTF-8 (latin-1, UTF-16), not valid YAML or JSON, or beyond the
    limits :data:`MAX_DEPTH`, :data:`MAX_ALIASES` and :data:`MAX_NODES`.
    """
    file = name or str(path)
    is_json = path.suffix.lower() == ".json"
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", file=file) from None
    text = _decode(data, file)
    try:
        if is_json:
            try:
                doc = json.loads(text)
            except RecursionError:
                doc, depth = None, MAX_DEPTH + 1
            else:
                depth = _json_depth(doc)
            if depth > MAX_DEPTH:
                raise InputError(f"nested deeper than {MAX_DEPTH} levels", file=file)
            return doc
        _check_yaml_size(text, file)
        # libyaml's C loader when PyYAML has it: the inventory parses about ten times faster
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else getattr(exc, "lineno", None)
        raise InputError(f"not valid {'JSON' if is_json else 'YAML'} "
                         f"({getattr(exc, 'problem', None) or exc})", file=file, row=row) from None
    except ValueError as exc:  # a YAML date or time that does not exist, such as 2025-02-30
        raise InputError(f"not valid YAML ({exc})", file=file) from None


def _validation_message(exc: ValidationError, doc: Any) -> str:
    """A one-line summary of pydantic errors, naming items by id."""
    parts = []
    for err in exc.errors()[:6]:
        loc = list(err["loc"])
        where = ".".join(str(x) for x in loc)
        if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
            with contextlib.suppress(KeyError, IndexError, TypeError, AttributeError):
                where = f"item {doc['items'][loc[1]].get('id', '#' + str(loc[1] + 1))}" + \
                        ("." + ".".join(str(x) for x in loc[2:]) if loc[2:] else "")
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {msg}" if where else msg)
    more = len(exc.errors()) - len(parts)
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


@lru_cache(maxsize=1)
def frameworks() -> Frameworks:
    """The MGI dimensions and GCM objectives the inventory is cross-walked to (bundled data)."""
    doc = _read_yaml(_data_dir() / "frameworks.yaml")
    return Frameworks(mgi=doc["mgi"]["dimensions"],
                      gcm={int(k): v for k, v in doc["gcm"]["objectives"].items()},
                      mgi_reference=" ".join(doc["mgi"]["reference"].split()),
                      gcm_reference=" ".join(doc["gcm"]["reference"].split()))


def _parse_inventory(path: Path) -> Inventory:
    doc = _read_yaml(path)
    if not isinstance(doc, dict):
        raise InputError("an inventory file must be a mapping with schema, id, version, areas and items",
                         file=str(path))
    base_id = doc.get("extends")
    if base_id:
        base = load_inventory(base_id)
        if path.resolve() == _bundled_path(base.id):
            raise InputError("an inventory cannot extend itself", file=str(path))
        merged = base.to_dict()
        merged.update({k: v for k, v in doc.items() if k not in ("areas", "items")})
        merged["areas"] = merged["areas"] + list(doc.get("areas") or [])
        merged["items"] = merged["items"] + list(doc.get("items") or [])
        doc = merged
    try:
        return Inventory.model_validate(doc)
    except ValidationError as exc:
        raise InputError(f"not a valid inventory: {_validation_message(exc, doc)}", file=str(path)) from None


def _bundled_path(inventory_id: str) -> Path:
    return ((_data_dir() / "inventory.yaml").resolve() if inventory_id == DEFAULT_INVENTORY
            else Path("/nonexistent"))


@lru_cache(maxsize=16)
def _load_cached(path: Path, mtime: float) -> Inventory:
    return _parse_inventory(path)


def _user_files() -> dict[str, Path]:
    found: dict[str, Path] = {}
    d = _user_dir()
    if d.is_dir():
        for p in sorted(d.glob("*.y*ml")) + sorted(d.glob("*.json")):
            doc = _read_yaml(p)
            if isinstance(doc, dict) and isinstance(doc.get("id"), str):
                found.setdefault(doc["id"], p)
    return found


def list_inventories() -> list[tuple[str, Path]]:
    """``(id, file)`` of the bundled inventory and of the user's inventories."""
    return [(DEFAULT_INVENTORY, _data_dir() / "inventory.yaml")] + [
        (i, p) for i, p in _user_files().items() if i != DEFAULT_INVENTORY]


def load_inventory(ref: str | Path | None = None) -> Inventory:
    """Load an inventory: the bundled one (default), one by id, or a file.

    Parameters
    ----------
    ref
        ``None`` for ``migcap-wmr2010``; an inventory id found in
        ``<data dir>/capacity/inventories/``; or the path of a YAML/JSON file.

    Raises
    ------
    InputError
        If the file breaks the schema (the message names the item and field).
    MigcapError
        If no inventory has this id.
    """
    text = str(ref) if ref is not None else DEFAULT_INVENTORY
    if text == DEFAULT_INVENTORY:
        path = _data_dir() / "inventory.yaml"
    elif Path(text).suffix.lower() in (".yaml", ".yml", ".json") or "/" in text or "\\" in text:
        path = Path(text)
        if not path.is_file():
            raise InputError("inventory file not found", file=text)
    else:
        user = _user_files()
        if text not in user:
            known = ", ".join([DEFAULT_INVENTORY, *user])
            raise MigcapError(f"unknown inventory {text!r}", hint=f"known: {known}; or give a file path")
        path = user[text]
    path = path.resolve()
    return _load_cached(path, path.stat().st_mtime)


@lru_cache(maxsize=1)
def _practice() -> tuple[PracticeExample, ...]:
    path = _data_dir() / "practice.yaml"
    doc = _read_yaml(path)
    try:
        return tuple(PracticeExample.model_validate(e) for e in doc["examples"])
    except ValidationError as exc:
        raise InputError(f"not a valid practice file: {_validation_message(exc, doc)}",
                         file=str(path)) from None


def practice_examples(item_id: str | None = None) -> list[PracticeExample]:
    """The documented practice examples, all or those for one item."""
    return [e for e in _practice() if item_id is None or item_id in e.items]


# ------------------------------------------------------------------------------------------ export


def inventory_table(inv: Inventory) -> Table:
    """One row per item: id, area, title, relevance, MGI and GCM crosswalk."""
    rows = tuple((i.id, i.area, i.title, ", ".join(f"{k}:{v}" for k, v in i.relevance.items()),
                  ", ".join(i.mgi), ", ".join(str(g) for g in i.gcm)) for i in inv.items)
    return Table(("id", "area", "title", "relevance", "mgi", "gcm"), rows,
                 title=f"{inv.title} ({inv.id} {inv.version})",
                 notes=(f"{len(inv.items)} items in {len(inv.areas)} areas",))


def item_markdown(inv: Inventory, item_id: str) -> str:
    """One item in full, as Markdown, with its crosswalk titles and practice examples."""
    it = inv.item(item_id)
    fw = frameworks()
    lines = [f"## {it.id} {it.title}", "", f"*Area:* {inv.area(it.area).title} · *Basis:* {it.basis}", "",
             it.purpose, "", "**Checklist**", ""]
    lines += [f"- [ ] {a}" for a in it.activities]
    lines += ["", "**Evidence that the capacity exists**", ""] + [f"- {e}" for e in it.evidence]
    lines += ["", "**Relevance by migration profile**", ""]
    lines += [f"- {tag}: {lv}" for tag, lv in it.relevance.items()]
    lines += ["", "**Data indicators**", ""]
    lines += [f"- {FIGURES[i][0]} (`{i}`, from the migcap data)" if i in FIGURES else f"- {i}"
              for i in it.indicators]
    lines += ["", "**Actors**", ""]
    lines += [f"- {a.replace('_', ' ')}: {getattr(it.actors, a)}" for a in ACTORS]
    lines += ["", "**Crosswalk**", ""]
    lines += [f"- MGI: {fw.mgi[m]}" for m in it.mgi]
    lines += [f"- GCM objective {g}: {fw.gcm[g]}" for g in it.gcm]
    examples = (practice_examples(it.id) if inv.id == DEFAULT_INVENTORY or inv.extends == DEFAULT_INVENTORY
                else [])
    if examples:
        lines += ["", "**Documented practice elsewhere**", ""] + [f"- {e.citation()}" for e in examples]
    return "\n".join(lines) + "\n"


def inventory_markdown(inv: Inventory) -> str:
    """The whole inventory as a Markdown document."""
    out = [f"# {inv.title}", "", f"Inventory `{inv.id}` version {inv.version} ({inv.released}). "
           f"{len(inv.items)} items in {len(inv.areas)} areas.", "", inv.description, ""]
    for area in inv.areas:
        out += [f"# {area.id} {area.title}", "", area.description, "", f"*Basis:* {area.basis}", ""]
        out += [item_markdown(inv, i.id) for i in inv.items_of(area.id)]
    return "\n".join(out)


def inventory_xlsx(inv: Inventory) -> bytes:
    """The inventory as a workbook: one row per item, every field; a sheet of areas."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from migcap.sheets import append_row

    wb = Workbook()
    ws = wb.active
    ws.title = "items"
    cols = ["id", "area", "title", "basis", "purpose", "activities", "evidence", "relevance", "indicators",
            "state", "civil_society", "international", "private_sector", "mgi", "gcm"]
    append_row(ws, cols)
    for it in inv.items:
        append_row(ws, [it.id, it.area, it.title, it.basis, it.purpose, "\n".join(it.activities),
                        "\n".join(it.evidence), ", ".join(f"{k}: {v}" for k, v in it.relevance.items()),
                        "\n".join(it.indicators), it.actors.state, it.actors.civil_society,
                        it.actors.international, it.actors.private_sector, ", ".join(it.mgi),
                        ", ".join(str(g) for g in it.gcm)])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDEFGHIJKLMNO", (9, 6, 30, 30, 45, 60, 45, 30, 40, 40, 40, 40, 40, 20, 10),
                             strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "C2"
    areas = wb.create_sheet("areas")
    append_row(areas, ["id", "title", "basis", "description"])
    for a in inv.areas:
        append_row(areas, [a.id, a.title, a.basis, a.description])
    about = wb.create_sheet("about")
    for k, v in (("inventory", inv.id), ("version", inv.version), ("released", inv.released.isoformat()),
                 ("title", inv.title),
                 ("MGI", frameworks().mgi_reference), ("GCM", frameworks().gcm_reference)):
        append_row(about, [k, v])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
