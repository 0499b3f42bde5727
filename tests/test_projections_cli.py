"""``migcap project``: output formats, the same seed giving the same numbers, one-line errors.

A short fit is saved as the data folder's model first, so the commands load it instead of
running the full fit (which the benchmark times)."""

from __future__ import annotations

import csv
import io
import json
from functools import partial
from pathlib import Path

import pytest

from migcap.cli.project import app, main
from migcap.projections.data import load_rates
from migcap.projections.fitted import FittedModel, fit_rates
from migcap.projections.model import SamplerSettings
from migcap.projections.store import default_model_path, save_model
from tests.cli import invoke

COLUMNS = ["area_code", "area", "year", "median", "lower80", "upper80", "lower95", "upper95"]


@pytest.fixture(scope="module")
def small(session_store: Path) -> FittedModel:
    import duckdb

    con = duckdb.connect(str(session_store / "warehouse.duckdb"), read_only=True)
    try:
        return fit_rates(load_rates(con),
                         settings=SamplerSettings(chains=2, burnin=150, iterations=300, thin=3), warn=False)
    finally:
        con.close()


@pytest.fixture()
def store(private_store: Path, small: FittedModel) -> Path:
    save_model(small, default_model_path("2024"))
    return private_store


run = partial(invoke, main)


def test_net_migration_csv_and_same_seed(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ("net-migration", "--area", "DEU", "--to", "2050", "--draws", "200", "--seed", "3",
            "--format", "csv")
    code, out, err = run(capsys, *args)
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == COLUMNS
    assert [r["year"] for r in rows] == ["2025", "2030", "2035", "2040", "2045", "2050"]
    assert {r["area_code"] for r in rows} == {"DEU"} and rows[0]["area"] == "Germany"
    assert run(capsys, *args)[1] == out                       # same seed, same numbers
    assert run(capsys, *args[:-4], "--seed", "4", "--format", "csv")[1] != out


def test_world_json_is_zero_and_region_by_name(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "net-migration", "--area", "WLD", "--draws", "100", "--format", "json")
    assert code == 0
    d = json.loads(out)
    assert all(abs(r["median"]) < 1 and abs(r["upper95"]) < 1 for r in d["rows"])
    code, out, _ = run(capsys, "net-migration", "--area", "Northern Africa", "--scheme", "un-subregion",
                       "--draws", "100", "--to", "2030", "--format", "csv")
    assert code == 0 and "Northern Africa" in out


def test_stock_and_scenarios(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "stock", "--area", "EUR", "--draws", "100", "--format", "csv")
    assert code == 0
    assert out.splitlines()[0] == ",".join(COLUMNS)
    code, out, _ = run(capsys, "stock", "--area", "WLD", "--draws", "100", "--scenarios", "--format", "csv")
    assert code == 0
    assert out.splitlines()[0].startswith("area_code,area,scenario,year")
    assert "WMR 2010 method" in out and "constant share" in out and "WPP 2024 net migration" in out
    code, out, _ = run(capsys, "compare", "--draws", "100", "--format", "csv")
    assert code == 0 and "net_migration_wpp" in out.splitlines()[0]


def test_backtest_json_keys(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "backtest", "--format", "json", "--iterations", "200", "--burnin", "100",
                         "--draws", "200")
    assert code == 0
    d = json.loads(out)
    for key in ("coverage50", "coverage80", "coverage95", "width80", "wis", "crps", "mae", "mae_persistence",
                "beats_persistence", "n"):
        assert key in d
    assert d["n"] == 708 and d["design"] == "reference"
    assert "warning: the MCMC has not converged" in err   # 200 iterations, on purpose


def test_backtest_development_json(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "backtest", "--development", "--format", "json", "--iterations", "100",
                       "--burnin", "50", "--draws", "50")
    assert code == 0
    d = json.loads(out)
    assert d["design"] == "development" and d["fit_ends"] == [1990, 1995, 2000] and d["n"] == 1416
    assert [r["set"] for r in d["rows"]][-4:] == ["fit to 1990", "fit to 1995", "fit to 2000", "all"]


def test_backtest_development_refuses_a_fit_end(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "backtest", "--development", "--fit-end", "1995")
    assert code == 2 and "--development" in err and "--fit-end" in err
    code, _, err = run(capsys, "backtest", "--development", "--baselines")
    assert code == 2 and "--baselines" in err


def test_backtest_baselines_csv(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "backtest", "--baselines", "--format", "csv", "--iterations", "100",
                       "--burnin", "50", "--draws", "50")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0])[:3] == ["year", "horizon", "method"]
    assert [r["method"] for r in rows[:4]] == ["model (median)", "constant share of population",
                                                "trend of the share", "WMR 2010 method"]


