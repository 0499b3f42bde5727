"""Writers of small files in the official layouts, for the reader tests.

SYNTHETIC DATA: the numbers below are invented for the tests (chosen to make
hand checks easy); only the layouts — sheet names, title and header rows, column
names, markers such as '..' and '~' — follow the official files.
"""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path
from typing import Any

from openpyxl import Workbook

# Synthetic IMS rows: (sort, name, code, type, stock {year: (both, male, female)}, pop thousands {year: both},
# refugees {year})
YEARS = (1990, 2000, 2020)
IMS_ROWS: list[dict[str, Any]] = [
    {"name": "WORLD", "code": 900, "type": "",
     "stock": {1990: (3000, 1600, 1400), 2000: (3600, 1900, 1700), 2020: (5600, 3000, 2600)},
     "pop": {1990: 100.0, 2000: 120.0, 2020: 150.0}, "ref": {1990: 300, 2000: 320, 2020: 520}},
    {"name": "Eastern Africa", "code": 910, "type": "",
     "stock": {1990: (3000, 1600, 1400), 2000: (3600, 1900, 1700), 2020: (5600, 3000, 2600)},
     "pop": {1990: 100.0, 2000: 120.0, 2020: 150.0}, "ref": {1990: 300, 2000: 320, 2020: 520}},
    {"name": "Kenya", "code": 404, "type": "B R",
     "stock": {1990: (2000, 1100, 900), 2000: (2400, 1300, 1100), 2020: (3000, 1600, 1400)},
     "pop": {1990: 60.0, 2000: 70.0, 2020: 80.0}, "ref": {1990: 200, 2000: 220, 2020: 300}},
    {"name": "Uganda", "code": 800, "type": "B R",
     "stock": {1990: (1000, 500, 500), 2000: (1200, 600, 600), 2020: (2000, 1000, 1000)},
     "pop": {1990: 40.0, 2000: 50.0, 2020: 60.0}, "ref": {1990: 100, 2000: 100, 2020: "~"}},
    {"name": "South Sudan", "code": 728, "type": "B R",
     "stock": {1990: ("..", "..", ".."), 2000: ("..", "..", ".."), 2020: (600, 400, 200)},
     "pop": {1990: 5.0, 2000: 6.0, 2020: 10.0}, "ref": {1990: "..", 2000: "..", 2020: 220}},
    {"name": "China, Taiwan Province of China*", "code": 158, "type": "",
     "stock": {y: ("..", "..", "..") for y in YEARS}, "pop": {y: ".." for y in YEARS},
     "ref": {y: ".." for y in YEARS}},
]

TITLES = {
    1: "International migrant stock at mid-year by sex and by region, country or area of destination",
    2: "Total population at mid-year by sex and by region, country or area of destination (thousands)",
    3: "International migrant stock as a percentage of the total population by sex and by region",
    4: "Female migrants as a percentage of the international migrant stock by region, country or area",
    6: "Estimated refugee stock (including asylum seekers) at mid-year by region, country or area",
}


def _blocks(number: int, row: dict[str, Any]) -> list[list[Any]]:
    """The value blocks (one list per block of years) of one table row."""
    def pct(a: Any, b: Any) -> Any:
        return ".." if isinstance(a, str) or isinstance(b, str) else a / (b * 1000) * 100

    if number == 1:
        return [[row["stock"][y][k] for y in YEARS] for k in range(3)]
    if number == 2:
        return [[row["pop"][y] for y in YEARS],
                [".." if isinstance(row["pop"][y], str) else row["pop"][y] / 2 for y in YEARS],
                [".." if isinstance(row["pop"][y], str) else row["pop"][y] / 2 for y in YEARS]]
    if number == 3:
        return [[pct(row["stock"][y][0], row["pop"][y]) for y in YEARS]] * 3
    if number == 4:
        return [[".." if isinstance(row["stock"][y][0], str)
                 else row["stock"][y][2] / row["stock"][y][0] * 100
                 for y in YEARS]]
    return [[row["ref"][y] for y in YEARS], [".." for _ in YEARS]]


