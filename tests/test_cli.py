"""The command line: output formats, one-line errors and exit codes."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from functools import partial
from pathlib import Path

import openpyxl
import pytest

from migcap.cli import main
from tests import layouts
from tests.cli import invoke
from tests.conftest import snapshot_of

run = partial(invoke, main)


def test_stocks_world_csv(con: object, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "stocks", "--by", "world", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["area_code", "area", "year", "migrants", "migrants_male", "migrants_female",
                             "population", "migrants_pct", "female_pct", "refugees", "coverage"]
    # UN DESA, IMS 2024: the world in 1990 and 2024
    assert rows[0]["migrants"] == "153916063" and rows[-1]["migrants"] == "304021813"
    assert rows[-1]["area_code"] == "WLD"


def test_stocks_json_and_xlsx(con: object, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "stocks", "--by", "region", "--scheme", "un-geo", "--year", "2020",
                       "-f", "json")
    doc = json.loads(out)
    assert code == 0 and len(doc["rows"]) == 6 and doc["sources"][0].startswith("United Nations")
    target = tmp_path / "s.xlsx"
    code, _, _ = run(capsys, "stocks", "--by", "country", "--year", "2020", "-f", "xlsx", "-o", str(target))
    ws = openpyxl.load_workbook(target)["data"]
    assert code == 0 and ws.max_row == 1 + 233  # header + the 233 destinations of IMS 2024


def test_user_scheme_file(con: object, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    f = tmp_path / "eac.csv"
    f.write_text("country,code,name\nKenya,EAC,East African Community\nUganda,EAC,East African Community\n"
                 "United Republic of Tanzania,EAC,East African Community\n")
    code, out, _ = run(capsys, "stocks", "--by", "region", "--scheme", str(f), "--year", "2020", "-f", "csv")
    assert code == 0 and out.splitlines()[1].startswith("EAC,East African Community,2020,")


@pytest.mark.parametrize("args,message", [
    (["stocks", "--year", "2021"], "error: no migrant stock for 2021 in edition 2024"),
    (["stocks", "--by", "region", "--scheme", "wmr2030"], "error: unknown scheme 'wmr2030'"),
    (["stocks", "--edition", "1999"], "error: no edition '1999' of migrant_stock"),
    (["stocks", "--format", "pdf"], "error: unknown format 'pdf'"),
    (["stocks", "--coverage", "most"], "error: unknown coverage rule 'most'"),
    (["countries", "resolve", "Atlantis"], "error: unknown country or area 'Atlantis'"),
    (["data", "export", "nonsense"], "error: unknown table 'nonsense'"),
])
def test_errors_are_one_line(con: object, capsys: pytest.CaptureFixture[str], args: list[str],
                             message: str) -> None:
    code, _, err = run(capsys, *args)
    assert code == 1
    assert err.startswith(message) and err.count("\n") == 1


def test_import_bad_file_exit_code_and_untouched_store(private_store: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = layouts.knomad_xlsx(tmp_path / "in.xlsx", rows=[("Kenya", [1.0, "lots"])])
    before = snapshot_of(private_store)
    code, _, err = run(capsys, "data", "import", str(path), "--source", "knomad")
    assert code == 1
    assert err == ("error: in.xlsx, sheet 'Inward remittance flows', row 2, column '2009': text in a numeric "
                   "cell (value: 'lots')\n")
    assert snapshot_of(private_store) == before


def test_usage_error_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "data", "import", "x.xlsx")
    assert code == 2 and "--source" in err


def test_help_explains_every_option() -> None:
    out = subprocess.run([sys.executable, "-m", "migcap.cli", "stocks", "--help"], capture_output=True,
                         text=True, check=True).stdout
    for option in ("--by", "--scheme", "--year", "--edition", "--coverage", "--format", "--out"):
        assert option in out


def test_top_level_help_groups_every_command_by_what_it_is_for() -> None:
    from migcap.cli.options import CAPACITIES, DATA, DELIVERY, EVIDENCE, FUTURE

    out = subprocess.run([sys.executable, "-m", "migcap.cli", "--help"], capture_output=True, text=True,
                         check=True, env={**os.environ, "COLUMNS": "120"}).stdout
    panels = [EVIDENCE, CAPACITIES, DELIVERY, FUTURE, DATA]
    at = [out.index(p) for p in panels]
    assert at == sorted(at) and "─ Commands ─" not in out       # no command left outside a panel
    for panel, commands in zip(panels, (("stocks", "overview", "matrix", "crisis", "facts", "remittances"),
                                        ("review", "recommend", "profile", "inventory", "assess"),
                                        ("report", "serve"), ("flows", "project"),
                                        ("data", "countries", "schemes", "db", "users")), strict=True):
        start = out.index(panel)
        end = min((i for i in at if i > start), default=len(out))
        for c in commands:
            assert f"│ {c} " in out[start:end], (panel, c)


def test_countries_resolve(capsys: pytest.CaptureFixture[str], session_store: Path) -> None:
    code, out, _ = run(capsys, "countries", "resolve", "Ivory Coast", "384")
    assert code == 0 and out == "Ivory Coast\tCIV\tCôte d'Ivoire\n384\tCIV\tCôte d'Ivoire\n"


def test_overview_matrix_crisis_facts_commands(con: object, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "overview", "--area", "KEN", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["area"] == {"kind": "country", "code": "KEN", "name": "Kenya"}
    assert {"stock_trend", "top_origins", "emigrant_destinations", "remittances_trend",
            "crisis"} <= set(doc["sections"])
    code, out, _ = run(capsys, "matrix", "--scheme", "wmr2010", "--year", "2019", "--edition", "2019",
                       "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and list(rows[0]) == ["year", "origin", "destination", "migrants"]
    assert sum(float(r["migrants"]) for r in rows) == 271_642_105  # IMS 2019 world total, 2019
    code, out, _ = run(capsys, "matrix", "--scheme", "wmr2010", "--year", "2019", "--edition", "2019",
                       "--format", "md")
    lines = out.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("| origin ↓ / destination → |"))
    assert lines[head].endswith("| Africa | Americas | Asia | Europe | Middle East | Oceania "
                                "| all destinations |")
    matrix_rows = {c[0]: c[1:] for c in ([x.strip() for x in line.strip("|").split("|")]
                                         for line in lines[head + 2:head + 10])}
    assert list(matrix_rows)[-2:] == ["Unknown origin", "All origins"]
    assert float(matrix_rows["All origins"][-1]) == 271_642_105
    cell = {(r["origin"], r["destination"]): float(r["migrants"]) for r in rows}
    assert float(matrix_rows["Asia"][4]) == cell[("Asia", "Middle East")]
    assert float(matrix_rows["Asia"][-1]) == sum(v for (o, _), v in cell.items() if o == "Asia")
    code, out, _ = run(capsys, "crisis", "--indicator", "remittances_received", "--shock", "2009",
                       "--by", "world", "--format", "csv")
    row = next(csv.DictReader(io.StringIO(out)))
    assert code == 0 and row["area_code"] == "WLD" and row["recovery_year"] == "2010"
    code, out, _ = run(capsys, "crisis", "--by", "region", "--format", "json")
    assert code == 0 and "decomposition" in json.loads(out)
    code, out, _ = run(capsys, "crisis", "--shock", "2020", "--through", "2023", "--by", "region",
                       "--format", "csv")
    path = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(path) == 6 * 4 and {r["year"] for r in path} == {"2020", "2021", "2022", "2023"}
    code, _, err = run(capsys, "crisis", "--shock", "2020", "--through", "2018")
    assert code == 1 and err == "error: --through 2018 is before the shock year 2020\n"
    code, out, _ = run(capsys, "data", "aggregates", "--format", "csv")
    agg = {(r["aggregate_code"], r["year"]): r for r in csv.DictReader(io.StringIO(out))}
    assert code == 0 and float(agg[("WLD", "2021")]["published"]) == pytest.approx(735.2e9, rel=1e-4)
    code, out, _ = run(capsys, "facts", "--area", "WLD", "--year", "2020")  # IMS 2024's revised 2020
    assert code == 0 and out.startswith("In 2020 there were 275.3 million international migrants")
    code, out, _ = run(capsys, "facts", "--area", "WLD")
    assert code == 0 and out.startswith("In 2024 there were 304.0 million international migrants")
    code, _, err = run(capsys, "overview", "--area", "Atlantis")
    assert code == 1 and err.startswith("error: unknown area 'Atlantis'")
