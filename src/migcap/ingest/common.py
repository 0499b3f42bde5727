"""Helpers shared by the readers: sheets, header rows, numbers and countries, with locations.

Every problem becomes an :class:`~migcap.errors.InputError` naming the file,
sheet, row (as a person sees it in a spreadsheet: 1-based) and column.

Formulas: a workbook cell with a formula is read as the value Excel saved with it (official
files have them: the IMS 2019 sort orders ``=+A17+1``, the World Bank's ``=SUM`` totals). A
program that writes workbooks without computing them saves no value; such a cell is read as
:class:`Uncomputed`, and refused where a value or a country is read from it (it is not read
as empty).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migcap.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MISSING",
    "Sheet",
    "Uncomputed",
    "computed",
    "find_row",
    "numeric",
    "read_sheet",
    "resolve_areas",
    "sheet_names",
]

#: Cell texts that mean "no value" in the official files ('..' not available; '~' UN DESA's mark
#: for values under five withheld for privacy). Not 'nan': NaN is a number a program wrote, and no
#: publisher's marker; it is refused like infinity.
MISSING = frozenset({"", "..", "...", "…", "~", "n/a", "na", "null", "none", "x"})
_YEAR = re.compile(r"^(19|20)\d\d$")
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")  # a formula element in a worksheet's XML


class Uncomputed(str):
    """A workbook cell holding a formula (its text, e.g. ``'=SUM(B2:B9)'``) saved without its value."""


class _NotFinite(ValueError):
    pass


class _NoValue(ValueError):
    pass


@dataclass(frozen=True)
class Sheet:
    """A worksheet read into memory: rows of cell values (row 1 = ``rows[0]``)."""

    file: str
    name: str | None
    rows: list[tuple[Any, ...]]

    def error(self, message: str, *, row: int | None = None, column: str | None = None,
              value: Any = None, hint: str | None = None) -> InputError:
        """An :class:`InputError` located in this sheet."""
        return InputError(message, file=self.file, sheet=self.name, row=row, column=column, value=value,
                          hint=hint)


def _check_file(path: Path) -> None:
    if not path.exists():
        raise InputError("file not found", file=str(path))
    if path.is_dir():
        raise InputError("is a folder, not a file", file=str(path))


def sheet_names(path: Path) -> list[str]:
    """The sheet names of an .xlsx/.xls workbook."""
    _check_file(path)
    if path.suffix.lower() == ".xls":
        import xlrd

        try:
            return list(xlrd.open_workbook(str(path), on_demand=True).sheet_names())
        except Exception as exc:  # xlrd raises many types on bad files
            raise InputError(f"not a readable .xls workbook ({exc})", file=path.name) from None
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True)
    except Exception as exc:  # openpyxl raises many types on bad files
        raise InputError(f"not a readable .xlsx workbook ({exc.__class__.__name__})",
                         file=path.name) from None
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def read_sheet(path: Path, sheet: str | Sequence[str]) -> Sheet:
    """Read one worksheet (the first of ``sheet`` that exists, if several names are given).

    Raises
    ------
    InputError
        If the file is missing or not a workbook, or has none of the sheets
        (the message lists the sheets it has).
    """
    wanted = [sheet] if isinstance(sheet, str) else list(sheet)
    names = sheet_names(path)
    lower = {n.strip().lower(): n for n in names}
    name = next((lower[w.lower()] for w in wanted if w.lower() in lower), None)
    if name is None:
        raise InputError(
            f"no sheet named {' or '.join(repr(w) for w in wanted)}",
            file=path.name,
            hint=f"the workbook has {', '.join(repr(n) for n in names)}",
        )
    rows = _xls_rows(path, name) if path.suffix.lower() == ".xls" else _xlsx_rows(path, name)
    return Sheet(file=path.name, name=name, rows=rows)


def _xls_rows(path: Path, name: str) -> list[tuple[Any, ...]]:
    """Rows of an .xls sheet; error cells (``#N/A`` …) as their text, not xlrd's internal error codes."""
    import xlrd

    ws = xlrd.open_workbook(str(path)).sheet_by_name(name)
    rows = []
    for i in range(ws.nrows):
        values, types = ws.row_values(i), ws.row_types(i)
        rows.append(tuple(xlrd.error_text_from_code.get(v, "#ERROR") if t == xlrd.XL_CELL_ERROR else v
                          for v, t in zip(values, types, strict=True)))
    return rows


def _xlsx_rows(path: Path, name: str) -> list[tuple[Any, ...]]:
    """Rows of an .xlsx sheet: the saved values, and :class:`Uncomputed` where a formula has none."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb[name]
        rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
        xml_path = getattr(ws, "_worksheet_path", None)
    finally:
        wb.close()
    if xml_path is not None:
        import zipfile

        with zipfile.ZipFile(path) as zf:
            if not _FORMULA.search(zf.read(xml_path)):
                return rows  # no formula in the sheet: nothing more to look at
    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        formulas = [tuple(r) for r in wb[name].iter_rows(values_only=True)]
    finally:
        wb.close()
    # A cell without a saved value that has a formula (text, or an array formula object) is Uncomputed.
    out = []
    for row, frow in zip(rows, formulas, strict=False):
        if any(v is None and f is not None for v, f in zip(row, frow, strict=False)):
            fixed = [Uncomputed(f if isinstance(f, str) else str(getattr(f, "text", None) or "=…"))
                     if v is None and f is not None else v for v, f in zip(row, frow, strict=False)]
            row = (*fixed, *row[len(fixed):])
        out.append(row)
    return out


def computed(value: Any, sheet: Sheet, *, row: int | None, column: str | None) -> Any:
    """The cell value, or an error located at it if it is a formula saved without its value.

    Raises
    ------
    InputError
        For an :class:`Uncomputed` cell.
    """
    if isinstance(value, Uncomputed):
        raise _formula_error(value, sheet, row=row, column=column)
    return value


def _formula_error(value: Uncomputed, sheet: Sheet, *, row: int | None, column: str | None) -> InputError:
    return sheet.error("a formula without a saved value", row=row, column=column, value=str(value),
                       hint="the file was saved by a program that does not compute formulas; open it in "
                            "Excel or LibreOffice and save it again")


def cell_text(value: Any) -> str:
    """A cell as stripped text ('' for empty)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def is_year(value: Any) -> bool:
    """Whether a header cell is a year (1900–2099), as number or text."""
    return bool(_YEAR.match(cell_text(value)))


def find_row(sheet: Sheet, predicate: Callable[[tuple[Any, ...]], bool], what: str, *,
             limit: int = 40) -> int:
    """Index (0-based) of the first row among the first ``limit`` that satisfies ``predicate``.

    Raises
    ------
    InputError
        Naming ``what`` was looked for, if no row matches.
    """
    for i, row in enumerate(sheet.rows[:limit]):
        if predicate(row):
            return i
    raise sheet.error(f"no {what} found in the first {limit} rows", hint="is this the right sheet and file?")


def parse_cell_number(value: Any, *, zero: Iterable[str] = ("-",)) -> float | None:
    """A cell as a number: ``None`` for a missing marker, ``0`` for a zero marker.

    Raises
    ------
    ValueError
        If the cell holds text that is not a number, a number that is not finite (NaN, infinity,
        ``1e400``), or a formula saved without its value.
    """
    if value is None:
        return None
    if isinstance(value, Uncomputed):
        raise _NoValue(value)
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip()
        if text.lower() in MISSING:
            return None
        if text in zero:
            return 0.0
        number = float(text.replace(",", "").replace("\u00a0", "").replace(" ", ""))
    if not math.isfinite(number):
        raise _NotFinite(value)
    return number


def numeric(values: Sequence[Any], *, sheet: Sheet, rows: Sequence[int], column: str,
            zero: Iterable[str] = ("-",)) -> list[float | None]:
    """Convert cells to numbers; text that is not a number is an error at its row and column."""
    zero = tuple(zero)
    out: list[float | None] = []
    for value, row in zip(values, rows, strict=True):
        try:
            out.append(parse_cell_number(value, zero=zero))
        except _NoValue:
            raise _formula_error(value, sheet, row=row, column=column) from None
        except _NotFinite:
            raise sheet.error("not a finite number", row=row, column=column, value=value,
                              hint="missing values are empty cells or '..'") from None
        except (ValueError, OverflowError):
            raise sheet.error("text in a numeric cell", row=row, column=column, value=value) from None
    return out


def resolve_areas(
    values: Sequence[Any],
    *,
    sheet: Sheet,
    rows: Sequence[int],
    column: str,
    aggregates: Callable[[str], bool] = lambda _: False,
) -> tuple[list[str | None], list[str]]:
    """Resolve names or codes to ISO3; aggregates give ``None``; unknown ones are an error.

    Parameters
    ----------
    aggregates
        Predicate telling whether a (non-country) value is an aggregate the
        source publishes (world, regions, income groups) and may be skipped.

    Returns
    -------
    codes
        ISO3 per value, ``None`` for aggregates.
    aggregate_values
        The distinct aggregate values met.

    Raises
    ------
    InputError
        For the first value that is neither a country nor a known aggregate,
        with 'did you mean' suggestions.
    """
    from migcap.geo.countries import country_table

    table = country_table()
    codes: list[str | None] = []
    aggs: dict[str, None] = {}
    cache: dict[str, str | None] = {}
    for value, row in zip(values, rows, strict=True):
        text = cell_text(computed(value, sheet, row=row, column=column))
        if text not in cache:
            code = table.lookup(text)
            if code is None and text in table.special:
                code = text
            cache[text] = code
        code = cache[text]
        if code is None:
            if aggregates(text):
                aggs.setdefault(text)
            else:
                close = table.suggest(text)
                raise sheet.error(
                    "unknown country or area", row=row, column=column, value=text,
                    hint=(f"did you mean {', '.join(close)}? " if close else "")
                    + "add it to aliases.tsv in the data folder if it is a country",
                )
        codes.append(code)
    return codes, list(aggs)


def read_csv_checked(path: Path, *, skiprows: int = 0, sep: str = ",", **kw: Any) -> pd.DataFrame:
    """Read a CSV file as text cells, turning parser failures into an :class:`InputError`."""
    import pandas as pd

    _check_file(path)
    try:
        return pd.read_csv(path, skiprows=skiprows, sep=sep, dtype=str, keep_default_na=False,
                           encoding="utf-8-sig", **kw)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"not a readable CSV file ({str(exc).splitlines()[0]})", file=path.name) from None


def require_columns(columns: Iterable[str], required: Mapping[str, Sequence[str]], *, file: str,
                    sheet: str | None = None, row: int | None = None) -> dict[str, str]:
    """Map each wanted field to the first of its accepted column names present.

    Raises
    ------
    InputError
        Naming the missing field and the columns the file has.
    """
    present = {c.strip().lower(): c for c in columns}
    found: dict[str, str] = {}
    for field, options in required.items():
        hit = next((present[o.lower()] for o in options if o.lower() in present), None)
        if hit is None:
            raise InputError(
                f"missing column {options[0]!r}", file=file, sheet=sheet, row=row,
                hint=f"the columns are {', '.join(repr(c) for c in list(present.values())[:12])}",
            )
        found[field] = hit
    return found
