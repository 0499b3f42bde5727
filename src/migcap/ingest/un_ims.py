"""UN DESA International Migrant Stock workbooks (revisions 2019, 2020 and 2024).

Two kinds of workbook are read:

* **destination totals** (``UN_MigrantStockTotal_2019.xlsx``,
  ``undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx``, and the 2024
  equivalent): Tables 1 (stock by sex), 2 (population, thousands), 3 (% of
  population), 4 (female %) and 6 (refugees) → dataset ``migrant_stock``;
* **origin by destination**, "Table 1": the 2019 wide layout (one row per
  destination and year, one column per origin, with ``Total``, ``Other North``
  and ``Other South``) or the 2020/2024 long layout (one row per destination and
  origin, year columns by sex) → dataset ``bilateral_stock``.

Location codes (M49) decide what is a country: codes of the country table are
countries; the others (900 WORLD, 903 AFRICA, 1503 high income …) are the UN's
own aggregates, kept in ``migrant_stock_published``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migcap.errors import InputError
from migcap.ingest.common import (
    Sheet,
    cell_text,
    computed,
    find_row,
    is_year,
    numeric,
    read_sheet,
    resolve_areas,
    sheet_names,
)
from migcap.ingest.snapshot import Snapshot
from migcap.provenance import COL, ROW, SHEET, Provenance, raw_file, today

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["is_bilateral_workbook", "read_bilateral", "read_totals", "with_unknown_origin"]

PUBLISHER = "United Nations, Department of Economic and Social Affairs, Population Division"
LICENCE = "CC BY 3.0 IGO"
LICENCE_URL = "https://creativecommons.org/licenses/by/3.0/igo/"
URLS = {
    "2019": "https://www.un.org/en/development/desa/population/migration/data/estimates2/estimates19.asp",
    "2020": "https://www.un.org/development/desa/pd/content/international-migrant-stock",
    "2024": "https://www.un.org/development/desa/pd/content/international-migrant-stock",
}
_REV = re.compile(r"Rev\.?\s*(\d{4})|Migrant Stock (\d{4})|MigrantStock\w*_(\d{4})", re.IGNORECASE)


@dataclass(frozen=True)
class _YearColumn:
    index: int
    year: int
    block: int  # 0 for the first run of years, 1 for the second …
    group: str  # from the banner above: "both", "male", "female" or "other"
    label: str


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _group_of(label: str) -> str:
    text = label.lower()
    if "percentage" in text or "rate of change" in text:
        return "other"
    if "female" in text:
        return "female"
    if re.search(r"\bmales?\b", text):
        return "male"
    return "both"


def _header(sheet: Sheet) -> tuple[int, int, dict[str, int], list[_YearColumn]]:
    """Locate the header: (header row, first data row, named columns, year columns)."""

    def is_header(row: tuple[Any, ...]) -> bool:
        texts = [cell_text(c).lower() for c in row]
        return any(t in ("code", "location code") or t.startswith("location code") for t in texts) and any(
            "notes" in t for t in texts
        )

    h = find_row(sheet, is_header, "header row with 'Location code' and 'Notes'")
    header = sheet.rows[h]
    named: dict[str, int] = {}
    for j, c in enumerate(header):
        t = cell_text(c).lower()
        if "code" in t and "code" not in named and "origin" not in t:
            named["code"] = j
        elif "code" in t and "origin" in t:
            named["origin_code"] = j
        elif ("country or area" in t or "region" in t) and "origin" in t:
            named["origin_name"] = j
        elif ("country or area" in t or "region" in t) and "name" not in named:
            named["name"] = j
        elif t.startswith("type of data") and "type" not in named:
            named["type"] = j
        elif t == "year":
            named["year"] = j
        elif t == "total":
            named["total"] = j
    for need in ("code", "name"):
        if need not in named:
            raise sheet.error(f"no {'location code' if need == 'code' else 'country or area'} column",
                              row=h + 1)
    if "year" in named:  # the wide origin-by-destination layout: one row per year, no year columns
        return h, h + 1, named, []
    year_row = h if sum(is_year(c) for c in header) >= 2 else h + 1
    if year_row >= len(sheet.rows) or sum(is_year(c) for c in sheet.rows[year_row]) < 2:
        raise sheet.error("no year columns next to the header", row=h + 1)
    # Banner labels: the nearest text at or left of each column in the rows above the years.
    banner_rows = [sheet.rows[r] for r in range(max(0, year_row - 4), year_row + 1)]
    years: list[_YearColumn] = []
    for j, c in enumerate(sheet.rows[year_row]):
        if not is_year(c):
            continue
        label = ""
        for brow in banner_rows:
            for k in range(min(j, len(brow) - 1), -1, -1):
                t = cell_text(brow[k])
                if t and not is_year(t) and k >= min((y.index for y in years), default=j) - 30:
                    if len(t) > 12:  # a banner, not a column header like 'Total'
                        label = t
                    break
        year = int(cell_text(c))
        block = sum(1 for y in years if y.year == year)
        years.append(_YearColumn(j, year, block, _group_of(label), label))
    return h, year_row + 1, named, years


def _revision(path: Path, sheet: Sheet) -> str | None:
    for row in sheet.rows[:16]:
        for c in row:
            m = _REV.search(cell_text(c))
            if m:
                return next(g for g in m.groups() if g)
    m = _REV.search(path.name) or re.search(r"(20\d\d)", path.name)
    return next((g for g in m.groups() if g), None) if m else None


def _table(path: Path, number: int, title_words: str, required: bool = True) -> Sheet | None:
    name = f"Table {number}"
    if not required and name.lower() not in {n.lower() for n in sheet_names(path)}:
        return None
    sheet = read_sheet(path, name)
    titles = " ".join(cell_text(c) for row in sheet.rows[:16] for c in row if isinstance(c, str)).lower()
    if title_words not in titles:
        raise sheet.error(f"this sheet is not the expected table (its title lacks {title_words!r})",
                          hint="is this an International Migrant Stock destination workbook?")
    return sheet


def _long_values(sheet: Sheet, fields: tuple[str, ...], key: str = "code") -> pd.DataFrame:
    """(code, name, type, year, <fields>) for every data row of a destination table.

    ``fields`` name the blocks of year columns in order (both sexes, males,
    females); later blocks (percentages, rates) are ignored. Where the banner
    above a block names a sex, it must agree.
    """
    import pandas as pd

    h, first, named, years = _header(sheet)
    wanted = [y for y in years if y.block < len(fields)]
    if not wanted:
        raise sheet.error("no year columns", row=h + 1)
    expected = {"male": "_male", "female": "_female"}
    for y in wanted:
        field = fields[y.block]
        if y.group in expected and not field.endswith(expected[y.group]):
            raise sheet.error(f"column block {y.block + 1} is for {y.group}s, expected {field}",
                              row=h + 1, column=_letter(y.index))
    records = []
    for i in range(first, len(sheet.rows)):
        row = sheet.rows[i]
        code_cell = computed(row[named[key]] if named[key] < len(row) else None, sheet, row=i + 1,
                             column=_letter(named[key]))
        code_text = cell_text(code_cell)
        if not code_text:
            continue
        if not code_text.isdigit():
            raise sheet.error("location code is not a number", row=i + 1, column=_letter(named[key]),
                              value=code_cell)
        for y in wanted:
            value = row[y.index] if y.index < len(row) else None
            column = f"{_letter(y.index)} ({y.year}, {fields[y.block]})"
            [num] = numeric([value], sheet=sheet, rows=[i + 1], column=column)
            records.append((int(code_text), cell_text(row[named["name"]]).rstrip("*").strip(),
                            cell_text(row[named["type"]]) if "type" in named else "",
                            y.year, fields[y.block], num, i + 1, column))
    frame = pd.DataFrame.from_records(records, columns=["code", "name", "type_of_data", "year", "field",
                                                        "value", ROW, COL])
    dup = frame.duplicated(["code", "year", "field"], keep=False)
    # The UN tables list code 927 (Australia/New Zealand) twice, as SDG region and subregion, with the same
    # values: identical repeats of an aggregate (code 900 and above) are dropped. A country listed twice is
    # an error, as in the other sources, even with the same values.
    if dup.any():
        d = frame[dup]
        differing = d.groupby(["code", "year", "field"])["value"].nunique(dropna=False) > 1
        countries = d.groupby(["code", "year", "field"])["code"].first() < 900
        bad = differing | countries
        if bad.any():
            code, year, _ = bad[bad].index[0]
            rows = sorted(d[(d.code == code) & (d.year == year)][ROW].unique().tolist())
            what = "with different values " if differing[(code, year, _)] else ""
            raise sheet.error(f"location code {code} appears twice {what}(rows {rows})", row=int(rows[-1]),
                              column=_letter(named[key]), value=code)
        frame = frame.drop_duplicates(["code", "year", "field"])
    wide = frame.pivot_table(index=["code", "year"], columns="field", values="value", aggfunc="first",
                             dropna=False)
    where = frame.pivot(index=["code", "year"], columns="field", values=[ROW, COL])
    where.columns = [f"{helper}:{field}" for helper, field in where.columns]
    meta = frame.groupby(["code", "year"]).agg(name=("name", "first"), type_of_data=("type_of_data", "first"),
                                                _row=(ROW, "first"))
    out = wide.join(where).join(meta).reset_index()
    for field in fields:
        out[f"{SHEET}:{field}"] = sheet.name
    return out


def read_totals(path: Path, *, edition: str | None = None, url: str | None = None) -> list[Snapshot]:
    """Read an IMS destination-totals workbook into a ``migrant_stock`` snapshot.

    Parameters
    ----------
    path
        The workbook (.xlsx).
    edition
        Edition name; default: the revision year found in the workbook ("2020").

    Raises
    ------
    InputError
        Wrong sheet or layout, text in numeric cells, unknown location codes.
    """
    t1 = _table(path, 1, "international migrant stock")
    assert t1 is not None
    rev = edition or _revision(path, t1)
    if not rev:
        raise InputError("cannot tell the revision of this workbook", file=path.name,
                         hint="give it with --edition")
    stock = _long_values(t1, ("migrants", "migrants_male", "migrants_female"))
    parts = [stock]
    for number, words, fields in (
        (2, "total population", ("population", "population_male", "population_female")),
        (3, "percentage of the total population", ("migrants_pct",)),
        (4, "female migrants", ("female_pct",)),
        (6, "refugee", ("refugees",)),
    ):
        sheet = _table(path, number, words)
        assert sheet is not None
        parts.append(_long_values(sheet, fields).drop(columns=["name", "type_of_data", ROW]))  # keeps _row:…
    merged = parts[0]
    for p in parts[1:]:
        merged = merged.merge(p, on=["code", "year"], how="left")
    for col in ("population", "population_male", "population_female"):
        merged[col] = merged[col] * 1000.0
    value_cols = ["migrants", "migrants_male", "migrants_female", "population", "population_male",
                  "population_female", "migrants_pct", "female_pct", "refugees"]
    # rows without any estimate (e.g. Taiwan Province of China, Saint Barthélemy) carry no data
    merged = merged[merged[["migrants", "population"]].notna().any(axis=1)]
    from migcap.geo.countries import country_table

    table = country_table()
    iso = [table.lookup(str(c)) if c < 900 else None for c in merged["code"]]
    unknown = [(c, r)
               for c, i, r in zip(merged["code"], iso, merged[ROW], strict=True) if c < 900 and i is None]
    if unknown:
        raise t1.error("unknown location code", row=int(unknown[0][1]),
                       column=_letter(_header(t1)[2]["code"]), value=unknown[0][0])
    merged["iso3"] = iso
    helpers = [c for c in merged.columns if str(c).startswith("_")]
    data = merged[merged.iso3.notna()][["iso3", "year", *value_cols, "type_of_data", *helpers]]
    published = merged[merged.iso3.isna()].assign(code=lambda f: f["code"].astype(str))
    published = published[["code", "year", "name", *value_cols, "type_of_data", *helpers]]
    prov = Provenance(
        dataset="migrant_stock",
        edition=rev,
        publisher=PUBLISHER,
        title=f"International Migrant Stock {rev}: Destination",
        revision=f"POP/DB/MIG/Stock/Rev.{rev}",
        url=url or URLS.get(rev, URLS["2020"]),
        licence=LICENCE,
        licence_url=LICENCE_URL,
        citation=f"United Nations Department of Economic and Social Affairs, Population Division ({rev}). "
        f"International Migrant Stock {rev}.",
        accessed=today(),
        files=[raw_file(path)],
        transformation=[
            "Tables 1 (stock by sex), 2 (population), 3 (% of population, both sexes), 4 (female %) and "
            "6 (refugees incl. asylum seekers) joined on location code and year",
            "population converted from thousands to persons (× 1000)",
            "'..' (not available) and '~' (under five, withheld) read as missing; rows with no estimate "
            "dropped (e.g. Taiwan Province of China)",
            "location codes of the country table → ISO3; other codes kept as the UN's published aggregates",
            "code 927 listed twice (SDG region and subregion) kept once",
        ],
    )
    return [Snapshot("migrant_stock", data=data, provenance=prov, published=published)
            .validated(file=path.name, sheet="Table 1")]


# ----------------------------------------------------------------------------------------
# origin by destination


def is_bilateral_workbook(path: Path) -> bool:
    """Whether a workbook's Table 1 is an origin-by-destination table."""
    try:
        sheet = read_sheet(path, "Table 1")
    except InputError:
        return False
    text = " ".join(cell_text(c) for row in sheet.rows[:20] for c in row).lower()
    return any(k in text for k in ("destination and origin", "of origin", "other south"))


