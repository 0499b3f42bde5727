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


# ------------------------------------------------------------------ the gdidata copy (geo, var, t, v)

GDI_HEADER = "geo,var,t,v\n"


def _gdi(tmp_path: Path, body: str, name: str = "wdi.csv") -> Path:
    """A file in the layout of iom/gdidata's wdi table (synthetic values)."""
    p = tmp_path / name
    p.write_text(GDI_HEADER + body)
    return p


def test_gdidata_copy_maps_variables_drops_the_rest_and_derives_pct_of_gdp(tmp_path: Path,
                                                                           session_store: Path) -> None:
    p = _gdi(tmp_path, "KEN,remin,2023,4000000000\nKEN,gdp,2023,100000000000\nKEN,unem,2023,5.6\n"
                       "KEN,nmig,2023,-12000\nKEN,pop,1950,6000000\nKEN,pop,2023,55000000\n"
                       "KEN,polstb,2023,-1.1\nXKX,remout,2023,12.5\nCHI,gdp,2023,1.0\n"
                       "ANT,remin,2009,3.0\n")
    [snap] = read([p], "wdi", edition="2024-12")
    d = snap.data.set_index(["indicator", "iso3", "year"])
    assert d.loc[("BX.TRF.PWKR.CD.DT", "KEN", 2023), "value"] == 4e9
    assert d.loc[("SM.POP.NETM", "KEN", 2023), "value"] == -12000   # net emigration is negative
    assert d.loc[("SL.UEM.TOTL.ZS", "KEN", 2023), "value"] == 5.6
    assert d.loc[("BM.TRF.PWKR.CD.DT", "XKX", 2023), "value"] == 12.5
    # 100 × 4e9 / 1e11, marked as migcap's own
    assert d.loc[("BX.TRF.PWKR.DT.GD.ZS", "KEN", 2023), "value"] == pytest.approx(4.0, rel=1e-15)
    assert d.loc[("BX.TRF.PWKR.DT.GD.ZS", "KEN", 2023), "derived"]
    assert not d.loc[("BX.TRF.PWKR.CD.DT", "KEN", 2023), "derived"]
    # polstb is not read; WPP's population before 1960 is outside the dataset's years
    assert set(snap.data.indicator) == {"BX.TRF.PWKR.CD.DT", "BM.TRF.PWKR.CD.DT", "NY.GDP.MKTP.CD",
                                        "SL.UEM.TOTL.ZS", "SM.POP.NETM", "SP.POP.TOTL",
                                        "BX.TRF.PWKR.DT.GD.ZS"}
    assert d.xs("SP.POP.TOTL").index.get_level_values("year").tolist() == [2023]
    # the former Netherlands Antilles is kept as published, never among the countries
    assert snap.published[["code", "value"]].values.tolist() == [["ANT", 3.0]]
    assert "ANT" not in set(snap.data.iso3)
    assert any("pop → SP.POP.TOTL" in t for t in snap.provenance.transformation)


def test_gdidata_copy_gzipped_reads_the_same(tmp_path: Path, session_store: Path) -> None:
    import gzip

    body = "KEN,remin,2023,4000000000\nUGA,remin,2023,1300000000\n"
    plain = _gdi(tmp_path, body)
    gz = tmp_path / "wdi.csv.gz"
    gz.write_bytes(gzip.compress((GDI_HEADER + body).encode()))
    [a] = read([plain], "wdi", edition="2024-12")
    [b] = read([gz], "wdi", edition="2024-12")
    assert a.data.sort_values("iso3").value.tolist() == b.data.sort_values("iso3").value.tolist() \
        == [4e9, 1.3e9]


@pytest.mark.parametrize(("body", "message"), [
    ("KEN,remin,2023,lots\n", r"wdi.csv, row 3, column 'v': text in a numeric cell \(value: 'lots'\)"),
    ("KEN,remin,2023,inf\n", r"wdi.csv, row 3, column 'v': not a finite number"),
    ("KEN,remin,2023,-5\n", r"wdi.csv, row 3, column 'v': .*(negative|below 0)"),
    ("ATL,remin,2023,5\n", r"wdi.csv, row 3, column 'geo': unknown economy code \(value: 'ATL'\)"),
    ("KEN,remin,2023.5,5\n", r"wdi.csv, row 3, column 't': missing or fractional year"),
    ("KEN,nmig,2023,10.5\n", r"wdi.csv, row 3, column 'v': .*whole"),
])
def test_gdidata_copy_bad_cells(tmp_path: Path, session_store: Path, body: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read([_gdi(tmp_path, "KEN,unem,2022,5.0\n" + body)], "wdi",
             edition="2024-12")
