"""Developer tool: build the bundled country table, aliases and region schemes.

Run from the repository root with the gathered official files beside it::

    .venv/bin/python tools/make_classifications.py --raw ../shared/data

It reads the official classification files (UN DESA IMS 2020 annex workbook,
the datahub ISO 3166 / M49 table, WPP 2024 locations, World Bank WDI country
metadata) and the names used by every bundled source, and writes
``src/migcap/data/classifications/``. The product never runs this; it reads
the files written here. Re-running it on the same inputs gives the same files.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import defaultdict
from pathlib import Path

import openpyxl
import pandas as pd

OUT = Path(__file__).resolve().parents[1] / "src" / "migcap" / "data" / "classifications"

# The Middle East of the World Migration Report 2010 (see docs/regions.md for why).
WMR2010_MIDDLE_EAST = [
    "BHR", "EGY", "IRQ", "ISR", "JOR", "KWT", "LBN", "OMN", "PSE", "QAT", "SAU", "SYR", "ARE", "YEM",
]
WMR2010_REGIONS = {
    "AFR": "Africa", "AME": "Americas", "ASI": "Asia", "EUR": "Europe", "MEA": "Middle East",
    "OCE": "Oceania",
}
GEO_TO_WMR = {903: "AFR", 904: "AME", 905: "AME", 935: "ASI", 908: "EUR", 909: "OCE"}
# Codes (migcap's) of the six IOM regions of IOM GDI's data package (``countrynames$iom_region``).
IOM_REGIONS = {
    "Americas and Caribbean": "AMC", "Asia and the Pacific": "APA", "East, Horn and Southern Africa": "EHS",
    "Europe and Central Asia": "ECA", "Middle East and North Africa": "MNA", "West and Central Africa": "WCA",
}


def read_annex(path: Path) -> pd.DataFrame:
    """Country rows of the IMS 2020 annex (aggregates_correspondence_table_2020_1.xlsx)."""
    ws = openpyxl.load_workbook(path, read_only=True, data_only=True)["Annex"]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[10]
    groups = {}
    for i, h in enumerate(header):
        if isinstance(h, str) and "\n" in h:
            name, code = h.rsplit("\n", 1)
            groups[i] = (int(code), name.strip())
    out = []
    for r in rows[11:]:
        if r[6] != "Country/Area":
            continue
        rec = {
            "name": str(r[1]).strip().rstrip("*").strip(),
            "m49": int(r[3]),
            "iso3": r[4],
            # Northern America has no subregion: its geographic region (905, the code under which
            # UN DESA publishes its figures) stands in for one
            "subregion_code": int(r[9] if r[9] is not None else r[15]),
            "subregion": r[10] if r[10] is not None else r[16],
            "sdg_region_code": int(r[13]),
            "sdg_region": r[14],
            "geo_code": int(r[15]),
            "geo": r[16],
        }
        rec["groups"] = [groups[i] for i in groups if r[i] not in (None, "")]
        out.append(rec)
    return pd.DataFrame(out)


def norm_header(value: object) -> str:
    return str(value).strip()


def write_scheme(name: str, title: str, source: str, complete: bool, rows: list[tuple[str, str, str]],
                 note: str = "") -> None:
    path = OUT / "schemes" / f"{name}.tsv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        fh.write(f"# title: {title}\n# source: {source}\n# complete: {'true' if complete else 'false'}\n")
        if note:
            for line in note.strip().splitlines():
                fh.write(f"# note: {line}\n")
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(["iso3", "code", "name"])
        # grouped by region (regions alphabetically, 'Not classified' last), then by country code
        for row in sorted(rows, key=lambda r: (r[2] == "Not classified", r[2], r[0])):
            w.writerow(row)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--raw", type=Path, required=True, help="the shared/data folder")
    args = ap.parse_args()
    raw: Path = args.raw

    annex = read_annex(raw / "undesa_ims/raw/aggregates_correspondence_table_2020_1.xlsx")
    dh = pd.read_csv(raw / "metadata/country-codes_datahub.csv", dtype=str, keep_default_na=False)
    dh = dh[dh["ISO3166-1-Alpha-3"] != ""]
    wpp = pd.read_csv(raw / "wpp2024/wpp2024_locations.csv")
    wbm = pd.read_csv(raw / "worldbank/wdi_country_metadata_2023.csv", dtype=str, keep_default_na=False)

    # ---- the country table -------------------------------------------------------------
    countries: dict[str, dict[str, object]] = {}
    for rec in annex.itertuples():
        countries[rec.iso3] = {"iso3": rec.iso3, "m49": rec.m49, "name": rec.name, "un_area": True}
    dh_by_iso = {r["ISO3166-1-Alpha-3"]: r for _, r in dh.iterrows()}
    for iso3, r in dh_by_iso.items():
        c = countries.setdefault(iso3, {"iso3": iso3, "m49": int(r["M49"]), "un_area": False,
                                        "name": r["CLDR display name"] or r["official_name_en"]})
        c["iso2"] = r["ISO3166-1-Alpha-2"]
        c["iso_numeric"] = int(r["ISO3166-1-numeric"])
        c["short_name"] = r["UNTERM English Short"] or r["CLDR display name"]
        c["official_name"] = r["UNTERM English Formal"] or r["official_name_en"]
    # Areas outside ISO 3166 that the sources use.
    countries["CHI"].update(short_name="Channel Islands", official_name="Channel Islands")
    kosovo_wpp = wpp[wpp.country_code == 412].iloc[0]
    countries["XKX"] = {"iso3": "XKX", "m49": 412, "un_area": False, "iso2": "XK",
                        "name": "Kosovo", "short_name": "Kosovo",
                        "official_name": str(kosovo_wpp["name"])}
    wb_econ = set(wbm.loc[wbm.Region != "", "Country Code"])
    table = pd.DataFrame(countries.values())
    table["wb_economy"] = table.iso3.isin(wb_econ)
    table = table[["iso3", "iso2", "iso_numeric", "m49", "name", "short_name", "official_name",
                   "un_area", "wb_economy"]].sort_values("iso3")
    table["iso_numeric"] = table["iso_numeric"].astype("Int64")
    table["short_name"] = table["short_name"].fillna(table["name"])
    table["official_name"] = table["official_name"].fillna(table["name"])
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "countries.tsv").open("w", encoding="utf-8") as fh:
        fh.write("# Countries and areas: UN DESA IMS 2020 annex (name, M49, ISO3; un_area = listed there),\n"
                 "# ISO 3166 codes and UNTERM names from datahub country-codes (ODC-PDDL),\n"
                 "# wb_economy = listed with a region in World Bank WDI country metadata (May 2023).\n")
        table.to_csv(fh, sep="\t", index=False, lineterminator="\n")
    iso_set = set(table.iso3)

    # ---- generated aliases: every name and code the sources use --------------------------
    aliases: dict[str, tuple[str, str]] = {}
    # Names of UN aggregates (e.g. the subregion "Micronesia") never become country aliases.
    region_names = {str(n).strip().casefold() for n in wpp.loc[wpp.location_type != 4, "name"]}
    ims20 = pd.read_csv(raw / "undesa_ims/ims2020_totals_by_destination.csv")
    region_names |= {str(n).strip().casefold() for n in ims20.loc[~ims20.is_country_or_area, "name"]}

    def add(alias: object, iso3: str, source: str) -> None:
        if alias is None or (isinstance(alias, float) and pd.isna(alias)):
            return
        text = str(alias).strip().rstrip("*").strip()
        if not text or iso3 not in iso_set or text.casefold() in region_names:
            return
        key = text.casefold()
        if key in aliases and aliases[key][0] != iso3:
            raise SystemExit(f"alias {text!r} maps to both {aliases[key][0]} and {iso3}")
        aliases.setdefault(key, (iso3, f"{text}\t{iso3}\t{source}"))

    for rec in annex.itertuples():
        add(rec.name, rec.iso3, "UN DESA IMS 2020")
    for iso3, r in dh_by_iso.items():
        for col in ["UNTERM English Short", "UNTERM English Formal", "CLDR display name",
                    "official_name_en", "UNTERM French Short", "UNTERM Spanish Short"]:
            add(r[col], iso3, f"datahub country-codes: {col}")
    # names of every bundled source, resolved by M49/ISO codes they carry
    m49_to_iso = {int(r["m49"]): r["iso3"] for _, r in table.iterrows()}
    for _, r in wpp[wpp.location_type == 4].iterrows():
        iso = m49_to_iso.get(int(r.country_code))
        if iso:
            add(r["name"], iso, "UN WPP 2024")
    for _, r in wbm[wbm.Region != ""].iterrows():
        add(r["TableName"], r["Country Code"], "World Bank WDI metadata 2023")
    unhcr = pd.read_csv(raw / "unhcr/unhcr_countries.csv", dtype=str, keep_default_na=False)
    for _, r in unhcr.iterrows():
        add(r["name"], r["iso_code"], "UNHCR")
    ims19 = pd.read_csv(raw / "undesa_ims/ims2019_totals_by_destination.csv")
    for _, r in ims19.dropna(subset=["location_code"]).drop_duplicates("location_code").iterrows():
        iso = m49_to_iso.get(int(r.location_code))
        if iso:
            add(r["name"], iso, "UN DESA IMS 2019")
    atlas = json.loads((raw / "maps/world-atlas_countries-110m.json").read_text())
    for g in atlas["objects"]["countries"]["geometries"]:
        if g.get("id") and g["id"].isdigit():
            iso = m49_to_iso.get(int(g["id"]))
            if iso:
                add(g["properties"]["name"], iso, "world-atlas (Natural Earth)")
    curated = pd.read_csv(OUT / "aliases_curated.tsv", sep="\t", comment="#", dtype=str)
    curated_keys = {a.casefold() for a in curated.alias}
    with (OUT / "aliases.tsv").open("w", encoding="utf-8") as fh:
        fh.write("# Names of countries as written by the official sources (generated by\n"
                 "# tools/make_classifications.py). See aliases_curated.tsv for hand-added ones.\n")
        fh.write("alias\tiso3\tsource\n")
        for key in sorted(aliases):
            if key not in curated_keys:
                fh.write(aliases[key][1] + "\n")

    # ---- schemes ---------------------------------------------------------------------------
    ims_src = ("UN DESA Population Division, International Migrant Stock 2020, Annex "
               "(aggregates_correspondence_table_2020_1.xlsx)")
    # Areas outside the annex get the region of their UN subregion where M49 gives one.
    sub_names = dict(zip(annex.subregion_code, annex.subregion, strict=False))
    sub_of = {r.iso3: r.subregion_code for r in annex.itertuples()}
    wpp_sub = {m49_to_iso.get(int(r.country_code)): int(r.reg_code)
               for _, r in wpp[wpp.location_type == 4].iterrows() if m49_to_iso.get(int(r.country_code))}
    unsd_sub_name = {r["Sub-region Code"]: r["Sub-region Name"] for _, r in dh.iterrows()}
    name_to_pd_sub = {v: k for k, v in sub_names.items()}
    for iso3 in sorted(iso_set - set(sub_of)):
        if iso3 in wpp_sub:
            sub_of[iso3] = wpp_sub[iso3]
        elif iso3 in dh_by_iso:
            nm = unsd_sub_name.get(dh_by_iso[iso3]["Sub-region Code"])
            # UNSD uses one "Latin America and the Caribbean" subregion; use the intermediate region
            inter = dh_by_iso[iso3]["Intermediate Region Name"]
            code = name_to_pd_sub.get(inter) or name_to_pd_sub.get(nm)
            if code:
                sub_of[iso3] = code
    sub_to = lambda col: dict(zip(annex.subregion_code, annex[col], strict=False))  # noqa: E731
    geo_code, geo_name = sub_to("geo_code"), dict(zip(annex.geo_code, annex.geo, strict=False))
    sdg_code = sub_to("sdg_region_code")
    sdg_name = dict(zip(annex.sdg_region_code, annex.sdg_region, strict=False))
    # Central and Southern Asia etc. are unions of subregions in the annex; check that holds
    for col in ("geo_code", "sdg_region_code"):
        if (annex.groupby("subregion_code")[col].nunique() > 1).any():
            raise SystemExit(f"subregion does not determine {col}")

    order = sorted(sub_of, key=lambda i: (countries[i]["name"]))
    extra_note = ("Areas not listed in the IMS 2020 annex (e.g. Guernsey, Jersey, Kosovo, Åland) are placed "
                  "by their UN M49 subregion (WPP 2024 locations or the ISO/M49 table).")
    write_scheme("un-subregion", "UN geographic subregions (UN DESA Population Division)", ims_src, True,
                 [(i, str(sub_of[i]), sub_names[sub_of[i]]) for i in order], extra_note)
    write_scheme("un-geo", "UN geographic regions (UN DESA Population Division)", ims_src, True,
                 [(i, str(geo_code[sub_of[i]]), geo_name[geo_code[sub_of[i]]]) for i in order], extra_note)
    write_scheme("un-sdg", "UN Sustainable Development Goal regions", ims_src, True,
                 [(i, str(sdg_code[sub_of[i]]), sdg_name[sdg_code[sub_of[i]]]) for i in order], extra_note)

    grp = defaultdict(list)
    for rec in annex.itertuples():
        for code, name in rec.groups:
            grp[code].append((rec.iso3, name))
    def group_rows(codes: list[int]) -> list[tuple[str, str, str]]:
        rows = []
        for code in codes:
            for iso3, name in sorted(grp[code]):
                rows.append((iso3, str(code), name))
        return rows
    write_scheme("un-development", "UN development groups: more and less developed regions", ims_src, True,
                 group_rows([901, 902]))
    write_scheme("un-income", "World Bank income groups as used by UN DESA in IMS 2020", ims_src, True,
                 group_rows([1503, 1502, 1501, 1500, 1518]))
    write_scheme("ldc", "Least developed countries (UN)", ims_src, False, group_rows([941]))
    write_scheme("lldc", "Land-locked developing countries (UN)", ims_src, False, group_rows([1636]))
    write_scheme("sids", "Small island developing States (UN)", ims_src, False, group_rows([1637]))

    wb_src = ("World Bank, World Development Indicators, country metadata (May 2023 update; FY2023 income "
              "groups)")
    wb_income_codes = {"High income": "HIC", "Upper middle income": "UMC", "Lower middle income": "LMC",
                       "Low income": "LIC"}
    wb_region_codes = {"East Asia & Pacific": "EAS", "Europe & Central Asia": "ECS",
                       "Latin America & Caribbean": "LCN", "Middle East & North Africa": "MEA",
                       "North America": "NAC", "South Asia": "SAS", "Sub-Saharan Africa": "SSF"}
    wb = {r["Country Code"]: r for _, r in wbm[wbm.Region != ""].iterrows()}
    universe = sorted(set(annex.iso3) | set(wb), key=lambda i: countries[i]["name"])
    nc_note = "Areas the World Bank does not classify are in the group 'Not classified' (code NC)."
    rows_inc, rows_reg = [], []
    for iso3 in universe:
        r = wb.get(iso3)
        inc = r["IncomeGroup"] if r is not None and r["IncomeGroup"] else None
        rows_inc.append((iso3, wb_income_codes[inc], inc) if inc else (iso3, "NC", "Not classified"))
        reg = r["Region"] if r is not None else None
        rows_reg.append((iso3, wb_region_codes[reg], reg) if reg else (iso3, "NC", "Not classified"))
    write_scheme("wb-income", "World Bank income groups (FY2023)", wb_src, True, rows_inc, nc_note)
    write_scheme("wb-lmic", "Low- and middle-income countries (World Bank, FY2023)", wb_src, False,
                 [(iso3, "LMY", "Low- and middle-income countries") for iso3, code, _ in rows_inc
                  if code in ("LIC", "LMC", "UMC")])
    write_scheme("wb-region", "World Bank regions", wb_src, True, rows_reg, nc_note)

    wmr_rows = []
    for iso3 in order:
        code = "MEA" if iso3 in WMR2010_MIDDLE_EAST else GEO_TO_WMR[geo_code[sub_of[iso3]]]
        wmr_rows.append((iso3, code, WMR2010_REGIONS[code]))
    write_scheme(
        "wmr2010", "The six regions of IOM's World Migration Report 2010", "IOM, World Migration Report 2010 "
        "(regional overviews); membership by migcap from UN geographic regions, see docs/regions.md", True,
        wmr_rows,
        "Middle East = Bahrain, Egypt, Iraq, Israel, Jordan, Kuwait, Lebanon, Oman, State of Palestine, "
        "Qatar,\n"
        "Saudi Arabia, Syria, United Arab Emirates, Yemen (as in the WMR 2010 Middle East overview);\n"
        "Africa = UN Africa without Egypt; Asia = UN Asia without the Middle East; Americas = Latin America\n"
        "and the Caribbean + Northern America; Europe and Oceania as in the UN geographic regions.",
    )
    gdi = pd.read_csv(raw / "iom_gdidata/gdidata_countrynames.csv.gz", dtype=str, keep_default_na=False)
    iom_of = {r.iso3: r.iom_region for r in gdi.itertuples() if r.iom_region}
    if "CHI" not in iom_of and iom_of.get("GGY") and iom_of.get("GGY") == iom_of.get("JEY"):
        iom_of["CHI"] = iom_of["GGY"]  # the Channel Islands of UN DESA = Guernsey + Jersey, listed apart
    unknown = sorted(set(iom_of.values()) - set(IOM_REGIONS))
    if unknown:
        raise SystemExit(f"IOM regions without a code: {unknown}")
    write_scheme(
        "iom", "IOM regions (the six regional groupings of IOM's Global Data Institute)",
        "IOM Global Data Institute, R data package gdidata (GitHub iom/gdidata @ c9e4cc69, 2025-06-19), "
        "countrynames, column iom_region; package MIT", True,
        [(i, IOM_REGIONS[iom_of[i]], iom_of[i]) if i in iom_of else (i, "NC", "Not classified")
         for i in order],
        "The Channel Islands (CHI) take the region of Guernsey and Jersey, which the package lists apart.\n"
        "Areas the package gives no IOM region (or does not list) are in the group 'Not classified' "
        "(code NC).",
    )
    aggs = wbm[wbm.Region == ""][["Country Code", "TableName"]].rename(
        columns={"Country Code": "code", "TableName": "name"}).sort_values("code")
    with (OUT / "wb_aggregates.tsv").open("w", encoding="utf-8") as fh:
        fh.write("# World Bank aggregate codes (regions, income and lending groups, world) from WDI country\n"
                 "# metadata (May 2023): rows without a region. Readers keep these as published "
                 "aggregates.\n")
        aggs.to_csv(fh, sep="\t", index=False, lineterminator="\n")
    print(f"{len(table)} countries, {len(aliases)} generated aliases, schemes written to {OUT}")


if __name__ == "__main__":
    main()
