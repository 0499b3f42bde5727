"""IOM Missing Migrants Project: deaths and disappearances of migrants en route (incident records).

Layout read (CSV, optionally gzipped), as the IOM Global Data Institute's ``gdidata`` package writes
its ``iom_mmp`` table: ``t`` (date of incident), ``m`` (month), ``type`` (Incident, Split Incident,
Cumulative Incident), ``route``, ``geo`` (country of incident, ISO3), ``dead`` (number of dead and
missing), ``cause``, ``surv``, ``nat``, ``location``, ``lon``, ``lat``. The incident records are
summed by year, month, route and country of incident.
"""

from __future__ import annotations

from pathlib import Path

from migcap.ingest.longcsv import LongCSV
from migcap.ingest.snapshot import Snapshot
from migcap.provenance import Provenance, raw_file, today

__all__ = ["read_mmp"]

URL = "https://missingmigrants.iom.int/downloads"
FIELDS = {
    "date": ["t", "Incident Date"],
    "route": ["route", "Migration route"],
    "country": ["geo", "Country of Incident (ISO3)"],
    "dead": ["dead", "Total Number of Dead and Missing"],
}


def read_mmp(path: Path, *, edition: str | None = None, url: str | None = None) -> list[Snapshot]:
    """Read Missing Migrants Project incidents into a ``missing_migrants`` snapshot.

    Parameters
    ----------
    path
        The CSV file (``.csv`` or ``.csv.gz``).
    edition
        Edition name; default: the month of the last incident (``YYYY-MM``).
    url
        Where the file came from (default: the project's downloads page).

    Raises
    ------
    InputError
        Missing columns, dates that are not dates, unknown countries, counts that are negative, not
        whole or not finite; the message names the file, row and column.
    """
    import pandas as pd

    t = LongCSV.read(path, FIELDS)
    years, months = t.months("date")
    frame = pd.DataFrame({
        "year": years, "month": months,
        "route": [r or "Undefined" for r in t.text("route")],
        "iso3": t.codes("country"),
        "dead_and_missing": t.counts("dead"),
    })
    data = (frame.groupby(["year", "month", "route", "iso3"], as_index=False)
            .agg(dead_and_missing=("dead_and_missing", "sum"), incidents=("dead_and_missing", "size")))
    last = max(zip(years, months, strict=True))
    ed = edition or f"{last[0]:04d}-{last[1]:02d}"
    prov = Provenance(
        dataset="missing_migrants",
        edition=ed,
        publisher="International Organization for Migration (IOM)",
        title="Missing Migrants Project: deaths and disappearances during migration",
        revision=f"incidents to {last[0]:04d}-{last[1]:02d}",
        url=url or URL,
        licence="CC BY 4.0",
        licence_url="https://creativecommons.org/licenses/by/4.0/",
        citation="IOM's Missing Migrants Project, https://missingmigrants.iom.int (records summed by "
                 "migcap).",
        accessed=today(),
        files=[raw_file(path)],
        transformation=[
            "incident records (incidents, split incidents and cumulative incidents, as the project counts "
            "them) summed by year and month of the incident, route and country of incident; 'incidents' "
            "= the number of records",
            "the number of dead and missing is kept as one figure, as in the file (dead and missing are "
            "not separated); survivors, causes, origins and locations are left out",
            "an empty route is read as 'Undefined', the project's own label",
        ],
    )
    return [Snapshot("missing_migrants", data=data, provenance=prov).validated(file=path.name)]
