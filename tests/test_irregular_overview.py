"""The section "Irregular migration and displacement" of the overviews, the report and the web area pages:
figures checked against sums worked out here with pandas from whole tables."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from migcap.evidence.irregular import deaths, displacement
from migcap.evidence.overview import overview, overviews
from migcap.geo.schemes import load_scheme


def _full_years(df: Any, n: int = 5) -> list[int]:
    months = df.groupby("year").month.nunique()
    return sorted(months[months == 12].index)[-n:]


def test_world_deaths_by_region_add_up(con: Any) -> None:
    ov = overview("WLD", con=con)
    t = ov.sections["irregular_deaths_regions"]
    mm = con.execute("SELECT * FROM missing_migrants").df()
    years = _full_years(mm)
    assert years == [2020, 2021, 2022, 2023, 2024]  # edition 2025-06 holds four months of 2025
    total = mm[mm.year.isin(years)].dead_and_missing.sum()
    rows = {r["region_code"]: r for r in t}
    assert rows["WLD"]["dead_and_missing"] == total
    assert sum(r["dead_and_missing"] for c, r in rows.items() if c != "WLD") == total
    # a region's row equals the year-by-year figures of deaths() for the region, summed
    for code in ("AFR", "EUR"):
        by_year = deaths(code, years="2020-2024", con=con)
        assert rows[code]["dead_and_missing"] == sum(by_year.column("dead_and_missing"))
    assert "Edition: missing_migrants 2025-06." in t.notes
    routes = ov.sections["irregular_deaths_routes"]
    top = mm[mm.year.isin(years)].groupby("route").dead_and_missing.sum().sort_values(ascending=False)
    assert routes.column("route")[0] == top.index[0]
    assert routes.column("dead_and_missing")[0] == top.iloc[0]


def test_region_sections_are_the_irregular_tables(con: Any) -> None:
    afr = overview("AFR", con=con)
    want = displacement("AFR", years="2019-2024", con=con)
    got = afr.sections["irregular_displacement"]
    assert got.rows == want.rows and "Edition: displacement 2025-05." in got.notes
    assert {"irregular_asylum", "irregular_deaths_routes"} <= set(afr.sections)
    assert "irregular_deaths_regions" not in afr.sections  # the world only
    # CBP names no African citizenship (they count among 'other countries'): no encounters table
    assert "irregular_encounters" not in afr.sections
    ame = overview("AME", con=con).sections["irregular_encounters"]
    be = con.execute("SELECT * FROM border_encounters WHERE year = 2024").df()
    members = {m for m, r in load_scheme("wmr2010").members if r == "AME"}
    assert ame.where(year=2024).column("encounters") == [be[be.citizenship.isin(members)].encounters.sum()]


def test_a_country_where_it_appears(con: Any) -> None:
    q = lambda sql: con.execute(sql).df()  # noqa: E731
    ov = overview("DEU", con=con)
    t = ov.sections["irregular_country"]
    by_role = {(r["measure"], r["role"]): r for r in t}
    aa = q("SELECT * FROM asylum_applications")
    applied = by_role[("Asylum applicants (Eurostat)", "country of application")]
    assert applied["years"] == "2024" and applied["edition"] == "asylum_applications 2025-05"
    assert applied["value"] == aa[(aa.dest == "DEU") & (aa.year == 2024)].applicants.sum()
    nat = ov.sections["irregular_asylum_nationalities"]
    mine = aa[(aa.dest == "DEU") & (aa.year == 2024)].groupby("origin").applicants.sum()
    assert nat.column("iso3")[0] == mine.idxmax() and nat.column("applicants")[0] == mine.max()
    lby = overview("LBY", con=con).sections["irregular_country"]
    mm = q("SELECT * FROM missing_migrants")
    place = next(r for r in lby if r["role"] == "place of incident")
    assert place["value"] == mm[(mm.iso3 == "LBY") & mm.year.between(2020, 2024)].dead_and_missing.sum()
    dp = q("SELECT * FROM displacement WHERE cause = 'conflict' AND iso3 = 'LBY' "
           "AND year BETWEEN 2019 AND 2023")
    conflict = next(r for r in lby if r["measure"].startswith("New internal displacements by conflict"))
    assert conflict["value"] == pytest.approx(dp.new_displacements.sum() / 5)
    # Libya is no country of application in Eurostat's table: no such row, only the citizenship
    assert [r["role"] for r in lby if r["measure"].startswith("Asylum")] == ["citizenship"]
    cub = overview("CUB", con=con).sections["irregular_country"]
    be = q("SELECT * FROM border_encounters")
    enc = next(r for r in cub if r["measure"].startswith("Encounters at the US"))
    assert enc["value"] == be[(be.citizenship == "CUB") & (be.year == 2024)].encounters.sum()
    assert enc["role"] == "citizenship" and enc["years"] == "2024"


def test_the_years_follow_the_overview_year(con: Any) -> None:
    ov = overview("WLD", year=2020, con=con)
    assert ov.sections["irregular_deaths_regions"].column("years")[0] == "2016–2020"
    assert ov.sections["irregular_encounters"].column("year") == [2018, 2019, 2020]  # CBP from 2017-10
    old = overview("WLD", year=2000, con=con)
    assert not [k for k in old.sections if k.startswith("irregular_")]


def test_batch_equals_single(con: Any) -> None:
    a, b = overviews(["EUR", "MEX"], con=con)
    assert a.sections["irregular_asylum"].rows == overview("EUR", con=con).sections["irregular_asylum"].rows
    assert b.sections["irregular_country"].rows == overview("MEX", con=con).sections["irregular_country"].rows


def test_frontex_appears_once_imported(private_store: Path, tmp_path: Path) -> None:
    """SYNTHETIC detections (tests/test_ingest_frontex.py) imported into this test's own data folder."""
    from migcap.config import get_settings
    from migcap.store.editions import import_files
    from migcap.store.warehouse import connect
    from tests.test_ingest_frontex import ROWS, synthetic

    con = connect()
    assert "irregular_crossings" not in overview("WLD", con=con).sections  # nothing bundled
    con.close()
    # the synthetic rows of 2024-01 to 2024-03, repeated for every month of 2024 so that the year is complete
    rows = [(r, b, c, f"2024-{mo:02d}-01", n) for mo in range(1, 13) for r, b, c, _, n in ROWS]
    import_files([synthetic(tmp_path, rows)], "frontex", settings=get_settings())
    con = connect()
    try:
        world = overview("WLD", con=con).sections["irregular_crossings"]
        asia = overview("ASI", con=con).sections["irregular_crossings"]
        syr = overview("SYR", con=con).sections["irregular_country"]
    finally:
        con.close()
    assert world.rows[0] == ("Central Mediterranean Route", "2024", 12 * (120 + 75))
    assert sum(world.column("detections")) == 12 * 238
    assert asia.column("route") == ["Central Mediterranean Route"]  # BGD only; no zero rows
    assert asia.column("detections") == [12 * 120]
    row = next(r for r in syr if r["measure"].startswith("Detections of illegal border crossings"))
    assert (row["role"], row["years"], row["value"]) == ("citizenship", "2024", 12 * 40)


