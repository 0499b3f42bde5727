"""`migcap data update` for the sources on irregular migration, displacement and remittance corridors,
offline: a fake publisher (a dict of URL → bytes) serves download pages and the files they link to. The
files served are the real-layout extracts of tests/data (or SYNTHETIC tables, labelled so)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from migcap.errors import InputError, MigcapError
from migcap.store.fetch import UPDATE_SOURCES, _config, update
from migcap.store.warehouse import connect
from tests.ingest_fixtures import extract

DATA = Path(__file__).parent / "data"


def publisher(files: dict[str, bytes]) -> tuple[object, list[str]]:
    calls: list[str] = []

    def get(url: str) -> bytes:
        calls.append(url)
        if url in files:
            return files[url]
        raise MigcapError(f"cannot download {url} (offline test)")

    return get, calls


def page(*hrefs: str) -> bytes:
    links = "".join(f'<li><a href="{h}">{h.rsplit("/", 1)[-1]}</a></li>' for h in hrefs)
    return f"<html><body><h1>Downloads</h1><ul>{links}</ul></body></html>".encode()


def test_every_new_source_has_an_official_location() -> None:
    cfg = _config()
    for source in ("iom-mmp", "idmc", "eurostat-asylum", "cbp", "frontex", "knomad-brm"):
        assert source in UPDATE_SOURCES and source in cfg
        assert cfg[source]["page"].startswith("https://")
        assert cfg[source].get("url") or cfg[source].get("link")
    assert cfg["eurostat-asylum"]["url"].startswith(
        "https://ec.europa.eu/eurostat/api/dissemination/sdmx/2.1/data/migr_asyappctza?")


def test_missing_migrants_from_the_download_page(private_store: Path) -> None:
    cfg = _config()["iom-mmp"]
    base = cfg["page"]
    get, calls = publisher({
        base: page("/about.pdf", "/sites/files/Missing_Migrants_Global_Figures_allData.csv"),
        "https://missingmigrants.iom.int/sites/files/Missing_Migrants_Global_Figures_allData.csv":
            extract("iom_mmp_2023-06_extract.csv").read_bytes()})
    lines = list(update(["iom-mmp"], http_get=get))
    kept = private_store / "downloads" / "iom-mmp" / "Missing_Migrants_Global_Figures_allData.csv"
    assert lines == [f"iom-mmp: imported missing_migrants edition 2023-06 (3 rows) from {kept}"]
    assert kept.read_bytes() == extract("iom_mmp_2023-06_extract.csv").read_bytes()
    assert calls[0] == base
    con = connect()
    # the Pylos shipwreck of 14 June 2023: 646 dead and missing recorded in Greece
    assert con.execute("SELECT sum(dead_and_missing) FROM missing_migrants WHERE edition = '2023-06' "
                       "AND iso3 = 'GRC'").fetchone() == (646.0,)
    con.close()
    # a second run finds the same edition
    [again] = list(update(["iom-mmp"], http_get=get))
    assert again.startswith("iom-mmp: up to date")


def test_frontex_goes_to_the_users_data_folder_only(private_store: Path, tmp_path: Path) -> None:
    from migcap.store.snapshots import bundled_dir
    from tests.test_ingest_frontex import synthetic

    src = synthetic(tmp_path)  # SYNTHETIC detections in the reader's layout
    cfg = _config()["frontex"]
    get, _ = publisher({cfg["page"]: page("https://www.frontex.europa.eu/assets/Monthly_detections.xlsx",
                                          "https://www.frontex.europa.eu/assets/detections.csv"),
                        "https://www.frontex.europa.eu/assets/Monthly_detections.xlsx": src.read_bytes()})
    lines = list(update(["frontex"], http_get=get))
    kept = private_store / "downloads" / "frontex" / "Monthly_detections.xlsx"
    assert kept.is_file() and not (bundled_dir() / "border_crossings").exists()
    # the link pattern asks for the xlsx; this one holds the CSV layout the reader takes
    assert lines == [f"frontex: imported border_crossings edition 2024-03 (5 rows) from {kept}"]
    con = connect()
    assert con.execute("SELECT sum(detections) FROM border_crossings").fetchone() == (238.0,)
    con.close()


def test_a_layout_the_reader_does_not_take_is_kept_and_reported(private_store: Path) -> None:
    cfg = _config()["cbp"]
    url = "https://www.cbp.gov/sites/default/files/2025-06/sw-encounters.csv"
    official = b"Fiscal Year,Month (abbv),Encounter Count\n2025,JUN,5\n"
    get, _ = publisher({cfg["page"]: page(url), url: official})
    [line] = list(update(["cbp"], http_get=get))
    kept = private_store / "downloads" / "cbp" / "sw-encounters.csv"
    assert line.startswith(f"cbp: downloaded {kept}; not imported: sw-encounters.csv, row 1: missing column")
    assert kept.is_file()
    con = connect()
    assert con.execute("SELECT edition FROM editions WHERE dataset = 'border_encounters'").fetchall() == [
        ("2025-06",)]  # the bundled edition only: the store is untouched
    con.close()


def test_no_matching_link_is_one_clear_error(private_store: Path) -> None:
    cfg = _config()["idmc"]
    get, _ = publisher({cfg["page"]: page("/report.pdf")})
    with pytest.raises(InputError, match=r"^https://www\.internal-displacement\.org/database/"
                                         r"displacement-data: no link matching"):
        list(update(["idmc"], http_get=get))


def test_the_bilateral_remittance_matrix_from_the_knomad_page(private_store: Path) -> None:
    cfg = _config()["knomad-brm"]
    url = "https://www.knomad.org/sites/default/files/2022-12/Bilateral_Remittance_Matrix_2021.xlsx"
    get, _ = publisher({cfg["page"]: page("/sites/default/files/2022-12/Remittance_inflows.xlsx", url),
                        url: (DATA / "knomad_brm" / "brm2021_cut.xlsx").read_bytes()})
    [line] = list(update(["knomad-brm"], http_get=get))
    assert (private_store / "downloads" / "knomad-brm" / "Bilateral_Remittance_Matrix_2021.xlsx").is_file()
    # the bundled edition 2021 is there already
    assert line.startswith("knomad-brm: up to date (edition '2021' of bilateral_remittances exists already")


def _sdmx_csv() -> bytes:
    """SYNTHETIC values in the layout of Eurostat's SDMX-CSV answer for migr_asyappctza."""
    cols = ["DATAFLOW", "LAST UPDATE", "freq", "unit", "citizen", "sex", "applicant", "age", "geo",
            "TIME_PERIOD", "OBS_VALUE", "OBS_FLAG"]
    rows = []
    for geo, citizen, f, m in (("DE", "SY", 300, 700), ("EL", "AF", 40, 160), ("DE", "STLS", 5, 10),
                               ("EU27_2020", "SY", 900, 2100), ("TOTAL", "SY", 1, 1),
                               ("DE", "EXT_EU27_2020", 999, 999)):
        for applicant, scale in (("NASY_APP", 1), ("ASY_APP", 2)):
            for sex, n in (("F", f), ("M", m), ("T", f + m)):
                rows.append(["ESTAT:MIGR_ASYAPPCTZA(1.0)", "01/06/25 23:00:00", "A", "PER", citizen, sex,
                             applicant, "TOTAL", geo, "2024", str(n * scale), ""])
    rows.append(["ESTAT:MIGR_ASYAPPCTZA(1.0)", "", "A", "PER", "SY", "F", "NASY_APP", "Y18-34", "DE", "2024",
                 "123", ""])
    rows.append(["ESTAT:MIGR_ASYAPPCTZA(1.0)", "", "A", "PER", "IQ", "F", "NASY_APP", "TOTAL", "DE", "2024",
                 "", ":"])
    frame = pd.DataFrame(rows, columns=cols)
    return gzip.compress(frame.to_csv(index=False).encode())


