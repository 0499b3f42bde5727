"""World Bank files: WDI downloads (Excel, bulk CSV, API JSON, long CSV) and KNOMAD remittance workbooks.

WDI layouts read:

* the Excel download (``Data`` sheet, optional ``Metadata - Countries``) and the
  bulk CSV (``API_<indicator>_DS2_en_csv_v2_*.csv``): a header row with
  ``Country Name, Country Code, Indicator Name, Indicator Code, 1960, 1961 …``;
* the API's JSON (``/v2/country/all/indicator/<code>?format=json``): a list of
  a paging header and the records;
* a long CSV ``Country Name, Country Code, Year, Value`` (one indicator, named
  with ``indicator=``);
* the long CSV ``geo, var, t, v`` of IOM GDI's data package (``gdidata``, optionally gzipped),
  whose short variable names are mapped to WDI codes by :data:`GDIDATA_INDICATORS`; its other
  variables are left out, and it has no aggregates.

Where an edition holds remittances received and GDP but not the World Bank's own remittances
as % of GDP, that series is derived (``derived = true``): see :func:`derive_pct_of_gdp`.

Economies are matched by code; World Bank aggregates (``WLD``, ``LMY``, …) are
kept in ``wdi_published``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migcap.datasets import DATASETS
from migcap.errors import InputError
from migcap.geo.countries import country_table, wb_aggregates
from migcap.ingest.common import (
    Sheet,
    cell_text,
    computed,
    find_row,
    is_year,
    numeric,
    read_csv_checked,
    read_sheet,
    resolve_areas,
)
from migcap.ingest.snapshot import Snapshot
from migcap.provenance import COL, FILE, ROW, SHEET, Provenance, RawFile, raw_file, today

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["GDIDATA_INDICATORS", "HISTORIC_ECONOMIES", "derive_pct_of_gdp", "read_knomad", "read_wdi"]

WDI_PUBLISHER = "The World Bank"
WDI_LICENCE = "CC BY 4.0"
WDI_LICENCE_URL = "https://datacatalog.worldbank.org/public-licenses#cc-by"
WDI_URL = "https://databank.worldbank.org/source/world-development-indicators"
API_URL = "https://api.worldbank.org/v2/country/all/indicator/{code}?format=json&per_page=20000"
KNOMAD_URL = "https://www.knomad.org/data/remittances"
_CODE = re.compile(r"^[A-Z]{2}(\.[A-Z0-9]+)+$")
#: variables of the ``gdidata`` copy read, by their WDI code (``pop`` is WPP 2024 there, not WDI)
GDIDATA_INDICATORS = {
    "remin": "BX.TRF.PWKR.CD.DT",
    "remout": "BM.TRF.PWKR.CD.DT",
    "gdp": "NY.GDP.MKTP.CD",
    "unem": "SL.UEM.TOTL.ZS",
    "nmig": "SM.POP.NETM",
    "pop": "SP.POP.TOTL",
}
#: economies that no longer exist, kept as published (in ``wdi_published``) and never summed into an area
HISTORIC_ECONOMIES = {"ANT": "Netherlands Antilles (former; dissolved 2010)"}
#: remittances received as % of GDP, the World Bank's series that :func:`derive_pct_of_gdp` fills in
PCT_OF_GDP = "BX.TRF.PWKR.DT.GD.ZS"


def _excel_date(value: Any) -> str | None:
    """'Last Updated Date' cells: an Excel serial number or an ISO date text → 'YYYY-MM-DD'."""
    from datetime import date, timedelta

    if isinstance(value, int | float) and value > 20000:
        return (date(1899, 12, 30) + timedelta(days=int(value))).isoformat()
    text = cell_text(value)
    m = re.search(r"(\d{4})-(\d{2})-(\d{2})", text)
    return m.group(0) if m else None


def _wide(sheet: Sheet) -> tuple[pd.DataFrame, str | None]:
    """Long (code, indicator, year, value, _row, _col) from a WDI wide table; and its update date."""
    import pandas as pd

    updated = None
    for row in sheet.rows[:6]:
        if cell_text(row[0] if row else "").lower().startswith("last updated"):
            updated = _excel_date(row[1] if len(row) > 1 else None)
    h = find_row(sheet, lambda r: {"country code", "indicator code"} <= {cell_text(c).lower() for c in r},
                 "header row with 'Country Code' and 'Indicator Code'")
    header = [cell_text(c) for c in sheet.rows[h]]
    low = [c.lower() for c in header]
    code_i, ind_i = low.index("country code"), low.index("indicator code")
    years = [(j, int(c)) for j, c in enumerate(header) if is_year(c)]
    if not years:
        raise sheet.error("no year columns in the header", row=h + 1)
    records = []
    for i in range(h + 1, len(sheet.rows)):
        row = sheet.rows[i]
        code = cell_text(computed(row[code_i] if code_i < len(row) else None, sheet, row=i + 1,
                                  column="Country Code"))
        if not code:
            continue
        indicator = cell_text(computed(row[ind_i] if ind_i < len(row) else None, sheet, row=i + 1,
                                       column="Indicator Code"))
        if not _CODE.match(indicator):
            raise sheet.error("not a WDI indicator code", row=i + 1, column="Indicator Code", value=indicator)
        for j, year in years:
            value = row[j] if j < len(row) else None
            [num] = numeric([value], sheet=sheet, rows=[i + 1], column=str(year), zero=())
            if num is not None:
                records.append((code, indicator, year, num, i + 1, str(year)))
    frame = pd.DataFrame.from_records(records, columns=["code", "indicator", "year", "value", ROW, COL])
    frame[SHEET] = sheet.name
    return frame, updated


def _from_json(path: Path) -> tuple[pd.DataFrame, str | None]:
    import pandas as pd

    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not valid JSON ({exc})", file=path.name) from None
    if isinstance(payload, list) and payload and isinstance(payload[0], dict) and "message" in payload[0]:
        msg = payload[0]["message"]
        raise InputError(f"the World Bank API answered with an error: {msg}", file=path.name)
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[1], list)):
        raise InputError("not a World Bank API response (expected [paging, records])", file=path.name)
    updated = payload[0].get("lastupdated") if isinstance(payload[0], dict) else None
    records = []
    for n, rec in enumerate(payload[1], start=1):
        try:
            code = rec.get("countryiso3code") or rec["country"]["id"]
            records.append((code, rec["indicator"]["id"], int(rec["date"]), rec["value"], n))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise InputError("record lacks countryiso3code, indicator.id or date", file=path.name,
                             row=n, value=rec) from None
    for *_, value, n in records:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise InputError("text in a numeric field", file=path.name, row=n, column="value", value=value)
    # null is missing; NaN and Infinity (which Python's JSON reader accepts) are refused
    values = numeric([r[3] for r in records], sheet=Sheet(path.name, None, []), rows=[r[4] for r in records],
                     column="value", zero=())
    frame = pd.DataFrame.from_records(records, columns=["code", "indicator", "year", "value", ROW])
    frame["value"] = values
    frame[COL] = "value"
    return frame.dropna(subset=["value"]), updated


def _csv_rows(path: Path) -> list[tuple[Any, ...]]:
    """All rows of a CSV file (ragged rows allowed, as in the bulk download's preamble)."""
    import csv

    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return [tuple(r) for r in csv.reader(fh)]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"not a readable CSV file ({exc})", file=path.name) from None