# ------------------------------------------------------------------------------------ report and web


def test_report_pages_have_the_section(session_store: Path, tmp_path: Path) -> None:
    from migcap.reports.builder import build_report

    build_report(tmp_path / "site", areas=["WLD", "LBY"], projections=False)
    world = (tmp_path / "site" / "global.html").read_text(encoding="utf-8")
    assert 'id="irregular"' in world and "Migrants recorded dead or missing by region of incident" in world
    libya = next((tmp_path / "site").rglob("LBY.html")).read_text(encoding="utf-8")
    assert "Libya in the evidence on irregular migration and displacement" in libya
    assert "place of incident" in libya and "missing_migrants 2025-06" in libya


@pytest.fixture(scope="module")
def client(model_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from migcap.web import create_app
    from migcap.web.settings import WebSettings

    tmp = tmp_path_factory.mktemp("web")
    app = create_app(WebSettings(report_dir=tmp / "no-report", report_build="never", warm=False,
                                 log_format="text", log_level="warning"))
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as c:
        yield c


def test_web_area_pages_and_downloads(client: Any) -> None:
    html = client.get("/area/GRC").text
    assert 'id="irregular"' in html and "Greece in the evidence on irregular migration" in html
    r = client.get("/api/v1/overview",
                   params={"area": "GRC", "section": "irregular_country", "format": "csv"})
    assert r.status_code == 200 and "country of application" in r.text
    world = client.get("/area/WLD").text
    assert "New internal displacements by cause, World" in world
