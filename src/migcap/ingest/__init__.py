"""Readers of the official file layouts, one module per source; raw files → validated snapshots.

``read(paths, source)`` dispatches on ``--source``:

=========  ==================================================================
un-ims     UN DESA International Migrant Stock workbooks (2019, 2020, 2024):
           destination totals, or origin-by-destination Table 1; or the long
           CSV by origin, destination and sex (``geo,t,from,sex,n``, IMS 2020/2024)
wdi        World Bank WDI: Excel download, bulk CSV, API JSON, long CSV
knomad     KNOMAD/World Bank remittance inflow/outflow workbooks
knomad-brm KNOMAD/World Bank Bilateral Remittance Matrix (2017, 2021 layouts):
           sending × receiving country, US$ million
wpp        UN World Population Prospects CSV (official or wpp2024 extracts)
unhcr      UNHCR Refugee Data Finder CSV or API fields
iom-mmp    IOM Missing Migrants Project incidents (deaths and disappearances)
idmc       IDMC internal displacements (flows) and IDPs (stocks) by cause
eurostat-  Eurostat asylum applicants by country of application,
asylum     citizenship and sex (migr_asyappctza)
cbp        US CBP southwest land border encounters by month
frontex    Frontex detections of illegal border crossings by month (import
           only: its terms do not allow migcap to bundle them)
=========  ==================================================================

The last five read the long CSV tables (optionally gzipped) of the IOM Global Data
Institute's ``gdidata`` package.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from migcap.errors import InputError
from migcap.ingest.snapshot import Snapshot

__all__ = ["SOURCES", "read"]

SOURCES = ("un-ims", "wdi", "knomad", "knomad-brm", "wpp", "unhcr", "iom-mmp", "idmc", "eurostat-asylum",
           "cbp", "frontex")


def read(paths: Sequence[Path], source: str, *, edition: str | None = None,
         indicator: str | None = None) -> list[Snapshot]:
    """Read official files of one source into validated snapshots.

    Parameters
    ----------
    paths
        One or more files of the same release (e.g. KNOMAD inflows and outflows).
    source
        One of :data:`SOURCES`.
    edition
        Edition name; default: what the files say (revision, update date).
    indicator
        WDI indicator code, for a long CSV that does not name it.

    Raises
    ------
    InputError
        On any problem, naming file, sheet, row and column.
    """
    paths = [Path(p) for p in paths]
    if not paths:
        raise InputError("no file given")
    for p in paths:
        if not p.exists():
            raise InputError("file not found", file=str(p))
    first, rest = paths[0], paths[1:]
    if source == "un-ims":
        from migcap.ingest import un_ims, un_ims_csv

        out: list[Snapshot] = []
        for p in paths:
            if un_ims_csv.is_ims_csv(p):
                out += un_ims_csv.read_ims_csv(p, edition=edition)
                continue
            reader = un_ims.read_bilateral if un_ims.is_bilateral_workbook(p) else un_ims.read_totals
            out += reader(p, edition=edition)
        return out
    if source == "wdi":
        from migcap.ingest.worldbank import read_wdi

        return read_wdi(first, edition=edition, indicator=indicator, extra_files=rest)
    if source == "knomad":
        from migcap.ingest.worldbank import read_knomad

        return read_knomad(first, edition=edition, extra_files=rest)
    if source == "knomad-brm":
        from migcap.ingest.knomad_brm import read_brm

        return [snap for p in paths for snap in read_brm(p, edition=edition)]
    if source == "wpp":
        from migcap.ingest.wpp import read_wpp

        return read_wpp(first, edition=edition, extra_files=rest)
    if source == "unhcr":
        from migcap.ingest.unhcr import read_unhcr

        if rest:
            raise InputError("UNHCR data come in one file", file=str(rest[0]))
        return read_unhcr(first, edition=edition)
    if source == "idmc":
        from migcap.ingest.idmc import read_idmc

        return read_idmc(first, edition=edition, extra_files=rest)
    if source in ("iom-mmp", "eurostat-asylum", "cbp", "frontex") and rest:
        raise InputError(f"{source} data come in one file", file=str(rest[0]))
    if source == "iom-mmp":
        from migcap.ingest.iom_mmp import read_mmp

        return read_mmp(first, edition=edition)
    if source == "eurostat-asylum":
        from migcap.ingest.eurostat_asylum import read_asylum

        return read_asylum(first, edition=edition)
    if source == "cbp":
        from migcap.ingest.cbp import read_cbp

        return read_cbp(first, edition=edition)
    if source == "frontex":
        from migcap.ingest.frontex import read_frontex

        return read_frontex(first, edition=edition)
    raise InputError(f"unknown source {source!r}", hint=f"use one of {', '.join(SOURCES)}")