def read_bilateral(path: Path, *, edition: str | None = None, url: str | None = None) -> list[Snapshot]:
    """Read the origin-by-destination Table 1 into a ``bilateral_stock`` snapshot.

    Unknown origins: the ``Other North``/``Other South`` columns (2019) or rows
    become origin ``UNK``; where the file has destination totals but no such
    columns, ``UNK`` is the residual total − known origins, flagged ``derived``.
    """
    import pandas as pd

    sheet = read_sheet(path, "Table 1")
    rev = edition or _revision(path, sheet)
    if not rev:
        raise InputError("cannot tell the revision of this workbook", file=path.name,
                         hint="give it with --edition")
    h, first, named, years = _header(sheet)
    header = sheet.rows[h]
    if "origin_code" in named:
        frame = _bilateral_long(sheet, named, years, first)
    else:
        frame = _bilateral_wide(sheet, named, header, first)
    other = frame[frame.origin == "UNK"]
    known = frame[(frame.origin != "UNK") & (frame.origin != "TOTAL")]
    totals = frame[frame.origin == "TOTAL"][["dest", "year", "migrants"]]
    if len(other) == 0 and len(totals):
        data = with_unknown_origin(known, totals.rename(columns={"dest": "iso3"}))
        derived_note = "origin UNK = destination total − sum of known origins (derived = true)"
    else:
        def total(values: pd.Series) -> float:
            return float(values.sum(min_count=1))  # missing (not zero) where no part is published

        data = pd.concat([known, other.groupby(["dest", "year"], as_index=False).agg(
            migrants=("migrants", total), migrants_male=("migrants_male", total),
            migrants_female=("migrants_female", total), _row=(ROW, "first")).assign(origin="UNK")])
        data["derived"] = False
        derived_note = "'Other North' and 'Other South' summed into origin UNK"
    data = data[data.migrants.fillna(0) != 0]
    prov = Provenance(
        dataset="bilateral_stock",
        edition=rev,
        publisher=PUBLISHER,
        title=f"International Migrant Stock {rev}: Destination and origin",
        revision=f"POP/DB/MIG/Stock/Rev.{rev}",
        url=url or URLS.get(rev, URLS["2020"]),
        licence=LICENCE,
        licence_url=LICENCE_URL,
        accessed=today(),
        files=[raw_file(path)],
        transformation=[
            "Table 1 reshaped to one row per year, destination and origin (ISO3)",
            "empty, '..' and zero cells dropped",
            derived_note,
        ],
    )
    return [Snapshot("bilateral_stock", data=data,
                     provenance=prov).validated(file=path.name, sheet=sheet.name)]


