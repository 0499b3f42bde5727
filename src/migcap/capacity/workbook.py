"""The Excel workbook that officials fill in, and reading it back.

Sheets:

``Instructions``
    What to do, the scale, and the rules the import checks.
``Assessment``
    One row per inventory item. The item columns (item, area, title, checklist, evidence that
    counts) are locked; officials fill in *level* (a drop-down list), *evidence*, *notes*,
    *assessor* and *date*. The hidden, locked *version* column tells the import which version of
    each entry the official started from, so that changes made meanwhile by others are never
    overwritten silently.
``Levels``
    The scale with the meaning of each level.
``_meta``
    Hidden: the assessment id, state, inventory and declared profile.

The sheet protection has no password: it prevents accidents, not a determined user. The import
checks every value whatever the protection.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from migcap.errors import InputError, Problem

from .assessments import Assessment
from .values import EARLIEST
from .vocab import LEVEL_LABELS, LEVEL_MEANINGS, LEVELS, NOT_APPLICABLE

__all__ = ["ASSESSMENT_SHEET", "COLUMNS", "read_workbook", "write_workbook"]

ASSESSMENT_SHEET = "Assessment"
META_SHEET = "_meta"
#: (header, field, width, editable)
COLUMNS: tuple[tuple[str, str, int, bool], ...] = (
    ("item", "item", 10, False),
    ("area", "area", 24, False),
    ("title", "title", 34, False),
    ("checklist", "checklist", 60, False),
    ("evidence that counts", "evidence_guide", 45, False),
    ("level", "level", 16, True),
    ("evidence", "evidence", 45, True),
    ("notes", "notes", 35, True),
    ("assessor", "assessor", 22, True),
    ("date", "date", 12, True),
    ("version", "version", 9, False),
)
_HEADERS = {h: f for h, f, _, _ in COLUMNS}
_LEVEL_LIST = ",".join(LEVEL_LABELS[x] for x in (*LEVELS, NOT_APPLICABLE))


def _excel_serial(day: date) -> int:
    """A date as Excel's serial number (days since 1899-12-30), for data validation formulas."""
    return (day - date(1899, 12, 30)).days


def _instructions(a: Assessment) -> list[str]:
    inv = a.inventory()
    lines = [
        f"Self-assessment of migration management capacities — {a.state_name} ({a.iso3})",
        f"Round: {a.label}. Inventory: {inv.title} ({inv.id} {inv.version}), {len(inv.items)} items.",
    ]
    if a.hypothetical:
        lines.append("HYPOTHETICAL STATE: this workbook is an illustration, "
                     "not the assessment of any real country.")
    lines += [
        "",
        "How to fill in this workbook",
        "1. Go to the sheet 'Assessment'. There is one row per capacity item.",
        "2. Read the item's title, checklist and 'evidence that counts' (these columns are locked).",
        ("3. In 'level', choose from the drop-down list how far the capacity exists today "
         "(see the sheet 'Levels')."),
        ("4. In 'evidence', name the documents, laws, data or reports that show it "
         "(title, year, where to find it)."),
        ("5. Use 'notes' for anything else. 'not applicable' needs a reason in 'notes'; "
         "'good practice' needs evidence."),
        "6. Put your name or unit in 'assessor' and the date of your answer in 'date' (YYYY-MM-DD).",
        "7. Leave a row's level empty if you cannot answer it yet. Do not add, delete or reorder rows,",
        "   and do not change the hidden 'version' column. Type values, not formulas: a formula is refused.",
        ("8. Save the file (keep the .xlsx format) and send it back, or import it: "
         "migcap assess import FILE.xlsx"),
        "",
        "What the import checks",
        "- Every row is checked before anything is saved. If any value is wrong, nothing is imported and the",
        "  message lists every problem with its sheet, row, column, value and what is allowed.",
        ("- If someone changed an item in the database after this file was exported, "
         "the row is refused so that"),
        "  neither change is lost: export again and re-enter your change there.",
        "",
        f"Exported {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by migcap. Assessment id {a.uid}.",
    ]
    return lines


