"""Eurostat asylum applicants by country of application, citizenship and sex (``migr_asyappctza``).

Layout read (CSV, optionally gzipped), as the IOM Global Data Institute's ``gdidata`` package writes
its ``eu_asyapp`` table: ``geo`` (country of application, ISO3; ``EU27`` the European Union total),
``t`` (year), ``nat`` (citizenship, ISO3; ``STL`` stateless, ``OOO`` other or unknown), ``sex``
(``female``, ``male``, ``unknown``), ``n``. The sexes are summed into ``applicants``; the EU27 rows
are kept as the source's own aggregate.
"""

from __future__ import annotations

from pathlib import Path

from migcap.ingest.common import resolve_areas
from migcap.ingest.longcsv import LongCSV
from migcap.ingest.snapshot import Snapshot
from migcap.provenance import ROW, Provenance, raw_file, today

__all__ = ["read_asylum"]

URL = "https://ec.europa.eu/eurostat/databrowser/view/migr_asyappctza/default/table"
#: Eurostat's aggregates of countries of application that the file may hold (code → Eurostat's name)
AGGREGATES = {"EU27": "European Union - 27 countries (from 2020)",
              "EU27_2020": "European Union - 27 countries (from 2020)"}
FIELDS = {"dest": ["geo"], "year": ["t", "time", "year"], "origin": ["nat", "citizen"], "sex": ["sex"],
          "n": ["n", "values", "OBS_VALUE"]}


def read_asylum(path: Path, *, edition: str | None = None, url: str | None = None) -> list[Snapshot]:
    """Read asylum applicants into an ``asylum_applications`` snapshot.

    Parameters
    ----------
    edition
        Edition name; default: the last year in the file.

    Raises
    ------
    InputError
        Missing columns, unknown countries or sexes, counts that are negative, not whole or not finite
        (naming file, row and column).
    """
    import pandas as pd

    t = LongCSV.read(path, FIELDS)
    dest_text = t.text("dest")
    is_agg = [d in AGGREGATES for d in dest_text]
    # the countries resolve to ISO3; Eurostat's aggregates keep their code
    codes, _ = resolve_areas(dest_text, sheet=t.sheet, rows=t.rows, column=t.columns["dest"],
                             aggregates=lambda v: v in AGGREGATES)
    dest = [c if c is not None else d for c, d in zip(codes, dest_text, strict=True)]
    sex = t.labels("sex", ("female", "male", "unknown", "total"))
    frame = pd.DataFrame({ROW: t.rows, "year": t.years("year"), "dest": dest, "origin": t.codes("origin"),
                          "sex": sex, "n": t.counts("n")})
    frame["agg"] = is_agg
    if (frame["sex"] == "total").any() and (frame["sex"] != "total").any():
        frame = frame[frame["sex"] == "total"]  # totals as published, when both are given
    keys = ["year", "dest", "origin"]
    wide = frame.pivot_table(index=[*keys, "agg"], columns="sex", values="n", aggfunc="sum").reset_index()
    first_row = frame.groupby(keys)[ROW].min().rename(ROW).reset_index()
    wide = wide.merge(first_row, on=keys)
    parts = [c for c in ("female", "male", "unknown", "total") if c in wide.columns]
    wide["applicants"] = wide["total"] if "total" in parts else wide[parts].sum(axis=1, min_count=1)
    wide["applicants_male"] = wide["male"] if "male" in parts else float("nan")
    wide["applicants_female"] = wide["female"] if "female" in parts else float("nan")
    values = ["applicants", "applicants_male", "applicants_female"]
    data = wide[~wide["agg"]][[ROW, *keys, *values]]
    agg = wide[wide["agg"]]
    published = None
    if not agg.empty:
        published = agg.rename(columns={"dest": "code"})[[ROW, "year", "code", "origin", *values]].copy()
        published["name"] = published["code"].map(AGGREGATES)
    last = int(frame["year"].max())
    prov = Provenance(
        dataset="asylum_applications",
        edition=edition or str(last),
        publisher="Eurostat",
        title="Asylum applicants by type, citizenship, age and sex - annual aggregated data "
              "(migr_asyappctza)",
        revision=f"data to {last}",
        url=url or URL,
        licence="Eurostat copyright: re-use with acknowledgement of the source (Commission Decision "
                "2011/833/EU)",
        licence_url="https://ec.europa.eu/eurostat/about-us/policies/copyright",
        citation="Eurostat (migr_asyappctza), asylum applicants.",
        accessed=today(),
        files=[raw_file(path)],
        transformation=[
            "applicants of every sex (female, male, unknown) summed into 'applicants'; males and females "
            "kept",
            "the EU27 total kept as the source's own aggregate (asylum_applications_published)",
            "codes STL (stateless) and OOO (other or unknown citizenship) kept as the file gives them",
        ],
    )
    snap = Snapshot("asylum_applications", data=data, provenance=prov, published=published)
    return [snap.validated(file=path.name)]
