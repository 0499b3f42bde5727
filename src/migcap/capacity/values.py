r"""The values of an assessment entry, checked in one place: level, date, and the texts (evidence,
notes, who assessed).

Every way in uses these rules: the Python API and the command line (through
:func:`migcap.capacity.assessments.set_item`), the Excel/YAML/JSON import
(:mod:`migcap.capacity.exchange`), the web pages and the API. A date is a calendar day from
:data:`EARLIEST` to tomorrow (a team a time zone ahead may already be there); a level is one of
the scale's (:data:`~migcap.capacity.vocab.LEVEL_LABELS`, by code or by label); a text is
stripped, keeps its line breaks as ``\n``, fits its :data:`MAX_CHARS` and holds no control
characters.

Examples
--------
>>> entry_value("assessed_on", "2025-03-31"), entry_value("level", "good practice")
(datetime.date(2025, 3, 31), 'good_practice')
>>> entry_value("assessed_on", "1850-01-01")
Traceback (most recent call last):
...
migcap.errors.InputError: the date must be between 1990-01-01 and today (value: '1850-01-01')
>>> entry_value("notes", "  two\r\nlines ")
'two\nlines'
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from migcap.errors import InputError

from .vocab import LEVEL_LABELS, parse_level

__all__ = ["EARLIEST", "MAX_CHARS", "NOT_A_DATE", "assessment_date", "assessment_level", "check_date_range",
           "clean_text", "entry_value", "lines", "parse_date", "unfit_text"]

#: The earliest date an assessment entry may carry.
EARLIEST = date(1990, 1, 1)
#: The message for text that is not a date.
NOT_A_DATE = "not a date like 2025-03-31"
#: The longest text of each text field, in characters.
MAX_CHARS = {"evidence": 10_000, "notes": 10_000, "assessor": 200}

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")
# Control characters (tab and line breaks apart), DEL, lone surrogates and the non-characters U+FFFE and
# U+FFFF: no database text, no spreadsheet (XML) and no web page can carry them faithfully.
_UNFIT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def parse_date(value: Any) -> date | None:
    """A calendar day from a date, a datetime or text that starts ``YYYY-MM-DD`` (``None`` or blank:
    no date). The range is not checked (:func:`check_date_range`; both: :func:`assessment_date`).

    Raises
    ------
    InputError
        :data:`NOT_A_DATE`, with the value.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    if not _ISO_DAY.match(text):
        raise InputError(NOT_A_DATE, value=text[:20])
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise InputError(NOT_A_DATE, value=text[:20]) from None


def check_date_range(day: date) -> date:
    """``day`` if it lies from :data:`EARLIEST` to tomorrow (UTC).

    Raises
    ------
    InputError
        Naming the range, with the date.
    """
    if not EARLIEST <= day <= datetime.now(UTC).date() + timedelta(days=1):
        raise InputError(f"the date must be between {EARLIEST.isoformat()} and today", value=day.isoformat())
    return day


def assessment_date(value: Any) -> date | None:
    """The date of an entry: :func:`parse_date`, then :func:`check_date_range`.

    Raises
    ------
    InputError
        If it is not a date or out of range.
    """
    day = parse_date(value)
    return None if day is None else check_date_range(day)


def assessment_level(value: Any) -> str | None:
    """The level code of a level given by code or label (``None`` or blank: not answered).

    Raises
    ------
    InputError
        If unknown; the message lists the levels.
    """
    try:
        return parse_level(value)
    except ValueError:
        shown = value.strip()[:40] if isinstance(value, str) else value
        raise InputError(f"unknown level {shown!r}", hint=f"use one of {', '.join(LEVEL_LABELS.values())}") \
            from None


def lines(value: Any) -> Any:
    """A text with its line breaks as ``\\n``; anything else as it is."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def unfit_text(text: str) -> str | None:
    r"""Why a text cannot be stored (control characters such as NUL), or ``None`` if it can.

    >>> unfit_text("a\tb\nc"), unfit_text("a\x00b")
    (None, 'contains control characters (such as NUL) that text cannot hold')
    """
    if _UNFIT.search(text):
        return "contains control characters (such as NUL) that text cannot hold"
    return None


def clean_text(field_name: str, value: Any) -> str:
    r"""A text field as stored: stripped, with line breaks as ``\n`` (a browser sends ``\r\n``; a
    spreadsheet keeps ``\n``), checked for length (:data:`MAX_CHARS`) and for characters text cannot hold.

    Raises
    ------
    InputError
        Naming the field.

    >>> clean_text("notes", "  two\r\nlines ")
    'two\nlines'
    """
    text = lines("" if value is None else str(value).strip())
    limit = MAX_CHARS.get(field_name)
    if limit is not None and len(text) > limit:
        raise InputError(f"the {field_name} is longer than {limit:,} characters (it has {len(text):,})")
    problem = unfit_text(text)
    if problem:
        raise InputError(f"the {field_name} {problem}")
    return text


def entry_value(field_name: str, value: Any) -> Any:
    """A value of an entry, checked and as stored: ``level`` (:func:`assessment_level`),
    ``assessed_on`` (:func:`assessment_date`), or a text field (:func:`clean_text`).

    Raises
    ------
    InputError
        If the value is not allowed.
    """
    if field_name == "level":
        return assessment_level(value)
    if field_name == "assessed_on":
        return assessment_date(value)
    return clean_text(field_name, value)
