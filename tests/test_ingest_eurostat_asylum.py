"""Eurostat asylum applicants reader, on real rows of 2023 (tests/data/irregular)."""

from __future__ import annotations

from pathlib import Path

import pytest

from migcap.errors import InputError
from migcap.ingest import read
from tests.ingest_fixtures import changed, extract, without

NAME = "eurostat_asylum_2023_extract.csv"


def test_sexes_summed_and_eu27_kept_as_published() -> None:
    [snap] = read([extract(NAME)], "eurostat-asylum")
    assert snap.dataset == "asylum_applications" and snap.edition == "2023"
    d = snap.data.set_index(["year", "dest", "origin"])
    syr = d.loc[(2023, "DEU", "SYR")]
    assert (syr["applicants"], syr["applicants_male"], syr["applicants_female"]) == (104_515, 81_955, 22_550)
    assert d.loc[(2023, "DEU", "STL"), "applicants"] == 360  # stateless
    assert d.loc[(2023, "DEU", "OOO"), "applicants"] == 4_325  # other or unknown, incl. 5 of unknown sex
    assert set(snap.data["dest"]) == {"DEU"}
    pub = snap.published.set_index(["year", "code", "origin"])
    assert pub.loc[(2023, "EU27", "SYR"), "applicants"] == 186_390
    assert pub.loc[(2023, "EU27", "SYR"), "name"].startswith("European Union - 27 countries")
    assert "2011/833/EU" in snap.provenance.licence


@pytest.mark.parametrize(("column", "value", "message"), [
    ("n", "-5", r"row 4, column 'n': negative count"),
    ("n", "inf", r"row 4, column 'n': not a finite number"),
    ("nat", "ZZZ", r"row 4, column 'nat': unknown country or area"),
    ("geo", "EU28", r"row 4, column 'geo': unknown country or area"),
    ("sex", "x", r"row 4, column 'sex': unknown sex"),
])
def test_bad_cells(tmp_path: Path, column: str, value: str, message: str) -> None:
    with pytest.raises(InputError, match=rf"^{NAME}, {message}"):
        read([changed(NAME, tmp_path, row=2, column=column, value=value)], "eurostat-asylum")


def test_missing_column(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=rf"^{NAME}, row 1: missing column 'nat'"):
        read([without(NAME, tmp_path, "nat")], "eurostat-asylum")
