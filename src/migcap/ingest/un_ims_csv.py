"""UN DESA International Migrant Stock as a long CSV: origin × destination × sex.

The layout is the one of IOM GDI's data package (``gdidata``), which carries IMS 2020
and IMS 2024 by origin, destination and sex::

    geo,t,from,sex,n,type_b,type_c,type_r,type_i
    ABW,1990,BES,female,25,1,0,1,0

``geo`` is the destination and ``from`` the origin (ISO3; ``OOO`` = the UN's
"other" or unknown origin, ``XCX`` = Channel Islands); ``sex`` is ``male`` or
``female`` (both sexes = their sum); ``n`` the migrant stock; the flags say the
basis of the destination's figure: ``type_b`` foreign-born, ``type_c`` citizenship,
``type_r`` refugees added, ``type_i`` imputed.

One file gives two snapshots: ``bilateral_stock`` (one row per year, destination
and origin; ``OOO`` becomes origin ``UNK``, not derived) and ``migrant_stock``
(destination totals = the sums over origins, with the data-type code built from
the flags). The population columns are filled when a population frame is given
(see :func:`migcap.ingest.wpp.mid_year_population`).
"""

from __future__ import annotations

import gzip
import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from migcap.errors import InputError
from migcap.ingest.common import read_csv_checked, require_columns
from migcap.ingest.snapshot import Snapshot
from migcap.ingest.un_ims import LICENCE, LICENCE_URL, PUBLISHER, URLS
from migcap.provenance import COL, ROW, Provenance, raw_file, today

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COLUMNS", "FLAGS", "is_ims_csv", "read_ims_csv"]

COLUMNS = ("geo", "t", "from", "sex", "n")
#: flag column → the letter of the UN's "type of data" code
FLAGS = {"type_b": "B", "type_c": "C", "type_r": "R", "type_i": "I"}
OTHER_ORIGIN = "OOO"
_SEXES = ("male", "female")
_EDITION = re.compile(r"ims[_-]?(\d{4})", re.IGNORECASE)


def is_ims_csv(path: Path) -> bool:
    """Whether ``path`` is a CSV (optionally gzipped) whose header starts ``geo,t,from,sex,n``."""
    name = path.name.lower()
    if not (name.endswith(".csv") or name.endswith(".csv.gz")):
        return False
    opener = gzip.open if name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8-sig") as fh:
            header = fh.readline().strip().lower().replace('"', "")
    except (OSError, UnicodeDecodeError):
        return False
    return header.split(",")[:5] == list(COLUMNS)


