"""One validator for the values of an assessment entry: every way in accepts and refuses the same values.

Before, the Python API (``set_item``) took a date of 1850 that the workbook import refused; now both
(and the web pages and the API, tested in ``test_assess_web_attacks.py``) use
:mod:`migcap.capacity.values`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from migcap.capacity.assessments import KEEP, create_assessment, get_assessment, set_item
from migcap.capacity.exchange import _date
from migcap.capacity.raw import RawDocument, RawRow
from migcap.capacity.values import EARLIEST, assessment_date, entry_value
from migcap.errors import InputError


@pytest.fixture()
def store(private_store: Path) -> Iterator[Path]:
    """A private data folder: its own assessments database, closed afterwards."""
    from migcap import db

    yield private_store
    db.dispose_engines()


def _imported(value: Any) -> tuple[Any, list[str]]:
    """The date as the import reads it from a row, and the problems it notes."""
    doc = RawDocument("entries.xlsx", "Assessment", {}, [])
    row = RawRow(4, {"date": value}, {"date": "J (date)"})
    got = _date(doc, row)
    return got, [p.message for p in doc.problems]


def test_the_python_api_refuses_what_the_import_refuses(store: Path) -> None:
    a = create_assessment("Peru", by="x")
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    for day in ("1850-01-01", date(1850, 1, 1), tomorrow + timedelta(days=2)):
        with pytest.raises(InputError, match="the date must be between 1990-01-01 and today"):
            set_item(a.uid, "LAB-05", level="planned", assessed_on=day, by="x", expected_version=0)
        assert _imported(day)[1] == ["date out of range"]
    assert get_assessment(a.uid).entry("LAB-05").version == 0  # nothing stored
    e = set_item(a.uid, "LAB-05", level="planned", assessed_on="1990-01-01", by="x", expected_version=0)
    assert e.assessed_on == EARLIEST == _imported("1990-01-01")[0]


def test_levels_and_texts_keep_their_rules() -> None:
    assert entry_value("level", " Good  Practice ") == "good_practice"
    assert entry_value("level", "") is None and entry_value("assessed_on", "  ") is None
    with pytest.raises(InputError, match="unknown level 'excellent'"):
        entry_value("level", "excellent")
    with pytest.raises(InputError, match="the assessor is longer than 200 characters"):
        entry_value("assessor", "x" * 201)


@given(st.dates(min_value=date(1800, 1, 1), max_value=date(2200, 12, 31)),
       st.sampled_from(["date", "text", "datetime"]))
def test_every_way_in_agrees_on_every_date(day: date, form: str) -> None:
    value: Any = {"date": day, "text": day.isoformat(),
                  "datetime": datetime(day.year, day.month, day.day, 12)}[form]
    expected = EARLIEST <= day <= datetime.now(UTC).date() + timedelta(days=1)  # the rule, written out
    try:
        assert assessment_date(value) == day
        accepted = True
    except InputError:
        accepted = False
    got, problems = _imported(value)
    assert accepted == expected == (not problems)
    assert got == (day if accepted else KEEP)


@given(st.text(max_size=12))
def test_text_that_is_no_date_is_refused_alike(text: str) -> None:
    try:
        parsed = assessment_date(text)
        refused = False
    except InputError as exc:
        assert "not a date" in str(exc) or "between 1990" in str(exc)
        refused = True
    got, problems = _imported(text)
    assert refused == bool(problems)
    if not refused:
        assert got == parsed