def _from_long_csv(path: Path, indicator: str | None) -> pd.DataFrame:
    raw = read_csv_checked(path)
    from migcap.ingest.common import require_columns

    cols = require_columns(raw.columns, {"code": ["Country Code", "iso3", "iso3c"], "year": ["Year", "date"],
                                         "value": ["Value"]}, file=path.name)
    if not indicator:
        raise InputError("a long CSV (Country Code, Year, Value) does not say which indicator it holds",
                         file=path.name, hint="give it with --indicator, e.g. --indicator SP.POP.TOTL")
    sheet = Sheet(path.name, None, [])
    rows = list(range(2, len(raw) + 2))
    values = numeric(raw[cols["value"]].tolist(), sheet=sheet, rows=rows, column=cols["value"], zero=())
    years = numeric(raw[cols["year"]].tolist(), sheet=sheet, rows=rows, column=cols["year"], zero=())
    frame = raw.assign(code=raw[cols["code"]], indicator=indicator, year=years, value=values, _row=rows)
    missing_year = frame["year"].isna()
    if missing_year.any():
        raise InputError("missing year", file=path.name, row=int(frame.loc[missing_year.idxmax(), ROW]),
                         column=cols["year"])
    frame = frame.assign(**{f"{COL}:value": cols["value"], f"{COL}:year": cols["year"]})
    return frame[["code", "indicator", "year", "value", ROW, f"{COL}:value",
                  f"{COL}:year"]].dropna(subset=["value"])