def _bilateral_wide(sheet: Sheet, named: dict[str, int], header: tuple[Any, ...], first: int) -> pd.DataFrame:
    import pandas as pd

    if "year" not in named:
        raise sheet.error("no 'Year' column in the wide origin-by-destination layout")
    skip = {"total", "other north", "other south", "other"}
    not_origin = {j for k, j in named.items() if k != "total"}
    origin_cols = {j: cell_text(c) for j, c in enumerate(header)
                   if j > named["code"] and cell_text(c) and j not in not_origin and not is_year(c)}
    origin_cols = {j: t for j, t in origin_cols.items()
                   if not t.lower().startswith("type of data") and t.lower() != "notes"}
    codes, _ = resolve_areas([t for t in origin_cols.values() if t.lower() not in skip], sheet=sheet,
                             rows=[first] * sum(t.lower() not in skip for t in origin_cols.values()),
                             column="origin header")
    it = iter(codes)
    origin_code = {j: ("UNK" if t.lower().startswith("other") else "TOTAL" if t.lower() == "total"
                       else next(it))
                   for j, t in origin_cols.items()}
    from migcap.geo.countries import country_table

    table = country_table()
    records = []
    for i in range(first, len(sheet.rows)):
        row = sheet.rows[i]
        code_text = cell_text(computed(row[named["code"]] if named["code"] < len(row) else None, sheet,
                                       row=i + 1, column=_letter(named["code"])))
        if not code_text.isdigit() or int(code_text) >= 900:
            continue  # aggregates
        dest = table.lookup(code_text)
        if dest is None:
            raise sheet.error("unknown location code", row=i + 1, column=_letter(named["code"]),
                              value=code_text)
        year_text = cell_text(computed(row[named["year"]], sheet, row=i + 1, column=_letter(named["year"])))
        if not is_year(year_text):
            raise sheet.error("not a year", row=i + 1, column=_letter(named["year"]),
                              value=row[named["year"]])
        for j, origin in origin_code.items():
            value = row[j] if j < len(row) else None
            column = f"{_letter(j)} ({origin_cols[j]})"
            [num] = numeric([value], sheet=sheet, rows=[i + 1], column=column)
            if num:
                records.append((int(year_text), dest, origin, num, None, None, i + 1, column))
    return pd.DataFrame.from_records(
        records, columns=["year", "dest", "origin", "migrants", "migrants_male", "migrants_female", ROW, COL])


