"""The migration profile from the data core, recomputed independently here from the warehouse tables."""

from __future__ import annotations

import pandas as pd
import pytest

from migcap.capacity.profile import Figure, apply_rules, migration_profile

COUNTRIES = ["PHL", "DEU", "TON", "UGA", "COL", "MEX", "JOR"]


def _latest(con: object, dataset: str, indicator: str | None = None) -> str:
    eds = con.execute(  # type: ignore[attr-defined]
        "SELECT edition, sort_date FROM editions WHERE dataset = ?", [dataset]).df()
    if indicator is not None:
        have = con.execute(  # type: ignore[attr-defined]
            f"SELECT DISTINCT edition FROM {dataset} WHERE indicator = ?", [indicator]).df()
        eds = eds[eds.edition.isin(have.edition)]
    return str(eds.sort_values(["sort_date", "edition"]).edition.iloc[-1])


def _expected(con: object, iso3: str) -> dict[str, float]:
    """The profile figures worked out with pandas from whole tables, as the docs define them."""
    q = con.execute  # type: ignore[attr-defined]
    out: dict[str, float] = {}
    ms = q("SELECT * FROM migrant_stock").df()
    ms_ed = _latest(con, "migrant_stock")
    mine = ms[(ms.edition == ms_ed) & (ms.iso3 == iso3)].set_index("year")
    last = mine.index.max()
    out["immigrant_share"] = mine.loc[last, "migrants_pct"]
    # IMS 2024's years are five-yearly to 2020, then 2024: the base nearest ten years back is 2015,
    # nine years, scaled to ten at the same annual rate
    assert last == 2024 and 2015 in mine.index and 2014 not in mine.index
    ratio = mine.loc[2024, "migrants"] / mine.loc[2015, "migrants"]
    out["immigrant_growth"] = 100 * (ratio ** (10 / 9) - 1)
    bs = q("SELECT * FROM bilateral_stock").df()
    bs = bs[bs.edition == _latest(con, "bilateral_stock")]
    year = bs.year.max()
    emigrants = bs[(bs.origin == iso3) & (bs.year == year)].migrants.sum()
    pop = ms[(ms.edition == _latest(con, "bilateral_stock")) & (ms.iso3 == iso3)
             & (ms.year == year)].population.iloc[0]
    out["emigrants"] = emigrants
    out["emigrant_share"] = 100 * emigrants / pop
    wdi = q("SELECT * FROM wdi").df()
    for key, ind in (("remittances_gdp", "BX.TRF.PWKR.DT.GD.ZS"), ("remittances_usd", "BX.TRF.PWKR.CD.DT")):
        s = wdi[(wdi.indicator == ind) & (wdi.iso3 == iso3) & (wdi.edition == _latest(con, "wdi", ind))]
        s = s.dropna(subset=["value"]).set_index("year").value.sort_index()
        out[key] = s.iloc[-1]
        if key == "remittances_usd":
            out["remittance_fall_2009"] = 100 * (1 - s[2009] / s[2008])
    un = q("SELECT * FROM unhcr").df()
    un = un[un.edition == _latest(con, "unhcr")]
    uyear = un.year.max()
    host = un[(un.asylum == iso3) & (un.year == uyear)]
    if (un.asylum == iso3).any():  # a country UNHCR never lists as a country of asylum: unknown, not zero
        hosted = host.refugees.fillna(0).sum() + host.other_protection.fillna(0).sum()
        out["refugees_hosted"] = hosted
        popw = wdi[(wdi.indicator == "SP.POP.TOTL") & (wdi.iso3 == iso3) & (wdi.year <= uyear)
                   & (wdi.edition == _latest(con, "wdi", "SP.POP.TOTL"))].dropna(subset=["value"])
        out["refugees_per_1000"] = 1000 * hosted / popw.sort_values("year").value.iloc[-1]
    wpp = q("SELECT * FROM wpp WHERE variant = 'estimate'").df()
    for key, ind in (("net_migration", "net_migration"), ("net_migration_rate", "cnmr")):
        s = wpp[(wpp.indicator == ind) & (wpp.iso3 == iso3)].dropna(subset=["value"]).sort_values("year")
        out[key] = s.value.iloc[-5:].mean()
    out.update(_expected_irregular(con, iso3))
    return out


