"""The stock–flow model: a hand-checked case of each form, the regimes read from the data, and plausible
country stocks from the real fit (the first, plain linear form collapsed those of net emigration
countries)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migcap.errors import EstimationError
from migcap.projections.data import load_rates
from migcap.projections.project import load_stocks
from migcap.projections.stockflow import StockModel, fit_stock_model, project_stocks

# Synthetic: two countries, one period. Country 0 gains 10 net migrants, country 1 loses 10.
S0 = np.array([100.0, 50.0])
M = np.array([[[10.0], [-10.0]]])
POP = np.array([[[1000.0, 1010.0], [500.0, 490.0]]])


def _model(form: str, emigration: np.ndarray | None) -> StockModel:
    return StockModel(np.array([0.2, 0.1]), np.zeros((2, 2)), np.zeros(2), 0.0, (2015, 2020), 2,
                      form=form, emigration=emigration)


def test_hand_checked_forms() -> None:
    # linear: 100 + 0.1·100 + 0.2·10 = 112; 50 + 0.1·50 − 0.2·10 = 53
    linear = project_stocks(_model("linear", None), S0, M, POP, noise=False)
    assert linear[0, :, 1].tolist() == pytest.approx([112.0, 53.0])
    # regime, country 1 a country of emigration: its 10 emigrants are foreign-born in the share 50/500,
    # so 50 + 0.1·50 − 0.2·10·0.1 = 54.8; country 0 as in the linear form
    regime = project_stocks(_model("regime", np.array([False, True])), S0, M, POP, noise=False)
    assert regime[0, :, 1].tolist() == pytest.approx([112.0, 54.8])
    # without any country of emigration the regime form is the linear one
    same = project_stocks(_model("regime", np.array([False, False])), S0, M, POP, noise=False)
    np.testing.assert_array_equal(same, linear)


def test_take_keeps_each_countrys_regime() -> None:
    model = _model("regime", np.array([False, True]))
    one = project_stocks(model.take(np.array([1])), S0[1:], M[:, 1:], POP[:, 1:], noise=False)
    assert one[0, 0, 1] == pytest.approx(54.8)


@given(m=st.floats(-400, 400), share=st.floats(0.001, 0.5))   # below the cap at the population
@settings(max_examples=200, deadline=None)
def test_regime_is_linear_in_net_migration(m: float, share: float) -> None:
    """For a country of emigration the expected change is linear in M (no kink at zero) and never larger
    than the plain linear form's."""
    pop = np.array([[[1000.0, 1000.0]]])
    s0 = np.array([1000.0 * share])
    model = _model("regime", np.array([True]))
    path = lambda x: project_stocks(model, s0, np.array([[[x]]]), pop, noise=False)[0, 0, 1]  # noqa: E731
    base = path(0.0)
    change = path(m) - base
    if path(-abs(m)) > 0.05 * s0[0] + 1e-9:              # away from the floor
        assert change == pytest.approx(0.2 * m * share, abs=1e-9)
        assert abs(change) <= abs(0.2 * m) + 1e-9


def test_unknown_form(con: Any) -> None:
    rates = load_rates(con)
    with pytest.raises(EstimationError,
                       match=r"unknown stock model form 'cubic'.*regime, linear, asymmetric"):
        fit_stock_model(load_stocks(con, rates), rates, form="cubic")


def test_regimes_come_from_the_fitted_periods(con: Any) -> None:
    rates = load_rates(con)
    stocks = load_stocks(con, rates)
    sm = fit_stock_model(stocks, rates)
    assert sm.form == "regime" and sm.emigration is not None
    cols = [rates.ends.index(e) for e in sm.years]
    for iso3 in ("MEX", "CHN", "PHL", "PAK", "BGD", "USA", "DEU", "ARE"):
        i = rates.iso3.index(iso3)
        assert bool(sm.emigration[i]) == (rates.migrants[i, cols].mean() < 0), iso3
    assert {iso3 for iso3, e in zip(rates.iso3, sm.emigration, strict=True) if e} >= {"MEX", "CHN", "PHL"}
    # the backtest's fit to 2005 reads the regimes from 1990-2005 only
    early = fit_stock_model(stocks, rates, last_year=2005)
    assert max(early.years) == 2005


def test_emigration_countries_keep_their_immigrants(con: Any) -> None:
    """With the same simulated net migration, the regime form's median 2050 stock stays within a fifth and
    five times the 2020 stock for the large net emigration countries, where the plain linear form
    collapses it."""
    rates = load_rates(con)
    stocks = load_stocks(con, rates)
    last = stocks.years.index(2020)
    idx = np.array([rates.iso3.index(c) for c in ("MEX", "CHN", "PAK", "BGD", "PHL")])
    draws, k = 200, 6
    rng = np.random.default_rng(3)
    # synthetic trajectories: each country's last observed net migration, with 50% noise, for six periods
    m_last = rates.migrants[idx, rates.ends.index(2020)]
    mig = m_last[None, :, None] * (1 + 0.5 * rng.standard_normal((draws, len(idx), k)))
    pop0 = stocks.population[idx, last]
    pop = np.broadcast_to(pop0[None, :, None] + np.arange(k + 1) * 0.0, (draws, len(idx), k + 1)).copy()
    s0 = stocks.stock[idx, last]
    for form, inside in (("regime", True), ("linear", False)):
        sm = fit_stock_model(stocks, rates, form=form).take(idx)
        ratio = np.median(project_stocks(sm, s0, mig, pop, seed=1)[:, :, -1], axis=0) / s0
        assert ((ratio > 0.2) & (ratio < 5)).all() == inside, (form, ratio)
