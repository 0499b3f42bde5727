"""UNHCR Refugee Population Statistics: the Refugee Data Finder download and the API's fields.

Layouts read (CSV, optionally gzipped):

* the Refugee Data Finder download: a few lines of notes, then ``Year, Country of
  origin, Country of origin (ISO), Country of asylum, Country of asylum (ISO),
  Refugees under UNHCR's mandate, Asylum-seekers, …``;
* the API's field names, as the ``refugees`` R package also writes them:
  ``year, coo_iso, coa_iso, refugees, asylum_seekers, returned_refugees, idps,
  returned_idps, stateless, ooc, oip, hst``.

Countries are matched by ISO code (``UNK`` unknown and ``XXA`` stateless are kept
as partner codes).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from migcap.errors import InputError
from migcap.ingest.common import Sheet, cell_text, numeric, read_csv_checked, resolve_areas
from migcap.ingest.snapshot import Snapshot
from migcap.provenance import COL, ROW, Provenance, raw_file, today

if TYPE_CHECKING:
    pass

__all__ = ["read_unhcr"]

URL = "https://www.unhcr.org/refugee-statistics/download/"
FIELDS = {
    # field: accepted column names (API name first, then the Data Finder's)
    "year": ["year", "Year"],
    "origin": ["coo_iso", "Country of origin (ISO)"],
    "asylum": ["coa_iso", "Country of asylum (ISO)"],
    "refugees": ["refugees", "Refugees under UNHCR's mandate"],
    "asylum_seekers": ["asylum_seekers", "Asylum-seekers"],
    "returned_refugees": ["returned_refugees", "Returned refugees"],
    "idps": ["idps", "IDPs of concern to UNHCR"],
    "returned_idps": ["returned_idps", "Returned IDPs"],
    "stateless": ["stateless", "Stateless persons"],
    "others_of_concern": ["ooc", "Others of concern"],
    "other_protection": ["oip", "Other people in need of international protection"],
    "host_community": ["hst", "Host community", "Host Community"],
}
REQUIRED = ("year", "origin", "asylum", "refugees", "asylum_seekers")


def _header_line(path: Path) -> int:
    """Lines before the header (the Data Finder puts notes first)."""
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8-sig") as fh:
            for i, line in enumerate(fh):
                low = line.lower()
                if ("year" in low and ("coo_iso" in low or "country of origin" in low)) or i > 40:
                    return i if i <= 40 else 0
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"not a readable text file ({exc.__class__.__name__})", file=path.name) from None
    return 0


def read_unhcr(path: Path, *, edition: str | None = None, url: str | None = None) -> list[Snapshot]:
    """Read a UNHCR population CSV into an ``unhcr`` snapshot.

    Parameters
    ----------
    edition
        Edition name; default: the last year in the file.

    Raises
    ------
    InputError
        Missing columns, text in numeric cells, unknown country codes, duplicates.
    """
    import pandas as pd

    from migcap.ingest.common import require_columns

    skip = _header_line(path)
    raw = read_csv_checked(path, skiprows=skip, compression="infer")
    required = {k: v for k, v in FIELDS.items() if k in REQUIRED}
    cols = require_columns(raw.columns, required, file=path.name, row=skip + 1)
    if raw.empty:
        raise InputError("no data rows below the header", file=path.name, row=skip + 1,
                         hint="is the download complete?")
    lower = {c.lower(): c for c in raw.columns}
    for k, options in FIELDS.items():
        if k not in cols:
            hit = next((lower[o.lower()] for o in options if o.lower() in lower), None)
            if hit:
                cols[k] = hit
    first = skip + 2
    rows = list(range(first, first + len(raw)))
    sheet = Sheet(path.name, None, [])
    out = pd.DataFrame({ROW: rows})
    years = numeric(raw[cols["year"]].tolist(), sheet=sheet, rows=rows, column=cols["year"], zero=())
    if any(y is None for y in years):
        i = next(i for i, y in enumerate(years) if y is None)
        raise InputError("missing year", file=path.name, row=rows[i], column=cols["year"])
    out["year"] = years  # checked (whole, from 1951) when validated
    out[f"{COL}:year"] = cols["year"]
    for side in ("origin", "asylum"):
        values = [cell_text(v) or "UNK" for v in raw[cols[side]]]
        codes, _ = resolve_areas(values, sheet=sheet, rows=rows, column=cols[side])
        out[side] = codes
    for field in FIELDS:
        if field in ("year", "origin", "asylum"):
            continue
        if field in cols:
            out[field] = numeric(raw[cols[field]].tolist(), sheet=sheet, rows=rows, column=cols[field],
                                 zero=("-",))
            out[f"{COL}:{field}"] = cols[field]
        else:
            out[field] = float("nan")
    last = out["year"].max()
    ed = edition or (f"{last:.0f}" if last == int(last) else str(last))
    prov = Provenance(
        dataset="unhcr",
        edition=ed,
        publisher="UNHCR, the UN Refugee Agency",
        title="Refugee Population Statistics Database: population figures by origin and asylum",
        revision=f"data to {last:.0f}",
        url=url or URL,
        licence="CC BY 4.0",
        licence_url="https://creativecommons.org/licenses/by/4.0/",
        citation="UNHCR Refugee Population Statistics Database.",
        accessed=today(),
        files=[raw_file(path)],
        transformation=[
            "columns renamed to the API's field names; ISO codes kept (UNK unknown, XXA stateless)",
            "an empty origin or asylum code read as UNK (unknown)",
        ],
    )
    return [Snapshot("unhcr", data=out, provenance=prov).validated(file=path.name)]