def _is_gdidata(path: Path) -> bool:
    """Whether a CSV (optionally gzipped) has the ``gdidata`` header ``geo, var, t, v``."""
    import gzip

    try:
        opener = gzip.open if path.name.lower().endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8-sig") as fh:
            head = fh.readline()
    except (OSError, UnicodeDecodeError, EOFError):
        return False
    return [c.strip().strip('"').lower() for c in head.split(",")] == ["geo", "var", "t", "v"]


def _from_gdidata(path: Path) -> pd.DataFrame:
    """The rows of a ``gdidata`` WDI copy whose variable is in :data:`GDIDATA_INDICATORS`, from the
    dataset's first year on (the copy's population, WPP's, starts in 1950)."""
    from migcap.ingest.longcsv import LongCSV

    table = LongCSV.read(path, {"geo": ["geo"], "var": ["var"], "t": ["t"], "v": ["v"]})
    frame = table.frame.assign(_row=table.rows)
    frame = frame[frame[table.columns["var"]].str.strip().isin(GDIDATA_INDICATORS)]
    rows = frame["_row"].tolist()
    sheet = table.sheet
    values = numeric(frame[table.columns["v"]].tolist(), sheet=sheet, rows=rows, column="v", zero=())
    years = numeric(frame[table.columns["t"]].tolist(), sheet=sheet, rows=rows, column="t", zero=())
    for year, row in zip(years, rows, strict=True):
        if year is None or not float(year).is_integer():
            raise InputError("missing or fractional year", file=path.name, row=row, column="t", value=year)
    frame = frame.assign(code=frame[table.columns["geo"]].str.strip(),
                         indicator=frame[table.columns["var"]].str.strip().map(GDIDATA_INDICATORS),
                         year=years, value=values, **{ROW: rows, COL: "v"})
    frame = frame[frame["year"] >= DATASETS["wdi"].years[0]]
    return frame[["code", "indicator", "year", "value", ROW, COL]].dropna(subset=["value"])


def derive_pct_of_gdp(data: pd.DataFrame) -> pd.DataFrame:
    """Remittances received as % of GDP (``BX.TRF.PWKR.DT.GD.ZS``) where an edition lacks it.

    Computed as 100 × ``BX.TRF.PWKR.CD.DT`` / ``NY.GDP.MKTP.CD`` for each economy and year with both,
    marked ``derived``. The World Bank computes its own series the same way from the same two series,
    so the two agree to rounding where both exist. An edition that has the series keeps it as is.

    Parameters
    ----------
    data
        Rows ``indicator, iso3, year, value, derived`` of one edition.

    Returns
    -------
    pandas.DataFrame
        ``data``, with the derived rows added.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"indicator": ["BX.TRF.PWKR.CD.DT", "NY.GDP.MKTP.CD"], "iso3": ["KEN", "KEN"],
    ...                   "year": [2023, 2023], "value": [4.0e9, 1.0e11], "derived": [False, False]})
    >>> derive_pct_of_gdp(d).query("derived")[["indicator", "value"]].values.tolist()
    [['BX.TRF.PWKR.DT.GD.ZS', 4.0]]
    """
    import pandas as pd

    if (data["indicator"] == PCT_OF_GDP).any():
        return data
    wide = data.pivot_table(index=["iso3", "year"], columns="indicator", values="value", aggfunc="first")
    if not {"BX.TRF.PWKR.CD.DT", "NY.GDP.MKTP.CD"} <= set(wide.columns):
        return data
    both = wide[["BX.TRF.PWKR.CD.DT", "NY.GDP.MKTP.CD"]].dropna()
    both = both[both["NY.GDP.MKTP.CD"] > 0]
    pct = (100 * both["BX.TRF.PWKR.CD.DT"] / both["NY.GDP.MKTP.CD"]).rename("value").reset_index()
    pct = pct.assign(indicator=PCT_OF_GDP, derived=True)
    return pd.concat([data, pct[["indicator", "iso3", "year", "value", "derived"]]], ignore_index=True)


