"""Overviews, the region matrix and key facts, recomputed independently from the tables."""

from __future__ import annotations

import math
from typing import Any

import pytest

from migcap.errors import DataUnavailableError, UnknownAreaError
from migcap.evidence.facts import format_count, format_pct
from migcap.evidence.matrix import UNKNOWN, region_matrix
from migcap.evidence.overview import key_facts, overview, overviews


def test_world_overview(con: Any) -> None:
    ov = overview("WLD", con=con)
    assert ov.kind == "world" and ov.year == 2024  # IMS 2024 by default
    trend = ov.sections["stock_trend"]
    row = trend.where(year=2024).to_dict()["rows"][0]
    assert row["migrants"] == 304_021_813 and row["share_of_world_pct"] == 100  # UN DESA, IMS 2024
    r95 = trend.where(year=1995).to_dict()["rows"][0]  # IMS 2024's world in 1990 and 1995
    assert r95["growth_rate_pct"] == pytest.approx(100 * math.log(163_176_002 / 153_916_063) / 5)
    r24 = trend.where(year=2024).to_dict()["rows"][0]  # four years since 2020
    assert r24["growth_rate_pct"] == pytest.approx(100 * math.log(304_021_813 / 275_284_032) / 4)
    top = ov.sections["top_destinations"].to_dict()["rows"][0]
    usa = con.execute("SELECT migrants FROM migrant_stock WHERE edition='2024' AND iso3='USA' AND year=2024"
                      ).fetchone()[0]
    assert (top["iso3"], top["migrants"]) == ("USA", usa)
    corridor = ov.sections["top_corridors"].to_dict()["rows"][0]
    assert (corridor["origin_code"], corridor["destination_code"]) == ("MEX", "USA")
    assert corridor["year"] == 2024
    old = overview("WLD", year=2020, edition="2020", con=con)  # IMS 2020 side by side
    assert old.sections["stock_trend"].where(year=2020).column("migrants") == [280_598_105]
    assert old.sections["top_corridors"].to_dict()["rows"][0]["year"] == 2020


def test_region_overview_numbers_match_tables(con: Any) -> None:
    ov = overview("Middle East", scheme="wmr2010", year=2024, con=con)
    assert ov.code == "MEA"
    members = {r[0] for r in con.execute("SELECT iso3 FROM scheme_members WHERE scheme='wmr2010' "
                                         "AND code='MEA'").fetchall()}
    total = con.execute("SELECT sum(migrants) FROM migrant_stock WHERE edition='2024' AND year=2024 AND iso3 "
                        f"IN ({','.join(repr(m) for m in members)})").fetchone()[0]
    assert ov.sections["stock_trend"].where(year=2024).column("migrants") == [total]
    assert set(ov.sections["top_destinations"].column("iso3")) <= members  # only the region's countries
    assert set(ov.sections["diaspora"].column("origin_code")) <= members
    origins = ov.sections["top_origins"]
    first = origins.to_dict()["rows"][0]
    expected = con.execute(
        f"""SELECT origin, sum(migrants) FROM bilateral_stock WHERE edition='2024' AND year=2024
        AND origin <> 'UNK'
        AND dest IN ({','.join(repr(m) for m in members)}) GROUP BY origin ORDER BY 2 DESC LIMIT 1"""
    ).fetchone()
    assert (first["origin_code"], first["migrants"]) == expected