def _pctile(values: pd.Series, iso3: str) -> float:
    """Percentile rank as documented: the share of the countries at or below the country's figure."""
    return 100 * float(values.rank(pct=True, method="max")[iso3])


def _expected_irregular(con: object, iso3: str) -> dict[str, float]:
    """The figures on irregular migration and displacement, worked out with pandas from whole tables."""
    q = con.execute  # type: ignore[attr-defined]
    out: dict[str, float] = {}
    ms = q("SELECT * FROM migrant_stock").df()
    ms = ms[(ms.edition == _latest(con, "migrant_stock")) & (ms.population > 0)]
    pop = ms[ms.iso3 == iso3].sort_values("year").population.iloc[-1]
    mm = q("SELECT * FROM missing_migrants").df()
    mm = mm[mm.edition == _latest(con, "missing_migrants")]
    full = mm.groupby("year").month.nunique()
    years = sorted(full[full == 12].index)[-5:]
    deaths = mm[mm.year.isin(years)].groupby("iso3").dead_and_missing.sum()
    if iso3 in deaths.index:
        out["migrant_deaths"] = deaths[iso3]
        out["migrant_deaths_pctile"] = _pctile(deaths, iso3)
    dp = q("SELECT * FROM displacement").df()
    dp = dp[(dp.edition == _latest(con, "displacement")) & dp.new_displacements.notna()]
    years = sorted(dp.year.unique())[-5:]
    for cause in ("disaster", "conflict"):
        means = dp[dp.year.isin(years) & (dp.cause == cause)].groupby("iso3").new_displacements.sum() / 5
        if iso3 in means.index:
            out[f"{cause}_displacement"] = means[iso3]
            out[f"{cause}_displacement_per_1000"] = 1000 * means[iso3] / pop
            out[f"{cause}_displacement_pctile"] = _pctile(means, iso3)
    aa = q("SELECT * FROM asylum_applications").df()
    aa = aa[aa.edition == _latest(con, "asylum_applications")]
    mine = aa[(aa.dest == iso3) & (aa.year == aa.year.max())]
    if len(mine):
        out["asylum_applicants"] = mine.applicants.sum()
        out["asylum_per_1000"] = 1000 * mine.applicants.sum() / pop
    be = q("SELECT * FROM border_encounters").df()
    be = be[be.edition == _latest(con, "border_encounters")]
    full = be.groupby("year").month.nunique()
    last = max(full[full == 12].index)
    mine = be[(be.citizenship == iso3) & (be.year == last)]
    if len(mine):
        out["us_encounters"] = mine.encounters.sum()
        out["us_encounters_per_1000"] = 1000 * mine.encounters.sum() / pop
    return out