def _transformation(countries: pd.DataFrame, *, gdi: bool) -> list[str]:
    """The provenance's steps for what :func:`read_wdi` did (``gdi``: it read a gdidata copy)."""
    steps = [("the gdidata long CSV (geo, var, t, v): variables " + ", ".join(
                 f"{k} → {v}" for k, v in GDIDATA_INDICATORS.items()) + "; its other variables left out")
             + f"; years before {DATASETS['wdi'].years[0]} (WPP population from 1950) left out"
             if gdi else
             "wide year columns reshaped to one row per indicator, economy and year; empty cells dropped",
             "economy codes → ISO3 (Kosovo XKX, Channel Islands CHI); World Bank aggregates and former "
             f"economies ({', '.join(HISTORIC_ECONOMIES)}) kept as published, never summed"]
    if countries["derived"].any():
        steps.append(f"{PCT_OF_GDP} derived = 100 × BX.TRF.PWKR.CD.DT / NY.GDP.MKTP.CD where both exist "
                     "(derived = true)")
    return steps


def read_wdi(
    path: Path,
    *,
    edition: str | None = None,
    indicator: str | None = None,
    url: str | None = None,
    extra_files: Sequence[Path] = (),
) -> list[Snapshot]:
    """Read a WDI download into a ``wdi`` snapshot.

    Parameters
    ----------
    path
        .xls/.xlsx (Data sheet), bulk .csv, long .csv or API .json.
    edition
        Edition name; default: the file's 'Last Updated Date' (YYYY-MM) where it
        has one; otherwise it must be given.
    indicator
        Indicator code for a long CSV that does not name it.
    extra_files
        More files of the same edition (e.g. one per indicator), merged.

    Raises
    ------
    InputError
        Unknown economy codes (not a country and not a World Bank aggregate),
        text in numeric cells, duplicate rows, missing columns.
    """
    import pandas as pd

    frames = []
    updated_dates = []
    files: list[RawFile] = []
    code_column: dict[str, str] = {}
    for p in [path, *extra_files]:
        suffix = p.suffix.lower()
        gdi_file = False
        if suffix in (".xls", ".xlsx"):
            frame, updated = _wide(read_sheet(p, "Data"))
        elif suffix == ".json":
            frame, updated = _from_json(p)
        elif gdi_file := _is_gdidata(p):
            frame, updated = _from_gdidata(p), None
        else:
            rows = _csv_rows(p)
            if any({"country code", "indicator code"} <= {cell_text(c).lower() for c in r}
                   for r in rows[:10]):
                frame, updated = _wide(Sheet(p.name, None, rows))
            else:
                frame, updated = _from_long_csv(p, indicator), None
        frame["_file"] = p.name
        code_column[p.name] = "geo" if gdi_file else "Country Code"
        frames.append(frame)
        if updated:
            updated_dates.append(updated)
        files.append(raw_file(p, url))
    data = pd.concat(frames, ignore_index=True)
    if indicator and not data.empty:
        data = data[data.indicator == indicator]
        if data.empty:
            raise InputError(f"indicator {indicator} is not in the file", file=path.name)
    ed = edition or (max(updated_dates)[:7] if updated_dates else None)
    if not ed:
        raise InputError("cannot tell the edition (no 'Last Updated Date' in the file)", file=path.name,
                         hint="give it with --edition, e.g. --edition 2025-07")
    aggs = wb_aggregates() | HISTORIC_ECONOMIES
    table = country_table()
    iso = []
    for code, row, fname in zip(data["code"], data[ROW], data["_file"], strict=True):
        hit = table.lookup(code) if code not in aggs else None
        if hit is None and code not in aggs:
            raise InputError("unknown economy code", file=fname, row=int(row), column=code_column[fname],
                             value=code, hint="neither a country nor a World Bank aggregate")
        iso.append(hit)
    data["iso3"] = iso
    data["derived"] = False
    countries = data[data.iso3.notna()]
    countries = derive_pct_of_gdp(countries)
    published = data[data.iso3.isna()].assign(name=lambda f: f["code"].map(aggs))
    dates = sorted(set(updated_dates))
    prov = Provenance(
        dataset="wdi",
        edition=ed,
        publisher=WDI_PUBLISHER,
        title="World Development Indicators: " + ", ".join(sorted(data.indicator.unique())),
        revision=f"WDI, last updated {', '.join(dates)}" if dates else f"WDI edition {ed}",
        url=url or WDI_URL,
        licence=WDI_LICENCE,
        licence_url=WDI_LICENCE_URL,
        citation="World Bank, World Development Indicators.",
        accessed=today(),
        files=files,
        transformation=_transformation(countries, gdi="geo" in code_column.values()),
    )
    snap = Snapshot("wdi", data=countries, provenance=prov, published=published)
    return [snap.validated(file=path.name)]