def read_ims_csv(path: Path, *, edition: str | None = None, population: pd.DataFrame | None = None,
                 url: str | None = None, released: str | None = None) -> list[Snapshot]:
    """Read an IMS long CSV into ``migrant_stock`` and ``bilateral_stock`` snapshots.

    Parameters
    ----------
    path
        The CSV (``.csv`` or ``.csv.gz``).
    edition
        The IMS revision, e.g. ``"2024"``; default: from the file name (``ims2024_…``).
    population
        Mid-year population by destination and year (``iso3, year, population,
        population_male, population_female``), for the population and % columns;
        without it they stay missing.
    url, released
        The publisher's page and release date for the provenance record.

    Returns
    -------
    list of Snapshot
        ``[migrant_stock, bilateral_stock]``.

    Raises
    ------
    InputError
        Missing columns, a sex other than male/female, a count that is not a finite
        number ≥ 0, an unknown country code, a duplicated row (each naming file, row,
        column and value).

    Examples
    --------
    >>> from migcap.ingest.un_ims_csv import is_ims_csv
    >>> is_ims_csv(Path("report.xlsx"))
    False
    """
    import numpy as np
    import pandas as pd

    match = _EDITION.search(path.name)
    rev = edition or (match.group(1) if match else None)
    if not rev:
        raise InputError("cannot tell the IMS revision of this file", file=path.name,
                         hint="give it with --edition (e.g. 2024)")
    raw = read_csv_checked(path, compression="infer")
    cols = require_columns(raw.columns, {c: [c] for c in COLUMNS}, file=path.name, row=1)
    if raw.empty:
        raise InputError("no data rows below the header", file=path.name, row=1)
    line = np.arange(len(raw)) + 2  # the header is line 1

    def bad(mask: np.ndarray, column: str, message: str, hint: str) -> None:
        if mask.any():
            i = int(np.argmax(mask))
            more = int(mask.sum()) - 1
            raise InputError(message, file=path.name, row=int(line[i]), column=column,
                             value=raw[cols[column]].iat[i],
                             hint=hint + (f"; {more} more row{'s' if more > 1 else ''} like it"
                                          if more else ""))

    year = pd.to_numeric(raw[cols["t"]], errors="coerce").to_numpy(dtype=float)
    bad(~np.isfinite(year) | (year != np.round(year)), "t", "not a year", "years are whole numbers")
    sex = raw[cols["sex"]].str.strip().str.lower().to_numpy(dtype=object)
    bad(~np.isin(sex, _SEXES), "sex", "unknown sex", "allowed: male, female")
    text = raw[cols["n"]].str.strip()
    n = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    bad(np.isnan(n) & (text != "").to_numpy(), "n", "not a number", "counts are numbers")
    bad(np.isinf(n), "n", "not a finite number", "counts are finite numbers")
    bad(n < 0, "n", "negative count", "migrant stocks are ≥ 0")
    codes = {side: _codes(raw[cols[side]], path, line, side) for side in ("geo", "from")}
    flags = {f: (pd.to_numeric(raw[f], errors="coerce").fillna(0).to_numpy() > 0) if f in raw.columns
             else np.zeros(len(raw), dtype=bool) for f in FLAGS}
    long = pd.DataFrame({"year": year.astype("int64"), "dest": codes["geo"], "origin": codes["from"],
                         "sex": sex, "n": n, ROW: line, **flags})
    dup = long.duplicated(["year", "dest", "origin", "sex"], keep=False).to_numpy()
    if dup.any():
        first = long[dup].iloc[0]
        same = np.ones(len(long), dtype=bool)
        for k in ("year", "dest", "origin", "sex"):
            same &= (long[k] == first[k]).to_numpy()
        rows = long[dup & same][ROW]
        raise InputError(f"duplicate row for {first['dest']} ← {first['origin']}, {first['year']}, "
                         f"{first['sex']}", file=path.name, row=int(rows.iat[1]),
                         hint=f"first at row {int(rows.iat[0])}")
    bilateral = _bilateral(long)
    totals = _totals(long, population)
    source = f"{PUBLISHER} (IMS {rev})"
    reading = (f"long CSV (geo, t, from, sex, n, type_b/c/r/i) of {source}: one row per destination, year, "
               "origin and sex; sexes pivoted to migrants_male and migrants_female, migrants = their sum")
    prov_b = Provenance(
        dataset="bilateral_stock", edition=rev, publisher=PUBLISHER,
        title=f"International Migrant Stock {rev}: destination and origin, by sex",
        revision=f"POP/DB/MIG/Stock/Rev.{rev}", url=url or URLS.get(rev, URLS["2024"]),
        licence=LICENCE, licence_url=LICENCE_URL,
        citation=f"United Nations, Department of Economic and Social Affairs, Population Division ({rev}). "
                 f"International Migrant Stock {rev}.",
        released=date.fromisoformat(released) if released else None,
        accessed=today(), files=[raw_file(path)],
        transformation=[reading,
                        "origin OOO (the UN's other or unknown origin) kept as origin UNK, the UN's own "
                        "figures (not a residual), so that every destination adds up to its official total; "
                        "XCX = Channel Islands (CHI)",
                        "rows with no migrants dropped"])
    pop_note = ("population: WPP mid-year population given with the import (see the wpp rule in "
                "docs/data.md); migrants_pct = migrants / population × 100, left missing where the stock "
                "exceeds the population (the two sources disagree)" if population is not None
                else "population and migrants_pct missing: the file has none")
    prov_t = prov_b.model_copy(update={
        "dataset": "migrant_stock",
        "title": f"International Migrant Stock {rev}: totals by destination and sex (sums over origins)",
        "transformation": [reading,
                           "destination totals = sums over all origins, the other/unknown origin (OOO) "
                           "included",
                           "type_of_data = the letters of the flags set: B foreign-born (type_b), C "
                           "citizenship (type_c), R refugees added (type_r), I imputed (type_i)",
                           "female_pct = migrants_female / migrants × 100", pop_note,
                           "refugees missing: the file has none (UNHCR's figures are in dataset unhcr)"]})
    return [Snapshot("migrant_stock", data=totals, provenance=prov_t).validated(file=path.name),
            Snapshot("bilateral_stock", data=bilateral, provenance=prov_b).validated(file=path.name)]


