"""Developer tool: convert the gathered official files into the bundled Parquet snapshots.

Run from the repository root (after ``tools/make_classifications.py``)::

    .venv/bin/python tools/make_snapshots.py --raw ../shared/data

Each snapshot is read with the same readers ``migcap data import`` uses, so the
bundled tables and the user's imports go through one path. Writes
``src/migcap/data/snapshots/<dataset>/<edition>.{parquet,published.parquet,json}``
and copies the world map. The product never runs this.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from migcap.geo.countries import resolve_many
from migcap.ingest import (
    cbp,
    eurostat_asylum,
    idmc,
    iom_mmp,
    knomad_brm,
    un_ims,
    un_ims_csv,
    unhcr,
    worldbank,
    wpp,
)
from migcap.ingest.snapshot import Snapshot
from migcap.provenance import ROW, Provenance, raw_file, today

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "migcap" / "data" / "snapshots"
MAPS = ROOT / "src" / "migcap" / "data" / "maps"

GITHUB = "stored public GitHub snapshot"


def bundle(snap: Snapshot, obtained_from: str, **updates: object) -> None:
    if isinstance(updates.get("released"), str):
        updates["released"] = date.fromisoformat(str(updates["released"]))
    prov = snap.provenance.model_copy(update={"bundled": True, "obtained_from": obtained_from, **updates})
    snap = Snapshot(snap.dataset, data=snap.data, provenance=prov, published=snap.published)
    path = snap.write(OUT)
    print(f"{snap.dataset:16s} {snap.edition:10s} {len(snap.data):8d} rows  → {path.relative_to(ROOT)}")


def bilateral_2019(raw: Path, totals: pd.DataFrame) -> Snapshot:
    """IMS 2019 origin-by-destination matrix from G. Abel's cleaned wide CSV (names only, no 'Other')."""
    path = raw / "undesa_ims/raw/UN_MigrantStockByOriginAndDestination_2019_clean.csv"
    wide = pd.read_csv(path)
    subregions = {"Caribbean", "South America", "Melanesia", "Micronesia", "Polynesia"}
    wide = wide[~wide["Dest"].isin(subregions)].copy()  # subregion rows of the UN table, not countries
    dest, bad = resolve_many(wide["Dest"])
    if bad:
        raise SystemExit(f"unmatched destinations: {bad}")
    origins, bad = resolve_many(wide.columns[2:])
    if bad:
        raise SystemExit(f"unmatched origins: {bad}")
    # '..' (not available) and '-' (none) are both left out, like zero cells
    values = (wide[wide.columns[2:]].replace({"..": np.nan, "-": np.nan}).apply(pd.to_numeric)
              .to_numpy(dtype=float))
    n_dest, n_orig = values.shape
    long = pd.DataFrame({
        "year": np.repeat(wide["Year"].to_numpy(), n_orig),
        "dest": np.repeat(np.array(dest, dtype=object), n_orig),
        "origin": np.tile(np.array(origins, dtype=object), n_dest),
        "migrants": values.ravel(),
    })
    long = long[long["migrants"] > 0]
    long = long[["year", "dest", "origin", "migrants"]]
    data = un_ims.with_unknown_origin(long, totals[["iso3", "year", "migrants"]])
    data[ROW] = None
    prov = Provenance(
        dataset="bilateral_stock",
        edition="2019",
        publisher=un_ims.PUBLISHER,
        title="International Migrant Stock 2019: by destination and origin (Table 1, both sexes)",
        revision="POP/DB/MIG/Stock/Rev.2019",
        url=un_ims.URLS["2019"],
        licence=un_ims.LICENCE,
        licence_url=un_ims.LICENCE_URL,
        citation="United Nations, Department of Economic and Social Affairs, Population Division (2019). "
        "International Migrant Stock 2019 (United Nations database, POP/DB/MIG/Stock/Rev.2019).",
        accessed=today(),
        files=[raw_file(path)],
        transformation=[
            "G. J. Abel's cleaned wide copy of UN_MigrantStockByOriginAndDestination_2019.xlsx Table 1 "
            "(names only, without the 'Total', 'Other North' and 'Other South' columns) reshaped to one row "
            "per year, destination and origin; names → ISO3",
            "the five subregion rows of the table (Caribbean, South America, Melanesia, Micronesia, "
            "Polynesia) dropped; zero, '..' and '-' cells dropped",
            "origin UNK added per destination and year = the official total (IMS 2019 destination workbook, "
            "Table 1) − the sum of known origins; flagged derived = true",
        ],
    )
    return Snapshot("bilateral_stock", data=data, provenance=prov).validated(file=path.name)