# --------------------------------------------------------------------------------------------
# KNOMAD


def _knomad_sheet(path: Path) -> tuple[str, pd.DataFrame, list[str]]:
    """('inflow_usd' | 'outflow_usd', frame of name, year, value, _row, dates of its notes) of a workbook."""
    import pandas as pd

    from migcap.ingest.common import sheet_names

    names = sheet_names(path)
    pick = next((n for n in names if "remittance" in n.lower()), None)
    if pick is None:
        raise InputError("no remittance flows sheet", file=path.name,
                         hint=f"the workbook has {', '.join(repr(n) for n in names)}")
    sheet = read_sheet(path, pick)
    h = find_row(sheet, lambda r: bool(r) and "remittance" in cell_text(r[0]).lower()
                 and sum(is_year(c) for c in r) >= 2,
                 "header row ('Remittance inflows/outflows (US$ million)', years)")
    title = cell_text(sheet.rows[h][0]).lower()
    if "inflow" in title:
        field = "inflow_usd"
    elif "outflow" in title:
        field = "outflow_usd"
    else:
        raise sheet.error("the header says neither inflows nor outflows", row=h + 1, column="A",
                          value=sheet.rows[h][0])
    if "million" not in title:
        raise sheet.error("expected values in US$ million", row=h + 1, column="A", value=sheet.rows[h][0])
    years = [(j, int(cell_text(c))) for j, c in enumerate(sheet.rows[h]) if is_year(c)]
    records = []
    for i in range(h + 1, len(sheet.rows)):
        row = sheet.rows[i]
        name = cell_text(computed(row[0] if row else None, sheet, row=i + 1, column="A"))
        if not name:
            break  # the data end at the first empty row; notes follow
        for j, year in years:
            [num] = numeric([row[j] if j < len(row) else None], sheet=sheet, rows=[i + 1], column=str(year),
                            zero=())
            records.append((name, year, None if num is None else num * 1e6, i + 1, str(year)))
    # where each value is (the inflows and outflows come from two files): per value column
    where = {helper: f"{helper}:{field}" for helper in (ROW, COL)}
    frame = pd.DataFrame.from_records(records, columns=["name", "year", field, where[ROW], where[COL]])
    frame[ROW] = frame[where[ROW]]
    frame[f"{FILE}:{field}"] = path.name
    frame[f"{SHEET}:{field}"] = sheet.name
    codes, _ = resolve_areas(frame["name"].tolist(), sheet=sheet, rows=frame[ROW].tolist(), column="A",
                             aggregates=_is_aggregate_name)
    frame["iso3"] = codes
    return field, frame, _note_dates(sheet)


