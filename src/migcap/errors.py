"""The one error hierarchy of migcap.

Every error that bad input can cause is a :class:`MigcapError`. Its message is a
single line that names *where* the problem is (file, sheet, row, column,
country …) and shows the offending value, so that the CLI can print it as it is
and exit non-zero, without a traceback.

Examples
--------
>>> raise InputError("text in a numeric cell", file="stock.xlsx", sheet="Table 1",
...                  row=17, column="1990", value="n/a")
Traceback (most recent call last):
...
migcap.errors.InputError: stock.xlsx, sheet 'Table 1', row 17, column '1990': text in a numeric cell (value: 'n/a')
"""  # noqa: E501

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ClassificationError",
    "ConflictError",
    "ConvergenceWarning",
    "DataUnavailableError",
    "EditionError",
    "EstimationError",
    "ImportRejected",
    "InputError",
    "InvitationInvalid",
    "MigcapError",
    "NotAuthenticated",
    "NotFound",
    "NotReady",
    "PermissionDenied",
    "Problem",
    "RateLimited",
    "StoreError",
    "UnknownAreaError",
    "UnknownSchemeError",
    "format_location",
]

_MAX_VALUE_CHARS = 60


def _short(value: Any) -> str:
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        with contextlib.suppress(TypeError, ValueError):
            value = value.item()  # numpy scalars print as plain numbers
    text = repr(value)
    if len(text) > _MAX_VALUE_CHARS:
        text = text[: _MAX_VALUE_CHARS - 1] + "…"
    return text


def format_location(
    *,
    file: str | None = None,
    sheet: str | None = None,
    row: int | None = None,
    column: str | None = None,
    country: str | None = None,
) -> str:
    """Return ``"file, sheet 'S', row R, column 'C', country 'X'"`` for the parts given.

    Rows are the numbers a person sees in a spreadsheet or text editor
    (1-based, header included).

    >>> format_location(file="wdi.csv", row=5, column="2009")
    "wdi.csv, row 5, column '2009'"
    """
    parts: list[str] = []
    if file:
        parts.append(str(file))
    if sheet:
        parts.append(f"sheet {sheet!r}")
    if row is not None:
        parts.append(f"row {row}")
    if column is not None:
        parts.append(f"column {column!r}")
    if country:
        parts.append(f"country {country!r}")
    return ", ".join(parts)


class MigcapError(Exception):
    """Base class: an error the user can act on, printed as one line.

    Parameters
    ----------
    message
        What is wrong, in plain words.
    file, sheet, row, column, country
        Where it is wrong; any subset.
    value
        The offending value, shown (shortened) after the message.
    hint
        What to do about it, appended after the message.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        country: str | None = None,
        value: Any = None,
        hint: str | None = None,
    ) -> None:
        self.problem = message
        self.file = file
        self.sheet = sheet
        self.row = row
        self.column = column
        self.country = country
        self.value = value
        self.hint = hint
        where = format_location(file=file, sheet=sheet, row=row, column=column, country=country)
        text = f"{where}: {message}" if where else message
        if value is not None:
            text += f" (value: {_short(value)})"
        if hint:
            text += f"; {hint}"
        super().__init__(" ".join(text.split()))


class InputError(MigcapError):
    """A file or table given to migcap is not in the expected layout or has bad values."""


class ClassificationError(InputError):
    """A country table or region scheme is inconsistent (duplicates, gaps, unknown codes)."""


class UnknownAreaError(MigcapError):
    """A country or region name/code could not be resolved."""

    @classmethod
    def with_suggestions(cls, name: str, suggestions: Iterable[str]) -> UnknownAreaError:
        """Build the error with 'did you mean' suggestions."""
        close = list(suggestions)
        hint = f"did you mean {', '.join(close)}?" if close else None
        return cls(f"unknown country or area {name!r}", hint=hint)


class UnknownSchemeError(MigcapError):
    """A region scheme name or file is unknown."""


class EditionError(MigcapError):
    """An edition of a dataset is unknown or inconsistent."""


class StoreError(MigcapError):
    """The embedded warehouse is missing, locked or damaged."""


class DataUnavailableError(MigcapError):
    """The data needed for a request are missing (year, indicator, area)."""


class NotReady(MigcapError):
    """What a request needs is being prepared (e.g. the projection model is being fitted): ask again in
    ``retry_after`` seconds (``None``: it will not come by waiting, e.g. the preparation failed)."""

    def __init__(self, message: str, *, retry_after: int | None, hint: str | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message, hint=hint)


class EstimationError(MigcapError):
    """An estimation or projection cannot be carried out with the given inputs."""


class ConvergenceWarning(UserWarning):
    """An iterative method stopped before reaching its tolerance."""


@dataclass(frozen=True)
class Problem:
    """One bad value in an imported file.

    Attributes
    ----------
    file, sheet, row, column
        Where it is: for a workbook the sheet and the row number Excel shows; for YAML/JSON
        ``sheet`` is ``None`` and ``row`` is the entry number (1-based).
    value
        What was found.
    message
        What is wrong.
    allowed
        What would be accepted.
    """

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    value: Any
    message: str
    allowed: str = ""

    @property
    def location(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            parts.append(f"row {self.row}" if self.sheet else f"entry {self.row}")
        if self.column:
            parts.append(f"column {self.column!r}" if self.sheet else f"field {self.column!r}")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}"
        if self.value is not None and self.value != "":
            text += f" (value: {_short(self.value)})"
        if self.allowed:
            text += f"; allowed: {self.allowed}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """The problem as a JSON-ready dict."""
        value = self.value if isinstance(self.value, str | int | float | bool) or self.value is None \
            else str(self.value)
        return {"file": self.file, "sheet": self.sheet, "row": self.row, "column": self.column,
                "value": value, "message": self.message, "allowed": self.allowed}


class ImportRejected(InputError):
    """A file was refused as a whole: nothing was imported. ``problems`` lists every bad value."""

    def __init__(self, file: str, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        n = len(self.problems)
        shown = "; ".join(str(p) for p in self.problems[:3])
        more = f"; and {n - 3} more" if n > 3 else ""
        super().__init__(f"nothing imported, {n} problem{'s' if n != 1 else ''}: {shown}{more}", file=file)


class ConflictError(MigcapError):
    """An assessment entry changed since it was read; the change was not saved.

    Attributes
    ----------
    item
        The inventory item of the entry.
    expected, current
        The version the edit was based on, and the version in the database.
    """

    def __init__(self, message: str, *, item: str, expected: int | None, current: int,
                 hint: str | None = None) -> None:
        self.item = item
        self.expected = expected
        self.current = current
        super().__init__(message, hint=hint)


# ---- accounts and access (the web maps them to 401, 403, 404, 429 and 400)


class NotAuthenticated(MigcapError):
    """No valid session or API token, or a wrong email or password."""


class PermissionDenied(MigcapError):
    """The user may see the object but not do this with it (e.g. a viewer editing)."""


class NotFound(MigcapError):
    """No such object — or one the user may not see (the two are never told apart)."""


class RateLimited(MigcapError):
    """Too many failed attempts; ``retry_after`` seconds until the next one is allowed."""

    def __init__(self, message: str, *, retry_after: int, hint: str | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message, hint=hint)


class InvitationInvalid(MigcapError):
    """An invitation link that is unknown, expired, already used or revoked."""
