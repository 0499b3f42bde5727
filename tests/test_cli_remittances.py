"""``migcap remittances corridors|matrix`` and ``migcap data import --source knomad-brm``.

SYNTHETIC DATA in the import test: the small matrix of :func:`tests.layouts.brm_xlsx` (invented values).
"""

from __future__ import annotations

import csv
import io
import json
from functools import partial
from pathlib import Path

import openpyxl
import pytest

from migcap.cli import main
from tests import layouts
from tests.cli import invoke
from tests.conftest import snapshot_of

run = partial(invoke, main)


def test_corridors_csv(con: object, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "remittances", "corridors", "--area", "Mexico", "--role", "receiver",
                       "--top", "2", "--edition", "2021", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["origin_code"], r["destination_code"]) for r in rows] == [("USA", "MEX"), ("CAN", "MEX")]
    assert round(float(rows[0]["remittances_usd_m"]), 1) == 52595.3


def test_corridors_table_names_the_source(con: object, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "remittances", "corridors", "-n", "1")
    assert code == 0 and "United States" in out and "Mexico" in out
    assert "Source: KNOMAD / The World Bank, Bilateral Remittance Matrix 2021" in out


def test_matrix_csv_json_xlsx(con: object, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "remittances", "matrix", "--scheme", "wmr2010", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["year", "origin", "destination", "remittances_usd_m"]
    assert round(sum(float(r["remittances_usd_m"]) for r in rows), 1) == 781075.7
    code, out, _ = run(capsys, "remittances", "matrix", "--edition", "2017", "--format", "json")
    doc = json.loads(out)
    assert doc["years"] == [2017] and doc["scheme"] == "wmr2010"
    assert round(sum(r["remittances_usd_m"] for r in doc["matrix"]["rows"]), 1) == 613463.8
    target = tmp_path / "m.xlsx"
    code, _, _ = run(capsys, "remittances", "matrix", "--format", "xlsx", "--out", str(target))
    ws = openpyxl.load_workbook(target).active
    assert code == 0
    assert [c.value for c in ws[1]][:4] == ["year", "origin", "destination", "remittances_usd_m"]


@pytest.mark.parametrize("args,message", [
    (["remittances", "corridors", "--role", "sideways"], "error: unknown role 'sideways'"),
    (["remittances", "corridors", "--edition", "1999"], "error: no edition '1999' of bilateral_remittances"),
    (["remittances", "corridors", "--area", "Atlantis"], "error: unknown area 'Atlantis'"),
    (["remittances", "matrix", "--scheme", "wmr2030"], "error: unknown scheme 'wmr2030'"),
])
def test_errors_are_one_line(con: object, capsys: pytest.CaptureFixture[str], args: list[str],
                             message: str) -> None:
    code, _, err = run(capsys, *args)
    assert code == 1
    assert err.startswith(message) and err.count("\n") == 1


def test_import_a_matrix(private_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cells = {"Kenya": {"Uganda": 2.0}, "Uganda": {"Kenya": 1.0}}
    good = layouts.brm_xlsx(tmp_path / "good.xlsx", cells)
    bad = layouts.brm_xlsx(tmp_path / "bad.xlsx", cells, world_row={"Kenya": 3.0, "WORLD": 5.0})
    before = snapshot_of(private_store)
    code, _, err = run(capsys, "data", "import", str(bad), "--source", "knomad-brm", "--edition", "mine")
    assert code == 1 and err.startswith("error: bad.xlsx, sheet 'Matrix', row 5, column 'B': WORLD row: the "
                                        "total received by Kenya is 3")
    assert snapshot_of(private_store) == before
    code, out, _ = run(capsys, "data", "import", str(good), "--source", "knomad-brm", "--edition", "mine")
    assert code == 0 and out == "Imported bilateral_remittances edition mine: 2 rows.\n"
    code, out, _ = run(capsys, "remittances", "corridors", "--edition", "mine", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["origin_code"], r["destination_code"], r["remittances_usd_m"]) for r in rows] == [
        ("KEN", "UGA", "2"), ("UGA", "KEN", "1")]


def test_corridors_per_migrant_csv_and_xlsx(con: object, capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path) -> None:
    code, out, _ = run(capsys, "remittances", "corridors", "--area", "MEX", "--role", "receiver",
                       "--top", "1", "--per-migrant", "--format", "csv")
    assert code == 0
    (row,) = csv.DictReader(io.StringIO(out))
    assert (row["origin_code"], row["migrants"], row["stock_year"]) == ("USA", "11177052", "2020")
    assert round(float(row["usd_per_migrant"])) == 4706
    target = tmp_path / "per.xlsx"
    code, _, _ = run(capsys, "remittances", "corridors", "--sort", "per_migrant", "--min-migrants", "10000",
                     "--format", "xlsx", "--out", str(target))
    ws = openpyxl.load_workbook(target).active
    assert code == 0 and [c.value for c in ws[1]][-3:] == ["migrants", "stock_year", "usd_per_migrant"]
    code, _, err = run(capsys, "remittances", "corridors", "--min-migrants", "5")
    assert code == 1 and err == "error: --min-migrants needs --per-migrant\n"


def test_change_csv_json(con: object, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "remittances", "change", "--top", "2", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0])[-4:] == ["remittances_2017_usd_m", "remittances_2021_usd_m", "change_usd_m",
                                  "change_pct"]
    assert (rows[0]["origin_code"], rows[0]["destination_code"]) == ("USA", "MEX")
    code, out, _ = run(capsys, "remittances", "change", "--by", "region", "--format", "json")
    doc = json.loads(out)
    assert doc["editions"] == ["2017", "2021"] and doc["by"] == "region"
    world = doc["totals"]["rows"][0]
    assert world["scope"] == "World" and round(world["remittances_2021_usd_m"], 1) == 781075.7
    code, _, err = run(capsys, "remittances", "change", "--from", "2021", "--to", "2021")
    assert code == 1 and err.startswith("error: both editions are 2021")
