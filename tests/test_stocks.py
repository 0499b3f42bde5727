"""Migrant stocks against UN DESA's published totals and aggregates (bundled IMS 2020 and 2019)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migcap.errors import DataUnavailableError, EditionError
from migcap.evidence.stocks import STOCK_COLUMNS, stocks
from migcap.geo.schemes import builtin_schemes, load_scheme

# UN DESA, International Migrant Stock 2020, Table 1, WORLD (published figures)
WORLD_2020 = {1990: 152_986_157, 1995: 161_289_976, 2000: 173_230_585, 2005: 191_446_828,
              2010: 220_983_187, 2015: 247_958_644, 2020: 280_598_105}
COMPLETE = [s for s in builtin_schemes() if load_scheme(s).complete]


@pytest.fixture(autouse=True)
def _ims_2020(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests check IMS 2020 against UN DESA's published IMS 2020 figures: pin it as the default
    (IMS 2024, the default otherwise, is checked in test_ingest_un_ims_csv.py)."""
    monkeypatch.setenv("MIGCAP_EDITION_MIGRANT_STOCK", "2020")


def test_world_totals_equal_un_desa_2020_exactly(con: Any) -> None:
    t = stocks(by="world", con=con)
    assert t.columns == STOCK_COLUMNS
    assert dict(zip(t.column("year"), t.column("migrants"), strict=True)) == WORLD_2020


def test_world_2019_edition_side_by_side(con: Any) -> None:
    t = stocks(by="world", years=[2019], edition="2019", con=con)
    assert t.column("migrants") == [271_642_105]  # UN DESA IMS 2019, Table 1, WORLD, 2019
    assert "Rev.2019" in t.sources[0]


def test_un_geo_regions_reproduce_un_aggregates(con: Any) -> None:
    published = {(code, year): (m, p, pct) for code, year, m, p, pct in con.execute(
        "SELECT code, year, migrants, population, migrants_pct FROM migrant_stock_published "
        "WHERE edition = '2020' AND code IN ('903','935','908','904','905','909')").fetchall()}
    t = stocks(by="region", scheme="un-geo", con=con)
    assert len(t) == 6 * 7
    for row in t:
        m, p, pct = published[(row["area_code"], row["year"])]
        assert row["migrants"] == m
        assert row["population"] == pytest.approx(p, abs=0.5)
        assert row["migrants_pct"] == pytest.approx(pct, rel=1e-9)


@pytest.mark.parametrize("scheme", ["un-sdg", "un-subregion", "un-income", "un-development", "ldc", "lldc",
                                    "sids"])
def test_other_un_schemes_reproduce_un_aggregates(con: Any, scheme: str) -> None:
    published = dict(((c, y), m) for c, y, m in con.execute(
        "SELECT code, year, migrants FROM migrant_stock_published WHERE edition = '2020'").fetchall())
    t = stocks(by="region", scheme=scheme, con=con)
    unpublished = set()
    for row in t:
        key = (row["area_code"], row["year"])
        if key in published:
            assert row["migrants"] == published[key], row
        else:
            unpublished.add(row["area_code"])
    assert unpublished <= {"1518"}  # UN DESA does not publish 'no income group available'


def test_refugees_and_female_share_within_withheld_values(con: Any) -> None:
    """UN aggregates include values withheld as '~' (under five) and unpublished splits; ours omit them."""
    pub = dict(((c, y), (r, f)) for c, y, r, f in con.execute(
        "SELECT code, year, refugees, female_pct FROM migrant_stock_published WHERE edition = '2020'"
    ).fetchall())
    withheld = con.execute("SELECT count(*) FROM migrant_stock WHERE edition = '2020' AND refugees IS NULL "
                           "AND migrants IS NOT NULL").fetchone()[0]
    for row in stocks(by="region", scheme="un-geo", con=con):
        refugees, female = pub[(row["area_code"], row["year"])]
        assert 0 <= refugees - row["refugees"] <= 4 * withheld
        assert row["female_pct"] == pytest.approx(female, abs=0.01)


@pytest.mark.parametrize("scheme", COMPLETE)
def test_complete_schemes_add_up_to_the_world(con: Any, scheme: str) -> None:
    world = dict(zip(*[stocks(by="world", con=con).column(c) for c in ("year", "migrants")], strict=True))
    regions = stocks(by="region", scheme=scheme, con=con)
    assert not any("Not in any region" in n for n in regions.notes)
    for year, total in world.items():
        assert sum(r["migrants"] or 0 for r in regions if r["year"] == year) == total


def test_six_wmr_regions(con: Any) -> None:
    t = stocks(by="region", scheme="wmr2010", years=[2020], con=con)
    assert t.column("area") == ["Africa", "Americas", "Asia", "Europe", "Middle East", "Oceania"]
    assert sum(t.column("migrants")) == WORLD_2020[2020]