def ims(raw: Path) -> None:
    """UN DESA International Migrant Stock: 2019 and 2020 destination totals, 2019 origin × destination."""
    ims = raw / "undesa_ims/raw"
    stepladder = f"{GITHUB} guyabel/stepladderChapter @ 4a81585e (2021-04-30)"
    [s20] = un_ims.read_totals(ims / "undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx")
    bundle(s20, stepladder, released="2021-01-15")
    [s19] = un_ims.read_totals(ims / "undesa_pd_2019_migrant_stock_total_dataset.xlsx")
    bundle(s19, stepladder, released="2019-09-17")
    bundle(bilateral_2019(raw, s19.data),
           stepladder + ", archive/UN_MigrantStockByOriginAndDestination_2019_clean.csv",
           released="2019-09-17")


def ims_by_sex(raw: Path) -> None:
    """UN DESA IMS 2024 (totals and origin × destination × sex) and IMS 2020 (origin × destination × sex).

    Population and % of population for 2024 come from the bundled WPP 2024, on which IMS 2024 is
    built, at mid-year (:func:`migcap.ingest.wpp.mid_year_population`), so the ``wpp`` step runs first.
    """
    g = raw / "iom_gdidata"
    gdi = (f"{GITHUB} iom/gdidata @ c9e4cc69 (2025-06-19), IOM GDI's R data package (MIT; the data keep "
           "UN DESA's terms)")
    w = pd.read_parquet(OUT / "wpp" / "2024.parquet")
    ims24 = g / "ims2024_bilateral_by_sex.csv.gz"
    years = sorted(int(y) for y in pd.read_csv(ims24, usecols=["t"])["t"].unique())
    pop = wpp.mid_year_population(w, years)
    stock, bilateral = un_ims_csv.read_ims_csv(ims24, edition="2024", population=pop, released="2025-01-27")
    note = ("population: WPP 2024 (the bundled wpp 2024 snapshot, on which IMS 2024 is built): the "
            "5-yearly mid-year estimates to 2020; mid-2024 = the mean of end-2023 and end-2024, computed as "
            "end-2024 − ½ (births − deaths + net migration in 2024), medium variant; sexes keep their "
            "end-2024 shares; migrants_pct left missing where the stock exceeds the population")
    prov = stock.provenance.model_copy(update={"transformation": [
        *[t for t in stock.provenance.transformation if not t.startswith("population:")], note]})
    bundle(Snapshot("migrant_stock", data=stock.data, provenance=prov, published=stock.published), gdi)
    bundle(bilateral, gdi)
    [_, bilateral20] = un_ims_csv.read_ims_csv(g / "ims2020_bilateral_by_sex.csv.gz", edition="2020",
                                               released="2021-01-15")
    bundle(bilateral20, gdi)


WDI_GDIDATA_URL = "https://github.com/iom/gdidata/blob/main/data/wdi.rda"


