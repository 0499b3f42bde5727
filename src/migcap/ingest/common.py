"""Helpers shared by the readers: sheets, header rows, numbers and countries, with locations.

Every problem becomes an :class:`~migcap.errors.InputError` naming the file,
sheet, row (as a person sees it in a spreadsheet: 1-based) and column.
"""

from __future__ import annotations

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
    "find_row",
    "numeric",
    "read_sheet",
    "resolve_areas",
    "sheet_names",
]

#: Cell texts that mean "no value" in the official files ('..' not available; '~' UN DESA's mark
#: for values under five withheld for privacy).
MISSING = frozenset({"", "..", "...", "…", "~", "n/a", "na", "nan", "null", "none", "x"})
_YEAR = re.compile(r"^(19|20)\d\d$")


@dataclass(frozen=True)
class Sheet:
    """A worksheet read into memory: rows of cell values (row 1 = ``rows[0]``)."""

    file: str
    name: str | None
    rows: list[tuple[Any, ...]]

    def error(self, message: str, *, row: int | None = None, column: str | None = None,
              value: Any = None, hint: str | None = None) -> InputError:
        """An :class:`InputError` located in this sheet."""
        return InputError(message, file=self.file, sheet=self.name, row=row, column=column, value=value, hint=hint)


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
        raise InputError(f"not a readable .xlsx workbook ({exc.__class__.__name__})", file=path.name) from None
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
    if path.suffix.lower() == ".xls":
        import xlrd

        ws = xlrd.open_workbook(str(path)).sheet_by_name(name)
        rows = [tuple(ws.row_values(i)) for i in range(ws.nrows)]
    else:
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            rows = [tuple(r) for r in wb[name].iter_rows(values_only=True)]
        finally:
            wb.close()
    return Sheet(file=path.name, name=name, rows=rows)


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
        If the cell holds text that is not a number.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        return None if value != value else float(value)
    text = str(value).strip()
    if text.lower() in MISSING:
        return None
    if text in zero:
        return 0.0
    cleaned = text.replace(",", "").replace("\u00a0", "").replace(" ", "")
    return float(cleaned)


def numeric(values: Sequence[Any], *, sheet: Sheet, rows: Sequence[int], column: str,
            zero: Iterable[str] = ("-",)) -> list[float | None]:
    """Convert cells to numbers; text that is not a number is an error at its row and column."""
    zero = tuple(zero)
    out: list[float | None] = []
    for value, row in zip(values, rows, strict=True):
        try:
            out.append(parse_cell_number(value, zero=zero))
        except ValueError:
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
    from migcap.countries import country_table

    table = country_table()
    codes: list[str | None] = []
    aggs: dict[str, None] = {}
    cache: dict[str, str | None] = {}
    for value, row in zip(values, rows, strict=True):
        text = cell_text(value)
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


def frame_from_rows(sheet: Sheet, header_index: int, names: dict[int, str], first_data: int,
                    keep: Callable[[tuple[Any, ...]], bool]) -> pd.DataFrame:
    """A frame of the chosen columns (index → name) of the data rows, with the sheet row in ``_row``."""
    import pandas as pd

    records = []
    for i in range(first_data, len(sheet.rows)):
        row = sheet.rows[i]
        if not keep(row):
            continue
        rec = {name: (row[j] if j < len(row) else None) for j, name in names.items()}
        rec["_row"] = i + 1
        records.append(rec)
    return pd.DataFrame.from_records(records, columns=[*names.values(), "_row"])


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