def _bilateral_long(sheet: Sheet, named: dict[str, int], years: list[_YearColumn],
                    first: int) -> pd.DataFrame:
    import pandas as pd

    from migcap.geo.countries import country_table

    table = country_table()
    records = []
    for i in range(first, len(sheet.rows)):
        row = sheet.rows[i]
        d_text = cell_text(computed(row[named["code"]] if named["code"] < len(row) else None, sheet,
                                    row=i + 1, column=_letter(named["code"])))
        o_text = cell_text(computed(row[named["origin_code"]] if named["origin_code"] < len(row) else None,
                                    sheet, row=i + 1, column=_letter(named["origin_code"])))
        if not d_text.isdigit() or int(d_text) >= 900:
            continue
        dest = table.lookup(d_text)
        if dest is None:
            raise sheet.error("unknown destination code", row=i + 1, column=_letter(named["code"]),
                              value=d_text)
        o_name = cell_text(row[named["origin_name"]]).lower() if "origin_name" in named else ""
        if o_text.isdigit() and int(o_text) == 900:
            origin = "TOTAL"
        elif o_name.startswith("other") or (o_text.isdigit() and int(o_text) in (2003, 2004)):
            origin = "UNK"
        elif o_text.isdigit() and int(o_text) >= 900:
            continue
        else:
            found = table.lookup(o_text) if o_text else None
            if found is None:
                raise sheet.error("unknown origin code", row=i + 1, column=_letter(named["origin_code"]),
                                  value=o_text)
            origin = found
        rec: dict[int, dict[str, Any]] = {}
        for y in years:
            if y.block > 2:
                continue
            name = ("migrants", "migrants_male", "migrants_female")[y.block]
            column = f"{_letter(y.index)} ({y.year}, {name})"
            [num] = numeric([row[y.index] if y.index < len(row) else None], sheet=sheet, rows=[i + 1],
                            column=column)
            rec.setdefault(y.year, {})[name] = num
            rec[y.year][f"{COL}:{name}"] = column
        for year, vals in rec.items():
            if vals.get("migrants"):
                records.append((year, dest, origin, *(vals.get(k) for k in _LONG_FIELDS), i + 1))
    return pd.DataFrame.from_records(records, columns=["year", "dest", "origin", *_LONG_FIELDS, ROW])


