"""Long CSV tables (one value per row), as the IOM Global Data Institute's data package and most
open-data portals write them: the cells of one column read as counts, dates, codes or labels, each
problem an :class:`~migcap.errors.InputError` naming the file, row (as a spreadsheet shows it: the
header is row 1) and column.

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
>>> _ = p.write_text("geo,t,n\\nKEN,2023-05-01,7\\n")
>>> t = LongCSV.read(p, {"geo": ["geo"], "month": ["t"], "n": ["n"]})
>>> t.codes("geo"), t.months("month"), t.counts("n")
(['KEN'], ([2023], [5]), [7.0])
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from migcap.errors import InputError
from migcap.ingest.common import Sheet, numeric, read_csv_checked, require_columns, resolve_areas

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["LongCSV"]

_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


@dataclass(frozen=True)
class LongCSV:
    """A CSV file read as text cells, with the columns of its fields found.

    Attributes
    ----------
    path
        The file.
    frame
        The cells, as text.
    columns
        Field → the column of the file that holds it.
    rows
        The row number of each record (the first data row is 2).
    """

    path: Path
    frame: pd.DataFrame
    columns: dict[str, str]
    rows: list[int]

    @classmethod
    def read(cls, path: Path, fields: Mapping[str, Sequence[str]]) -> LongCSV:
        """Read ``path`` (CSV, optionally gzipped) and find each field's column.

        Parameters
        ----------
        fields
            Field → accepted column names (first: the name shown if it is missing).

        Raises
        ------
        InputError
            If the file is not a readable CSV, a field's column is missing, or there is no data row.
        """
        frame = read_csv_checked(path, compression="infer")
        cols = require_columns(frame.columns, fields, file=path.name, row=1)
        if frame.empty:
            raise InputError("no data rows below the header", file=path.name, row=1,
                             hint="is the download complete?")
        return cls(path, frame, cols, list(range(2, len(frame) + 2)))

    @property
    def sheet(self) -> Sheet:
        """The file as a :class:`~migcap.ingest.common.Sheet` (for locating errors)."""
        return Sheet(self.path.name, None, [])

    def has(self, columns: Sequence[str]) -> bool:
        """Whether the file has all these columns (case and spaces ignored)."""
        present = {c.strip().lower() for c in self.frame.columns}
        return all(c.lower() in present for c in columns)

    def text(self, field: str) -> list[str]:
        """The cells of a field as stripped text."""
        return [" ".join(str(v).split()) for v in self.frame[self.columns[field]]]

    def counts(self, field: str, *, required: bool = True) -> list[float]:
        """The cells of a field as counts of persons or events: finite, not negative, whole numbers.

        Raises
        ------
        InputError
            For text, an infinity, a negative or fractional number, or (``required``) an empty cell.
        """
        column = self.columns[field]
        cells = self.frame[column].tolist()
        values = numeric(cells, sheet=self.sheet, rows=self.rows, column=column, zero=())
        out: list[float] = []
        for value, row, cell in zip(values, self.rows, cells, strict=True):
            if value is None:
                if required:
                    raise self.sheet.error("missing count", row=row, column=column,
                                           hint="every row needs a number")
                value = float("nan")
            elif value < 0:
                raise self.sheet.error("negative count", row=row, column=column, value=cell,
                                       hint="counts of persons or events are 0 or more")
            elif not float(value).is_integer():
                raise self.sheet.error("count is not a whole number", row=row, column=column, value=cell)
            out.append(value)
        return out

    def months(self, field: str) -> tuple[list[int], list[int]]:
        """The cells of a field as dates (``YYYY-MM-DD`` or ``YYYY-MM``): the years and months.

        Raises
        ------
        InputError
            For a cell that is not such a date.
        """
        column = self.columns[field]
        years: list[int] = []
        months: list[int] = []
        for value, row in zip(self.text(field), self.rows, strict=True):
            m = _DATE.match(value)
            if not m or not 1 <= int(m.group(2)) <= 12 or (m.group(3) and not 1 <= int(m.group(3)) <= 31):
                raise self.sheet.error("not a date", row=row, column=column, value=value,
                                       hint="write dates as YYYY-MM-DD")
            years.append(int(m.group(1)))
            months.append(int(m.group(2)))
        return years, months

    def years(self, field: str) -> list[int]:
        """The cells of a field as years.

        Raises
        ------
        InputError
            For a cell that is not a year.
        """
        column = self.columns[field]
        out: list[int] = []
        for value, row in zip(self.text(field), self.rows, strict=True):
            if not re.fullmatch(r"(19|20)\d\d", value):
                raise self.sheet.error("not a year", row=row, column=column, value=value)
            out.append(int(value))
        return out

    def codes(self, field: str, *, empty: str | None = None) -> list[str]:
        """The cells of a field as ISO3 (or special) codes, through :mod:`migcap.geo.countries`.

        Parameters
        ----------
        empty
            The code of an empty cell; ``None``: an empty cell is an error.

        Raises
        ------
        InputError
            For an unknown country or area (with suggestions), or an empty cell.
        """
        column = self.columns[field]
        values = self.text(field)
        if empty is not None:
            values = [v or empty for v in values]
        codes, _ = resolve_areas(values, sheet=self.sheet, rows=self.rows, column=column)
        return [str(c) for c in codes]

    def labels(self, field: str, allowed: Sequence[str] | None = None) -> list[str]:
        """The cells of a field as labels (not empty; one of ``allowed`` if given, case ignored).

        Raises
        ------
        InputError
            For an empty cell or a label not allowed.
        """
        column = self.columns[field]
        wanted = {a.lower(): a for a in allowed} if allowed is not None else None
        out: list[str] = []
        for value, row in zip(self.text(field), self.rows, strict=True):
            if not value:
                raise self.sheet.error("empty cell", row=row, column=column)
            if wanted is not None:
                if value.lower() not in wanted:
                    raise self.sheet.error(f"unknown {field}", row=row, column=column, value=value,
                                           hint=f"expected one of {', '.join(allowed or ())}")
                value = wanted[value.lower()]
            out.append(value)
        return out