def _banners(number: int) -> list[str]:
    what = {1: "International migrant stock at mid-year", 2: "Total population at mid-year (thousands)",
            3: "International migrant stock as a percentage of the total population",
            4: "Female migrants as a percentage of the international migrant stock",
            6: "Refugee and asylum seekers at mid-year"}[number]
    if number in (1, 2, 3):
        return [f"{what}, both sexes combined", f"{what}, males", f"{what}, females"]
    if number == 6:
        return [f"{what}, both sexes combined", "Refugee and asylum seekers as a percentage of the "
                                                "international migrant stock"]
    return [what]


def ims_totals(path: Path, *, revision: int = 2020, rows: list[dict[str, Any]] | None = None,
               last_year: int | None = None) -> Path:
    """An IMS destination workbook in the 2020 layout (or the 2019 one with ``revision=2019``).

    The last year of :data:`YEARS` is written as ``last_year``, by default the revision year (a 2019
    workbook ends in 2019).
    """
    rows = IMS_ROWS if rows is None else rows
    header_years = [*YEARS[:-1], last_year or min(YEARS[-1], revision)]
    wb = Workbook()
    wb.active.title = "Table of contents"
    for number in (1, 2, 3, 4, 5, 6):
        ws = wb.create_sheet(f"Table {number}")
        if number == 5:
            ws["E3"] = "Table 5: Annual rate of change of the migrant stock"
            continue
        blocks = _blocks(number, rows[0])
        if revision >= 2020:
            ws["E2"] = f"International Migrant Stock {revision}: Destination"
            ws["E3"] = f"Table {number}: {TITLES[number]}, 1990-{revision}"
            ws["E4"] = f"POP/DB/MIG/Stock/Rev.{revision}"
            for b, banner in enumerate(_banners(number)):
                ws.cell(row=8, column=6 + b * len(YEARS), value=banner)
            header = [None, "Region, development group, country or area", "Notes", "Location code",
                      "Type of data"]
            for i, v in enumerate(header + [y for _ in blocks for y in header_years], start=1):
                ws.cell(row=11, column=i, value=v)
            first = 12
        else:
            ws["E9"] = f"Workbook: UN_MigrantStockTotal_{revision}.xlsx"
            ws["E10"] = f"Table {number} - {TITLES[number]}, 1990-{revision}"
            ws["E13"] = (f"Suggested citation: ... International Migrant Stock {revision} "
                         f"(United Nations database, POP/DB/MIG/Stock/Rev.{revision}).")
            header = ["Sort\norder", "Major area, region, country or area of destination", "Notes", "Code",
                      "Type of data (a)"]
            for i, v in enumerate(header, start=1):
                ws.cell(row=15, column=i, value=v)
            for b, banner in enumerate(_banners(number)):
                ws.cell(row=15, column=6 + b * len(YEARS), value=banner)
            for i, y in enumerate([y for _ in blocks for y in header_years], start=6):
                ws.cell(row=16, column=i, value=y)
            first = 17
        for r, row in enumerate(rows):
            values = [v for block in _blocks(number, row) for v in block]
            indent = "" if row["code"] == 900 else ("  " if row["code"] >= 900 else "   ")
            cells = [r + 1, indent + row["name"], None, row["code"], row["type"], *values]
            for c, v in enumerate(cells, start=1):
                ws.cell(row=first + r, column=c, value=v)
    wb.save(path)
    return path


