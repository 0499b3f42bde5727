"""The result table type."""

from __future__ import annotations

import json
import math

import pytest

from migcap.table import Table, format_number


def test_formats() -> None:
    t = Table(("area", "value", "share"), (("World", 280598105.0, 3.5998120638581024), ("None", None, math.nan)),
              title="T", sources=("S",), notes=("N",))
    assert t.to_csv() == "area,value,share\nWorld,280598105,3.599812\nNone,,\n"
    doc = json.loads(t.to_json())
    assert doc["rows"][0] == {"area": "World", "value": 280598105, "share": 3.5998120638581024}
    assert doc["rows"][1]["share"] is None
    assert "| World | 280598105 | 3.599812 |" in t.to_markdown() and "Source: S" in t.to_markdown()
    frame = t.to_frame()
    assert frame.attrs["sources"] == ["S"] and list(frame.columns) == ["area", "value", "share"]
    assert t.where(area="World").column("value") == [280598105.0]


def test_format_number() -> None:
    assert format_number(2.0) == "2" and format_number(0.00012345) == "0.00012345"
    assert format_number(True) == "true" and format_number(None) == ""


def test_terminal_table_moves_notes_below_and_prints_text_literally(capsys: pytest.CaptureFixture[str]) -> None:
    from migcap.cli.output import print_table

    long_note = "not back at the 2019 level by 2022; coverage differs between the baseline and the shock year"
    t = Table(("area_code", "area", "value", "note"),
              (("AFR", "Africa [bold]x[/bold]", 1234567.0, long_note), ("EUR", "Europe", -2.5, None),
               ("OCE", "Oceania", 0.05, long_note), ("ASI", "Asia", 7.0, "no fall")),
              title="Remittances received: the 2020 shock against the pre-shock trend", sources=("S",), notes=("N",))
    print_table(t)
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == t.title                                       # whole, not wrapped to the table's width
    assert any("area_code" in line for line in lines)                 # header not folded
    assert "Africa [bold]x[/bold]" in out                            # text, never rich markup
    rows = {line.split("│")[1].strip(): line for line in lines if line.startswith("│")}
    assert "[1]" in rows["AFR"] and "[1]" in rows["OCE"] and "[2]" in rows["ASI"] and "–" in rows["EUR"]
    assert f"[1] {long_note}" in lines and "[2] no fall" in lines     # each note once, in full
    assert "1,234,567" in rows["AFR"] and "0.05" in rows["OCE"]
    assert lines[-2:] == ["Source: S", "Note: N"]
