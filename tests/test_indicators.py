"""The values of the world maps (report and web app): checked against the bundled snapshots themselves."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import migcap
from migcap.evidence.indicators import REMITTANCES_PCT_GDP, map_values

SNAPSHOTS = Path(migcap.__file__).parent / "data" / "snapshots"


@pytest.fixture(scope="module")
def remittances_pct() -> pd.DataFrame:
    """WDI remittances % of GDP in the edition the warehouse uses for it (the newest that has it)."""
    frames = {p.stem: pd.read_parquet(p) for p in sorted((SNAPSHOTS / "wdi").glob("*.parquet"))
              if not p.stem.endswith(".published")}
    having = [ed for ed, f in frames.items() if (f.indicator == REMITTANCES_PCT_GDP).any()]
    f = frames[max(having)]
    return f[(f.indicator == REMITTANCES_PCT_GDP) & f.value.notna()]


def test_map_values_match_the_snapshots(con: object, remittances_pct: pd.DataFrame) -> None:
    ims = pd.read_parquet(SNAPSHOTS / "migrant_stock" / "2020.parquet")
    rows = {r["iso3"]: r for r in map_values(con, 2020, edition="2020", remittances_year=2019)}  # type: ignore[arg-type]
    assert rows["KEN"]["id"] == "404" and rows["KEN"]["name"] == "Kenya"
    for iso3 in ("KEN", "DEU", "PHL", "MEX", "NPL"):
        stock = ims[(ims.iso3 == iso3) & (ims.year == 2020)].migrants_pct.item()
        rem = remittances_pct[(remittances_pct.iso3 == iso3) & (remittances_pct.year == 2019)].value.item()
        assert rows[iso3]["migrants_pct"] == pytest.approx(stock, rel=1e-12)
        assert rows[iso3]["remittances_pct_gdp"] == pytest.approx(rem, rel=1e-12)
    assert len({r["id"] for r in rows.values()}) == len(rows)


def test_map_values_take_each_countrys_latest_remittances_by_default(
        con: object, remittances_pct: pd.DataFrame) -> None:
    rows = {r["iso3"]: r for r in map_values(con, 2020)}  # type: ignore[arg-type]
    latest = remittances_pct.sort_values("year").groupby("iso3").value.last()
    checked = [iso3 for iso3 in latest.index if iso3 in rows]
    assert len(checked) > 150
    for iso3 in checked:
        assert rows[iso3]["remittances_pct_gdp"] == pytest.approx(latest[iso3], rel=1e-12), iso3


# ------------------------------------------------------------- WDI 2024-12 (no aggregates) and its sums


def _wdi_rows(edition: str, published: bool = False) -> pd.DataFrame:
    return pd.read_parquet(SNAPSHOTS / "wdi" / f"{edition}{'.published' if published else ''}.parquet")


def test_wdi_2024_12_holds_the_figures_the_source_lists(con: object) -> None:
    d = _wdi_rows("2024-12")
    # SOURCES.md: IND remin 2023 = 119.5 bn USD
    ind = d[(d.iso3 == "IND") & (d.indicator == "BX.TRF.PWKR.CD.DT") & (d.year == 2023)].value.item()
    assert round(ind / 1e8) == 1195
    assert _wdi_rows("2024-12", published=True).empty           # the copy has no aggregates
    assert {"CHI", "XKX"} <= set(d.iso3)                         # codes outside ISO 3166 are read
    # the series now reach 2023, unemployment too (the 2019 edition stopped at 2018)
    last = d.groupby("indicator").year.max()
    assert (last[["BX.TRF.PWKR.CD.DT", "BM.TRF.PWKR.CD.DT", "SL.UEM.TOTL.ZS", "SM.POP.NETM"]] == 2023).all()


def test_migcaps_sums_beside_the_world_banks_aggregates(con: object) -> None:
    from migcap.evidence.indicators import compare_with_published

    t = compare_with_published("remittances_received", con=con)  # type: ignore[arg-type]
    rows = {(r["aggregate_code"], r["year"]): r for r in t}
    new, old = _wdi_rows("2024-12"), _wdi_rows("2023-05", published=True)
    rem = new[new.indicator == "BX.TRF.PWKR.CD.DT"]
    for year in (2000, 2009, 2021, 2022):
        mine = rem[rem.year == year].value.sum()                 # every country that reports, summed
        pub = old[(old.code == "WLD") & (old.indicator == "BX.TRF.PWKR.CD.DT")
                  & (old.year == year)].value.item()
        r = rows[("WLD", year)]
        assert r["migcap_sum"] == pytest.approx(mine, rel=1e-12) and r["published"] == pub
        assert r["difference_pct"] == pytest.approx((mine - pub) / pub * 100, rel=1e-9)
    # where both editions hold the same country values, migcap's sum is the World Bank's aggregate
    assert abs(rows[("WLD", 2000)]["difference_pct"]) < 1e-9
    # 2022 was partial in 2023-05 (the Philippines among others): the full 2022 sums higher
    assert rows[("WLD", 2022)]["difference_pct"] > 3
    assert {c for c, _ in rows} == {"WLD", "LMY"} and max(y for _, y in rows) == 2022
    assert t.sources[1].endswith("(WDI, last updated 2023-05-10)")


def test_compare_with_published_refuses_what_it_cannot_compare(con: object) -> None:
    from migcap.errors import MigcapError
    from migcap.evidence.indicators import compare_with_published

    with pytest.raises(MigcapError, match="unemployment is not a WDI indicator summed over countries"):
        compare_with_published("unemployment", con=con)  # type: ignore[arg-type]
    with pytest.raises(MigcapError, match="edition 2024-12 of wdi publishes no world aggregates"):
        compare_with_published(against="2024-12", con=con)  # type: ignore[arg-type]
