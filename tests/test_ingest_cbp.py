"""US CBP southwest land border encounters reader, on real rows of September 2019 and May 2023
(tests/data/irregular)."""

from __future__ import annotations

from pathlib import Path

import pytest

from migcap.errors import InputError
from migcap.ingest import read
from tests.ingest_fixtures import changed, extract, without

NAME = "cbp_encounters_extract.csv"


def test_areas_summed_and_citizenship_kept() -> None:
    [snap] = read([extract(NAME)], "cbp")
    assert snap.dataset == "border_encounters" and snap.edition == "2023-05"
    d = snap.data.set_index(["year", "month", "citizenship", "component", "encounter_type", "demographic"])[
        "encounters"]
    bp, fo, adults = "U.S. Border Patrol", "Office of Field Operations", "Single Adults"
    assert d[(2023, 5, "VEN", bp, "Apprehensions", adults)] == 3_197 + 9_821  # El Paso + Rio Grande Valley
    assert d[(2023, 5, "VEN", bp, "Expulsions", adults)] == 604 + 4_138
    assert d[(2023, 5, "VEN", fo, "Inadmissibles", adults)] == 843
    assert d[(2023, 5, "OOO", fo, "Expulsions", adults)] == 2  # other countries
    # before October 2019 CBP gave no citizenship: read as UNK
    assert d[(2019, 9, "UNK", bp, "Apprehensions", adults)] == 21_518
    assert snap.data["encounters"].sum() == 45_783  # the eleven rows
    assert snap.provenance.licence.startswith("Public domain")


@pytest.mark.parametrize(("column", "value", "message"), [
    ("n", "-2", r"row 5, column 'n': negative count"),
    ("n", "1e999", r"row 5, column 'n': not a finite number"),
    ("nat", "Narnia", r"row 5, column 'nat': unknown country or area"),
    ("t", "2023-13-01", r"row 5, column 't': not a date"),
    ("component", "", r"row 5, column 'component': empty cell"),
])
def test_bad_cells(tmp_path: Path, column: str, value: str, message: str) -> None:
    with pytest.raises(InputError, match=rf"^{NAME}, {message}"):
        read([changed(NAME, tmp_path, row=3, column=column, value=value)], "cbp")


def test_missing_column(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=rf"^{NAME}, row 1: missing column 'demog'"):
        read([without(NAME, tmp_path, "demog")], "cbp")