_LONG_FIELDS = ("migrants", "migrants_male", "migrants_female",
                f"{COL}:migrants", f"{COL}:migrants_male", f"{COL}:migrants_female")


def with_unknown_origin(known: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    """Add origin ``UNK`` rows so that every destination adds up to its official total.

    Parameters
    ----------
    known
        Bilateral rows (``year, dest, origin, migrants`` …) of known origins.
    totals
        Official destination totals (``iso3, year, migrants``).

    Returns
    -------
    pandas.DataFrame
        ``known`` plus, per destination and year with a non-zero gap, a row with
        origin ``UNK``, ``migrants`` = total − sum of known origins and
        ``derived`` = True. A negative gap (known origins exceed the total) is
        kept as it is, so that sums still equal the total.

    Examples
    --------
    >>> import pandas as pd
    >>> k = pd.DataFrame({"year": [2019, 2019], "dest": ["KEN", "KEN"], "origin": ["UGA", "SOM"],
    ...                   "migrants": [10.0, 20.0]})
    >>> t = pd.DataFrame({"iso3": ["KEN"], "year": [2019], "migrants": [35.0]})
    >>> with_unknown_origin(k, t).query("origin == 'UNK'")[["dest", "migrants", "derived"]].to_dict("records")
    [{'dest': 'KEN', 'migrants': 5.0, 'derived': True}]
    """
    import pandas as pd

    sums = known.groupby(["dest", "year"], as_index=False)["migrants"].sum()
    gap = totals.rename(columns={"iso3": "dest", "migrants": "total"})[["dest", "year", "total"]].merge(
        sums, on=["dest", "year"], how="left"
    )
    gap["migrants"] = gap["total"] - gap["migrants"].fillna(0.0)
    gap = gap[gap["migrants"].abs() > 0.5][["dest", "year", "migrants"]].assign(origin="UNK", derived=True)
    out = pd.concat([known.assign(derived=False), gap], ignore_index=True)
    for col in ("migrants_male", "migrants_female"):
        if col not in out:
            out[col] = float("nan")
    return out