# Synthetic origin-by-destination stocks (2019 wide layout): year → dest → {origin: value}, with 'Other'.
BILATERAL = {
    2019: {404: {"Uganda": 800, "Somalia": 1200, "Other North": 50, "Other South": 150},
           800: {"Kenya": 300, "South Sudan": 900, "Other North": 0, "Other South": 100}},
    1990: {404: {"Uganda": 700, "Somalia": 900, "Other North": 30, "Other South": 70},
           800: {"Kenya": 200, "South Sudan": "..", "Other North": 0, "Other South": 50}},
}
ORIGINS = ["Other North", "Other South", "Kenya", "Somalia", "South Sudan", "Uganda"]
NAMES = {404: "Kenya", 800: "Uganda"}


def ims_bilateral_wide(path: Path, *, with_other: bool = True) -> Path:
    """An origin-by-destination Table 1 in the 2019 wide layout."""
    wb = Workbook()
    wb.active.title = "CONTENTS"
    ws = wb.create_sheet("Table 1")
    ws["E10"] = ("Table 1 - International migrant stock at mid-year by sex and by major area, region, "
                 "country or area of destination and origin, 1990-2019")
    ws["E13"] = "International Migrant Stock 2019 (United Nations database, POP/DB/MIG/Stock/Rev.2019)."
    origins = ORIGINS if with_other else ORIGINS[2:]
    header = ["Year", "Sort\norder", "Major area, region, country or area of destination", "Notes", "Code",
              "Type of data (a)", "Total", *origins]
    for c, v in enumerate(header, start=1):
        ws.cell(row=16, column=c, value=v)
    r = 17
    for year, dests in BILATERAL.items():
        world = {o: 0 for o in origins}
        for dest in dests.values():
            for o in origins:
                world[o] += dest.get(o, 0) if isinstance(dest.get(o, 0), int) else 0
        rows = [(900, "WORLD", world)] + [(code, NAMES[code], d) for code, d in dests.items()]
        for code, name, d in rows:
            total = sum(v for k, v in d.items() if isinstance(v, int))
            cells = [year, r, name, None, code, "B", total, *[d.get(o, None) for o in origins]]
            for c, v in enumerate(cells, start=1):
                ws.cell(row=r, column=c, value=v)
            r += 1
    wb.save(path)
    return path


def wdi_xlsx(path: Path, rows: list[tuple[str, str, str, dict[int, Any]]] | None = None,
             updated: str = "2025-07-01") -> Path:
    """A WDI Excel download: sheet 'Data' with the preamble and the wide table."""
    rows = rows or [
        ("Kenya", "KEN", "BX.TRF.PWKR.CD.DT", {2008: 1000.0, 2009: 900.0}),
        ("Uganda", "UGA", "BX.TRF.PWKR.CD.DT", {2008: 500.0, 2009: 450.0}),
        ("World", "WLD", "BX.TRF.PWKR.CD.DT", {2008: 1500.0, 2009: 1350.0}),
    ]
    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Data Source", "World Development Indicators"])
    ws.append(["Last Updated Date", updated])
    ws.append([])
    years = sorted({y for *_, v in rows for y in v})
    ws.append(["Country Name", "Country Code", "Indicator Name", "Indicator Code", *[str(y) for y in years]])
    for name, code, ind, values in rows:
        ws.append([name, code, "Personal remittances, received (current US$)", ind,
                   *[values.get(y) for y in years]])
    wb.save(path)
    return path


def wdi_bulk_csv(path: Path, rows: list[tuple[str, str, str, dict[int, Any]]],
                 updated: str = "2025-07-01") -> Path:
    """A WDI bulk CSV (API_<code>_DS2_en_csv_v2_*.csv) with its four preamble lines."""
    years = sorted({y for *_, v in rows for y in v})
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_ALL)
        w.writerow(["Data Source", "World Development Indicators"])
        w.writerow([])
        w.writerow(["Last Updated Date", updated])
        w.writerow([])
        w.writerow(["Country Name", "Country Code", "Indicator Name", "Indicator Code", *map(str, years), ""])
        for name, code, ind, values in rows:
            w.writerow([name, code, "Unemployment", ind,
                        *["" if values.get(y) is None else values[y] for y in years], ""])
    return path


