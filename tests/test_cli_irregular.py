"""``migcap irregular`` and ``migcap data import --source`` for the irregular-migration sources."""

from __future__ import annotations

import csv
import io
import json
from functools import partial
from pathlib import Path

import openpyxl
import pytest

from migcap.cli import main
from tests.cli import invoke

run = partial(invoke, main)


def test_deaths_csv(con: object, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "irregular", "deaths", "--area", "WLD", "--years", "2023", "-f", "csv")
    [row] = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and row["dead_and_missing"] == "8755" and row["year"] == "2023"


def test_encounters_json_and_displacement_xlsx(con: object, capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    code, out, _ = run(capsys, "irregular", "encounters", "--years", "2023", "--fiscal", "-f", "json")
    doc = json.loads(out)
    assert code == 0 and doc["rows"][0]["encounters"] == 2_475_669
    assert doc["sources"][0].startswith("U.S. Customs and Border Protection")
    target = tmp_path / "d.xlsx"
    code, _, _ = run(capsys, "irregular", "displacement", "-a", "AFR", "-y", "2023-2024", "-f", "xlsx",
                     "-o", str(target))
    ws = openpyxl.load_workbook(target)["data"]
    assert code == 0 and ws.max_row == 3  # header + 2023 + 2024


def test_asylum_table_and_one_line_errors(con: object, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "irregular", "asylum", "--area", "SYR", "--years", "2023")
    assert code == 0 and "189,455" in out
    code, _, err = run(capsys, "irregular", "deaths", "--area", "Atlantis")
    assert code == 1 and err.startswith("error: unknown area 'Atlantis'") and err.count("\n") == 1


def test_import_frontex(private_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """SYNTHETIC Frontex file (real layout, invented values): Frontex data are imported, never bundled."""
    path = tmp_path / "frontex.csv"
    path.write_text("route,type,nat,t,n\nWestern Balkan Route,Land,SYR,2024-02-01,40\n"
                    "Central Mediterranean Route,Sea,BGD,2024-03-01,120\n")
    code, out, _ = run(capsys, "data", "import", str(path), "--source", "frontex")
    assert code == 0 and out == "Imported border_crossings edition 2024-03: 2 rows.\n"
    from migcap.store.warehouse import connect

    assert connect().execute("SELECT sum(detections) FROM border_crossings").fetchone() == (160,)
    bad = tmp_path / "bad.csv"
    bad.write_text("route,type,nat,t,n\nWestern Balkan Route,Land,SYR,2024-02-01,-40\n")
    code, _, err = run(capsys, "data", "import", str(bad), "--source", "frontex")
    assert code == 1 and err == ("error: bad.csv, row 2, column 'n': negative count (value: '-40'); counts "
                                 "of persons or events are 0 or more\n")