def wdi(raw: Path) -> None:
    """World Bank WDI: remittances (2023-05), unemployment (2019), population and GDP (2025), and the
    gdidata copy of 1990–2023 (2024-12)."""
    wb = raw / "worldbank"
    [gdi] = worldbank.read_wdi(raw / "iom_gdidata/wdi_indicators_1950_2023.csv.gz", edition="2024-12",
                               url=WDI_GDIDATA_URL)
    prov = gdi.provenance.model_copy(update={
        "revision": "WDI to 2023, copy of 2025-06-19 without a release date",
        "transformation": [*gdi.provenance.transformation,
                           "SP.POP.TOTL of this edition is WPP 2024's mid-year population as the copy gives "
                           "it, not the World Bank's own series (which is in edition 2025)",
                           "the copy has no aggregates: world and region totals are migcap's own sums, "
                           "with its coverage rule"]})
    bundle(Snapshot("wdi", data=gdi.data, provenance=prov, published=gdi.published),
           f"{GITHUB} iom/gdidata @ c9e4cc69 (2025-06-19), IOM GDI's R data package, data/wdi.rda (MIT; the "
           "data keep the World Bank's CC BY 4.0 and, for population, UN DESA's CC BY 3.0 IGO)")
    kiet = f"{GITHUB} kietnguyen01/Remittance-Fees-Analysis @ 49c9aa81"
    [rem] = worldbank.read_wdi(wb / "raw/personal-remittances-received.xls",
                               extra_files=[wb / "raw/personal-remittances-paid.xls",
                                            wb / "raw/remittances-received-percent-gdp.xls"])
    bundle(rem, kiet, released="2023-05-10")
    [une] = worldbank.read_wdi(wb / "raw/API_SL.UEM.TOTL.ZS_DS2_en_csv_v2_10473697.csv", edition="2019",
                               url="https://data.worldbank.org/indicator/SL.UEM.TOTL.ZS")
    bundle(une, f"{GITHUB} chelseablanes/final-project @ aa8d51cb (WDI bulk CSV, 2019 vintage)")
    [pop] = worldbank.read_wdi(wb / "wb_population_SP.POP.TOTL_1960_2024.csv", indicator="SP.POP.TOTL",
                               edition="2025", extra_files=[],
                               url="https://data.worldbank.org/indicator/SP.POP.TOTL")
    [gdp] = worldbank.read_wdi(wb / "wb_gdp_current_usd_NY.GDP.MKTP.CD.csv", indicator="NY.GDP.MKTP.CD",
                               edition="2025", url="https://data.worldbank.org/indicator/NY.GDP.MKTP.CD")
    both = pd.concat([pop.data, gdp.data], ignore_index=True)
    wide = (both.pivot_table(index=["iso3", "year"], columns="indicator", values="value")
            .dropna().reset_index())
    pc = wide.assign(indicator="NY.GDP.PCAP.CD", value=wide["NY.GDP.MKTP.CD"] / wide["SP.POP.TOTL"],
                     derived=True)
    data = pd.concat([both, pc[["indicator", "iso3", "year", "value", "derived"]]], ignore_index=True)
    published = pd.concat([pop.published, gdp.published], ignore_index=True)
    prov = pop.provenance.model_copy(update={
        "title": "World Development Indicators: SP.POP.TOTL, NY.GDP.MKTP.CD (and GDP per capita derived)",
        "files": pop.provenance.files + gdp.provenance.files,
        "url": "https://data.worldbank.org/indicator",
        "transformation": [
            "long CSVs (Country Name, Country Code, Year, Value) of SP.POP.TOTL and NY.GDP.MKTP.CD",
            "NY.GDP.PCAP.CD derived = NY.GDP.MKTP.CD / SP.POP.TOTL where both exist (derived = true); close "
            "to, not identical with, the World Bank's own series",
            "economy codes → ISO3; World Bank aggregates kept as published",
        ],
    })
    bundle(Snapshot("wdi", data=data, provenance=prov, published=published).validated(),
           f"{GITHUB} datasets/population @ 425fc447 and datasets/gdp @ 822019c8 (datahub core, PDDL)")


def knomad(raw: Path) -> None:
    """KNOMAD/World Bank remittance inflows and outflows."""
    wb = raw / "worldbank"
    kiet = f"{GITHUB} kietnguyen01/Remittance-Fees-Analysis @ 49c9aa81"
    [kn] = worldbank.read_knomad(wb / "raw/remittance-inflows.xlsx",
                                 extra_files=[wb / "raw/remittance-outflows.xlsx"])
    bundle(kn, kiet, released="2023-06-01")


def brm(raw: Path) -> None:
    """KNOMAD/World Bank Bilateral Remittance Matrices 2021 and 2017 (first sheet only)."""
    wb = raw / "worldbank/raw"
    [b21] = knomad_brm.read_brm(wb / "bilateral_remittance_matrix_2021.xlsx")
    repo = "artemdsmirnov/International-Payment-System-Go-to-Market-Strategy-and-Pricing-Points"
    bundle(b21, f"{GITHUB} {repo} @ 003938f9 (byte copy of the KNOMAD file; that repository has no licence "
           "file, the data are the World Bank's under CC BY 4.0)", released="2022-12-01")
    [b17] = knomad_brm.read_brm(wb / "WB_Bilateral_Remittance_Estimates_2017.xlsx")
    bundle(b17, f"{GITHUB} hbenveniste/mig-scenarios @ 38feb367 (the copy's added sheet 'remshare' is not "
           "official and not read)", released="2018-04-01")


def wpp_2024(raw: Path) -> None:
    """UN World Population Prospects 2024."""
    w = raw / "wpp2024"
    [wp] = wpp.read_wpp(w / "wpp2024_net_migration_annual.csv", edition="2024",
                        extra_files=[w / "wpp2024_vital_rates_annual.csv",
                                     w / "wpp2024_population_projection_annual.csv",
                                     w / "wpp2024_population_estimates_5yr.csv"])
    wp_prov = wp.provenance.model_copy(update={"transformation": [*wp.provenance.transformation,
        "source: the UN's wpp2024 R package 1.1-3; its annual populations refer to 31 December (the official "
        "tables use 1 January/1 July); population estimates before 2024 are 5-yearly sums "
        "over ages (≈ mid-year)"]})
    bundle(Snapshot("wpp", data=wp.data, provenance=wp_prov, published=wp.published),
           f"{GITHUB} PPgp/wpp2024 @ 2da7768a (R package wpp2024 1.1-3, 2025-06-23)", released="2024-07-11")


