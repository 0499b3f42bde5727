"""The result table type."""

from __future__ import annotations

import json
import math

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