@pytest.mark.parametrize("iso3", COUNTRIES)
def test_profile_figures_from_the_data(con: object, iso3: str) -> None:
    p = migration_profile(iso3, con=con)  # type: ignore[arg-type]
    expected = _expected(con, iso3)
    assert set(p.figures) == set(expected)
    for key, value in expected.items():
        assert p.figures[key].value == pytest.approx(value, rel=1e-9), (iso3, key)
    # the tags follow the documented thresholds, worked out here from the same figures
    e = expected
    tags = {t for t, met in {
        "destination": e["immigrant_share"] >= 10 or e["net_migration_rate"] >= 2,
        "origin": e["emigrant_share"] >= 5 or e["net_migration_rate"] <= -1,
        "high_emigration": e["emigrant_share"] >= 15,
        "remittance_dependent": e["remittances_gdp"] >= 5,
        "remittance_shock": e["remittance_fall_2009"] >= 5,
        "refugee_hosting": e.get("refugees_per_1000", 0) >= 5 or e.get("refugees_hosted", 0) >= 250_000,
        "rapid_immigration_growth": e["immigrant_growth"] >= 50,
        "migrant_deaths_on_route": e.get("migrant_deaths_pctile", 0) >= 90,
        "disaster_displacement": e.get("disaster_displacement_per_1000", 0) >= 5
        or e.get("disaster_displacement_pctile", 0) >= 90,
        "conflict_displacement": e.get("conflict_displacement_per_1000", 0) >= 5
        or e.get("conflict_displacement_pctile", 0) >= 90,
        "asylum_destination": e.get("asylum_per_1000", 0) >= 2,
        "irregular_crossings_origin": e.get("us_encounters_per_1000", 0) >= 1,
    }.items() if met}
    assert set(p.tags) - {"sids", "ldc"} == tags


def test_published_figures_and_classifications(con: object) -> None:
    deu = migration_profile("DEU", con=con)  # type: ignore[arg-type]
    # IMS 2024: 16,750,084 migrants in Germany, 19.8% of its WPP 2024 mid-2024 population
    assert round(deu.figures["immigrant_share"].value or 0, 1) == 19.8
    assert deu.figures["immigrant_share"].year == 2024
    assert deu.figures["immigrant_growth"].source.endswith("(2015–2024, at its annual rate over ten years)")
    assert deu.figures["net_migration"].source == "wpp 2024 (2019–2023 mean)"
    ton = migration_profile("TON", con=con)  # type: ignore[arg-type]
    assert {"sids", "high_emigration", "remittance_dependent"} <= set(ton.tags)
    assert ("refugees_hosted" not in ton.figures
            and "UNHCR reports no refugee figures for this country" in ton.notes)
    assert ton.tags["sids"].kind == "classification"
    uga = migration_profile("UGA", con=con)  # type: ignore[arg-type]
    assert "ldc" in uga.tags and "refugee_hosting" in uga.tags
    # the reason of a tag names the figures that met the rule, and only those
    phl = migration_profile("PHL", con=con)  # type: ignore[arg-type]
    assert [f.key for f in phl.tags["origin"].figures] == ["emigrant_share"]
    assert phl.tags["origin"].text().startswith("origin: emigrants 6.0% of population (2024)")


def test_rules_on_declared_figures() -> None:
    figs = {"emigrant_share": Figure("emigrant_share", 14.2, 2019, "x"),
            "net_migration_rate": Figure("net_migration_rate", -3.2, 2023, "x"),
            "immigrant_share": Figure("immigrant_share", None, None, "x"),  # missing never triggers a rule
            "remittance_fall_2009": Figure("remittance_fall_2009", 4.99, 2009, "x")}
    tags = apply_rules(figs, declared=("transit",))
    assert sorted(tags) == ["origin", "transit"]
    assert [f.key for f in tags["origin"].figures] == ["emigrant_share", "net_migration_rate"]
    assert tags["transit"].text() == "transit: declared by the assessment team"
    assert Figure("remittance_fall_2009", -5.9, 2009, "x").text() == "remittances rose 5.9% in 2009"


def test_declared_figure_replaces_the_data(con: object) -> None:
    p = migration_profile("PHL", con=con, declared_figures={  # type: ignore[arg-type]
        "remittances_gdp": {"value": 4.0, "year": 2024, "source": "central bank 2024"}})
    assert p.figures["remittances_gdp"].source == "central bank 2024" and "remittance_dependent" not in p.tags
    assert any(n.startswith("remittances_gdp: the declared figure replaces the data") for n in p.notes)


def test_frame_free_of_pandas_in_profile_module() -> None:
    import migcap.capacity.profile as mod

    assert "pandas" not in mod.__dict__ and isinstance(pd.__version__, str)