def test_fit_saves_and_reports(store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "fit", "--iterations", "60", "--burnin", "20", "--thin", "2",
                         "--chains", "2", "--out", str(tmp_path / "m"), "--format", "csv")
    assert code == 0
    assert (tmp_path / "m.npz").is_file() and (tmp_path / "m.json").is_file()
    params = [r["parameter"] for r in csv.DictReader(io.StringIO(out))]
    assert {"lambda", "tau", "eta", "omega", "sigma_mean", "sigma_slope", "sigma_sd", "nu",
            "kappa_sd"} <= set(params)
    assert not {"a", "b"} & set(params)          # the model of version 2 has no inverse-gamma variances
    assert "warning: the MCMC has not converged" in err
    code, out, _ = run(capsys, "net-migration", "--area", "QAT", "--model", str(tmp_path / "m"),
                       "--draws", "50", "--to", "2030", "--format", "csv")
    assert code == 0 and "QAT,Qatar,2030" in out


@pytest.mark.parametrize(("args", "message"), [
    (["net-migration", "--area", "Atlantis"], "error: unknown area 'Atlantis'"),
    (["net-migration", "--to", "2047"], "error: year 2047 does not end a 5-year period"),
    (["stock", "--to", "2200"], "error: year 2200 is out of range"),
    (["net-migration", "--draws", "0"], "error: the number of trajectories must be between 1 and 5000"),
    (["net-migration", "--measure", "speed"], "error: unknown measure 'speed'"),
    (["net-migration", "--model", "/nonexistent/model"], "no saved model here"),
])
def test_errors_are_one_line(store: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                             message: str) -> None:
    code, out, err = run(capsys, *args, "--draws", "50") if "--draws" not in args else run(capsys, *args)
    assert code == 1
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert out == ""


def test_help_explains_every_option() -> None:
    from typer.testing import CliRunner

    runner = CliRunner()
    for command in ("net-migration", "stock", "backtest", "fit", "compare"):
        result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0
        for option in ("--format",) if command != "fit" else ("--iterations", "--out"):
            assert option in result.output
    result = runner.invoke(app, ["net-migration", "--help"], env={"COLUMNS": "200"})
    for option in ("--area", "--scheme", "--to", "--draws", "--seed", "--measure", "--model", "--refit"):
        assert option in result.output


def test_trajectories_csv_and_parquet(store: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Every trajectory: its per-year median and 10% quantile are the projection's, and the Parquet file holds
    the same values with the table's sources and notes (model version, seed, number of trajectories)."""
    import numpy as np
    import pyarrow.parquet as pq

    args = ("stock", "--area", "KEN", "--draws", "150", "--seed", "5", "--to", "2035")
    code, out, _ = run(capsys, *args, "--trajectories", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["area_code", "area", "year", "trajectory", "value"]
    assert len(rows) == 150 * 3 and {r["trajectory"] for r in rows} == {str(i) for i in range(1, 151)}
    _, quant, _ = run(capsys, *args, "--format", "csv")
    for q in csv.DictReader(io.StringIO(quant)):
        values = np.array([float(r["value"]) for r in rows if r["year"] == q["year"]])
        assert float(q["median"]) == pytest.approx(np.median(values), rel=1e-9)
        assert float(q["lower80"]) == pytest.approx(np.quantile(values, 0.1), rel=1e-9)
    path = tmp_path / "ken.parquet"
    code, _, _ = run(capsys, *args, "--trajectories", "--format", "parquet", "--out", str(path))
    assert code == 0
    table = pq.read_table(path)
    # the CSV writes six decimals, the Parquet file every bit
    assert table.column("value").to_pylist() == pytest.approx([float(r["value"]) for r in rows], abs=1e-6)
    meta = json.loads(table.schema.metadata[b"migcap"])
    assert any("International Migrant Stock 2024" in s for s in meta["sources"])
    assert any("150 trajectories, seed 5" in n for n in meta["notes"])
    assert any("model, version" in n for n in meta["notes"])
    code, _, err = run(capsys, *args, "--format", "parquet")
    assert code != 0 and "--format parquet needs --out" in err
    code, _, err = run(capsys, "stock", "--scenarios", "--trajectories")
    assert code == 2 and "--trajectories" in err
