"""World Bank readers: WDI in every layout, KNOMAD workbooks (synthetic values, official layouts)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import openpyxl
import pytest

from migcap.errors import InputError
from migcap.ingest import read
from tests import layouts

UNEMP = "SL.UEM.TOTL.ZS"


def test_wdi_excel(tmp_path: Path, session_store: Path) -> None:
    [snap] = read([layouts.wdi_xlsx(tmp_path / "remit.xlsx")], "wdi")
    assert snap.edition == "2025-07"
    d = snap.data.set_index(["indicator", "iso3", "year"])["value"]
    assert d[("BX.TRF.PWKR.CD.DT", "KEN", 2009)] == 900.0
    assert set(snap.published["code"]) == {"WLD"}
    assert snap.published.query("year == 2009")["value"].tolist() == [1350.0]


def test_wdi_bulk_csv_json_and_long_are_the_same(tmp_path: Path, session_store: Path) -> None:
    rows = [("Kenya", "KEN", UNEMP, {2019: 5.0, 2020: 5.6}),
            ("Kosovo", "XKX", UNEMP, {2019: 25.7, 2020: None})]
    [bulk] = read([layouts.wdi_bulk_csv(tmp_path / f"API_{UNEMP}_DS2_en_csv_v2_1.csv", rows)], "wdi")
    [api] = read([layouts.wdi_api_json(tmp_path / "u.json", UNEMP,
                                       [("KEN", 2019, 5.0), ("KEN", 2020, 5.6), ("XKX", 2019, 25.7),
                                        ("XKX", 2020, None)])], "wdi")
    long = tmp_path / "long.csv"
    long.write_text("Country Name,Country Code,Year,Value\nKenya,KEN,2019,5.0\nKenya,KEN,2020,5.6\n"
                    "Kosovo,XKX,2019,25.7\n")
    [lng] = read([long], "wdi", indicator=UNEMP, edition="2025-07")
    for snap in (bulk, api, lng):
        assert snap.edition == "2025-07"
        assert snap.data[["iso3", "year", "value"]].values.tolist() == [["KEN", 2019, 5.0],
                                                                        ["KEN", 2020, 5.6],
                                                                        ["XKX", 2019, 25.7]]


def test_wdi_long_csv_needs_indicator(tmp_path: Path, session_store: Path) -> None:
    long = tmp_path / "long.csv"
    long.write_text("Country Name,Country Code,Year,Value\nKenya,KEN,2019,5.0\n")
    with pytest.raises(InputError, match=r"long.csv: a long CSV .* does not say which indicator it holds; "
                                         r"give it with --indicator"):
        read([long], "wdi", edition="x")


def test_wdi_unknown_economy_code(tmp_path: Path, session_store: Path) -> None:
    path = layouts.wdi_xlsx(tmp_path / "remit.xlsx",
                            rows=[("Atlantis", "ATL", "BX.TRF.PWKR.CD.DT", {2009: 1.0})])
    with pytest.raises(InputError, match=r"remit.xlsx, row 5, column 'Country Code': unknown economy code "
                                         r"\(value: 'ATL'\)"):
        read([path], "wdi")


def test_wdi_text_in_number(tmp_path: Path, session_store: Path) -> None:
    path = layouts.wdi_xlsx(tmp_path / "remit.xlsx",
                            rows=[("Kenya", "KEN", "BX.TRF.PWKR.CD.DT", {2009: "12 bn"})])
    with pytest.raises(InputError, match=r"remit.xlsx, sheet 'Data', row 5, column '2009': text in a "
                                         r"numeric cell"):
        read([path], "wdi")


def test_wdi_duplicate_rows(tmp_path: Path, session_store: Path) -> None:
    rows = [("Kenya", "KEN", "BX.TRF.PWKR.CD.DT", {2009: 1.0}),
            ("Kenya", "KEN", "BX.TRF.PWKR.CD.DT", {2009: 2.0})]
    with pytest.raises(InputError, match=r"duplicate key \(indicator=BX.TRF.PWKR.CD.DT, iso3=KEN, "
                                         r"year=2009\) in rows 5, 6"):
        read([layouts.wdi_xlsx(tmp_path / "remit.xlsx", rows=rows)], "wdi")


def test_wdi_api_error_message(tmp_path: Path, session_store: Path) -> None:
    p = tmp_path / "err.json"
    p.write_text(json.dumps([{"message": [{"id": "120", "key": "Invalid value",
                                           "value": "The provided parameter value is not valid"}]}]))
    with pytest.raises(InputError, match="the World Bank API answered with an error"):
        read([p], "wdi")


def test_wdi_missing_header(tmp_path: Path, session_store: Path) -> None:
    path = layouts.wdi_xlsx(tmp_path / "remit.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Data"]["B4"] = "Code"
    wb.save(path)
    with pytest.raises(InputError,
                       match="sheet 'Data': no header row with 'Country Code' and 'Indicator Code'"):
        read([path], "wdi")


def test_knomad_inflows_and_outflows(tmp_path: Path, session_store: Path) -> None:
    inflow = layouts.knomad_xlsx(tmp_path / "in.xlsx", "inflows")
    outflow = layouts.knomad_xlsx(tmp_path / "out.xlsx", "outflows", rows=[("Kenya", [0.2, 0.3]),
                                                                           ("World", [10.0, 12.0])])
    [snap] = read([inflow, outflow], "knomad")
    assert snap.edition == "2023-06"
    d = snap.data.set_index(["iso3", "year"])
    assert d.loc[("KEN", 2009), "inflow_usd"] == 2_000_000.0  # US$ million → US$
    assert d.loc[("KEN", 2009), "outflow_usd"] == 300_000.0
    assert ("UGA", 2009) not in d.index  # both flows missing: no row
    pub = snap.published.set_index(["code", "year"])
    assert pub.loc[("LMY", 2008), "inflow_usd"] == 8e6 and pub.loc[("WLD", 2009), "outflow_usd"] == 12e6


def test_knomad_unknown_name(tmp_path: Path, session_store: Path) -> None:
    path = layouts.knomad_xlsx(tmp_path / "in.xlsx", rows=[("Kenia Republic", [1.0, 2.0])])
    with pytest.raises(InputError, match=r"in.xlsx, sheet 'Inward remittance flows', row 2, column 'A': "
                                         r"unknown country or area \(value: 'Kenia Republic'\)"):
        read([path], "knomad")


def test_knomad_wrong_sheet(tmp_path: Path, session_store: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    p = tmp_path / "x.xlsx"
    wb.save(p)
    with pytest.raises(InputError, match=r"x.xlsx: no remittance flows sheet; the workbook has 'Sheet1'"):
        read([p], "knomad")


def test_knomad_economy_in_the_outflows_file_only(tmp_path: Path, session_store: Path) -> None:
    inflow = layouts.knomad_xlsx(tmp_path / "in.xlsx", rows=[("Kenya", [1.0, 2.0]), ("World", [10.0, 12.0])])
    outflow = layouts.knomad_xlsx(tmp_path / "out.xlsx", "outflows", rows=[
        ("Kenya", [0.2, 0.3]), ("United Republic of Tanzania", [0.4, 0.5]),
        ("Sub-Saharan Africa", [1.0, 1.5])])
    [snap] = read([inflow, outflow], "knomad")
    d = snap.data.set_index(["iso3", "year"])
    assert d.loc[("TZA", 2009), "outflow_usd"] == 500_000.0
    assert math.isnan(d.loc[("TZA", 2009), "inflow_usd"])  # missing, not zero
    pub = snap.published.set_index(["code", "year"])
    assert pub.loc[("SSF", 2009), "outflow_usd"] == 1_500_000.0
