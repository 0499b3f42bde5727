"""IOM Missing Migrants Project reader, on eight real records of June 2023 (tests/data/irregular)."""

from __future__ import annotations

from pathlib import Path

import pytest

from migcap.errors import InputError
from migcap.ingest import read
from tests.ingest_fixtures import changed, extract, without

NAME = "iom_mmp_2023-06_extract.csv"


def test_records_are_summed_by_month_route_and_country() -> None:
    [snap] = read([extract(NAME)], "iom-mmp")
    assert snap.dataset == "missing_migrants" and snap.edition == "2023-06"
    d = snap.data.set_index(["year", "month", "route", "iso3"])
    pylos = d.loc[(2023, 6, "Central Mediterranean Route", "GRC")]
    assert (pylos["dead_and_missing"], pylos["incidents"]) == (646, 1)  # the Pylos shipwreck, 14 June 2023
    libya = d.loc[(2023, 6, "Central Mediterranean Route", "LBY")]
    assert (libya["dead_and_missing"], libya["incidents"]) == (25, 6)  # 20 + 5 × 1
    assert d.loc[(2023, 6, "Undefined", "LBY"), "dead_and_missing"] == 1
    assert snap.data["dead_and_missing"].sum() == 672
    assert snap.provenance.licence == "CC BY 4.0" and snap.provenance.files[0].name == NAME


def test_gzipped_file(tmp_path: Path) -> None:
    path = changed(NAME, tmp_path, row=0, column="dead", value="20", gz=True)
    [snap] = read([path], "iom-mmp", edition="test")
    assert snap.edition == "test" and snap.data["dead_and_missing"].sum() == 672


@pytest.mark.parametrize(("column", "value", "message"), [
    ("dead", "-3", r"row 4, column 'dead': negative count \(value: '-3'"),
    ("dead", "Inf", r"row 4, column 'dead': not a finite number \(value: 'Inf'\)"),
    ("dead", "2.5", r"row 4, column 'dead': count is not a whole number"),
    ("dead", "NA", r"row 4, column 'dead': missing count"),
    ("geo", "XYZ", r"row 4, column 'geo': unknown country or area \(value: 'XYZ'\)"),
    ("t", "June 2023", r"row 4, column 't': not a date"),
])
def test_bad_cells(tmp_path: Path, column: str, value: str, message: str) -> None:
    path = changed(NAME, tmp_path, row=2, column=column, value=value)
    with pytest.raises(InputError, match=rf"^{NAME}, {message}"):
        read([path], "iom-mmp")


def test_missing_column(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=rf"^{NAME}, row 1: missing column 'dead'"):
        read([without(NAME, tmp_path, "dead")], "iom-mmp")


def test_one_file_only() -> None:
    with pytest.raises(InputError, match="iom-mmp data come in one file"):
        read([extract(NAME), extract(NAME)], "iom-mmp")
