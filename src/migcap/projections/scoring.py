"""Scores of probabilistic forecasts: coverage, width, interval score, WIS, CRPS and error.

The scores are those of the forecasting literature (Gneiting & Raftery 2007; Bracher,
Ray, Gneiting & Reich 2021, "Evaluating epidemic forecasts in an interval format"), for a
forecast ``F`` of an observed value ``y``:

* **coverage** of the central ``(1 − α)`` interval ``[l, u]``: the share of ``y`` inside it,
  and the *lean*, the shares above ``u`` and below ``l``;
* **width** ``u − l``;
* **interval score** ``IS_α = (u − l) + (2/α)·(l − y)·1{y < l} + (2/α)·(y − u)·1{y > u}``:
  width plus a penalty for a miss that grows with its distance, so narrow intervals are
  rewarded only if they hold;
* **weighted interval score** of the median ``m`` and ``K`` central intervals,
  ``WIS = (½|y − m| + Σ_k (α_k/2)·IS_αk) / (K + ½)``; with the 80% and 95% intervals it is
  the score of the quantiles 2.5/10/50/90/97.5% (issue 15's measure);
* **CRPS** from draws ``x_1 … x_n`` of ``F``: ``E|X − y| − ½·E|X − X'|``, computed exactly for
  the empirical distribution of the draws (sorted, ``E|X − X'| = (2/n²) Σ_i (2i − n − 1)·x_(i)``).
  WIS approximates it from five quantiles; both are in the units of ``y``, lower is better;
* **MAE** of the median, beside that of *persistence* (the last observed value carried
  forward), and the share of countries whose median beats persistence.

Examples
--------
>>> import numpy as np
>>> interval_score(np.array([0.0, 3.0]), np.array([-1.0, -1.0]), np.array([1.0, 1.0]), 0.8)
array([ 2., 22.])
>>> float(crps_from_draws(np.array([[0.0], [1.0]]), np.array([0.0]))[0])   # ½·(0 + 1) − ½·½
0.25
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = [
    "LEVELS",
    "QUANTILES",
    "SCORE_COLUMNS",
    "WIS_LEVELS",
    "crps_from_draws",
    "interval_score",
    "scores",
    "terciles",
    "volatility",
    "weighted_interval_score",
]

#: Central intervals scored (50%, 80%, 95%).
LEVELS = (0.5, 0.8, 0.95)
#: Central intervals of the weighted interval score (the quantiles 2.5/10/50/90/97.5%).
WIS_LEVELS = (0.8, 0.95)
#: Quantiles kept per country and period: the median, then each interval's bounds.
QUANTILES = (0.5, 0.25, 0.75, 0.1, 0.9, 0.025, 0.975)


def _pct(level: float) -> str:
    return f"{round(100 * level)}"


#: Scores of one group of forecasts (a row of a backtest summary).
SCORE_COLUMNS = (
    "n",
    *(f"{kind}{_pct(lv)}" for lv in LEVELS for kind in ("coverage", "above", "below")),
    *(f"width{_pct(lv)}" for lv in LEVELS),
    *(f"interval_score{_pct(lv)}" for lv in WIS_LEVELS),
    "wis", "crps", "mae", "mae_persistence", "countries", "beats_persistence",
)


def interval_score(obs: np.ndarray, lower: np.ndarray, upper: np.ndarray, level: float) -> np.ndarray:
    """Interval score of central ``level`` intervals (``α = 1 − level``), one per observation."""
    alpha = 1.0 - level
    return ((upper - lower) + (2.0 / alpha) * np.maximum(lower - obs, 0.0)
            + (2.0 / alpha) * np.maximum(obs - upper, 0.0))


def weighted_interval_score(obs: np.ndarray, median: np.ndarray,
                            bounds: Mapping[float, tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Weighted interval score of the median and the central intervals ``bounds[level] = (lower, upper)``.

    >>> y, m = np.array([0.0]), np.array([0.0])
    >>> band = {0.8: (np.array([-1.0]), np.array([1.0]))}      # 80% interval [-1, 1], IS = its width 2
    >>> round(float(weighted_interval_score(y, m, band)[0]), 6)   # (0.1 · 2) / 1.5
    0.133333
    """
    total = 0.5 * np.abs(obs - median)
    for level, (lower, upper) in bounds.items():
        total = total + 0.5 * (1.0 - level) * interval_score(obs, lower, upper, level)
    return total / (len(bounds) + 0.5)