def unhcr_2025(raw: Path) -> None:
    """UNHCR refugee statistics."""
    [un] = unhcr.read_unhcr(raw / "unhcr/unhcr_population_by_origin_asylum_1951_2025.csv.gz", edition="2025")
    bundle(un, f"{GITHUB} cran/refugees @ 2dc49695 (R package refugees 2025.12.1); 2025 = mid-year figures")


def irregular(raw: Path) -> None:
    """Irregular migration and displacement, from the IOM Global Data Institute's data package.

    The files are straight conversions of the package's ``.rda`` tables (see SOURCES.md). Frontex's
    detections (``frontex_illegal_border_crossings_monthly.csv.gz``) are NOT bundled: Frontex's legal
    disclaimer allows private use only without its permission, so migcap has a reader
    (``--source frontex``) and users import the file themselves.
    """
    g = raw / "iom_gdidata"
    via = (f"{GITHUB} iom/gdidata @ c9e4cc69 (2025-06-19; R data package, MIT; the data keep their "
           "publishers' terms), converted from .rda to CSV with values unchanged")
    [mmp] = iom_mmp.read_mmp(g / "iom_missing_migrants_2014_2025.csv.gz", edition="2025-06")
    bundle(mmp, via + " (table iom_mmp)", released="2025-06-04")
    [dis] = idmc.read_idmc(g / "idmc_idp_flows.csv.gz", edition="2025-05",
                           extra_files=[g / "idmc_idp_stocks_2024.csv.gz"])
    dis = Snapshot(dis.dataset, data=dis.data, provenance=dis.provenance.model_copy(update={
        "transformation": [*dis.provenance.transformation,
                           "flows 2008-2023 (received by the package from IDMC by correspondence); stocks "
                           "at the end of 2024 only"]}))
    bundle(dis, via + " (tables idmc_flows, idmc_stocks)", released="2025-05-13")
    [asy] = eurostat_asylum.read_asylum(g / "eurostat_first_time_asylum_applications.csv.gz",
                                        edition="2025-05")
    asy = Snapshot(asy.dataset, data=asy.data, published=asy.published,
                   provenance=asy.provenance.model_copy(update={"transformation": [
                       *asy.provenance.transformation,
                       "the package documents the table as first-time applicants; its totals look like "
                       "Eurostat's all applicants, first-time and subsequent (see docs/data.md): not checked "
                       "against Eurostat, values kept as given"]}))
    bundle(asy, via + " (table eu_asyapp, Eurostat API dataset migr_asyappctza)", released="2025-05-26")
    [enc] = cbp.read_cbp(g / "us_southwest_border_encounters_monthly.csv.gz", edition="2025-06")
    bundle(enc, via + " (table irreg_usa)", released="2025-06-04")


def maps(raw: Path) -> None:
    """The world map (TopoJSON)."""
    MAPS.mkdir(parents=True, exist_ok=True)
    shutil.copy(raw / "maps/world-atlas_countries-110m.json", MAPS / "countries-110m.json")
    (MAPS / "LICENSE-world-atlas.txt").write_text(
        "countries-110m.json: npm package world-atlas 2.0.2 (Mike Bostock), ISC licence; geometry from\n"
        "Natural Earth 1:110m admin-0 countries (public domain). Feature id = ISO 3166-1 numeric.\n\n"
        + (raw / "maps/world-atlas_LICENSE").read_text()
        if (raw / "maps/world-atlas_LICENSE").exists() else "")


#: the steps, in order; ``--only`` runs some of them
STEPS: dict[str, Callable[[Path], None]] = {
    "ims": ims,
    "wdi": wdi,
    "knomad": knomad,
    "brm": brm,
    "wpp": wpp_2024,
    "unhcr": unhcr_2025,
    "ims_by_sex": ims_by_sex,
    "irregular": irregular,
    "maps": maps,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--raw", type=Path, required=True, help="the shared/data folder")
    ap.add_argument("--only", default="", help=f"comma-separated steps ({', '.join(STEPS)}); default: all, "
                    "after emptying the snapshots folder")
    args = ap.parse_args()
    only = [s for s in args.only.split(",") if s]
    unknown = [s for s in only if s not in STEPS]
    if unknown:
        raise SystemExit(f"unknown step(s) {', '.join(unknown)}; choose from {', '.join(STEPS)}")
    if not only and OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True, exist_ok=True)
    for name in only or list(STEPS):
        STEPS[name](args.raw)


if __name__ == "__main__":
    main()
