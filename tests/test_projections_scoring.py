"""The forecast scores, on cases worked out by hand and on properties that any correct score has."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from migcap.projections.scoring import (
    SCORE_COLUMNS,
    crps_from_draws,
    interval_score,
    scores,
    terciles,
    volatility,
    weighted_interval_score,
)

finite = st.floats(-1.0, 1.0, allow_nan=False, allow_infinity=False)


def test_interval_score_by_hand() -> None:
    # 80% interval [-1, 1]: inside → its width 2; 3 is 2 above → 2 + (2 / 0.2)·2 = 22; −1.5 → 2 + 10·0.5 = 7
    out = interval_score(np.array([0.5, 3.0, -1.5]), np.full(3, -1.0), np.full(3, 1.0), 0.8)
    assert out.tolist() == pytest.approx([2.0, 22.0, 7.0])
    # 95%: the penalty is 2 / 0.05 = 40 per unit
    assert interval_score(np.array([2.0]), np.array([0.0]), np.array([1.0]), 0.95)[0] == pytest.approx(41.0)


def test_wis_by_hand() -> None:
    # y = 2, median 0, 80% [-1, 1] (IS 2 + 10 = 12), 95% [-2, 2] (IS 4):
    # (0.5·2 + 0.1·12 + 0.025·4) / 2.5 = (1 + 1.2 + 0.1) / 2.5 = 0.92
    y, m = np.array([2.0]), np.array([0.0])
    bounds = {0.8: (np.array([-1.0]), np.array([1.0])), 0.95: (np.array([-2.0]), np.array([2.0]))}
    assert weighted_interval_score(y, m, bounds)[0] == pytest.approx(0.92)


def test_crps_by_hand() -> None:
    # draws {0, 1, 2}, y = 1: E|X − y| = 2/3, E|X − X'| = (2/9)·(−2·0 + 0·1 + 2·2) = 8/9 → 2/3 − 4/9 = 2/9
    assert crps_from_draws(np.array([[0.0], [1.0], [2.0]]), np.array([1.0]))[0] == pytest.approx(2 / 9)
    # a point forecast: the CRPS is the absolute error
    assert crps_from_draws(np.full((5, 1), 3.0), np.array([1.0]))[0] == pytest.approx(2.0)


def test_crps_of_many_normal_draws_is_the_closed_form() -> None:
    from scipy.stats import norm

    rng = np.random.default_rng(3)
    x = rng.normal(0.0, 1.0, (200_000, 1))
    y = 0.7
    closed = 2 * norm.pdf(y) + y * (2 * norm.cdf(y) - 1) - 1 / np.sqrt(np.pi)   # Gneiting & Raftery (2007)
    assert crps_from_draws(x, np.array([y]))[0] == pytest.approx(closed, abs=3e-3)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 12), st.integers(1, 4)), elements=finite), finite)
def test_crps_equals_the_integral_of_the_squared_cdf_difference(draws: np.ndarray, y: float) -> None:
    """CRPS = ∫ (F(x) − 1{x ≥ y})² dx for the empirical F, integrated exactly over its steps."""
    obs = np.full(draws.shape[1], y)
    got = crps_from_draws(draws, obs)
    for j in range(draws.shape[1]):
        pts = np.sort(np.append(draws[:, j], y))
        total = 0.0
        for lo, hi in itertools.pairwise(pts):
            mid = 0.5 * (lo + hi)
            f = np.mean(draws[:, j] <= mid)
            total += (f - float(mid >= y)) ** 2 * (hi - lo)
        assert got[j] == pytest.approx(total, abs=1e-9)
        assert got[j] >= -1e-12


@settings(max_examples=60, deadline=None)
@given(finite, finite, st.floats(0.0, 1.0), st.sampled_from([0.5, 0.8, 0.95]))
def test_interval_score_is_at_least_the_width(y: float, lo: float, extra: float, level: float) -> None:
    hi = lo + extra
    s = interval_score(np.array([y]), np.array([lo]), np.array([hi]), level)[0]
    if lo <= y <= hi:
        assert s == pytest.approx(extra)
    else:   # the penalty: 2/α per unit of the miss (a miss of 1e-33 vanishes in rounding)
        miss = max(lo - y, y - hi)
        assert s == pytest.approx(extra + 2 / (1 - level) * miss, rel=1e-12, abs=1e-12)
        assert s >= extra


def test_terciles_and_volatility() -> None:
    assert terciles(np.array([5.0, 1.0, 3.0, 2.0, 4.0, 6.0])).tolist() == [3, 1, 2, 1, 2, 3]
    t = terciles(np.zeros(10))           # ties: ranks still split ten countries 4 / 3 / 3
    assert sorted(np.bincount(t)[1:].tolist()) == [3, 3, 4]
    # changes 1, −1, 1: standard deviation (n − 1) of [1, −1, 1] = sqrt(4/3)
    assert volatility(np.array([[0.0, 1.0, 0.0, 1.0]]))[0] == pytest.approx(np.sqrt(4 / 3))
    assert volatility(np.array([[0.0, 1.0, 2.0, 3.0]]))[0] == 0.0     # a trend is not volatility


def _row(iso3: str, y: float, med: float, pers: float, half: float) -> dict[str, float | str]:
    row: dict[str, float | str] = {"iso3": iso3, "observed": y, "median": med, "persistence": pers,
                                   "crps": 0.1}
    for nn, k in (("50", 1.0), ("80", 2.0), ("95", 3.0)):
        row[f"lower{nn}"], row[f"upper{nn}"] = med - k * half, med + k * half
    return row


def test_scores_of_three_forecasts_by_hand() -> None:
    rows = [_row("AAA", 0.0, 0.0, 1.0, 0.5),     # inside all; median exact, persistence off by 1
            _row("AAA", 2.0, 0.0, 2.0, 0.5),     # above the 95% band [−1.5, 1.5]; persistence exact
            _row("BBB", -0.6, 0.0, 0.0, 0.5)]    # below the 50% band [−0.5, 0.5], inside the 80% [−1, 1]
    s = scores(rows)
    assert tuple(s) == SCORE_COLUMNS
    assert s["n"] == 3 and s["countries"] == 2
    assert s["coverage50"] == pytest.approx(1 / 3) and s["above50"] == pytest.approx(1 / 3)
    assert s["below50"] == pytest.approx(1 / 3)
    assert s["coverage80"] == pytest.approx(2 / 3) and s["coverage95"] == pytest.approx(2 / 3)
    assert s["width50"] == pytest.approx(1.0) and s["width95"] == pytest.approx(3.0)
    assert s["mae"] == pytest.approx((0 + 2 + 0.6) / 3)
    assert s["mae_persistence"] == pytest.approx((1 + 0 + 0.6) / 3)
    # AAA: model errors 0, 2 (mean 1) against persistence 1, 0 (mean 0.5): persistence wins;
    # BBB: a tie (0.6 each) is not a win
    assert s["beats_persistence"] == 0.0
    assert s["crps"] == pytest.approx(0.1)
    # interval score of the 80% bands [−1, 1]: 2, 2 + 10·1, 2 → mean 16/3
    assert s["interval_score80"] == pytest.approx(16 / 3)
    assert scores([])["n"] == 0 and scores([])["wis"] is None