def crps_from_draws(draws: np.ndarray, obs: np.ndarray) -> np.ndarray:
    """CRPS of the empirical distribution of ``draws`` (``(n_draws, n)``) at ``obs`` (``(n,)``)."""
    x = np.sort(np.asarray(draws, dtype=float), axis=0)
    m = x.shape[0]
    weights = (2.0 * np.arange(1, m + 1) - m - 1.0)[:, None]
    spread = 2.0 * (weights * x).sum(axis=0) / (m * m)
    return np.abs(x - obs[None, :]).mean(axis=0) - 0.5 * spread


def volatility(rates: np.ndarray) -> np.ndarray:
    """A country's volatility: the standard deviation of the changes of its rate from one period
    to the next, over the periods given (rows are countries)."""
    return np.asarray(np.diff(rates, axis=1).std(axis=1, ddof=1), dtype=float)


def terciles(values: np.ndarray) -> np.ndarray:
    """1, 2 or 3: the third of ``values`` each value falls in (ranks, so ties cannot empty a third).

    >>> terciles(np.array([5.0, 1.0, 3.0, 2.0, 4.0, 6.0])).tolist()
    [3, 1, 2, 1, 2, 3]
    """
    ranks = np.argsort(np.argsort(values, kind="stable"), kind="stable")
    return np.asarray(1 + (3 * ranks) // len(values), dtype=int)


def scores(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The ``SCORE_COLUMNS`` of forecasts given as rows with ``iso3, observed, median, persistence,
    crps`` and ``lowerNN, upperNN`` for each level of ``LEVELS`` (``NN`` = 50, 80, 95).

    ``countries`` is the number of countries among the rows, ``beats_persistence`` the share of
    them whose median has a lower mean absolute error than persistence over their rows.
    """
    n = len(rows)
    if n == 0:
        return {c: (0 if c in ("n", "countries") else None) for c in SCORE_COLUMNS}

    def col(name: str) -> np.ndarray:
        return np.array([r[name] for r in rows], dtype=float)

    obs, med, pers = col("observed"), col("median"), col("persistence")
    out: dict[str, Any] = {"n": n}
    bounds = {}
    for lv in LEVELS:
        lo, hi = col(f"lower{_pct(lv)}"), col(f"upper{_pct(lv)}")
        bounds[lv] = (lo, hi)
        out[f"coverage{_pct(lv)}"] = float(np.mean((obs >= lo) & (obs <= hi)))
        out[f"above{_pct(lv)}"] = float(np.mean(obs > hi))
        out[f"below{_pct(lv)}"] = float(np.mean(obs < lo))
    for lv in LEVELS:
        lo, hi = bounds[lv]
        out[f"width{_pct(lv)}"] = float(np.mean(hi - lo))
    for lv in WIS_LEVELS:
        out[f"interval_score{_pct(lv)}"] = float(np.mean(interval_score(obs, *bounds[lv], lv)))
    out["wis"] = float(np.mean(weighted_interval_score(obs, med, {lv: bounds[lv] for lv in WIS_LEVELS})))
    out["crps"] = float(np.mean(col("crps")))
    err, err_p = np.abs(med - obs), np.abs(pers - obs)
    out["mae"], out["mae_persistence"] = float(err.mean()), float(err_p.mean())
    by_country: dict[str, list[float]] = {}
    for r, e, ep in zip(rows, err, err_p, strict=True):
        by_country.setdefault(r["iso3"], []).append(float(e - ep))
    out["countries"] = len(by_country)
    out["beats_persistence"] = float(np.mean([np.mean(d) < 0 for d in by_country.values()]))
    return out
