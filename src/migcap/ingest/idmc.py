"""IDMC Global Internal Displacement Database: new displacements (flows) and IDPs (stocks) by cause.

Layouts read (CSV, optionally gzipped), as the IOM Global Data Institute's ``gdidata`` package writes
them:

* flows (``idmc_flows``): ``geo`` (ISO3; ``AB9`` the Abyei Area), ``t`` (year), ``cause``
  (``conflict`` or a disaster's hazard: ``flood``, ``storm``, …), ``n`` (internal displacements
  during the year);
* stocks (``idmc_stocks``): ``geo``, ``t``, ``cause`` (``conflict`` or ``disaster``), ``sex``,
  ``age``, ``n`` (internally displaced persons at the end of the year), summed over sex and age.

One or both files make one edition.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from migcap.errors import InputError
from migcap.ingest.longcsv import LongCSV
from migcap.ingest.snapshot import Snapshot
from migcap.provenance import Provenance, raw_file, today

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DISASTER_HAZARDS", "read_idmc"]

URL = "https://www.internal-displacement.org/database/displacement-data"
#: the natural hazards whose displacements IDMC counts as disaster displacements (its documentation)
DISASTER_HAZARDS = ("drought", "earthquake", "erosion", "extreme temperature", "flood", "mass movement",
                    "storm", "volcanic activity", "wave action", "wildfire")
ALL = "all"
FIELDS = {"country": ["geo", "iso3"], "year": ["t", "year"], "cause": ["cause"], "n": ["n"]}


def _read_one(path: Path) -> tuple[str, pd.DataFrame]:
    import pandas as pd

    t = LongCSV.read(path, FIELDS)
    stocks = t.has(["sex", "age"])
    if stocks:
        cause = t.labels("cause", ("conflict", "disaster"))
        hazard = [ALL] * len(cause)
    else:
        hazard = t.labels("cause", ("conflict", *DISASTER_HAZARDS))
        cause = ["conflict" if h == "conflict" else "disaster" for h in hazard]
        hazard = [ALL if h == "conflict" else h for h in hazard]
    frame = pd.DataFrame({"iso3": t.codes("country"), "year": t.years("year"), "cause": cause,
                          "hazard": hazard, "n": t.counts("n")})
    keys = ["iso3", "year", "cause", "hazard"]
    if stocks:  # the rows by sex and age (or 'unknown') add up to the total
        frame = frame.groupby(keys, as_index=False)["n"].sum()
    else:
        dup = frame.duplicated(keys, keep=False)
        if dup.any():
            rows = [r for r, d in zip(t.rows, dup, strict=True) if d]
            raise InputError(f"duplicate displacement figure in rows {', '.join(map(str, rows[:5]))}",
                             file=path.name, row=rows[0])
    return ("idps" if stocks else "new_displacements"), frame.rename(columns={"n": "value"})


def read_idmc(path: Path, *, edition: str | None = None, extra_files: Sequence[Path] = (),
              url: str | None = None) -> list[Snapshot]:
    """Read IDMC flows and/or stocks into a ``displacement`` snapshot.

    Parameters
    ----------
    path, extra_files
        The flows file, the stocks file, or both (in any order).
    edition
        Edition name; default: the last year in the files.

    Raises
    ------
    InputError
        Missing columns, unknown causes or countries, counts that are negative, not whole or not
        finite (naming file, row and column); two files of the same kind.
    """
    paths = [path, *extra_files]
    parts: dict[str, pd.DataFrame] = {}
    for p in paths:
        kind, frame = _read_one(p)
        if kind in parts:
            raise InputError(f"a second file of {kind.replace('_', ' ')}", file=p.name,
                             hint="give one flows file and one stocks file")
        parts[kind] = frame
    keys = ["iso3", "year", "cause", "hazard"]
    data: pd.DataFrame | None = None
    for kind in ("new_displacements", "idps"):
        if kind in parts:
            part = parts[kind].rename(columns={"value": kind})
            data = part if data is None else data.merge(part, on=keys, how="outer")
    assert data is not None
    for kind in ("new_displacements", "idps"):
        if kind not in data.columns:
            data[kind] = float("nan")
    last = int(data["year"].max())
    prov = Provenance(
        dataset="displacement",
        edition=edition or str(last),
        publisher="Internal Displacement Monitoring Centre (IDMC)",
        title="Global Internal Displacement Database: internal displacements and IDPs by cause",
        revision=f"data to {last}",
        url=url or URL,
        licence="CC BY 3.0 IGO",
        licence_url="https://creativecommons.org/licenses/by/3.0/igo/",
        citation="Internal Displacement Monitoring Centre (IDMC), Global Internal Displacement Database, "
                 "https://www.internal-displacement.org/database.",
        accessed=today(),
        files=[raw_file(p) for p in paths],
        transformation=[
            "flows: each row's cause is conflict or a natural hazard; hazards are disaster displacements "
            "(cause = disaster, hazard as given), conflict rows have hazard = 'all'",
            "stocks: internally displaced persons summed over sex and age (rows of unknown sex or age "
            "included), hazard = 'all'",
            "code AB9 (Abyei Area) kept as IDMC gives it",
        ],
    )
    return [Snapshot("displacement", data=data, provenance=prov).validated(file=path.name)]