def test_coverage_of_late_series_and_rules(con: Any) -> None:
    """South Sudan has no stock before 2010: Africa's coverage in 1990 is below 1; 'all' withholds the
    total."""
    any_rule = stocks(by="region", scheme="un-geo", years=[1990, 2010], con=con).where(area_code="903")
    cov = dict(zip(any_rule.column("year"), any_rule.column("coverage"), strict=True))
    africa = {i for i, c in load_scheme("un-geo").members if c == "903"}
    covered = {r[0] for r in con.execute("SELECT DISTINCT iso3 FROM migrant_stock WHERE edition='2020' "
                                         "AND migrants IS NOT NULL").fetchall()}
    members = len(africa & covered)
    assert cov[2010] == 1.0
    assert cov[1990] == round((members - 1) / members, 4)
    strict = stocks(by="region", scheme="un-geo", years=[1990, 2010], coverage="all",
                    con=con).where(area_code="903")
    assert strict.column("migrants")[0] is None and strict.column("migrants")[1] is not None
    share = stocks(by="region", scheme="un-geo", years=[1990], coverage="0.9", con=con).where(area_code="903")
    assert share.column("migrants")[0] == any_rule.column("migrants")[0]


def test_country_rows_are_the_published_values(con: Any) -> None:
    t = stocks(by="country", years=[2020], con=con).where(area_code="KEN")
    row = next(iter(t))
    kenya = con.execute("SELECT migrants, migrants_pct FROM migrant_stock WHERE edition='2020' AND "
                        "iso3='KEN' AND year=2020").fetchone()
    assert (row["migrants"], row["area"], row["coverage"]) == (kenya[0], "Kenya", 1.0)
    assert row["migrants_pct"] == pytest.approx(kenya[1], rel=1e-9)


def test_missing_year_and_edition_are_clear(con: Any) -> None:
    with pytest.raises(DataUnavailableError,
                       match="no migrant stock for 2021 in edition 2020; years available: 1990"):
        stocks(years=[2021], con=con)
    with pytest.raises(EditionError, match="no edition '2030' of migrant_stock; editions: 2024, 2020, 2019"):
        stocks(edition="2030", con=con)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_partition_adds_up(tmp_path_factory: Any, con: Any, data: Any) -> None:
    """Property: any user scheme that partitions the countries adds up to the world total."""
    countries = [r[0] for r in con.execute("SELECT DISTINCT iso3 FROM migrant_stock "
                                           "WHERE edition='2020'").fetchall()]
    labels = data.draw(st.lists(st.sampled_from("ABCD"), min_size=len(countries), max_size=len(countries)))
    path = tmp_path_factory.mktemp("scheme") / "mine.tsv"
    path.write_text("iso3\tcode\tname\n" + "".join(f"{c}\t{lab}\tRegion {lab}\n"
                                                   for c, lab in zip(countries, labels, strict=True)))
    t = stocks(by="region", scheme=str(path), years=[2020], con=con)
    assert sum(t.column("migrants")) == WORLD_2020[2020]


def test_ims_2024_refugees_come_from_unhcr_and_say_so(con: Any) -> None:
    """IMS 2024 gives no refugees: the column holds UNHCR's refugees and asylum seekers, labelled."""
    from pathlib import Path

    import pandas as pd

    import migcap

    snaps = Path(migcap.__file__).parent / "data" / "snapshots"
    unhcr = pd.read_parquet(snaps / "unhcr" / "2025.parquet")
    ims = pd.read_parquet(snaps / "migrant_stock" / "2024.parquet")
    assert ims.refugees.isna().all()
    members = set(ims[ims.year == 2024].iso3)
    u = unhcr[(unhcr.year == 2024) & unhcr.asylum.isin(members)]
    expected = u.refugees.fillna(0).sum() + u.asylum_seekers.fillna(0).sum()
    t = stocks(by="world", years=[2024], edition="2024", con=con)
    assert t.column("refugees") == [pytest.approx(expected, rel=1e-12)]
    assert any(n.startswith("Refugees: IMS 2024 gives none; the column holds UNHCR's") for n in t.notes)
    assert t.sources[1].startswith("UNHCR")
    ken = stocks(by="country", years=[2024], edition="2024", con=con).where(area_code="KEN")
    k = unhcr[(unhcr.year == 2024) & (unhcr.asylum == "KEN")]
    assert ken.column("refugees") == [pytest.approx(k.refugees.sum() + k.asylum_seekers.sum(), rel=1e-12)]
    # an edition with UN DESA's own refugees keeps them, without the note
    own = stocks(by="world", years=[2020], con=con)
    ims20 = pd.read_parquet(snaps / "migrant_stock" / "2020.parquet")
    assert own.column("refugees") == [ims20[ims20.year == 2020].refugees.sum()] and len(own.sources) == 1