def _is_aggregate_name(name: str) -> bool:
    from migcap.geo.countries import normalize_name

    known = {normalize_name(n) for n in wb_aggregates().values()}
    n = normalize_name(name)
    return n in known or n in {"world", "low and middle income countries", "low and middle income"}


def read_knomad(path: Path, *, edition: str | None = None, extra_files: Sequence[Path] = (),
                url: str | None = None) -> list[Snapshot]:
    """Read KNOMAD remittance inflow and/or outflow workbooks into a ``knomad`` snapshot.

    Values are converted from US$ million to US$. Aggregates (``World``,
    ``Low-and Middle-Income Countries``, regions) go to ``knomad_published``.
    """

    parts: dict[str, pd.DataFrame] = {}
    files = []
    dates = []
    for p in [path, *extra_files]:
        field, frame, note_dates = _knomad_sheet(p)
        if field in parts:
            raise InputError(f"two files with {field.split('_')[0]}s", file=p.name)
        parts[field] = frame
        files.append(raw_file(p, url))
        dates += note_dates
    merged: pd.DataFrame | None = None
    for field, frame in parts.items():
        f = frame.assign(key=frame["iso3"].fillna("AGG:" + frame["name"]))
        cols = ["key", "iso3", "name", "year", field, ROW, *(c for c in f.columns if c.endswith(f":{field}"))]
        merged = f[cols] if merged is None else merged.merge(
            f[cols].drop(columns=["iso3", "name", ROW]), on=["key", "year"], how="outer")
    assert merged is not None
    # an economy in the second file only: its code and name come from the key
    aggregate = merged["key"].str.startswith("AGG:")
    merged["iso3"] = merged["key"].where(~aggregate)
    merged["name"] = merged["name"].fillna(merged["key"].str.removeprefix("AGG:"))
    for field in ("inflow_usd", "outflow_usd"):
        if field not in merged:
            merged[field] = float("nan")
    merged = merged.dropna(subset=["inflow_usd", "outflow_usd"], how="all")
    ed = edition or (max(dates) if dates else None)
    if not ed:
        raise InputError("cannot tell the edition (no 'Date:' note in the workbook)", file=path.name,
                         hint="give it with --edition, e.g. --edition 2023-06")
    countries = merged[merged.iso3.notna()]
    pub = merged[merged.iso3.isna()]
    published = pub.assign(code=pub["name"].map(_aggregate_code), name=pub["name"])
    prov = Provenance(
        dataset="knomad",
        edition=ed,
        publisher="KNOMAD / The World Bank",
        title="Migrant remittance inflows and outflows",
        revision=f"KNOMAD/World Bank, {ed}",
        url=url or KNOMAD_URL,
        licence="CC BY 4.0",
        licence_url=WDI_LICENCE_URL,
        citation=f"KNOMAD/World Bank, {ed}.",
        accessed=today(),
        files=files,
        transformation=[
            "one row per economy and year; US$ million × 1e6 → US$",
            "the '% of GDP' column is not kept; notes below the table are not data",
            "aggregates (World, Low- and middle-income countries) kept as published",
        ],
    )
    return [Snapshot("knomad", data=countries, provenance=prov,
                     published=published).validated(file=path.name)]


def _aggregate_code(name: str) -> str:
    from migcap.geo.countries import normalize_name

    n = normalize_name(name)
    if n == "world":
        return "WLD"
    if n.startswith("low and middle"):
        return "LMY"
    by_name = {normalize_name(v): k for k, v in wb_aggregates().items()}
    return by_name.get(n, name)


def _note_dates(sheet: Sheet) -> list[str]:
    """'Date: June 2023' notes below a KNOMAD table → ['2023-06']."""
    import calendar

    months = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
    out = []
    for row in sheet.rows[-30:]:
        m = re.match(r"date:\s*([a-z]+)\s+(\d{4})", cell_text(row[0] if row else "").lower())
        if m and m.group(1) in months:
            out.append(f"{m.group(2)}-{months[m.group(1)]:02d}")
    return out
