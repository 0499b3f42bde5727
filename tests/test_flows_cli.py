"""``migcap flows``: output, the user's tables, one-line errors, help, lazy imports, mounting."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import subprocess
import sys
from functools import partial
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import typer
from typer.testing import CliRunner

from migcap.cli import tools as cli_tools
from migcap.cli.flows import app, main
from tests.cli import invoke
from tests.test_flows_apply import EX1_FLOWS, PLACES, S1, S2, write_lines, write_square

MIGEST = Path(__file__).parent / "data" / "migest"


run = partial(invoke, main)


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture()
def ex1(tmp_path: Path) -> tuple[Path, Path]:
    return write_square(tmp_path / "s0.csv", S1), write_square(tmp_path / "s1.csv", S2)


# ------------------------------------------------------------------------------------------ real data
def test_one_period_csv_regions_json_and_totals(con: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "estimate", "--period", "2020-2024", "--format", "csv")
    # BES has more foreign born than people in 2024 (IMS 2024 against WPP 2024): the one warning
    assert code == 0 and err.splitlines() == [
        "warning: 2020-2024: ffs_demo: too many births in 'BES'; births subtracted proportionally there"]
    rows = rows_of(out)
    assert list(rows[0]) == ["period", "orig", "dest", "flow"]
    assert {r["period"] for r in rows} == {"2020-2024"}
    country_sum = math.fsum(float(r["flow"]) for r in rows)

    code, out, _ = run(capsys, "estimate", "-p", "2020-2024", "--totals", "-f", "csv")
    assert code == 0
    (total_row,) = rows_of(out)
    total = float(total_row["flow"])
    assert total > 0
    assert country_sum == pytest.approx(total, rel=1e-6)  # CSV rounds each flow to 6 decimals

    code, out, _ = run(capsys, "estimate", "-p", "2020-2024", "--scheme", "wmr2010", "-f", "json")
    assert code == 0
    doc = json.loads(out)
    assert len(doc["rows"]) == 36 and doc["columns"] == ["period", "orig", "dest", "flow"]
    assert math.fsum(r["flow"] for r in doc["rows"]) == pytest.approx(total, rel=1e-9)
    assert any(n.startswith("Regions (wmr2010): AFR Africa;") for n in doc["notes"])


def test_all_periods_with_progress_bar_and_warnings(con: Any, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn

    screen = io.StringIO()
    monkeypatch.setattr(cli_tools, "progress_bar", lambda: Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        console=Console(file=screen, force_terminal=True, width=80), auto_refresh=False))
    code, out, err = run(capsys, "estimate", "--totals", "--format", "csv")
    assert code == 0
    rows = rows_of(out)
    assert [r["period"] for r in rows] == ["1990-1995", "1995-2000", "2000-2005", "2005-2010", "2010-2015",
                                           "2015-2020", "2020-2024"]  # IMS 2024
    assert all(float(r["flow"]) > 0 for r in rows)
    assert "done" in screen.getvalue() and "7/7" in screen.getvalue()
    assert "warning: 1990-1995: ffs_demo: too many births in 'BES'; births subtracted proportionally there" \
        in err.splitlines()


# ------------------------------------------------------------------------------------------ user tables
def test_user_tables_csv(ex1: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "estimate", "--stocks-start", str(ex1[0]), "--stocks-end", str(ex1[1]),
                         "--period", "2010-2020", "--format", "csv")
    assert code == 0 and err == ""
    rows = rows_of(out)
    assert {(r["orig"], r["dest"]): float(r["flow"]) for r in rows} == pytest.approx(EX1_FLOWS, abs=1e-6)
    assert {r["period"] for r in rows} == {"2010-2020"}


def test_user_tables_with_births_deaths_md_and_xlsx(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    args = ["estimate", "--stocks-start", str(MIGEST / "ex3_stock_start.csv"), "--stocks-end",
            str(MIGEST / "ex3_stock_end.csv"), "--births", str(MIGEST / "ex3_births.csv"), "--deaths",
            str(MIGEST / "ex3_deaths.csv")]
    code, out, _ = run(capsys, *args, "--totals", "--format", "md")
    assert code == 0
    assert "| start-end | 4 | 3000 | 445 | 460 | 220 | 160 | 127.693289 | 4.2564 |" in out
    target = tmp_path / "flows.xlsx"
    code, _, _ = run(capsys, *args, "--format", "xlsx", "--out", str(target))
    assert code == 0
    sheet = openpyxl.load_workbook(target)["data"]
    values = list(sheet.values)
    assert values[0] == ("period", "orig", "dest", "flow")
    assert math.fsum(v[3] for v in values[1:]) == pytest.approx(127.693289, abs=1e-6)


def test_user_tables_methods_and_options(ex1: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    base = ["estimate", "--stocks-start", str(ex1[0]), "--stocks-end", str(ex1[1]), "--totals", "-f", "csv"]
    code, out, _ = run(capsys, *base, "--no-stayers")
    assert code == 0
    assert float(rows_of(out)[0]["flow"]) == pytest.approx(880.64, abs=0.005)  # migest README, ex1
    code, out, _ = run(capsys, *base, "--method", "rates", "--total", "1000")
    assert float(rows_of(out)[0]["flow"]) == pytest.approx(1000)
    code, out, _ = run(capsys, *base, "--method", "diff", "--decrease", "zero")
    # increases of the foreign-born stocks only: A->C 50, B->A 25, B->C 25, C->A 10, D->A 20, D->B 20
    assert float(rows_of(out)[0]["flow"]) == pytest.approx(150.0)


# ------------------------------------------------------------------------------------------ errors
@pytest.mark.parametrize(("args", "message"), [
    (["--stocks-start", "{s0}"], "error: --stocks-start and --stocks-end go together"),
    (["--births", "{s0}"], "error: --births and --deaths go with --stocks-start and --stocks-end"),
    (["--stocks-start", "{s0}", "--stocks-end", "{s1}", "--population", "ims"],
     "error: --population applies to the bundled data, not to --stocks-start/--stocks-end"),
    (["--period", "2015"], "error: period '2015' must be two years like 2020-2024"),
    (["--period", "2020-2024", "--method", "ipf"],
     "error: unknown flow method 'ipf'; use one of demo, diff, rates"),
    (["--stocks-start", "{s0}", "--stocks-end", "{s1}", "--format", "xlsx"],
     "error: --format xlsx needs --out FILE.xlsx"),
    (["--stocks-start", "{bad}", "--stocks-end", "{s1}"],
     "error: bad.csv, row 3, column 'A': stock is not a number (value: 'x')"),
    (["--stocks-start", "{s0}", "--stocks-end", "{s1}", "--deaths", "{deaths}"],
     "error: place 'D' is in the stock tables but missing from deaths.csv"),
    (["--stocks-start", "{s0}", "--stocks-end", "{tmp}/missing.csv"], "error: missing.csv: file not found"),
])
def test_errors_are_one_line(con: Any, ex1: tuple[Path, Path], tmp_path: Path,
                             capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    bad = write_lines(tmp_path / "bad.csv", "pob,A,B", "A,1,2", "B,x,4")
    deaths = write_lines(tmp_path / "deaths.csv", "place,value", *(f"{p},1" for p in PLACES[:3]))
    paths = {"s0": ex1[0], "s1": ex1[1], "bad": bad, "deaths": deaths, "tmp": tmp_path}
    code, out, err = run(capsys, "estimate", *(a.format(**paths) for a in args))
    assert code == 1 and out == ""
    assert err.replace(str(tmp_path) + os.sep, "") == message + "\n"


def test_unknown_scheme_and_usage_error(con: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "estimate", "--period", "2020-2024", "--scheme", "continents")
    assert code == 1 and err.startswith("error: unknown scheme 'continents'; choose one of ")
    assert len(err.splitlines()) == 1
    code, _, err = run(capsys, "estimate", "--no-such-option")
    assert code == 2 and "No such option" in err


# ------------------------------------------------------------------------------------------ help, imports
def test_help_explains_every_option() -> None:
    command = typer.main.get_command(app)
    estimate = command.commands["estimate"]  # type: ignore[attr-defined]
    options = [p for p in estimate.params if p.name != "help"]
    assert {p.name for p in options} >= {"period", "method", "scheme", "edition", "fmt", "out",
                                         "stocks_start", "stocks_end", "births", "deaths", "unknown",
                                         "population", "totals"}
    assert all(p.help and len(p.help) > 20 for p in options)
    result = CliRunner().invoke(app, ["estimate", "--help"], terminal_width=200)
    assert result.exit_code == 0
    for option in ("--period", "--method", "--scheme", "--edition", "--format", "--out", "--stocks-start",
                   "--stocks-end", "--births", "--deaths", "--unknown", "--population", "--totals",
                   "--no-stayers", "--decrease", "--total"):
        assert option in result.output


def test_importing_the_cli_loads_neither_numpy_nor_pandas() -> None:
    code = "import sys, migcap.cli.flows; print('numpy' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_mounted_in_a_parent_app(ex1: tuple[Path, Path]) -> None:
    parent = typer.Typer()

    @parent.callback()
    def root() -> None:
        """Parent."""

    parent.add_typer(app, name="flows")
    result = CliRunner().invoke(parent, ["flows", "estimate", "--stocks-start", str(ex1[0]), "--stocks-end",
                                         str(ex1[1]), "--totals", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert rows_of(result.output)[0]["flow"] == "150"