def _codes(values: pd.Series, path: Path, line: object, column: str) -> list[str]:
    """ISO3 per cell; ``OOO`` → ``UNK``; an unknown code is an error naming its first row."""
    from migcap.geo.countries import country_table

    table = country_table()
    found: dict[str, str] = {}
    for text in values.str.strip().unique():
        code = "UNK" if text == OTHER_ORIGIN and column == "from" else table.lookup(text)
        if code is None:
            import numpy as np

            i = int(np.argmax((values.str.strip() == text).to_numpy()))
            close = table.suggest(text)
            raise InputError("unknown country or area code", file=path.name, row=i + 2, column=column,
                             value=text, hint=(f"did you mean {', '.join(close)}? " if close else "")
                             + "add it to aliases.tsv in the data folder if it is a country")
        found[text] = code
    return [found[t] for t in values.str.strip()]


def _bilateral(long: pd.DataFrame) -> pd.DataFrame:
    """One row per year, destination and origin, with both sexes and their sum."""
    keys = ["year", "dest", "origin"]
    wide = long.pivot_table(index=keys, columns="sex", values="n", aggfunc="sum").reset_index()
    rows = long.pivot_table(index=keys, columns="sex", values=ROW, aggfunc="first").reset_index()
    out = wide.rename(columns={s: f"migrants_{s}" for s in _SEXES})
    for s in _SEXES:
        if f"migrants_{s}" not in out:
            out[f"migrants_{s}"] = float("nan")
        # each value keeps the source line it came from, for error messages
        out[f"{ROW}:migrants_{s}"] = rows.get(s)
        out[f"{COL}:migrants_{s}"] = "n"
    out["migrants"] = out[["migrants_male", "migrants_female"]].sum(axis=1, min_count=1)
    out[ROW] = out[f"{ROW}:migrants_male"].fillna(out[f"{ROW}:migrants_female"])
    out["derived"] = False
    return out[out["migrants"].fillna(0) > 0].reset_index(drop=True)


def _totals(long: pd.DataFrame, population: pd.DataFrame | None) -> pd.DataFrame:
    """Destination totals by year: sums over origins, the data-type code, population and shares."""
    import numpy as np

    by = long.groupby(["dest", "year"])
    out = long.groupby(["dest", "year", "sex"])["n"].sum(min_count=1).unstack("sex")
    out = out.rename(columns={s: f"migrants_{s}" for s in _SEXES})
    for s in _SEXES:
        if f"migrants_{s}" not in out:
            out[f"migrants_{s}"] = float("nan")
    flags = by[list(FLAGS)].any()
    flags = flags.loc[out.index]
    out["type_of_data"] = [" ".join(letter for letter, on in zip(FLAGS.values(), row, strict=True) if on)
                           for row in flags[list(FLAGS)].itertuples(index=False)]
    out[ROW] = by[ROW].min().loc[out.index]
    out = out.reset_index().rename(columns={"dest": "iso3"})
    out["migrants"] = out[["migrants_male", "migrants_female"]].sum(axis=1, min_count=1)
    out["female_pct"] = out["migrants_female"] / out["migrants"] * 100
    pop_cols = ["population", "population_male", "population_female"]
    if population is not None:
        out = out.merge(population[["iso3", "year", *pop_cols]], on=["iso3", "year"], how="left")
    else:
        for c in pop_cols:
            out[c] = float("nan")
    pct = out["migrants"] / out["population"] * 100
    out["migrants_pct"] = pct.where(pct <= 100)
    out["refugees"] = np.nan
    return out