def test_country_overview_has_both_directions(con: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIGCAP_EDITION_WDI", "2023-05")  # its 2022 is partial; WDI 2024-12 has it whole
    ov = overview("Philippines", con=con)
    assert (ov.kind == "country" and "emigrant_destinations" in ov.sections
            and "top_destinations" not in ov.sections)
    dest = ov.sections["emigrant_destinations"].to_dict()["rows"][0]
    assert dest["destination_code"] == "USA"
    rem = ov.sections["remittances_trend"]
    flagged = [r for r in rem if not r["complete"]]
    assert [r["year"] for r in flagged] == [2022]  # WDI's 2022 value is far below KNOMAD's
    assert "PHL" in rem.notes[-1]


def test_a_persistent_gap_between_wdi_and_knomad_does_not_flag_a_year(
        con: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIGCAP_EDITION_WDI", "2023-05")  # the edition whose 2022 is partial
    # Portugal's, Israel's and Spain's WDI values are a fraction of KNOMAD's every year (definitions); that
    # is no sign of partial data, so 2015 is complete and its remittances make the key fact of 2015
    ov = overview("WLD", year=2015, con=con)
    rem = ov.sections["remittances_trend"]
    assert all(r["complete"] for r in rem) and not any("partial" in n for n in rem.notes[2:])
    fact = {f.key: f for f in ov.facts}["remittances"]
    assert (fact.figures["year"] == 2015
            and fact.text.startswith("In 2015 the world received US$ 554.9 billion"))
    # a sudden fall is flagged, with its size: the Philippines' 2022 value after a decade at par with KNOMAD
    phl = overview("PHL", con=con).sections["remittances_trend"]
    assert [r["year"] for r in phl if not r["complete"]] == [2022]
    assert "for 1 economy — PHL US$ 9.1 billion against US$ 38.0 billion" in phl.notes[-1]
    assert "understated by about US$ 29.0 billion" in phl.notes[-1]


def test_facts_come_from_the_tables(con: Any) -> None:
    facts = {f.key: f for f in key_facts("WLD", con=con)}
    stock = facts["stock"]
    assert stock.text == (f"In 2024 there were {format_count(304_021_813)} international migrants, "
                          f"{format_pct(stock.figures['migrants_pct'])} of the world's population.")
    assert stock.text == ("In 2024 there were 304.0 million international migrants, "
                          "3.7% of the world's population.")  # as UN DESA says it for IMS 2024
    assert "Rev.2024" in stock.sources[0]
    crisis = facts["crisis"]
    assert "fell 4.1% from 2008" in crisis.text and crisis.figures["recovery_year"] == 2010
    # on WDI 2024-12, whose 2003-2009 values revise those of 2023-05 (17.8% there)
    assert "17.9% below their pre-crisis trend, outside its 95% prediction interval" in crisis.text


def test_a_falling_stock_is_said_to_fall(con: Any) -> None:
    # the Philippines host fewer migrants in 2024 than in 1990 (IMS 2024): "fell by", never "grew by -"
    ims = dict(con.execute("SELECT year, migrants FROM migrant_stock WHERE edition = '2024' AND iso3 = 'PHL' "
                           "AND year IN (1990, 2024)").fetchall())
    growth = {f.key: f for f in key_facts("PHL", con=con)}["growth"]
    assert ims[2024] < ims[1990]
    assert growth.figures["growth_pct"] == pytest.approx((ims[2024] / ims[1990] - 1) * 100, rel=1e-12)
    assert growth.text.startswith(f"The number fell by {format_pct(-growth.figures['growth_pct'], 0)} from ")
    world = {f.key: f for f in key_facts("WLD", con=con)}["growth"]
    assert world.text.startswith("The number grew by ")


def test_crisis_fact_says_when_the_gap_is_within_the_trends_interval(con: Any) -> None:
    # Kenya's WDI series jumps from US$ 66 million (2003) to 376 million (2004): the trend on 2003-2008
    # is so uncertain that a 55.8% shortfall in 2009 lies inside its prediction interval.
    row = next(iter(overview("KEN", con=con).sections["crisis"]))
    assert row["lower"] <= row["actual"] <= row["upper"] and round(row["deviation_pct"], 1) == -55.8
    crisis = {f.key: f for f in key_facts("KEN", con=con)}["crisis"]
    assert "55.8% below their pre-crisis trend, within its 95% prediction interval" in crisis.text


def test_overviews_batch_equals_single(con: Any) -> None:
    many = overviews(["WLD", "AFR", "MEA"], con=con)
    single = overview("AFR", con=con)
    assert many[1].to_dict() == single.to_dict()


def test_overview_errors(con: Any) -> None:
    with pytest.raises(UnknownAreaError, match="unknown area 'Atlantis'; use WLD, a region of wmr2010"):
        overview("Atlantis", con=con)
    with pytest.raises(DataUnavailableError, match="no migrant stock for 2021"):
        overview("WLD", year=2021, con=con)


@pytest.mark.parametrize(("scheme", "edition", "year"), [
    ("wmr2010", "2024", 2024), ("un-geo", "2024", 2024), ("un-sdg", "2024", 2024), ("wmr2010", "2020", 2020),
    ("wmr2010", "2019", 2019), ("un-geo", "2019", 2019), ("un-sdg", "2019", 2019)])
def test_matrix_sums_to_world_total_every_year(con: Any, scheme: str, edition: str, year: int) -> None:
    m = region_matrix(scheme, year=year, edition=edition, con=con)
    world = dict(con.execute("SELECT year, sum(migrants) FROM migrant_stock WHERE edition = ? "
                             "GROUP BY year", [edition]).fetchall())
    assert sum(m.long.column("migrants")) == world[year]
    assert UNKNOWN in m.long.column("origin")
    for y in m.years:
        within = sum(r["immigrants"] for r in m.shares if r["year"] == y)
        assert within == pytest.approx(world[y], rel=1e-12)


def test_unknown_origin_is_said_for_what_it_is(con: Any) -> None:
    # IMS 2024's UNK is the UN's own "other" origin; IMS 2019's is migcap's residual (derived)
    now = overview("WLD", con=con).sections["top_origins"]
    assert now.notes == ("UNK: unknown origin (the UN's 'other' origin of this edition, as published); not "
                         "ranked, as it is no country.",)
    # ranked: countries only; the unknown origin follows, unranked, with its share of all immigrants
    rows = list(now)
    assert [r["rank"] for r in rows] == [*range(1, len(rows)), None] and rows[-1]["origin_code"] == "UNK"
    unk, world = con.execute("SELECT sum(migrants) FILTER (WHERE origin = 'UNK'), sum(migrants) FROM "
                             "bilateral_stock WHERE edition = '2024' AND year = 2024").fetchone()
    assert rows[-1]["migrants"] == unk and rows[-1]["share_of_immigrants_pct"] == pytest.approx(
        unk / world * 100, rel=1e-12)
    assert unk > rows[0]["migrants"]  # the largest "origin" of all, yet no country
    old = overview("WLD", year=2019, edition="2019", con=con).sections["top_origins"]
    assert "derived by migcap" in old.notes[0]
    assert "as published" in region_matrix("wmr2010", con=con).long.notes[0]
    assert "derived by migcap" in region_matrix("wmr2010", year=2019, edition="2019", con=con).long.notes[0]


def test_intra_regional_shares(con: Any) -> None:
    m = region_matrix("wmr2010", year=1990, con=con)
    europe = [r for r in m.shares if r["region"] == "Europe"]
    first, last = europe[0], europe[-1]
    assert first["intra_share_immigrants_pct"] == pytest.approx(
        first["within_region"] / first["immigrants"] * 100)
    assert last["change_immigrants_since_1990"] == pytest.approx(
        last["intra_share_immigrants_pct"] - first["intra_share_immigrants_pct"])
    origins, dests, _values = m.square(1990)
    assert len(dests) == 6 and origins[-1] == UNKNOWN
    with pytest.raises(DataUnavailableError, match="no bilateral stock for 2022"):
        region_matrix("wmr2010", year=2022, con=con)