def test_eurostat_first_time_applicants_from_the_api(private_store: Path) -> None:
    url = _config()["eurostat-asylum"]["url"]
    get, calls = publisher({url: _sdmx_csv()})
    [line] = list(update(["eurostat-asylum"], http_get=get))
    kept = private_store / "downloads" / "eurostat-asylum"
    assert line == f"eurostat-asylum: imported asylum_applications edition 2024 (3 rows) from " \
                   f"{kept / 'migr_asyappctza.csv'}"
    assert calls == [url] and (kept / "migr_asyappctza.sdmx.csv.gz").is_file()
    con = connect()
    got = dict(((d, o), n) for d, o, n in con.execute(
        "SELECT dest, origin, applicants FROM asylum_applications WHERE edition = '2024'").fetchall())
    # first-time applicants (NASY_APP), all ages, the published totals; EL is Greece, STLS the stateless;
    # Eurostat's aggregates (TOTAL, EXT_EU27_2020) are left out, the EU27 is kept as published
    assert got == {("DEU", "SYR"): 1000.0, ("GRC", "AFG"): 200.0, ("DEU", "STL"): 15.0}
    assert con.execute("SELECT applicants FROM asylum_applications_published WHERE edition = '2024' "
                       "AND code = 'EU27'").fetchone() == (3000.0,)
    con.close()


def test_eurostat_answer_that_is_not_sdmx_csv(private_store: Path) -> None:
    url = _config()["eurostat-asylum"]["url"]
    get, _ = publisher({url: b"geo,t,n\nDE,2024,5\n"})
    with pytest.raises(InputError, match=r"not Eurostat's SDMX-CSV of migr_asyappctza \(no column"):
        list(update(["eurostat-asylum"], http_get=get))