def write_workbook(a: Assessment) -> bytes:
    """The fill-in workbook of an assessment (answers so far included)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from migcap.sheets import append_row

    inv = a.inventory()
    wb = Workbook()
    ins = wb.active
    ins.title = "Instructions"
    for line in _instructions(a):
        append_row(ins, [line])
    ins["A1"].font = Font(bold=True, size=14)
    for r in range(1, ins.max_row + 1):
        if ins.cell(r, 1).value in ("How to fill in this workbook", "What the import checks"):
            ins.cell(r, 1).font = Font(bold=True)
        if str(ins.cell(r, 1).value or "").startswith("HYPOTHETICAL"):
            ins.cell(r, 1).font = Font(bold=True, color="C00000")
    ins.column_dimensions["A"].width = 120
    ins.protection.sheet = True

    ws = wb.create_sheet(ASSESSMENT_SHEET)
    append_row(ws, [h for h, _, _, _ in COLUMNS])
    head_fill = PatternFill("solid", fgColor="DDDDDD")
    edit_fill = PatternFill("solid", fgColor="FFF8DC")
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = head_fill
    for it in inv.items:
        e = a.entry(it.id)
        append_row(ws, [it.id, inv.area(it.area).title, it.title, "\n".join(f"• {x}" for x in it.activities),
                        "\n".join(f"• {x}" for x in it.evidence), LEVEL_LABELS[e.level] if e.level else None,
                        e.evidence or None, e.notes or None, e.assessor or None, e.assessed_on, e.version])
    n = ws.max_row
    for col, (_, fld, width, editable) in enumerate(COLUMNS, start=1):
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = width
        for r in range(2, n + 1):
            cell = ws.cell(r, col)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if editable:
                cell.protection = Protection(locked=False)
                cell.fill = edit_fill
            if fld == "date":
                cell.number_format = "yyyy-mm-dd"
    ws.column_dimensions[get_column_letter(len(COLUMNS))].hidden = True
    level_col = get_column_letter(next(i for i, c in enumerate(COLUMNS, 1) if c[1] == "level"))
    date_col = get_column_letter(next(i for i, c in enumerate(COLUMNS, 1) if c[1] == "date"))
    dv = DataValidation(type="list", formula1=f'"{_LEVEL_LIST}"', allow_blank=True, showDropDown=False,
                        showErrorMessage=True, errorTitle="Not a level",
                        error=f"Choose one of: {_LEVEL_LIST.replace(',', ', ')}.",
                        promptTitle="Level", prompt="Choose from the list (see the sheet 'Levels').",
                        showInputMessage=True)
    dv.add(f"{level_col}2:{level_col}{n}")
    ws.add_data_validation(dv)
    dd = DataValidation(type="date", operator="greaterThanOrEqual", formula1=str(_excel_serial(EARLIEST)),
                        allow_blank=True, showErrorMessage=True, errorTitle="Not a date",
                        error=f"Enter a date like 2025-03-31 (from {EARLIEST.year} on).")
    dd.add(f"{date_col}2:{date_col}{n}")
    ws.add_data_validation(dd)
    ws.freeze_panes = "D2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS) - 1)}{n}"
    ws.protection.sheet = True
    ws.protection.autoFilter = False
    ws.protection.formatColumns = False
    ws.protection.formatRows = False

    lv = wb.create_sheet("Levels")
    append_row(lv, ["level", "meaning", "value in the score"])
    for code in (*LEVELS, NOT_APPLICABLE):
        append_row(lv, [LEVEL_LABELS[code], LEVEL_MEANINGS[code],
                        LEVELS.index(code) if code in LEVELS else "not scored"])
    for cell in lv[1]:
        cell.font = Font(bold=True)
    lv.column_dimensions["A"].width = 16
    lv.column_dimensions["B"].width = 100
    lv.protection.sheet = True

    meta = wb.create_sheet(META_SHEET)
    for k, v in (("format", "migcap-assessment/1"), ("assessment.id", a.uid), ("assessment.label", a.label),
                 ("assessment.created", a.created_at.isoformat()), ("assessment.created_by", a.created_by),
                 ("assessment.revision", a.revision), ("state.iso3", a.iso3), ("state.name", a.state_name),
                 ("state.hypothetical", "true" if a.hypothetical else "false"), ("inventory.id", inv.id),
                 ("inventory.version", inv.version),
                 ("profile", json.dumps({"tags": list(a.declared_tags),
                                         "figures": dict(a.declared_figures)}))):
        append_row(meta, [k, v])
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    wb.active = 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in flat.items():
        if key == "profile":
            try:
                out["profile"] = json.loads(value) if value else {}
            except (TypeError, ValueError):
                out["profile"] = {"invalid": value}
            continue
        parts = key.split(".")
        d = out
        for p in parts[:-1]:
            d = d.setdefault(p, {})
        d[parts[-1]] = value
    state = out.get("state")
    if isinstance(state, dict) and isinstance(state.get("hypothetical"), str):
        state["hypothetical"] = state["hypothetical"].strip().lower() == "true"
    return out


_FORMULA = "a formula: the import takes typed values only, never formulas (nor their results)"
_FORMULA_ALLOWED = "the text, number or date itself (to keep a text that starts with '=', type a ' before it)"


def _column_name(i: int, header: list[str]) -> str:
    """``G (evidence)``: the letter of the 0-based column ``i`` and its header."""
    from openpyxl.utils import get_column_letter

    letter = get_column_letter(i + 1)
    return f"{letter} ({header[i]})" if i < len(header) and header[i] else letter


def _formula_problem(file: str, cell: Any, header: list[str]) -> Problem:
    return Problem(file, cell.parent.title, cell.row, _column_name(cell.column - 1, header),
                   getattr(cell.value, "text", cell.value), _FORMULA, _FORMULA_ALLOWED)


def read_workbook(path: Path, name: str | None = None) -> Any:
    """Read a filled-in workbook into a :class:`~migcap.capacity.raw.RawDocument` (not yet checked);
    ``name`` is how messages name the file (default: its path).

    The workbook is read as stored, formulas as formulas: a formula cell in the sheets the import reads
    (``Assessment``, ``_meta``) is a problem naming its sheet, row and column — never read as its cached
    value or as empty. A text that migcap wrote (a typed string cell) reads back exactly, whatever it
    starts with.
    """
    from openpyxl import load_workbook

    from migcap.capacity.raw import RawDocument, RawRow

    shown = name or str(path)
    try:
        wb = load_workbook(path, data_only=False, read_only=False)
    except Exception as exc:  # zip, xml or openpyxl errors: not a readable workbook
        raise InputError(f"not a readable Excel workbook ({exc.__class__.__name__})", file=shown) from None
    meta: dict[str, Any] = {}
    formulas: list[Problem] = []
    if META_SHEET in wb.sheetnames:
        formulas += [_formula_problem(shown, c, []) for row in wb[META_SHEET].iter_rows() for c in row
                     if c.data_type == "f"]
        for row in wb[META_SHEET].iter_rows(values_only=True):
            if row and row[0]:
                meta[str(row[0])] = row[1] if len(row) > 1 else None
    doc = RawDocument(shown, ASSESSMENT_SHEET, _nest(meta), [], meta_sheet=META_SHEET)
    if not meta:
        doc.problem(None, None, None,
                    "the hidden sheet '_meta' is missing: not a workbook exported by migcap",
                    "a workbook made by 'migcap assess export ISO3 --format xlsx'")
    if ASSESSMENT_SHEET not in wb.sheetnames:
        doc.problems.append(Problem(shown, None, None, None, ", ".join(wb.sheetnames),
                                    f"no sheet {ASSESSMENT_SHEET!r}",
                                    f"the sheet {ASSESSMENT_SHEET!r} as exported"))
        return doc
    ws = wb[ASSESSMENT_SHEET]
    header = [str(c.value).strip().lower() if c.value is not None else "" for c in ws[1]]
    fields: dict[int, str] = {}
    names: dict[str, str] = {}
    for i, h in enumerate(header):
        if h in _HEADERS:
            fields[i] = _HEADERS[h]
            names[_HEADERS[h]] = _column_name(i, header)
    header_row = RawRow(1, {}, {})
    for h, fld, _, editable in COLUMNS:
        if (editable or fld in ("item", "version")) and fld not in names:
            doc.problem(header_row, None, ", ".join(x for x in header if x), f"column {h!r} is missing",
                        f"the header row as exported: {', '.join(c[0] for c in COLUMNS)}")
    if doc.problems:
        return doc
    doc.problems += formulas
    for r, cells in enumerate(ws.iter_rows(min_row=2), start=2):
        values: dict[str, Any] = {}
        for i, cell in enumerate(cells):
            if cell.data_type == "f":
                doc.problems.append(_formula_problem(shown, cell, header))
            elif i in fields:
                values[fields[i]] = cell.value
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()):
            continue
        keys = ("item", "level", "evidence", "notes", "assessor", "date", "version")
        entry: dict[str, Any] = {k: values[k] for k in keys if k in values}
        doc.rows.append(RawRow(r, entry, {k: names.get(k, k) for k in entry}))
    return doc
