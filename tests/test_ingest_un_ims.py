"""UN DESA IMS readers on small workbooks in the official layouts (synthetic values, see layouts.py)."""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl
import pytest

from migcap.errors import InputError
from migcap.ingest import read
from migcap.ingest.un_ims import read_bilateral, read_totals, with_unknown_origin
from tests import layouts


@pytest.mark.parametrize("revision", [2019, 2020])
def test_totals_both_layouts(tmp_path: Path, revision: int, session_store: Path) -> None:
    path = layouts.ims_totals(tmp_path / f"ims{revision}.xlsx", revision=revision)
    [snap] = read_totals(path)
    assert snap.dataset == "migrant_stock"
    assert snap.edition == str(revision)
    last = min(2020, revision)  # the last year of the synthetic workbook
    d = snap.data.set_index(["iso3", "year"])
    assert d.loc[("KEN", last), "migrants"] == 3000
    assert d.loc[("KEN", last), "migrants_male"] == 1600
    assert d.loc[("KEN", last), "migrants_female"] == 1400
    assert d.loc[("KEN", last), "population"] == 80_000  # thousands → persons
    assert d.loc[("KEN", last), "female_pct"] == pytest.approx(1400 / 3000 * 100)
    assert d.loc[("KEN", last), "migrants_pct"] == pytest.approx(3000 / 80_000 * 100)
    assert d.loc[("KEN", last), "type_of_data"] == "B R"
    # '..' is missing, not zero; '~' (withheld, under five) is missing too
    assert math.isnan(d.loc[("SSD", 1990), "migrants"])
    assert math.isnan(d.loc[("UGA", last), "refugees"])
    # a row with no estimate at all (Taiwan) carries no data
    assert "TWN" not in set(snap.data.iso3)
    pub = snap.published.set_index(["code", "year"])
    assert set(pub.index.get_level_values(0)) == {"900", "910"}
    assert pub.loc[("900", 2000), "migrants"] == 3600
    assert snap.provenance.licence == "CC BY 3.0 IGO"
    assert snap.provenance.files[0].sha256 and snap.provenance.rows == len(snap.data)


def test_text_in_numeric_cell_names_file_sheet_row_column(tmp_path: Path, session_store: Path) -> None:
    path = layouts.ims_totals(tmp_path / "ims.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Table 1"]["F14"] = "n/a?"  # Kenya, 1990, both sexes
    wb.save(path)
    with pytest.raises(InputError) as err:
        read_totals(path)
    msg = str(err.value)
    assert msg.startswith("ims.xlsx, sheet 'Table 1', row 14, column 'F (1990, migrants)'")
    assert "text in a numeric cell" in msg and "'n/a?'" in msg
    assert "\n" not in msg


def test_wrong_sheet_lists_the_sheets(tmp_path: Path, session_store: Path) -> None:
    path = layouts.ims_totals(tmp_path / "ims.xlsx")
    wb = openpyxl.load_workbook(path)
    del wb["Table 2"]
    wb.save(path)
    with pytest.raises(InputError,
                       match=r"ims.xlsx: no sheet named 'Table 2'; the workbook has 'Table of contents'"):
        read_totals(path)


def test_renamed_code_column(tmp_path: Path, session_store: Path) -> None:
    path = layouts.ims_totals(tmp_path / "ims.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Table 1"]["D11"] = "Identifier"
    wb.save(path)
    with pytest.raises(InputError, match=r"sheet 'Table 1': no header row with 'Location code' and 'Notes'"):
        read_totals(path)


def test_unknown_location_code(tmp_path: Path, session_store: Path) -> None:
    rows = [*layouts.IMS_ROWS, {**layouts.IMS_ROWS[2], "name": "Atlantis", "code": 999 - 100}]
    path = layouts.ims_totals(tmp_path / "ims.xlsx", rows=rows)
    with pytest.raises(InputError, match=r"row 18, column 'D': unknown location code \(value: 899\)"):
        read_totals(path)


def test_duplicate_country_rows(tmp_path: Path, session_store: Path) -> None:
    rows = [*layouts.IMS_ROWS, {**layouts.IMS_ROWS[2], "stock": {y: (1, 1, 0) for y in layouts.YEARS}}]
    path = layouts.ims_totals(tmp_path / "ims.xlsx", rows=rows)
    with pytest.raises(InputError,
                       match=r"location code 404 appears twice with different values \(rows \[14, 18\]\)"):
        read_totals(path)


def test_not_a_workbook(tmp_path: Path, session_store: Path) -> None:
    path = tmp_path / "stock.xlsx"
    path.write_text("year,stock\n2020,1\n")
    with pytest.raises(InputError, match=r"^stock.xlsx: not a readable .xlsx workbook"):
        read(paths=[path], source="un-ims")


def test_bilateral_wide_with_other_columns(tmp_path: Path, session_store: Path) -> None:
    path = layouts.ims_bilateral_wide(tmp_path / "od.xlsx")
    [snap] = read_bilateral(path)
    d = snap.data.set_index(["year", "dest", "origin"])
    assert d.loc[(2019, "KEN", "SOM"), "migrants"] == 1200
    assert d.loc[(2019, "KEN", "UNK"), "migrants"] == 200  # Other North + Other South
    assert not d["derived"].any()
    assert (1990, "UGA", "SSD") not in d.index  # '..' is not a row
    totals = snap.data.groupby(["year", "dest"]).migrants.sum()
    assert totals[(2019, "KEN")] == 800 + 1200 + 50 + 150


def test_bilateral_without_other_columns_gets_derived_residual(tmp_path: Path, session_store: Path) -> None:
    path = layouts.ims_bilateral_wide(tmp_path / "od.xlsx", with_other=False)
    [snap] = read([path], "un-ims")
    assert snap.dataset == "bilateral_stock"
    unk = snap.data[snap.data.origin == "UNK"].set_index(["year", "dest"])
    # the file's Total (2200 for Kenya in 2019) minus the known origins (800 + 1200)
    assert unk.loc[(2019, "KEN"), "migrants"] == 200
    assert unk.loc[(2019, "UGA"), "migrants"] == 1300 - (300 + 900)
    assert bool(unk["derived"].all())
    sums = snap.data.groupby(["year", "dest"]).migrants.sum()
    assert sums[(1990, "KEN")] == 700 + 900 + 30 + 70


def test_with_unknown_origin_hand_checked() -> None:
    import pandas as pd

    known = pd.DataFrame({"year": [2019, 2019, 2019], "dest": ["KEN", "KEN", "UGA"],
                          "origin": ["UGA", "SOM", "KEN"], "migrants": [10.0, 20.0, 7.0]})
    totals = pd.DataFrame({"iso3": ["KEN", "UGA"], "year": [2019, 2019], "migrants": [35.0, 7.0]})
    out = with_unknown_origin(known, totals)
    unk = out[out.origin == "UNK"]
    assert unk[["dest", "migrants"]].values.tolist() == [["KEN", 5.0]]  # UGA adds up: no residual row
    assert out.groupby("dest").migrants.sum().to_dict() == {"KEN": 35.0, "UGA": 7.0}
