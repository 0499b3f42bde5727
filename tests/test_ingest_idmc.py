"""IDMC reader, on real rows of the flows and the 2024 stocks (tests/data/irregular)."""

from __future__ import annotations

from pathlib import Path

import pytest

from migcap.errors import InputError
from migcap.ingest import read
from tests.ingest_fixtures import changed, extract, without

FLOWS, STOCKS = "idmc_flows_extract.csv", "idmc_stocks_2024_extract.csv"


def test_flows_and_stocks_make_one_edition() -> None:
    [snap] = read([extract(FLOWS), extract(STOCKS)], "idmc")
    assert snap.dataset == "displacement" and snap.edition == "2024"
    d = snap.data.set_index(["iso3", "year", "cause", "hazard"])
    assert d.loc[("AFG", 2022, "conflict", "all"), "new_displacements"] == 32_424
    assert d.loc[("AFG", 2023, "disaster", "earthquake"), "new_displacements"] == 381_172  # Herat, Oct 2023
    pak = snap.data[(snap.data.iso3 == "PAK") & (snap.data.year == 2022) & (snap.data.cause == "disaster")]
    assert pak["new_displacements"].sum() == 8_168_491  # the 2022 floods: 8,163,898 of them
    # stocks: the ten sex-and-age rows of Afghanistan's conflict IDPs, summed by hand
    assert d.loc[("AFG", 2024, "conflict", "all"), "idps"] == 4_186_882
    assert d.loc[("AFG", 2024, "disaster", "all"), "idps"] == 1_270_301
    assert d.loc[("AB9", 2024, "conflict", "all"), "idps"] == 42_000  # Abyei Area, IDMC's own code
    assert snap.provenance.licence == "CC BY 3.0 IGO" and len(snap.provenance.files) == 2


def test_stocks_alone(tmp_path: Path) -> None:
    [snap] = read([extract(STOCKS)], "idmc", edition="2025-05")
    assert snap.edition == "2025-05" and snap.data["new_displacements"].isna().all()
    assert snap.data["idps"].sum() == 4_186_882 + 1_270_301 + 42_000


@pytest.mark.parametrize(("name", "column", "value", "message"), [
    (FLOWS, "n", "-1", r"row 3, column 'n': negative count"),
    (FLOWS, "n", "-Inf", r"row 3, column 'n': not a finite number"),
    (FLOWS, "cause", "tsunami", r"row 3, column 'cause': unknown cause \(value: 'tsunami'\)"),
    (FLOWS, "geo", "Atlantis", r"row 3, column 'geo': unknown country or area"),
    (FLOWS, "t", "22", r"row 3, column 't': not a year"),
    (STOCKS, "cause", "flood", r"row 3, column 'cause': unknown cause"),
])
def test_bad_cells(tmp_path: Path, name: str, column: str, value: str, message: str) -> None:
    with pytest.raises(InputError, match=rf"^{name}, {message}"):
        read([changed(name, tmp_path, row=1, column=column, value=value)], "idmc")


def test_missing_column_duplicates_and_two_flows(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=rf"^{FLOWS}, row 1: missing column 'cause'"):
        read([without(FLOWS, tmp_path, "cause")], "idmc")
    dup = changed(FLOWS, tmp_path, row=1, column="cause", value="conflict")  # AFG 2022 conflict twice
    with pytest.raises(InputError, match=rf"^{FLOWS}, row 2: duplicate displacement figure in rows 2, 3"):
        read([dup], "idmc")
    with pytest.raises(InputError, match=r"a second file of new displacements"):
        read([extract(FLOWS), extract(FLOWS)], "idmc")
