"""5-year net migration rates from WPP 2024: hand-checked cases and the demographic balance."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from migcap.errors import DataUnavailableError
from migcap.projections.data import (
    load_outlook,
    load_rates,
    load_stocks,
    migration_rate,
    period_label,
    period_net_migration,
)


def test_period_net_migration_by_hand() -> None:
    # 1 July 2000 → 1 July 2005: half of 2000 and of 2005, all of 2001–2004
    annual = {2000: 10.0, 2001: 20.0, 2002: 30.0, 2003: 40.0, 2004: 50.0, 2005: 60.0}
    assert period_net_migration(annual, 2005) == 0.5 * 10 + 20 + 30 + 40 + 50 + 0.5 * 60 == 175.0
    with pytest.raises(DataUnavailableError, match="2010"):
        period_net_migration(annual, 2010)


def test_migration_rate_by_hand() -> None:
    # 100 net migrants, 1,100 at the end: the population without them was 1,000
    assert migration_rate(100.0, 1100.0) == pytest.approx(0.1)
    assert migration_rate(-50.0, 950.0) == pytest.approx(-0.05)
    assert period_label(2010) == "2005–2010"


def test_rates_match_a_hand_computation_from_the_warehouse(con: Any) -> None:
    rd = load_rates(con)
    assert rd.ends == tuple(range(1955, 2021, 5))
    assert rd.n_countries == 236 and rd.rates.shape == (236, 14)
    for iso3 in ("DEU", "SYR", "QAT"):
        m = dict(con.execute("SELECT year, value FROM wpp WHERE edition='2024' AND indicator='net_migration' "
                             "AND variant='estimate' AND iso3=? AND year BETWEEN 2015 AND 2020",
                             [iso3]).fetchall())
        p = con.execute("SELECT value FROM wpp WHERE edition='2024' AND indicator='population' "
                        "AND variant='estimate' AND iso3=? AND year=2020", [iso3]).fetchone()[0]
        mig = m[2015] / 2 + m[2016] + m[2017] + m[2018] + m[2019] + m[2020] / 2
        i = rd.iso3.index(iso3)
        assert rd.migrants[i, -1] == pytest.approx(mig, rel=1e-12)
        assert rd.rates[i, -1] == pytest.approx(mig / (p - mig), rel=1e-12)
        assert rd.population[i, -1] == p


def test_timing_convention_closes_the_demographic_balance(con: Any) -> None:
    """Mid-year populations and half-year boundary weights: P2020 − P2015 = births − deaths + M."""
    rd = load_rates(con)
    rows = con.execute("SELECT iso3, indicator, year, value FROM wpp WHERE edition='2024' AND "
                       "variant='estimate' AND indicator IN ('births', 'deaths') AND year "
                       "BETWEEN 2015 AND 2020").fetchall()
    nat: dict[str, float] = {}
    for iso3, ind, year, value in rows:
        w = 0.5 if year in (2015, 2020) else 1.0
        nat[iso3] = nat.get(iso3, 0.0) + (w * value if ind == "births" else -w * value)
    gap = np.array([rd.population[i, -1] - rd.population[i, -2] - nat[iso3] - rd.migrants[i, -1]
                    for i, iso3 in enumerate(rd.iso3)])
    # rounding of the published figures only: a few persons (the other conventions miss by
    # hundreds of thousands for large countries)
    assert np.median(np.abs(gap)) < 10
    assert (np.abs(gap) < np.maximum(20.0, 1e-4 * rd.population[:, -1])).all()


def test_upto_and_subset(con: Any) -> None:
    rd = load_rates(con)
    early = rd.upto(2005)
    assert early.ends[-1] == 2005 and early.rates.shape == (236, 11)
    assert early.population.shape == (236, 12)
    assert early.fingerprint() != rd.fingerprint()
    sub = rd.subset(["QAT", "DEU"])
    assert sub.iso3 == ("QAT", "DEU")
    np.testing.assert_array_equal(sub.rates[1], rd.rates[rd.iso3.index("DEU")])
    with pytest.raises(DataUnavailableError, match="2007"):
        rd.upto(2007)


def test_outlook_is_wpp_on_the_5_year_grid(con: Any) -> None:
    rd = load_rates(con)
    out = load_outlook(con, rd.iso3, to=2050)
    assert out.ends == (2025, 2030, 2035, 2040, 2045, 2050)
    assert out.last_estimated_year == 2023
    i = rd.iso3.index("DEU")
    dec = dict(con.execute("SELECT year, value FROM wpp WHERE edition='2024' AND indicator='population' "
                           "AND variant='median' AND iso3='DEU' AND year IN (2024, 2025)").fetchall())
    assert out.population[i, 1] == pytest.approx(np.sqrt(dec[2024] * dec[2025]))
    assert out.population[i, 0] == rd.population[i, -1]
    # the natural growth factor and WPP's rate reproduce WPP's population exactly
    np.testing.assert_allclose(out.population[:, :-1] * out.natural * (1 + out.rates), out.population[:, 1:],
                               rtol=1e-12)
    assert (out.pop_lower95 <= out.pop_lower80).all() and (out.pop_upper80 <= out.pop_upper95).all()
    with pytest.raises(DataUnavailableError):
        load_outlook(con, rd.iso3, to=2020)


def test_stocks_align_with_the_model_countries(con: Any) -> None:
    rd = load_rates(con)
    st = load_stocks(con, rd)
    assert st.years == (1990, 1995, 2000, 2005, 2010, 2015, 2020)
    i = rd.iso3.index("DEU")
    assert st.stock[i, -1] == con.execute("SELECT migrants FROM migrant_stock WHERE edition='2024' "
                                          "AND iso3='DEU' AND year=2020").fetchone()[0]
    assert np.nansum(st.stock[:, -1]) == pytest.approx(275_284_032, rel=0.005)  # IMS 2024: the world in 2020
    assert "TWN" in [c for c, ok in zip(rd.iso3, st.has_stock, strict=True) if ok]  # in IMS 2024, not 2020
