"""docs/projections.md is generated: its figures are what the bundled data and the code give today.

The blocks between ``<!-- generated:NAME -->`` markers are recomputed (the default fit with
seed 1, and the backtest) and compared with the document. Only the fitting time (seconds on the
machine that wrote the document) may differ. The model-variant study (``variants``, refits of four
variants, minutes) is left to ``make docs``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from migcap.projections.report import blocks, fill

DOC = Path(__file__).parents[1] / "docs" / "projections.md"
SECONDS = re.compile(r"\d+ s on the machine of")


def _without_timing(text: str) -> str:
    return SECONDS.sub("… s on the machine of", text)


def test_timing_is_the_only_thing_ignored() -> None:
    assert (_without_timing("seed 1, 26 s on the machine of x")
            == _without_timing("seed 1, 7 s on the machine of x"))
    assert _without_timing("seed 1, 26 s") != _without_timing("seed 2, 26 s")


@pytest.mark.slow
def test_projections_doc_is_current(con: Any) -> None:
    doc = DOC.read_text(encoding="utf-8")
    generated = blocks(con, quick=True)
    assert {"fit", "backtest", "headline", "countries"} <= set(generated)
    current = fill(doc, generated)
    assert _without_timing(current) == _without_timing(doc), \
        "docs/projections.md is out of date: run make docs"
