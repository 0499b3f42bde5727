"""Impossible values are refused, in every source, naming file, sheet, row, column and value.

Each dataset's valid values are data in ``migcap/datasets.py`` (non-negative counts, whole numbers where
the publisher gives whole numbers, finite numbers, years in the dataset's range), checked in one place
(``Snapshot.validated``) that every reader's output passes through. Synthetic values in the official
layouts (see layouts.py).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from migcap.cli import main
from migcap.errors import InputError
from migcap.ingest import read
from migcap.provenance import today
from tests import layouts
from tests.cli import invoke
from tests.conftest import snapshot_of

UNHCR_ROW = [2023, "Somalia", "SOM", "Kenya", "KEN", 280000, 20000, 0, 0, 0, 0, 0, 0, 0]


def _ims(tmp_path: Path, sheet: str, cell: str, value: Any) -> Path:
    path = layouts.ims_totals(tmp_path / "ims.xlsx")
    wb = openpyxl.load_workbook(path)
    wb[sheet][cell] = value
    wb.save(path)
    return path


def _refused(paths: list[Path], source: str, message: str, **kw: Any) -> None:
    with pytest.raises(InputError) as err:
        read(paths, source, **kw)
    assert str(err.value) == message


def _unhcr(tmp_path: Path, **changes: Any) -> Path:
    row = list(UNHCR_ROW)
    for index, value in changes.items():
        row[int(index.removeprefix("c"))] = value
    return layouts.unhcr_finder_csv(tmp_path / "population.csv", rows=[row])


# ------------------------------------------------------------------------------------- negative counts


@pytest.mark.parametrize(("sheet", "cell", "value", "message"), [
    ("Table 1", "F14", -5, "ims.xlsx, sheet 'Table 1', row 14, column 'F (1990, migrants)': migrants is "
     "below 0 (iso3=KEN, year=1990) (value: -5); allowed: whole numbers ≥ 0"),
    ("Table 2", "G14", -70, "ims.xlsx, sheet 'Table 2', row 14, column 'G (2000, population)': population is "
     "below 0 (iso3=KEN, year=2000) (value: -70000.0); allowed: numbers ≥ 0"),  # thousands → persons
    ("Table 6", "H14", -1, "ims.xlsx, sheet 'Table 6', row 14, column 'H (2020, refugees)': refugees is "
     "below 0 (iso3=KEN, year=2020) (value: -1); allowed: whole numbers ≥ 0"),
    ("Table 3", "F14", 101, "ims.xlsx, sheet 'Table 3', row 14, column 'F (1990, migrants_pct)': "
     "migrants_pct is above 100 (iso3=KEN, year=1990) (value: 101.0); allowed: numbers from 0 to 100"),
])
def test_ims_impossible_values(tmp_path: Path, session_store: Path, sheet: str, cell: str, value: Any,
                               message: str) -> None:
    _refused([_ims(tmp_path, sheet, cell, value)], "un-ims", message)


def test_negative_refugees_unhcr(tmp_path: Path, session_store: Path) -> None:
    _refused([_unhcr(tmp_path, c5=-7)], "unhcr", "population.csv, row 5, column \"Refugees under UNHCR's "
             "mandate\": refugees is below 0 (year=2023, origin=SOM, asylum=KEN) (value: -7); "
             "allowed: whole numbers ≥ 0")


def test_negative_remittances_knomad_second_file(tmp_path: Path, session_store: Path) -> None:
    inflow = layouts.knomad_xlsx(tmp_path / "in.xlsx")
    outflow = layouts.knomad_xlsx(tmp_path / "out.xlsx", "outflows", rows=[("World", [10.0, 12.0]),
                                                                           ("Kenya", [0.2, -3])])
    _refused([inflow, outflow], "knomad", "out.xlsx, sheet 'Outward remittance flows', row 4, column '2009': "
             "outflow_usd is below 0 (iso3=KEN, year=2009) (value: -3000000.0); allowed: numbers ≥ 0")


def test_wdi_rules_by_indicator(tmp_path: Path, session_store: Path) -> None:
    remit = layouts.wdi_xlsx(tmp_path / "remit.xlsx",
                             rows=[("Kenya", "KEN", "BX.TRF.PWKR.CD.DT", {2009: -1.0})])
    _refused([remit], "wdi", "remit.xlsx, sheet 'Data', row 5, column '2009': value is below 0 "
             "(indicator=BX.TRF.PWKR.CD.DT, iso3=KEN, year=2009) (value: -1.0); allowed: numbers ≥ 0")
    long = tmp_path / "pop.csv"
    long.write_text("Country Name,Country Code,Year,Value\nKenya,KEN,2019,54000000\nKenya,KEN,2020,-5\n")
    _refused([long], "wdi", "pop.csv, row 3, column 'Value': value is below 0 (indicator=SP.POP.TOTL, "
             "iso3=KEN, year=2020) (value: -5); allowed: whole numbers ≥ 0",
             indicator="SP.POP.TOTL", edition="2025-07")
    # net migration has either sign: an indicator without a rule takes any finite number
    [snap] = read([layouts.wdi_xlsx(tmp_path / "netm.xlsx",
                                    rows=[("Kenya", "KEN", "SM.POP.NETM", {2009: -1.0})])], "wdi")
    assert snap.data["value"].tolist() == [-1.0]


def test_wpp_negative_births_but_negative_net_migration(tmp_path: Path, session_store: Path) -> None:
    rows = [{"LocID": 404, "Location": "Kenya", "Variant": "Medium", "Time": 2030, "Births": -1.0,
             "NetMigrations": -10.0}]
    _refused([layouts.wpp_official_csv(tmp_path / "WPP2024_b.csv", rows=rows)], "wpp",
             "WPP2024_b.csv, row 2, column 'Births': value is below 0 (indicator=births, iso3=KEN, "
             "year=2030, variant=median) (value: -1000.0); allowed: numbers ≥ 0")
    rows[0]["Births"] = 1.0
    [snap] = read([layouts.wpp_official_csv(tmp_path / "WPP2024_c.csv", rows=rows)], "wpp")
    assert snap.data.set_index("indicator").loc["net_migration", "value"] == -10_000.0


def test_bilateral_negative_stock_but_a_derived_residual_may_be(tmp_path: Path, session_store: Path) -> None:
    path = layouts.ims_bilateral_wide(tmp_path / "od.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Table 1"]["J18"] = -4
    wb.save(path)
    _refused([path], "un-ims", "od.xlsx, sheet 'Table 1', row 18, column 'J (Kenya)': migrants is below 0 "
             "(year=2019, dest=KEN, origin=KEN) (value: -4); allowed: whole numbers ≥ 0 "
             "(derived rows: any sign)")
    # known origins above the total (in the file without 'Other' columns): the residual is negative, as
    # documented
    path = layouts.ims_bilateral_wide(tmp_path / "od2.xlsx", with_other=False)
    wb = openpyxl.load_workbook(path)
    wb["Table 1"]["G18"] = 1500  # Kenya's total, 2019, below Uganda 800 + Somalia 1200
    wb.save(path)
    [snap] = read([path], "un-ims")
    unk = snap.data.set_index(["year", "dest", "origin"]).loc[(2019, "KEN", "UNK")]
    assert unk["migrants"] == 1500 - 2000 and unk["derived"]


# ----------------------------------------------------------------------------------------- not finite


@pytest.mark.parametrize("text", ["inf", "-Infinity", "1e400", "NaN", "nan"])
def test_not_finite_numbers_in_cells(tmp_path: Path, session_store: Path, text: str) -> None:
    _refused([_ims(tmp_path, "Table 1", "F14", text)], "un-ims",
             f"ims.xlsx, sheet 'Table 1', row 14, column 'F (1990, migrants)': not a finite number "
             f"(value: {text!r}); missing values are empty cells or '..'")
    _refused([_unhcr(tmp_path, c6=text)], "unhcr", "population.csv, row 5, column 'Asylum-seekers': not a "
             f"finite number (value: {text!r}); missing values are empty cells or '..'")


def test_a_finite_number_that_is_not_once_converted(tmp_path: Path, session_store: Path) -> None:
    path = layouts.knomad_xlsx(tmp_path / "in.xlsx", rows=[("Kenya", [1.0, 1e308])])  # US$ million × 1e6
    _refused([path], "knomad", "in.xlsx, sheet 'Inward remittance flows', row 2, column '2009': inflow_usd "
             "is not a finite number once converted (iso3=KEN, year=2009) (value: inf); allowed: numbers ≥ 0")


def test_nan_and_infinity_in_world_bank_json(tmp_path: Path, session_store: Path) -> None:
    for literal in ("NaN", "Infinity"):
        path = tmp_path / "api.json"
        path.write_text('[{"page": 1, "lastupdated": "2025-07-01"}, [{"indicator": {"id": "SP.POP.TOTL"}, '
                        '"countryiso3code": "KEN", "date": "2019", "value": 1}, {"indicator": {"id": '
                        f'"SP.POP.TOTL"}}, "countryiso3code": "KEN", "date": "2020", "value": {literal}}}]]')
        with pytest.raises(InputError, match=r"^api.json, row 2, column 'value': not a finite number"):
            read([path], "wdi")


# ------------------------------------------------------------------------------------- whole numbers


def test_fractions_of_persons(tmp_path: Path, session_store: Path) -> None:
    _refused([_unhcr(tmp_path, c5=1.5)], "unhcr", "population.csv, row 5, column \"Refugees under UNHCR's "
             "mandate\": refugees is not a whole number (year=2023, origin=SOM, asylum=KEN) (value: 1.5); "
             "allowed: whole numbers ≥ 0")
    _refused([_ims(tmp_path, "Table 6", "G14", 1.5)], "un-ims", "ims.xlsx, sheet 'Table 6', row 14, column "
             "'G (2000, refugees)': refugees is not a whole number (iso3=KEN, year=2000) (value: 1.5); "
             "allowed: whole numbers ≥ 0")


def test_spreadsheet_noise_is_a_whole_number_kept_as_published(tmp_path: Path, session_store: Path) -> None:
    # IMS 2019, Table 1, Andorra 1990: the official workbook holds 38891.00000000001
    [snap] = read([_ims(tmp_path, "Table 1", "F14", 38891.00000000001)], "un-ims")
    assert snap.data.set_index(["iso3", "year"]).loc[("KEN", 1990), "migrants"] == 38891.00000000001


# ---------------------------------------------------------------------------------------------- years


def test_years_in_each_datasets_range(tmp_path: Path, session_store: Path) -> None:
    year = today().year  # an edition named '99999' is not released after the day its file was read
    _refused([_unhcr(tmp_path, c0=99999)], "unhcr", "population.csv, row 5, column 'Year': year is "
             f"above {year} (origin=SOM, asylum=KEN) (value: 99999); allowed: unhcr years are 1951 to the "
             f"edition's release year, {year}")
    _refused([_unhcr(tmp_path, c0=1950)], "unhcr", "population.csv, row 5, column 'Year': year is below 1951 "
             "(origin=SOM, asylum=KEN) (value: 1950); allowed: unhcr years are 1951 to the edition's release "
             "year, 1950")
    rows = [{"LocID": 404, "Location": "Kenya", "Variant": "Medium", "Time": 2101, "TPopulation1July": 1.0}]
    _refused([layouts.wpp_official_csv(tmp_path / "WPP2024_a.csv", rows=rows)], "wpp",
             "WPP2024_a.csv, row 2, column 'Time': year is above 2100 (indicator=population, iso3=KEN, "
             "variant=median) (value: 2101); allowed: wpp years are 1950 to 2100")
    wdi = layouts.wdi_xlsx(tmp_path / "w.xlsx",
                           rows=[("Kenya", "KEN", "SM.POP.NETM", {1959: -1.0, 1960: 1.0})])
    _refused([wdi], "wdi", "w.xlsx, sheet 'Data', row 5, column '1959': year is below 1960 "
             "(indicator=SM.POP.NETM, iso3=KEN) (value: 1959); allowed: wdi years are 1960 to the "
             "edition's release year, 2025")
    long = tmp_path / "long.csv"
    long.write_text("Country Name,Country Code,Year,Value\nKenya,KEN,2019.5,5\n")
    _refused([long], "wdi", "long.csv, row 2, column 'Year': year is not a whole number "
             "(indicator=SP.POP.TOTL, iso3=KEN) (value: 2019.5); allowed: wdi years are 1960 to the "
             "edition's release year, 2025",
             indicator="SP.POP.TOTL", edition="2025-07")


def test_ims_years_end_with_the_revision(tmp_path: Path, session_store: Path) -> None:
    # a 2019 workbook, with 2020
    path = layouts.ims_totals(tmp_path / "ims.xlsx", revision=2019, last_year=2020)
    _refused([path], "un-ims", "ims.xlsx, sheet 'Table 1', row 19, column 'H (2020, migrants)': year is "
             "above 2019 (iso3=KEN) (value: 2020); allowed: migrant_stock years are 1990 to the edition's "
             "release year, 2019; 2 more values of year like it")


# ------------------------------------------------------------------------------------------- formulas


def test_formulas_are_read_as_their_saved_values(tmp_path: Path, session_store: Path) -> None:
    # as in the IMS 2019 workbook: sort orders '=+A13+1' and, here, a value computed by a formula
    path = layouts.with_formulas(layouts.ims_totals(tmp_path / "ims.xlsx", revision=2019), "Table 1", {
        "A19": ("=+A18+1", 3), "F19": ("=1000+1000", 2000)})
    [snap] = read([path], "un-ims")
    assert snap.data.set_index(["iso3", "year"]).loc[("KEN", 1990), "migrants"] == 2000


def test_a_formula_without_a_saved_value_is_refused_where_a_value_is_read(tmp_path: Path,
                                                                         session_store: Path) -> None:
    # written by a program that does not compute formulas (openpyxl): sort orders may lack values …
    path = layouts.with_formulas(layouts.ims_totals(tmp_path / "ims.xlsx"), "Table 1", {
        "A14": ("=+A13+1", None), "A15": ("=+A14+1", None)})
    [snap] = read([path], "un-ims")
    assert snap.data.set_index(["iso3", "year"]).loc[("KEN", 1990), "migrants"] == 2000
    # … a value may not: it is not read as missing
    layouts.with_formulas(path, "Table 1", {"G14": ("=SUM(F14:F14)", None)})
    _refused([path], "un-ims", "ims.xlsx, sheet 'Table 1', row 14, column 'G (2000, migrants)': a formula "
             "without a saved value (value: '=SUM(F14:F14)'); the file was saved by a program that does not "
             "compute formulas; open it in Excel or LibreOffice and save it again")


def test_knomad_formula_country_cells(tmp_path: Path, session_store: Path) -> None:
    # with saved values they are the countries' names; without, the file is refused (not an empty edition)
    path = layouts.with_formulas(layouts.knomad_xlsx(tmp_path / "in.xlsx"), "Inward remittance flows", {
        "A2": ("=Names!A1", "Kenya"), "A3": ("=Names!A2", "Uganda")})
    [snap] = read([path], "knomad")
    assert sorted(set(snap.data["iso3"])) == ["KEN", "UGA"]
    path = layouts.with_formulas(layouts.knomad_xlsx(tmp_path / "in2.xlsx"), "Inward remittance flows", {
        "A2": ("=Names!A1", None), "A3": ("=Names!A2", None)})
    _refused([path], "knomad", "in2.xlsx, sheet 'Inward remittance flows', row 2, column 'A': a formula "
             "without a saved value (value: '=Names!A1'); the file was saved by a program that does not "
             "compute formulas; open it in Excel or LibreOffice and save it again")


def test_xls_error_cells_are_text_not_numbers(tmp_path: Path, session_store: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """xlrd gives an error cell (#N/A) as its internal code (42), which would read as the number 42."""
    import xlrd

    from migcap.ingest.common import read_sheet

    class Sheet:
        nrows = 1

        def row_values(self, i: int) -> list[Any]:
            return ["Kenya", 42, 42.0]

        def row_types(self, i: int) -> list[int]:
            return [xlrd.XL_CELL_TEXT, xlrd.XL_CELL_ERROR, xlrd.XL_CELL_NUMBER]

    class Book:
        def sheet_names(self) -> list[str]:
            return ["Data"]

        def sheet_by_name(self, name: str) -> Sheet:
            return Sheet()

    path = tmp_path / "remit.xls"
    path.write_bytes(b"an .xls file")
    monkeypatch.setattr(xlrd, "open_workbook", lambda *a, **k: Book())
    assert read_sheet(path, "Data").rows == [("Kenya", "#N/A", 42.0)]


# ----------------------------------------------------------------------------- duplicates, empty edition


def test_ims_country_listed_twice_even_with_the_same_values(tmp_path: Path, session_store: Path) -> None:
    rows = [*layouts.IMS_ROWS, layouts.IMS_ROWS[2]]
    _refused([layouts.ims_totals(tmp_path / "dup.xlsx", rows=rows)], "un-ims",
             "dup.xlsx, sheet 'Table 1', row 18, column 'D': location code 404 appears twice (rows [14, 18]) "
             "(value: 404)")
    # an aggregate listed twice with the same values (code 927 in the UN tables) is kept once
    rows = [*layouts.IMS_ROWS, layouts.IMS_ROWS[1]]
    [snap] = read([layouts.ims_totals(tmp_path / "agg.xlsx", rows=rows)], "un-ims")
    assert snap.published["code"].tolist().count("910") == 3


def test_no_empty_edition(tmp_path: Path, session_store: Path) -> None:
    path = layouts.wdi_xlsx(tmp_path / "world.xlsx",
                            rows=[("World", "WLD", "BX.TRF.PWKR.CD.DT", {2009: 1.0})])
    _refused([path], "wdi", "world.xlsx: no wdi rows: the file holds no values of a country or area; "
             "is it the right file?")


# --------------------------------------------------------------------------------- the command line


cli = partial(invoke, main)


def test_cli_refuses_and_changes_nothing(private_store: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot_of(private_store)
    code, _, err = cli(capsys, "data", "import", str(_unhcr(tmp_path, c5=-7)), "--source", "unhcr",
                       "--edition", "bad")
    assert code == 1 and err.startswith("error: population.csv, row 5, column") and err.count("\n") == 1
    assert snapshot_of(private_store) == before


def test_cli_header_only_unhcr_csv(private_store: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = layouts.unhcr_finder_csv(tmp_path / "header.csv", rows=[UNHCR_ROW])
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-1]))  # the notes and the header, no data
    code, _, err = cli(capsys, "data", "import", str(path), "--source", "unhcr")
    assert (code, err) == (1, "error: header.csv, row 4: no data rows below the header; is the download "
                              "complete?\n")


def test_cli_wpp_edition_that_is_not_a_year(private_store: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = layouts.wpp_official_csv(tmp_path / "WPP2024_Demographic_Indicators_Medium.csv")
    code, out, err = cli(capsys, "data", "import", str(path), "--source", "wpp", "--edition", "rt-1")
    assert (code, out) == (0, "Imported wpp edition rt-1: 10 rows.\n"), err
    from migcap.store.warehouse import connect, editions

    [ed] = [e for e in editions(connect(), "wpp") if e.edition == "rt-1"]
    assert ed.provenance.revision == "WPP 2024"  # years to 2023 are estimates
    unnamed = layouts.wpp_official_csv(tmp_path / "indicators.csv")
    code, _, err = cli(capsys, "data", "import", str(unnamed), "--source", "wpp", "--edition", "rt-2")
    assert (code, err) == (1, "error: indicators.csv: cannot tell the WPP revision year; name the edition "
                              "after it, e.g. --edition 2024, or keep the year in the file name\n")
