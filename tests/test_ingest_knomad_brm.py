"""The reader of the KNOMAD/World Bank Bilateral Remittance Matrix: the real layout (a cut of the 2021 file,
tests/data/knomad_brm), the bundled editions' published totals, and refusals of bad input.

SYNTHETIC DATA: the matrices that :func:`tests.layouts.brm_xlsx` writes hold invented numbers (chosen for
hand checks); only their layout — the title row, the orientation text in A2, a WORLD row and column, '-'
cells, notes below — follows the official files.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from migcap.errors import InputError
from migcap.ingest import SOURCES, read
from tests import layouts
from tests.layouts import BRM_CORNER as CORNER
from tests.layouts import BRM_TITLE as TITLE

DATA = Path(__file__).parent / "data" / "knomad_brm"
SHEET = "Matrix"

SMALL = {"Kenya": {"Kenya": None, "Uganda": 2.0, "Tanzania": "-"},
         "Uganda": {"Kenya": 1.0, "Uganda": None, "Tanzania": 0},
         "Tanzania": {"Kenya": 4.0, "Uganda": 0.5, "Tanzania": None}}


def _refused(path: Path, message: str) -> None:
    with pytest.raises(InputError) as exc:
        read([path], "knomad-brm")
    text = str(exc.value)
    assert "\n" not in text
    assert text.startswith(message), text


def test_source_is_listed() -> None:
    assert "knomad-brm" in SOURCES


def test_real_layout_cut_of_the_2021_matrix(session_store: Path) -> None:
    [snap] = read([DATA / "brm2021_cut.xlsx"], "knomad-brm")
    assert snap.dataset == "bilateral_remittances" and snap.edition == "2021"
    prov = snap.provenance
    assert prov.citation == "KNOMAD/World Bank Bilateral Remittance Matrix 2021, December 2022."
    assert str(prov.released) == "2022-12-01" and prov.revision.endswith("December 2022 version")
    assert prov.licence == "CC BY 4.0" and prov.licence_url == "https://creativecommons.org/licenses/by/4.0/"
    assert any("Venezuela" in t for t in prov.transformation)
    d = snap.data.set_index(["origin", "dest"])["remittances_usd_m"]
    # the official cells of the five countries (US$ million)
    assert d[("USA", "MEX")] == pytest.approx(52595.342546182175)
    assert d[("ARE", "IND")] == pytest.approx(19821.051397340067)
    assert d[("USA", "IND")] == pytest.approx(15808.031164243877)
    assert ("IND", "PAK") not in d.index and ("PAK", "IND") not in d.index  # assumed zero, empty cells
    assert len(d) == 10 and set(snap.data["year"]) == {2021}
    pub = snap.published.set_index(["origin", "dest"])["remittances_usd_m"]
    assert pub[("WLD", "WLD")] == pytest.approx(d.sum())
    assert pub[("WLD", "MEX")] == pytest.approx(52595.342546182175)
    assert set(snap.published["name"]) == {"WORLD"}


def test_bundled_editions_keep_the_published_world_totals(con: Any) -> None:
    world = dict(con.execute("SELECT edition, remittances_usd_m FROM bilateral_remittances_published "
                             "WHERE origin = 'WLD' AND dest = 'WLD'").fetchall())
    assert round(world["2021"], 1) == 781075.7
    assert round(world["2017"], 1) == 613465.8
    cells = dict(con.execute("SELECT edition, sum(remittances_usd_m) FROM bilateral_remittances "
                             "GROUP BY edition").fetchall())
    assert cells["2021"] == pytest.approx(781075.7065100862, abs=1e-6)
    # 2017: the WORLD row gives Israel and Lebanon more than their columns (cells Lebanon-Israel are '-')
    assert round(world["2017"] - cells["2017"], 4) == round(1.1994050561791028 + 0.8388245918777102, 4)
    prov = con.execute("SELECT provenance->>'citation', provenance->>'obtained_from' FROM editions "
                       "WHERE dataset = 'bilateral_remittances' AND edition = '2021'").fetchone()
    assert prov[0] == "KNOMAD/World Bank Bilateral Remittance Matrix 2021, December 2022."
    assert "artemdsmirnov" in prov[1]


def test_synthetic_matrix_reads_as_tidy_rows(tmp_path: Path, session_store: Path) -> None:
    path = layouts.brm_xlsx(tmp_path / "m.xlsx", SMALL, extra_sheet=True)
    [snap] = read([path], "knomad-brm")
    assert snap.edition == "2021"
    rows = sorted(map(tuple, snap.data[["origin", "dest", "remittances_usd_m"]].values.tolist()))
    # '-' and 0 cells have no row; only the first sheet is read (the 'remshare' sheet is not a matrix)
    assert rows == [("KEN", "UGA", 2.0), ("TZA", "KEN", 4.0), ("TZA", "UGA", 0.5), ("UGA", "KEN", 1.0)]
    pub = snap.published.set_index(["origin", "dest"])["remittances_usd_m"]
    assert pub[("WLD", "WLD")] == 7.5 and pub[("WLD", "KEN")] == 5.0 and pub[("TZA", "WLD")] == 4.5
    assert snap.provenance.citation == "Synthetic Bilateral Matrix, test."


def test_edition_can_be_named(tmp_path: Path, session_store: Path) -> None:
    path = layouts.brm_xlsx(tmp_path / "m.xlsx", SMALL, title="Bilateral remittances (millions of US$)")
    _refused(path, "m.xlsx, sheet 'Matrix', row 1, column 'A': cannot tell the year")
    [snap] = read([path], "knomad-brm", edition="2019")
    assert snap.edition == "2019" and set(snap.data["year"]) == {2019}


def test_world_total_within_the_tolerance_is_kept_as_published(tmp_path: Path, session_store: Path) -> None:
    # as in the 2017 file (Israel: 990.3752 against 989.18 in its column): 0.1% off, kept as published
    path = layouts.brm_xlsx(tmp_path / "m.xlsx", {"Kenya": {"Kenya": None, "Uganda": 1000.0},
                                          "Uganda": {"Kenya": 10.0, "Uganda": None}},
                   world_row={"Uganda": 1001.0, "WORLD": 1011.0})
    [snap] = read([path], "knomad-brm")
    pub = snap.published.set_index(["origin", "dest"])["remittances_usd_m"]
    assert pub[("WLD", "UGA")] == 1001.0 and snap.data["remittances_usd_m"].sum() == 1010.0


def test_a_missing_total_is_not_published(tmp_path: Path, session_store: Path) -> None:
    path = layouts.brm_xlsx(tmp_path / "m.xlsx", SMALL, world_col={"Uganda": ".."}, world_row={"Kenya": None})
    [snap] = read([path], "knomad-brm")
    pub = snap.published.set_index(["origin", "dest"])["remittances_usd_m"]
    assert ("UGA", "WLD") not in pub.index and ("WLD", "KEN") not in pub.index
    assert pub[("KEN", "WLD")] == 2.0 and pub[("WLD", "WLD")] == 7.5


def test_refuses_a_matrix_whose_rows_and_columns_differ(tmp_path: Path, session_store: Path) -> None:
    cells = {"Kenya": {"Kenya": None, "Uganda": 1.0, "Rwanda": 1.0},
             "Uganda": {"Kenya": 1.0}, "Tanzania": {"Kenya": 1.0}}
    path = layouts.brm_xlsx(tmp_path / "m.xlsx", cells, across=["Kenya", "Uganda", "Rwanda"])
    _refused(path, "m.xlsx, sheet 'Matrix', row 5, column 'A': the matrix is not square: sending country "
                   "'Tanzania' has no column among the receiving countries (value: 'Tanzania')")
    path = layouts.brm_xlsx(tmp_path / "n.xlsx", {"Kenya": {"Uganda": 1.0}, "Uganda": {"Kenya": 1.0}},
                   across=["Kenya", "Uganda", "Rwanda"])
    _refused(path, "n.xlsx, sheet 'Matrix', row 2, column 'D': the matrix is not square: receiving country "
                   "'Rwanda' has no row")


def test_refuses_text_in_a_numeric_cell(tmp_path: Path, session_store: Path) -> None:
    cells = {**SMALL, "Uganda": {"Kenya": "lots"}}
    _refused(layouts.brm_xlsx(tmp_path / "m.xlsx", cells),
             "m.xlsx, sheet 'Matrix', row 4, column 'B': text in a numeric cell (value: 'lots')")


@pytest.mark.parametrize("value", ["inf", "1e400", "nan"])
def test_refuses_infinities(tmp_path: Path, session_store: Path, value: str) -> None:
    cells = {**SMALL, "Tanzania": {"Kenya": 4.0, "Uganda": value}}
    _refused(layouts.brm_xlsx(tmp_path / "m.xlsx", cells),
             f"m.xlsx, sheet 'Matrix', row 5, column 'C': not a finite number (value: '{value}')")


def test_refuses_negative_values(tmp_path: Path, session_store: Path) -> None:
    cells = {**SMALL, "Kenya": {"Uganda": -2.0}}
    _refused(layouts.brm_xlsx(tmp_path / "m.xlsx", cells),
             "m.xlsx, sheet 'Matrix', row 3, column 'C': negative remittances (value: -2); remittances are "
             "amounts ≥ 0 (US$ million)")


def test_refuses_unknown_countries(tmp_path: Path, session_store: Path) -> None:
    # a name is in both the rows and the columns (or the matrix is not square): the header's is met first
    cells = {"Kenya": {"Atlantis": 1.0}, "Atlantis": {"Kenya": 2.0}}
    _refused(layouts.brm_xlsx(tmp_path / "m.xlsx", cells),
             "m.xlsx, sheet 'Matrix', row 2, column 'C': unknown country or area (value: 'Atlantis'); add it "
             "to aliases.tsv in the data folder if it is a country")


def test_refuses_one_country_under_two_names(tmp_path: Path, session_store: Path) -> None:
    cells = {"Turkey": {"Kenya": 1.0}, "Kenya": {"Turkey": 1.0}, "Türkiye": {"Kenya": 1.0}}
    _refused(layouts.brm_xlsx(tmp_path / "m.xlsx", cells),
             "m.xlsx, sheet 'Matrix', row 2, column 'D': 'Türkiye' and 'Turkey' are the same country (TUR)")


def test_refuses_world_totals_that_do_not_add_up(tmp_path: Path, session_store: Path) -> None:
    tol = "tolerance: 0.5% of the total or 0.05 US$ million"
    path = layouts.brm_xlsx(tmp_path / "m.xlsx", SMALL, world_row={"Kenya": 6.0, "WORLD": 8.5})
    _refused(path, "m.xlsx, sheet 'Matrix', row 6, column 'B': WORLD row: the total received by Kenya is 6 "
                   f"but the cells of its column add up to 5 US$ million (value: 6.0); {tol}")
    path = layouts.brm_xlsx(tmp_path / "n.xlsx", SMALL, world_col={"Uganda": 1.2})
    _refused(path, "n.xlsx, sheet 'Matrix', row 4, column 'E': WORLD column: the total sent by Uganda is 1.2 "
                   f"but the cells of its row add up to 1 US$ million (value: 1.2); {tol}")
    path = layouts.brm_xlsx(tmp_path / "o.xlsx", SMALL, world_row={"WORLD": 7.0})
    _refused(path, "o.xlsx, sheet 'Matrix', row 6, column 'E': WORLD row and column: the world total is 7 "
                   "but the country cells add up to 7.5 US$ million")


def test_refuses_no_world_and_the_other_orientation(tmp_path: Path, session_store: Path) -> None:
    path = layouts.brm_xlsx(tmp_path / "m.xlsx", SMALL, corner="Remittance-sending country (across) - "
                                                      "Remittance-receiving country (down)")
    _refused(path, "m.xlsx, sheet 'Matrix', row 2, column 'A': this matrix has the sending countries across")
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append([TITLE])
    ws.append([CORNER, "Kenya", "Uganda"])
    ws.append(["Kenya", None, 1.0])
    ws.append(["Uganda", 2.0, None])
    wb.save(tmp_path / "n.xlsx")
    _refused(tmp_path / "n.xlsx", "n.xlsx, sheet 'Matrix', row 2, column 'C': the header row does not end "
                                  "with a WORLD column")


def test_named_twice(tmp_path: Path, session_store: Path) -> None:
    path = layouts.brm_xlsx(tmp_path / "m.xlsx", SMALL, across=["Kenya", "Uganda", "Kenya"])
    with pytest.raises(InputError, match=re.escape("m.xlsx, sheet 'Matrix', row 2, column 'D': 'Kenya' is "
                                                   "named twice across the columns")):
        read([path], "knomad-brm")
