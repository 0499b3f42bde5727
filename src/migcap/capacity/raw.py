"""An assessment file as read, before any check: its metadata and rows, each with where it came from (file,
sheet, row, column), so that every problem found later can name its place. Readers of each format
(:mod:`migcap.capacity.workbook` for Excel, :mod:`migcap.capacity.exchange` for YAML and JSON) make these;
:mod:`migcap.capacity.exchange` checks them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from migcap.errors import Problem

__all__ = ["RawDocument", "RawRow"]


@dataclass
class RawRow:
    """One entry as read from a file, before checking."""

    number: int
    values: dict[str, Any]
    columns: dict[str, str] = field(default_factory=dict)  # field → column name shown to people

    def column(self, name: str) -> str:
        return self.columns.get(name, name)


@dataclass
class RawDocument:
    """A file as read: its metadata and rows, with where they came from."""

    file: str
    sheet: str | None
    meta: dict[str, Any]
    rows: list[RawRow]
    problems: list[Problem] = field(default_factory=list)
    meta_sheet: str | None = None

    def problem(self, row: RawRow | None, column: str | None, value: Any, message: str,
                allowed: str = "") -> None:
        if row is None:
            self.problems.append(Problem(self.file, self.meta_sheet, None, column, value, message, allowed))
        else:
            self.problems.append(Problem(self.file, self.sheet, row.number,
                                         row.column(column) if column else None, value, message, allowed))
