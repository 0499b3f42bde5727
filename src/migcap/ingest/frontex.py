"""Frontex: monthly detections of illegal border crossings at the EU's external borders.

Layout read (CSV, optionally gzipped), as the IOM Global Data Institute's ``gdidata`` package writes
its ``frontex`` table: ``route``, ``type`` (Sea, Land), ``nat`` (citizenship, ISO3; ``OOO`` other,
``OOS`` not specified, ``STL`` stateless), ``t`` (month), ``n`` (detections).

Frontex's terms (its legal disclaimer) allow private use; any other reproduction needs its
permission. migcap therefore bundles no Frontex data: users import the file they obtained with
``migcap data import FILE --source frontex``.
"""

from __future__ import annotations

from pathlib import Path

from migcap.ingest.longcsv import LongCSV
from migcap.ingest.snapshot import Snapshot
from migcap.provenance import Provenance, raw_file, today

__all__ = ["read_frontex"]

URL = "https://www.frontex.europa.eu/what-we-do/monitoring-and-risk-analysis/migratory-map/"
FIELDS = {"route": ["route", "Route"], "border": ["type", "BorderLocation", "Border"],
          "citizenship": ["nat", "Nationality"], "month": ["t", "Month"], "n": ["n", "Value"]}


def read_frontex(path: Path, *, edition: str | None = None, url: str | None = None) -> list[Snapshot]:
    """Read Frontex detections into a ``border_crossings`` snapshot.

    Parameters
    ----------
    edition
        Edition name; default: the last month in the file (``YYYY-MM``).

    Raises
    ------
    InputError
        Missing columns, bad months, borders other than sea or land, unknown citizenships, counts that
        are negative, not whole or not finite (naming file, row and column); duplicate rows.
    """
    import pandas as pd

    from migcap.provenance import ROW

    t = LongCSV.read(path, FIELDS)
    years, months = t.months("month")
    data = pd.DataFrame({
        ROW: t.rows, "year": years, "month": months, "route": t.labels("route"),
        "border": t.labels("border", ("Sea", "Land")), "citizenship": t.codes("citizenship"),
        "detections": t.counts("n"),
    })
    last = max(zip(years, months, strict=True))
    prov = Provenance(
        dataset="border_crossings",
        edition=edition or f"{last[0]:04d}-{last[1]:02d}",
        publisher="European Border and Coast Guard Agency (Frontex)",
        title="Monthly detections of illegal border crossings",
        revision=f"months to {last[0]:04d}-{last[1]:02d}",
        url=url or URL,
        licence="Frontex copyright: private use; other reproduction needs Frontex's permission "
                "(not redistributed by migcap)",
        licence_url="https://www.frontex.europa.eu/legal-disclaimer/",
        citation="Frontex, Monthly detections of illegal border crossings.",
        accessed=today(),
        files=[raw_file(path)],
        transformation=["one row per month, route, sea or land border and citizenship, values as given"],
    )
    return [Snapshot("border_crossings", data=data, provenance=prov).validated(file=path.name)]