def wdi_api_json(path: Path, code: str, records: list[tuple[str, int, Any]],
                 updated: str = "2025-07-01") -> Path:
    """A World Bank API answer: [paging header, records]."""
    header = {"page": 1, "pages": 1, "per_page": 20000, "total": len(records), "sourceid": "2",
              "sourceName": "World Development Indicators", "lastupdated": updated}
    recs = [{"indicator": {"id": code, "value": "x"}, "country": {"id": iso[:2], "value": iso},
             "countryiso3code": iso, "date": str(year), "value": value, "unit": "", "obs_status": "",
             "decimal": 0}
            for iso, year, value in records]
    path.write_text(json.dumps([header, recs]), encoding="utf-8")
    return path


def knomad_xlsx(path: Path, kind: str = "inflows", rows: list[tuple[str, list[Any]]] | None = None) -> Path:
    """A KNOMAD remittance workbook (US$ million) with its notes below the table."""
    rows = rows or [("Kenya", [1.0, 2.0]), ("Uganda", [0.5, None]), ("World", [10.0, 12.0]),
                    ("Low-and Middle-Income Countries", [8.0, 9.0])]
    wb = Workbook()
    ws = wb.active
    ws.title = "Inward remittance flows" if kind == "inflows" else "Outward remittance flows"
    if kind != "inflows":
        ws.append([])
    ws.append([f"Remittance {'inflows' if kind == 'inflows' else 'outflows'} (US$ million)", 2008, 2009,
               "% of GDP in 2009"])
    for name, values in rows:
        ws.append([name, *values, 0.1])
    ws.append([])
    ws.append(["Note: All numbers are in current (nominal) US $."])
    ws.append(["Date: June 2023"])
    wb.save(path)
    return path


