"""The profile tags on irregular migration and displacement, on real countries with the bundled data
(expected figures worked out here with pandas from whole tables), and on a SYNTHETIC Frontex file in
the real layout (Frontex data are not bundled)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from migcap.capacity.assessments import Assessment, Entry
from migcap.capacity.inventory import load_inventory
from migcap.capacity.profile import migration_profile
from migcap.capacity.recommendations import recommendations_for
from migcap.capacity.reviewing import review_assessment
from tests.test_capacity_profile import _expected_irregular

NEW_TAGS = {"migrant_deaths_on_route", "disaster_displacement", "conflict_displacement", "asylum_destination",
            "irregular_crossings_origin"}

#: tag → (a country clearly above the threshold, a country below it; both in the data)
CASES = {
    "migrant_deaths_on_route": ("LBY", "SEN"),  # percentile 100 / 88 of the countries with a record
    "disaster_displacement": ("PHL", "POL"),  # 39 / 0.0 per 1,000 a year; percentile 99 / 20
    "conflict_displacement": ("UKR", "COL"),  # 93 / 3.8 per 1,000 a year; percentile 100 / 75
    "asylum_destination": ("GRC", "POL"),  # 7.3 / 0.4 applicants per 1,000
    "irregular_crossings_origin": ("CUB", "BRA"),  # 12 / 0.1 US encounters per 1,000
}


def _tags(e: dict[str, float]) -> set[str]:
    return {t for t, met in {
        "migrant_deaths_on_route": e.get("migrant_deaths_pctile", 0) >= 90,
        "disaster_displacement": e.get("disaster_displacement_per_1000", 0) >= 5
        or e.get("disaster_displacement_pctile", 0) >= 90,
        "conflict_displacement": e.get("conflict_displacement_per_1000", 0) >= 5
        or e.get("conflict_displacement_pctile", 0) >= 90,
        "asylum_destination": e.get("asylum_per_1000", 0) >= 2,
        "irregular_crossings_origin": e.get("us_encounters_per_1000", 0) >= 1
        or e.get("eu_crossings_per_1000", 0) >= 1,
    }.items() if met}


@pytest.mark.parametrize("iso3", sorted({c for pair in CASES.values() for c in pair}))
def test_figures_and_tags_on_real_countries(con: object, iso3: str) -> None:
    p = migration_profile(iso3, con=con)  # type: ignore[arg-type]
    expected = _expected_irregular(con, iso3)
    mine = {k: f.value for k, f in p.figures.items() if k in expected or k.split("_")[0] in
            ("migrant", "disaster", "conflict", "asylum", "us", "eu")}
    assert set(mine) == set(expected)
    for key, value in expected.items():
        assert mine[key] == pytest.approx(value, rel=1e-9), (iso3, key)
    assert set(p.tags) & NEW_TAGS == _tags(expected)
    for tag, (above, below) in CASES.items():
        if iso3 == above:
            assert tag in p.tags
        if iso3 == below:
            assert tag not in p.tags


def test_reason_quotes_the_count_and_the_rule(con: object) -> None:
    phl = migration_profile("PHL", con=con)  # type: ignore[arg-type]
    reason = phl.tags["disaster_displacement"]
    assert [f.key for f in reason.figures] == ["disaster_displacement", "disaster_displacement_per_1000",
                                               "disaster_displacement_pctile"]
    mean = phl.figures["disaster_displacement"].value or 0
    assert reason.text().startswith(f"disaster_displacement: {mean:,.0f} new disaster displacements a year "
                                    "(2019–2023 mean)")
    assert ("disaster_displacement_per_1000 >= 5 or disaster_displacement_pctile >= 90; basis: IDMC"
            in reason.rule)
    lby = migration_profile("LBY", con=con)  # type: ignore[arg-type]
    assert lby.tags["migrant_deaths_on_route"].text().startswith(
        f"migrant_deaths_on_route: {lby.figures['migrant_deaths'].value:,.0f} migrants recorded dead or "
        "missing in the country (2020–2024); percentile 100 (2020–2024, among ")
    # the editions the figures came from are recorded
    assert {"missing_migrants": "2025-06", "displacement": "2025-05", "asylum_applications": "2025-05",
            "border_encounters": "2025-06"}.items() <= dict(lby.editions).items()
    assert lby.to_dict()["editions"]["missing_migrants"] == "2025-06"


def _assessment(iso3: str, name: str, levels: dict[str, str]) -> Assessment:
    inv = load_inventory()
    now = datetime(2026, 1, 1)
    entries = {i: Entry(i, lv, "", "", "", None, 1, now, "") for i, lv in levels.items()}
    return Assessment("t", iso3, name, False, "test", inv.id, inv.version, (), {}, now, "", 1, entries)


def test_disaster_displacement_raises_environmental_items(con: object) -> None:
    inv = load_inventory()
    phl = migration_profile("PHL", con=con)  # type: ignore[arg-type]
    assert "sids" not in phl.tags and "ldc" not in phl.tags
    a = _assessment("PHL", "Philippines", {"ENV-01": "partial", "ENV-03": "planned"})
    r = review_assessment(a, inv, phl)
    env01 = r.item("ENV-01")
    # baseline medium (target partial: no gap); disaster displacement makes it high (target established)
    assert inv.item("ENV-01").relevance_for(set())[0] == "medium"
    assert (env01.relevance, env01.drivers, env01.kind) == ("high", ("disaster_displacement",), "weakness")
    assert phl.tags["disaster_displacement"].text() in env01.reasons
    assert r.to_dict()["data_editions"]["displacement"] == "2025-05"
    assert any("priorities from the data editions" in n and "displacement 2025-05" in n
               for n in r.tables()[0].notes)
    rec = next(x for x in recommendations_for(r, ["state"]).items if x.item == "ENV-01")
    mean_text = f"{phl.figures['disaster_displacement'].value:,.0f} new disaster displacements a year"
    assert mean_text in rec.rationale
    # a state with little disaster displacement keeps the baseline
    pol = migration_profile("POL", con=con)  # type: ignore[arg-type]
    assert review_assessment(_assessment("POL", "Poland", {"ENV-01": "partial"}), inv, pol).item(
        "ENV-01").kind is None


def test_other_tags_raise_their_items(con: object) -> None:
    inv = load_inventory()
    raised = {"migrant_deaths_on_route": ("LBY", "IRR-06"), "conflict_displacement": ("UKR", "ENV-03"),
              "asylum_destination": ("GRC", "RET-03"), "irregular_crossings_origin": ("CUB", "IRR-09")}
    for tag, (iso3, item) in raised.items():
        p = migration_profile(iso3, con=con)  # type: ignore[arg-type]
        rel, drivers = inv.item(item).relevance_for(p.tag_set)
        assert rel == "high" and tag in drivers, (tag, iso3, item)
        assert inv.item(item).relevance_for(set())[0] != "high"


# ----------------------------------------------------------------------------- Frontex (not bundled)


def test_frontex_tag_on_a_synthetic_file(private_store: Path, tmp_path: Path) -> None:
    """SYNTHETIC detections in the layout of the Frontex reader: citizens of a country detected at the EU
    external borders at or above 1 per 1,000 population in the latest complete year get the tag."""
    import pandas as pd

    from migcap.config import get_settings
    from migcap.store.editions import import_files
    from migcap.store.warehouse import connect
    from tests.ingest_fixtures import write

    con = connect()
    pop = {c: con.execute("SELECT population FROM migrant_stock WHERE edition = '2024' AND year = 2024 "
                          "AND iso3 = ?", [c]).fetchone()[0] for c in ("TUN", "BGD")}
    con.close()
    # a whole year 2024, synthetic: TUN 1.5 per 1,000 (above), BGD 0.1 per 1,000 (below); 2025 incomplete
    rows = []
    for m in range(1, 13):
        rows.append(("Central Mediterranean Route", "Sea", "TUN", f"2024-{m:02d}-01",
                     str(round(pop["TUN"] * 1.5 / 1000 / 12))))
        rows.append(("Central Mediterranean Route", "Sea", "BGD", f"2024-{m:02d}-01",
                     str(round(pop["BGD"] * 0.1 / 1000 / 12))))
    rows.append(("Central Mediterranean Route", "Sea", "BGD", "2025-01-01", str(round(pop["BGD"] / 1000))))
    path = write(pd.DataFrame(rows, columns=["route", "type", "nat", "t", "n"]), tmp_path / "frontex.csv")
    import_files([path], "frontex", settings=get_settings())
    con = connect()
    try:
        tun = migration_profile("TUN", con=con)
        bgd = migration_profile("BGD", con=con)
    finally:
        con.close()
    assert tun.figures["eu_crossings"].year == 2024
    assert tun.figures["eu_crossings_per_1000"].value == pytest.approx(1.5, rel=1e-3)
    assert "irregular_crossings_origin" in tun.tags
    assert [f.key for f in tun.tags["irregular_crossings_origin"].figures] == ["eu_crossings",
                                                                              "eu_crossings_per_1000"]
    assert tun.editions["border_crossings"] == "2025-01"
    assert bgd.figures["eu_crossings_per_1000"].value == pytest.approx(0.1, rel=1e-2)
    assert "irregular_crossings_origin" not in bgd.tags
