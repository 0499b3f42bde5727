"""The result table type."""

from __future__ import annotations

import json
import math
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migcap.table import Table, format_number


def test_formats() -> None:
    t = Table(("area", "value", "share"),
              (("World", 280598105.0, 3.5998120638581024), ("None", None, math.nan)),
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


def test_terminal_table_moves_notes_below_and_prints_text_literally(
        capsys: pytest.CaptureFixture[str]) -> None:
    from migcap.cli.output import print_table

    long_note = "not back at the 2019 level by 2022; coverage differs between the baseline and the shock year"
    t = Table(("area_code", "area", "value", "note"),
              (("AFR", "Africa [bold]x[/bold]", 1234567.0, long_note), ("EUR", "Europe", -2.5, None),
               ("OCE", "Oceania", 0.05, long_note), ("ASI", "Asia", 7.0, "no fall")),
              title="Remittances received: the 2020 shock against the pre-shock trend", sources=("S",),
              notes=("N",))
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


def _table() -> Table:
    return Table(("area_code", "area", "value"), (("AFR", "Africa", 3.0), ("EUR", "Europe", None),
                                                  ("ASI", "Asia", 7.0), ("OCE", "Oceania", 3.0)),
                 title="T", sources=("S",), notes=("N",), units={"value": "persons"})


def _meta(t: Table) -> tuple[object, ...]:
    return t.columns, t.title, t.sources, t.notes, t.units


def test_filter_slice_sort_keep_the_metadata() -> None:
    t = _table()
    kept = t.filter(lambda r: r["area_code"] in {"EUR", "OCE"})
    assert kept.rows == (("EUR", "Europe", None), ("OCE", "Oceania", 3.0)) and _meta(kept) == _meta(t)
    assert t.filter(lambda r: False).rows == () and _meta(t.filter(lambda r: False)) == _meta(t)
    assert t.slice(1, 3).column("area_code") == ["EUR", "ASI"] and _meta(t.slice(1, 3)) == _meta(t)
    assert t.slice(3, 10).column("area_code") == ["OCE"] and t.slice(9).rows == ()
    assert t.head(2).rows == t.rows[:2] and _meta(t.head(2)) == _meta(t)
    by_value = t.sort(lambda r: -(r["value"] or 0))
    assert by_value.column("area_code") == ["ASI", "AFR", "OCE", "EUR"] and _meta(by_value) == _meta(t)
    assert t.sort(lambda r: r["area"], reverse=True).column("area") == ["Oceania", "Europe", "Asia", "Africa"]
    # stable, also reversed: Africa and Oceania (both 3.0) keep their order
    assert t.sort(lambda r: r["value"] or 0, reverse=True).column("area_code") == ["ASI", "AFR", "OCE", "EUR"]
    assert t.rows[0] == ("AFR", "Africa", 3.0)  # the original is unchanged


_cells = st.one_of(st.none(), st.integers(-5, 5), st.sampled_from(["a", "b", "c"]))
_rows = st.lists(st.tuples(st.integers(0, 9), _cells), max_size=30)


@settings(max_examples=200, deadline=None)
@given(rows=_rows, pivot=st.integers(0, 9), start=st.integers(-12, 12), stop=st.integers(-12, 12))
def test_filter_slice_sort_properties(rows: list[tuple[int, object]], pivot: int, start: int,
                                      stop: int) -> None:
    t = Table(("k", "x"), tuple(rows), title="P", sources=("S",), notes=("N",), units={"k": "u"})
    below, rest = t.filter(lambda r: r["k"] < pivot), t.filter(lambda r: not r["k"] < pivot)
    assert Counter(below.rows + rest.rows) == Counter(t.rows)          # every row once
    assert [r for r in t.rows if r[0] < pivot] == list(below.rows)     # in order
    s = t.sort(lambda r: r["k"])
    assert Counter(s.rows) == Counter(t.rows) and s.column("k") == sorted(t.column("k"))
    assert s.rows == tuple(sorted(t.rows, key=lambda r: r[0]))        # stable
    assert t.slice(start, stop).rows == t.rows[start:stop]
    assert all(_meta(x) == _meta(t) for x in (below, rest, s, t.slice(start, stop)))


def test_parquet_keeps_values_types_and_provenance() -> None:
    import io
    import json

    import pyarrow.parquet as pq

    t = Table(("iso3", "year", "value"), (("KEN", 2020, 1.5), ("UGA", 2020, None)), title="Stocks",
              sources=("UN DESA IMS 2024",), notes=("a note",), units={"value": "persons"})
    f = pq.read_table(io.BytesIO(t.to_parquet()))
    assert f.column_names == ["iso3", "year", "value"]
    assert f.to_pylist() == [{"iso3": "KEN", "year": 2020, "value": 1.5}, {"iso3": "UGA", "year": 2020,
                                                                            "value": None}]
    assert str(f.schema.field("year").type) == "int64"
    meta = json.loads(f.schema.metadata[b"migcap"])
    assert meta == {"title": "Stocks", "sources": ["UN DESA IMS 2024"], "notes": ["a note"],
                    "units": {"value": "persons"}}