def wpp_official_csv(path: Path, rows: list[dict[str, Any]] | None = None, gz: bool = False) -> Path:
    """An official WPP 'Demographic Indicators' CSV (thousands)."""
    rows = rows or [
        {"LocID": 404, "ISO3_code": "KEN", "Location": "Kenya", "Variant": "Medium", "Time": 2023,
         "TPopulation1July": 55000.5, "Births": 1500.0, "Deaths": 300.0, "NetMigrations": -10.5,
         "CNMR": -0.19},
        {"LocID": 404, "ISO3_code": "KEN", "Location": "Kenya", "Variant": "Medium", "Time": 2024,
         "TPopulation1July": 56000.0, "Births": 1490.0, "Deaths": 305.0, "NetMigrations": -10.0,
         "CNMR": -0.18},
        {"LocID": 900, "ISO3_code": "", "Location": "World", "Variant": "Medium", "Time": 2024,
         "TPopulation1July": 8100000.0, "Births": 132000.0, "Deaths": 62000.0, "NetMigrations": 0.0,
         "CNMR": 0.0},
    ]
    cols = ["SortOrder", "LocID", "Notes", "ISO3_code", "ISO2_code", "SDMX_code", "LocTypeID", "LocTypeName",
            "ParentID", "Location", "VarID", "Variant", "Time", "TPopulation1July", "Births", "Deaths",
            "NetMigrations", "CNMR"]
    opener: Any = gzip.open if gz else open
    with opener(path, "wt", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow(r)
    return path


def unhcr_finder_csv(path: Path, rows: list[list[Any]] | None = None) -> Path:
    """A UNHCR Refugee Data Finder download: notes first, then the table."""
    rows = rows or [
        [2023, "Somalia", "SOM", "Kenya", "KEN", 280000, 20000, 0, 0, 0, 0, 0, 0, 0],
        [2023, "South Sudan", "SSD", "Uganda", "UGA", 900000, 5000, 0, 0, 0, 0, 0, 0, 0],
        [2024, "Somalia", "SOM", "Kenya", "KEN", 300000, 21000, 0, 0, 0, "-", 0, 0, 0],
    ]
    header = ["Year", "Country of origin", "Country of origin (ISO)", "Country of asylum",
              "Country of asylum (ISO)", "Refugees under UNHCR's mandate", "Asylum-seekers",
              "Returned refugees", "IDPs of concern to UNHCR", "Returned IDPs", "Stateless persons",
              "Others of concern",
              "Other people in need of international protection", "Host Community"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        fh.write("Extracted from UNHCR's Refugee Population Statistics Database\n")
        fh.write("Date extracted: 2025-06-12\n\n")
        w = csv.writer(fh)
        w.writerow(header)
        for r in rows:
            w.writerow(r)
    return path


def with_formulas(path: Path, sheet: str, formulas: dict[str, tuple[str, Any]]) -> Path:
    """Put formulas into cells of a saved workbook: ``{"A14": ("=+A13+1", 2)}``.

    A cell with a saved value (the second item; ``None`` for none) is what Excel writes: the
    formula and the value it computed. openpyxl and other programs that do not compute formulas
    save none: ``<f>…</f><v/>``.
    """
    import re
    import shutil
    import zipfile

    from openpyxl import load_workbook

    wb = load_workbook(path)
    for ref, (formula, _) in formulas.items():
        wb[sheet][ref] = formula
    wb.save(path)
    ro = load_workbook(path, read_only=True)
    xml_path = ro[sheet]._worksheet_path
    ro.close()
    with zipfile.ZipFile(path) as zf:
        parts = {info.filename: zf.read(info) for info in zf.infolist()}
    xml = parts[xml_path].decode("utf-8")
    for ref, (_, value) in formulas.items():
        if value is None:
            continue
        kind = ' t="str"' if isinstance(value, str) else ""
        xml, n = re.subn(rf'<c r="{ref}"([^>]*)>(<f>[^<]*</f>)<v\s*/>',
                         rf'<c r="{ref}"\g<1>{kind}>\g<2><v>{value}</v>', xml)
        assert n == 1, ref
    parts[xml_path] = xml.encode("utf-8")
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    shutil.move(tmp, path)
    return path


BRM_TITLE = ("Bilateral Remittance Estimates for 2021 using Migrant Stocks, Host Country Incomes, and Origin "
             "Country Incomes (millions of US$) (December 2022 Version)")
BRM_CORNER = "Remittance-receiving country (across) - Remittance-sending country (down)"


def brm_xlsx(path: Path, cells: dict[str, dict[str, Any]], *, across: list[str] | None = None,
             world_row: dict[str, Any] | None = None, world_col: dict[str, Any] | None = None,
             title: str = BRM_TITLE, corner: str = BRM_CORNER, extra_sheet: bool = False) -> Path:
    """A KNOMAD/World Bank bilateral remittance matrix (US$ million) in sheet 'Matrix',
    ``cells[sender][receiver]``; the WORLD row and column are the sums of the cells unless given."""
    down = list(cells)
    across = across or down
    wb = Workbook()
    ws = wb.active
    ws.title = "Matrix"
    ws.append([title])
    ws.append([corner, *across, "WORLD"])

    def num(v: Any) -> float:
        return v if isinstance(v, int | float) else 0.0

    for s in down:
        values = [cells[s].get(r) for r in across]
        ws.append([s, *values, (world_col or {}).get(s, sum(num(v) for v in values))])
    col_sums = [sum(num(cells[s].get(r)) for s in down) for r in across]
    world = [(world_row or {}).get(r, c) for r, c in zip(across, col_sums, strict=True)]
    ws.append(["WORLD", *world, (world_row or {}).get("WORLD", sum(col_sums))])
    ws.append([])
    ws.append(["When using the data, please cite: Synthetic Bilateral Matrix, test."])
    if extra_sheet:
        other = wb.create_sheet("remshare")
        other.append(["# Income share sent as remittance"])
        other.append(["not a matrix"])
    wb.save(path)
    return path
