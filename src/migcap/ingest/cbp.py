"""U.S. Customs and Border Protection: encounters at the southwest land border, by month.

Layout read (CSV, optionally gzipped), as the IOM Global Data Institute's ``gdidata`` package writes
its ``irreg_usa`` table: ``t`` (calendar month), ``t_fy`` (month in the fiscal year; not used),
``component`` (U.S. Border Patrol, Office of Field Operations), ``area`` (sector or field office),
``authority`` (Title 8, Title 42), ``type`` (Apprehensions, Inadmissibles, Expulsions), ``demog``,
``nat`` (citizenship, ISO3, from October 2019; ``OOO`` other countries), ``n``. Summed over the
areas of responsibility.
"""

from __future__ import annotations

from pathlib import Path

from migcap.ingest.longcsv import LongCSV
from migcap.ingest.snapshot import Snapshot
from migcap.provenance import Provenance, raw_file, today

__all__ = ["read_cbp"]

URL = "https://www.cbp.gov/document/stats/southwest-land-border-encounters"
FIELDS = {"month": ["t", "Month"], "component": ["component", "Component"],
          "type": ["type", "Title of Authority", "Encounter Type"], "demographic": ["demog", "Demographic"],
          "citizenship": ["nat", "Citizenship"], "n": ["n", "Encounter Count"]}
#: the code of an empty citizenship cell: not reported (CBP gives citizenship from October 2019)
NOT_REPORTED = "UNK"


def read_cbp(path: Path, *, edition: str | None = None, url: str | None = None) -> list[Snapshot]:
    """Read southwest land border encounters into a ``border_encounters`` snapshot.

    Parameters
    ----------
    edition
        Edition name; default: the last month in the file (``YYYY-MM``).

    Raises
    ------
    InputError
        Missing columns, bad months, unknown citizenships, counts that are negative, not whole or not
        finite (naming file, row and column).
    """
    import pandas as pd

    t = LongCSV.read(path, FIELDS)
    years, months = t.months("month")
    frame = pd.DataFrame({
        "year": years, "month": months,
        "citizenship": t.codes("citizenship", empty=NOT_REPORTED),
        "component": t.labels("component"), "encounter_type": t.labels("type"),
        "demographic": t.labels("demographic"), "encounters": t.counts("n"),
    })
    keys = ["year", "month", "citizenship", "component", "encounter_type", "demographic"]
    data = frame.groupby(keys, as_index=False)["encounters"].sum()
    last = max(zip(years, months, strict=True))
    prov = Provenance(
        dataset="border_encounters",
        edition=edition or f"{last[0]:04d}-{last[1]:02d}",
        publisher="U.S. Customs and Border Protection (CBP)",
        title="Southwest Land Border Encounters",
        revision=f"months to {last[0]:04d}-{last[1]:02d}",
        url=url or URL,
        licence="Public domain (work of the U.S. federal government, 17 U.S.C. § 105)",
        licence_url="https://www.usa.gov/government-copyright",
        citation="U.S. Customs and Border Protection, Southwest Land Border Encounters.",
        accessed=today(),
        files=[raw_file(path)],
        transformation=[
            "encounters summed over the areas of responsibility (Border Patrol sectors, field offices) by "
            "calendar month, citizenship, component, encounter type and demographic",
            "an empty citizenship (months before October 2019, when CBP did not publish it) read as UNK; "
            "OOO (other countries) kept",
        ],
    )
    return [Snapshot("border_encounters", data=data, provenance=prov).validated(file=path.name)]
