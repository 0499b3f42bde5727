"""Shock impact against the published figures and independent recomputation."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from migcap.errors import MigcapError
from migcap.evidence.crisis import CRISIS_COLUMNS, decompose_change, fit_trend, shock_impact


def _wdi(con: Any, code: str, indicator: str = "BX.TRF.PWKR.CD.DT") -> dict[int, float]:
    return dict(con.execute("SELECT year, value FROM wdi_published WHERE edition = '2023-05' AND "
                            "indicator = ? AND code = ?", [indicator, code]).fetchall())


def test_world_remittances_fall_as_wdi_says(con: Any) -> None:
    # WDI 2023-05 publishes world aggregates; migcap's sum of its countries must be the World Bank's figure
    r = shock_impact("remittances_received", shock=2009, by="world", edition="2023-05", con=con)
    row = next(iter(r.table))
    wld = _wdi(con, "WLD")  # the World Bank's own world aggregate
    assert row["actual"] == pytest.approx(wld[2009], rel=1e-12)
    assert row["pre_shock"] == pytest.approx(wld[2008], rel=1e-12)
    assert row["yoy_pct"] == pytest.approx((wld[2009] / wld[2008] - 1) * 100, rel=1e-9)
    assert round(row["yoy_pct"], 1) == -4.1
    assert row["recovery_year"] == 2010
    # the counterfactual recomputed independently: log-linear OLS on 2003-2008
    years = np.arange(2003, 2009)
    slope, intercept = np.polyfit(years, np.log([wld[y] for y in years]), 1)
    assert row["counterfactual"] == pytest.approx(math.exp(intercept + slope * 2009), rel=1e-9)
    assert row["lower"] < row["counterfactual"] < row["upper"]
    assert r.table.columns[:10] == ("area_code", "area", "year", "actual", "counterfactual", "lower", "upper",
                                     "deviation_pct", "yoy_pct", "recovery_year")


def test_low_and_middle_income_wdi_and_knomad(con: Any) -> None:
    wdi = shock_impact("remittances_received", by="region", scheme="wb-lmic", edition="2023-05",
                       con=con).table.where(area_code="LMY")
    lmy = _wdi(con, "LMY")  # published: about 281 → 271 billion US$
    row = next(iter(wdi))
    assert row["pre_shock"] == pytest.approx(lmy[2008], rel=1e-9) and round(lmy[2008] / 1e9) == 281
    assert row["actual"] == pytest.approx(lmy[2009], rel=1e-9) and round(lmy[2009] / 1e9) == 271
    kn = next(iter(shock_impact("remittance_inflows_knomad", by="region", scheme="wb-lmic", con=con).table))
    pub = dict(con.execute("SELECT year, inflow_usd FROM knomad_published WHERE edition='2023-06' "
                           "AND code='LMY'").fetchall())
    assert kn["pre_shock"] == pytest.approx(pub[2008], rel=1e-9) and round(pub[2008] / 1e8) == 3197
    assert kn["actual"] == pytest.approx(pub[2009], rel=1e-9) and round(pub[2009] / 1e8) == 3035
    assert round(kn["yoy_pct"]) == -5


def test_decomposition_adds_up(con: Any) -> None:
    d = decompose_change("remittances_received", shock=2009, scheme="wmr2010", con=con)
    rows = list(d)
    world = rows[-1]
    assert world["area_code"] == "WLD" and world["share_of_world_change_pct"] == 100.0
    parts = [r for r in rows[:-1] if r["change"] is not None]
    assert sum(r["change"] for r in parts) == pytest.approx(world["change"], rel=1e-9)
    assert sum(r["share_of_world_change_pct"] for r in parts) == pytest.approx(100.0)


def test_ranking_and_late_series(con: Any) -> None:
    r = shock_impact("remittances_received", shock=2009, by="country", edition="2023-05", con=con)
    ranked = [row for row in r.table if row["rank"] is not None]
    assert [row["rank"] for row in ranked] == list(range(1, len(ranked) + 1))
    devs = [row["deviation_pct"] for row in ranked]
    assert devs == sorted(devs)  # hardest hit (most below trend) first
    rows = {row["area_code"]: row for row in r.table}
    nauru = rows["NRU"]  # WDI series starts in 2008
    assert nauru["counterfactual"] is None and nauru["rank"] is None
    assert "has 1 observed year(s); at least 3 are needed (series starts 2008)" in nauru["note"]
    assert "series starts 2019" in rows["AND"]["note"] and "no value for 2009" in rows["AND"]["note"]
    assert "zero values in the baseline" in rows["SSD"]["note"]  # South Sudan: zeros before independence
    assert ranked[-1]["rank"] == len(ranked) and all(row["rank"] is None
                                                     for row in list(r.table)[len(ranked):])


def test_shock_2020_and_edge_of_series(con: Any) -> None:
    r = shock_impact("remittances_received", shock=2020, by="region", scheme="wmr2010", con=con)
    assert len(r.table) == 6 and all(row["year"] == 2020 for row in r.table)
    last = shock_impact("remittances_received", shock=2022, by="world", con=con)
    row = next(iter(last.table))
    assert row["recovery_year"] in (2022, None)
    with pytest.raises(MigcapError, match="has no data for 2030 or later"):
        shock_impact("remittances_received", shock=2030, con=con)


def test_too_short_and_five_yearly(con: Any) -> None:
    r = shock_impact("migrant_stock", shock=2009, by="world", con=con)
    row = next(iter(r.table))
    assert row["actual"] is None and row["counterfactual"] is None
    assert ("has 1 observed year(s); at least 3 are needed" in row["note"]
            and "no value for 2009" in row["note"])
    ok = next(iter(shock_impact("migrant_stock", shock=2010, baseline="1990-2005", by="world",
                                con=con).table))
    assert ok["actual"] == 221_020_392 and ok["counterfactual"] is not None  # IMS 2024, world 2010


def test_unemployment_rise_is_the_harm(con: Any) -> None:
    r = shock_impact("unemployment", shock=2009, by="region", scheme="wmr2010", con=con)
    ranked = [row for row in r.table if row["rank"] is not None]
    devs = [row["deviation_pct"] for row in ranked]
    assert devs == sorted(devs, reverse=True)  # the largest rise above trend first


def test_net_migration_is_linear(con: Any) -> None:
    r = shock_impact("net_migration", shock=2009, by="region", scheme="wmr2010", con=con)
    assert "linear trend" in r.model and "log-linear" not in r.model
    world = next(iter(shock_impact("net_migration", shock=2009, by="world", con=con).table))
    assert abs(world["actual"]) <= 5.0  # zero in WPP, up to the rounding of its figures (persons)


def test_fit_trend_hand_checked() -> None:
    t = fit_trend([1, 2, 3, 4], [2.0, 4.0, 5.0, 8.0], 5, log=False)
    # slope = Sxy/Sxx = 9.5/5 = 1.9, intercept = 4.75 - 1.9*2.5 = 0, prediction 9.5
    assert t.slope == pytest.approx(1.9) and t.prediction == pytest.approx(9.5)
    resid = np.array([2.0, 4.0, 5.0, 8.0]) - 1.9 * np.arange(1, 5)
    s = math.sqrt((resid**2).sum() / 2)
    half = 4.302652729911275 * s * math.sqrt(1 + 1 / 4 + (5 - 2.5) ** 2 / 5)  # t(0.975, 2)
    assert t.upper - t.prediction == pytest.approx(half, rel=1e-9)
    with pytest.raises(MigcapError, match="at least 3"):
        fit_trend([1, 2], [1.0, 2.0], 3, log=True)


def test_bad_arguments(con: Any) -> None:
    with pytest.raises(MigcapError, match="unknown indicator 'gold'"):
        shock_impact("gold", con=con)
    with pytest.raises(MigcapError, match="must end before the shock year"):
        shock_impact("remittances_received", baseline="2003-2009", con=con)
    with pytest.raises(MigcapError, match="not a year range"):
        shock_impact("remittances_received", baseline="2003", con=con)
    assert CRISIS_COLUMNS[-1] == "note"


def test_covid_and_the_recovery_to_2023(con: Any) -> None:
    from migcap.evidence.crisis import PATH_COLUMNS, recovery_path
    from migcap.evidence.indicators import series

    path = recovery_path("remittances_received", shock=2020, through=2023, by="world", con=con)
    assert path.columns == PATH_COLUMNS and [r["year"] for r in path] == [2020, 2021, 2022, 2023]
    world = dict(zip(*(series("remittances_received", by="world", con=con).column(c)
                       for c in ("year", "value")), strict=True))
    years = np.arange(2014, 2020)
    slope, intercept = np.polyfit(years, np.log([world[y] for y in years]), 1)
    for r in path:
        assert r["actual"] == pytest.approx(world[r["year"]], rel=1e-12)
        assert r["counterfactual"] == pytest.approx(math.exp(intercept + slope * r["year"]), rel=1e-9)
        assert r["vs_pre_shock_pct"] == pytest.approx((world[r["year"]] / world[2019] - 1) * 100, rel=1e-9)
    # the shock year's row is the one of shock_impact, and the band widens away from the baseline
    impact = next(iter(shock_impact("remittances_received", shock=2020, con=con).table))
    first = next(iter(path))
    assert (first["counterfactual"], first["lower"]) == pytest.approx((impact["counterfactual"],
                                                                       impact["lower"]), rel=1e-12)
    widths = [r["upper"] - r["lower"] for r in path]
    assert widths == sorted(widths)
    with pytest.raises(MigcapError, match="--through 2019 is before the shock year 2020"):
        recovery_path("remittances_received", shock=2020, through=2019, con=con)
