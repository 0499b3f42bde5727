"""WPP and UNHCR readers (synthetic values in the official layouts)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from migcap.errors import InputError
from migcap.ingest import read
from tests import layouts


@pytest.mark.parametrize("gz", [False, True])
def test_wpp_official_csv(tmp_path: Path, session_store: Path, gz: bool) -> None:
    name = "WPP2024_Demographic_Indicators_Medium.csv" + (".gz" if gz else "")
    [snap] = read([layouts.wpp_official_csv(tmp_path / name, gz=gz)], "wpp")
    assert snap.edition == "2024"
    d = snap.data.set_index(["indicator", "iso3", "year", "variant"])["value"]
    assert d[("net_migration", "KEN", 2023, "estimate")] == pytest.approx(-10_500.0)  # thousands → persons
    assert d[("net_migration", "KEN", 2024, "median")] == pytest.approx(-10_000.0)
    assert d[("cnmr", "KEN", 2024, "median")] == pytest.approx(-0.18)
    assert set(snap.published["code"]) == {"900"}
    assert math.isnan(snap.data["lower80"].iloc[0])


def test_wpp_missing_column(tmp_path: Path, session_store: Path) -> None:
    p = tmp_path / "WPP2024_x.csv"
    p.write_text("LocID,Time,TPopulation1July\n404,2024,1\n")
    with pytest.raises(InputError, match=r"WPP2024_x.csv: missing column 'Variant'"):
        read([p], "wpp")


def test_wpp_unknown_location(tmp_path: Path, session_store: Path) -> None:
    rows = [{"LocID": 899, "Location": "Atlantis", "Variant": "Medium", "Time": 2024,
             "TPopulation1July": 1.0}]
    with pytest.raises(InputError,
                       match=r"row 2, column 'LocID/country_code': unknown location code \(value: 899\)"):
        read([layouts.wpp_official_csv(tmp_path / "WPP2024_a.csv", rows=rows)], "wpp")


def test_wpp_text_in_number(tmp_path: Path, session_store: Path) -> None:
    rows = [{"LocID": 404, "Location": "Kenya", "Variant": "Medium", "Time": 2024, "Births": "many"}]
    with pytest.raises(InputError, match=r"WPP2024_b.csv, row 2, column 'Births': text in a numeric cell"):
        read([layouts.wpp_official_csv(tmp_path / "WPP2024_b.csv", rows=rows)], "wpp")


def test_unhcr_data_finder_csv(tmp_path: Path, session_store: Path) -> None:
    [snap] = read([layouts.unhcr_finder_csv(tmp_path / "population.csv")], "unhcr")
    assert snap.edition == "2024"
    d = snap.data.set_index(["year", "origin", "asylum"])
    assert d.loc[(2024, "SOM", "KEN"), "refugees"] == 300_000
    assert d.loc[(2024, "SOM", "KEN"), "stateless"] == 0  # '-' is zero in UNHCR tables


def test_unhcr_unknown_and_duplicate(tmp_path: Path, session_store: Path) -> None:
    bad = [[2023, "Somalia", "SOM", "Atlantis", "ATL", 1, 0, 0, 0, 0, 0, 0, 0, 0]]
    with pytest.raises(InputError,
                       match=r"p.csv, row 5, column 'Country of asylum \(ISO\)': unknown country"):
        read([layouts.unhcr_finder_csv(tmp_path / "p.csv", rows=bad)], "unhcr")
    dup = [[2023, "Somalia", "SOM", "Kenya", "KEN", 1, 0, 0, 0, 0, 0, 0, 0, 0]] * 2
    with pytest.raises(InputError, match=r"duplicate key \(year=2023, origin=SOM, asylum=KEN\) in rows 5, 6"):
        read([layouts.unhcr_finder_csv(tmp_path / "q.csv", rows=dup)], "unhcr")


def test_unhcr_missing_columns(tmp_path: Path, session_store: Path) -> None:
    p = tmp_path / "r.csv"
    p.write_text("Year,Country of origin (ISO),Country of asylum (ISO)\n2023,SOM,KEN\n")
    with pytest.raises(InputError, match=r"r.csv, row 1: missing column 'refugees'"):
        read([p], "unhcr")
