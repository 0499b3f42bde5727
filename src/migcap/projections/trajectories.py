"""Trajectories of net migration and population, with world net migration held to zero.

Each trajectory takes one posterior draw ``(μ, φ, σ, ν, s_κ)`` and runs the AR(1) of every
country forward from the last observed rate, period by period::

    κ = κ_prev · exp(s_κ · N(0, 1))              world volatility (κ = 1 in the last observed period);
                                                 reverting volatility: κ = exp(m_κ + s_κ · N(0, 1))
    r = μ + φ · (r_prev − μ) + σ · κ · t_ν       (kept within the limits below)
    B = P_prev · n                              population at the end of the period without migration
    r ← r − Σ_c B·r / Σ_c B                     the world constraint: Σ_c M = 0
    M = r · B ;  P = B + M = P_prev · n · (1 + r)

``n`` is the natural growth factor of the period (from WPP's medians in a projection,
the last observed one in a backtest). The constraint shifts every country's rate by
the same amount, the population-weighted mean rate of the draw, so the world's net
migration is zero in every trajectory and period (to floating-point rounding); the
shifted rate is the one the next period's AR(1) starts from.

Limits, as bayesMig's "cumulative thresholds": a period's rate stays within the range of
all observed rates, and the sum of a country's rates over six consecutive periods (30 years)
within the range of all observed six-period sums. Without the second, a heavy-tailed
trajectory can keep a Gulf country at its historical maximum rate for a century (a
population of billions). A rate the constraint would push past a limit stays at the limit
and the other countries share the rest, so the world sum stays exactly zero.

Population uncertainty other than migration (fertility, mortality) can be added so
that the spread of each country's population matches WPP's intervals: if WPP's
log-population standard deviation at a period end is ``s_W`` and the spread that
migration alone gives is ``s_M``, each trajectory's natural growth gets a shock
``exp(z·Δs_N)`` with ``s_N = min(sqrt(max(s_W² − s_M², 0)), s_F)`` and one ``z ~ N(0, 1)``
per trajectory and country (fully correlated over time, as cohort effects are; correlated
across countries so that the world's spread matches WPP's world interval). ``s_F`` is
the spread of WPP's low and high fertility variants read as 95% bounds: where WPP's own
migration uncertainty is far wider than ours (small, migration-driven populations such as
Andorra, whose 2100 interval WPP puts at 14 to 316,000 persons), the gap is migration, not
fertility, and is not added.

Examples
--------
>>> import numpy as np
>>> from migcap.projections.model import Posterior
>>> post = Posterior(mu=np.zeros((4, 3)), phi=np.full((4, 3), 0.5), sigma=np.full((4, 3), 0.01),
...                  hyper={"nu": np.full(4, 5.0)}, chains=2)
>>> tr = simulate(post, np.array([0.02, -0.01, 0.0]), np.array([1e6, 2e6, 5e5]),
...               np.ones((3, 2)), (2025, 2030), draws=10, seed=1)
>>> bool(np.allclose(tr.migrants.sum(axis=1), 0.0, atol=1e-6))
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from migcap.errors import EstimationError
from migcap.projections.model import Posterior

__all__ = ["Trajectories", "natural_sd_to_match", "simulate"]

Z95 = 1.959963984540054
Z80 = 1.2815515655446004


@dataclass(frozen=True, eq=False)
class Trajectories:
    """Simulated futures of every country.

    Attributes
    ----------
    ends
        Period ends (mid-year), one per projected period.
    rates
        ``(draws, countries, periods)`` rates ``M / (P_end − M)`` after the world constraint.
    migrants
        ``(draws, countries, periods)`` net migrants of each 5-year period.
    population
        ``(draws, countries, periods + 1)`` mid-year population, the start included.
    draw_index
        The posterior draw behind each trajectory.
    constrained
        Whether world net migration was held to zero.
    """

    iso3: tuple[str, ...]
    ends: tuple[int, ...]
    rates: np.ndarray
    migrants: np.ndarray
    population: np.ndarray
    draw_index: np.ndarray
    constrained: bool

    def __post_init__(self) -> None:
        for name in ("rates", "migrants", "population", "draw_index"):
            arr = getattr(self, name)
            arr.flags.writeable = False

    @property
    def draws(self) -> int:
        """Number of trajectories."""
        return int(self.rates.shape[0])


def constrain_to_zero(r: np.ndarray, base: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                      max_rounds: int = 20) -> np.ndarray:
    """Shift rates so that ``Σ_c base·r = 0`` in every row, keeping each within ``[lo, hi]``.

    Every country's rate moves by the same amount; a country pushed past a bound stays at the
    bound and the rest is shared by the others, round after round.

    >>> r = constrain_to_zero(np.array([[0.1, 0.0]]), np.array([[1.0, 1.0]]),
    ...                       np.array([[-1.0, -0.02]]), np.array([[1.0, 1.0]]))
    >>> r.round(3).tolist()
    [[0.02, -0.02]]
    """
    r = r.copy()
    free = np.ones(r.shape, dtype=bool)
    for _ in range(max_rounds):
        excess = (base * r).sum(axis=1)
        scale = (base * np.abs(r)).sum(axis=1) + 1e-300
        if (np.abs(excess) <= 1e-13 * scale).all():
            break
        weight = (base * free).sum(axis=1)
        shift = np.where(weight > 0, excess / np.where(weight > 0, weight, 1.0), 0.0)
        r -= free * shift[:, None]
        out = (r < lo) | (r > hi)
        np.clip(r, lo, hi, out=r)
        free &= ~out
    return r


def _run(mu: np.ndarray, phi: np.ndarray, sigma: np.ndarray, eps: np.ndarray, history: np.ndarray,
         pop0: np.ndarray, natural: np.ndarray, bounds: tuple[float, float], cumulative: tuple[float, float],
         constrain: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d, n, k = eps.shape
    rates = np.empty((d, n, k))
    migrants = np.empty((d, n, k))
    pop = np.empty((d, n, k + 1))
    pop[:, :, 0] = pop0
    window = np.array(np.broadcast_to(history, (d, *history.shape)))      # last W−1 rates
    prev = window[:, :, -1]
    for j in range(k):
        before = window.sum(axis=2)
        lo = np.maximum(bounds[0], cumulative[0] - before)
        hi = np.minimum(bounds[1], cumulative[1] - before)
        r = np.clip(mu + phi * (prev - mu) + sigma * eps[:, :, j], lo, hi)
        base = pop[:, :, j] * natural[..., j]
        if constrain:
            r = constrain_to_zero(r, base, lo, hi)
        m = r * base
        rates[:, :, j] = r
        migrants[:, :, j] = m
        pop[:, :, j + 1] = base + m
        prev = r
        if window.shape[2]:
            window = np.concatenate([window[:, :, 1:], r[:, :, None]], axis=2)
    return rates, migrants, pop


def simulate(
    posterior: Posterior,
    last_rates: np.ndarray,
    population0: np.ndarray,
    natural: np.ndarray,
    ends: tuple[int, ...],
    *,
    draws: int = 1000,
    seed: int = 1,
    constrain: bool = True,
    bounds: tuple[float, float] = (-np.inf, np.inf),
    cumulative: tuple[float, float] = (-np.inf, np.inf),
    history: np.ndarray | None = None,
    iso3: tuple[str, ...] = (),
    natural_sd: np.ndarray | None = None,
    natural_cap: np.ndarray | None = None,
    world_sd: float | None = None,
) -> Trajectories:
    """Simulate ``draws`` trajectories of every country's net migration and population.

    Parameters
    ----------
    posterior
        Posterior draws of the model.
    last_rates, population0
        ``(countries,)`` the last observed rate and the population at the start.
    natural
        ``(countries, periods)`` natural growth factors of each period.
    ends
        End years of the projected periods.
    draws
        Number of trajectories; posterior draws are taken without replacement (with
        replacement if more trajectories than draws are asked for).
    seed
        Random seed: the same seed gives the same trajectories.
    constrain
        Hold world net migration to zero (needs all countries of the world).
    bounds
        Lower and upper limits of each period's rate.
    cumulative, history
        Lower and upper limits of the sum of a country's rates over ``W`` consecutive periods
        (bayesMig's cumulative thresholds), and ``(countries, W − 1)`` the last observed rates
        that start the running sums (default: ``last_rates`` alone, ``W = 2``).
    natural_sd
        ``(countries, periods)`` target log-population standard deviations (e.g. WPP's);
        ``None`` for no uncertainty beyond migration.
    natural_cap
        ``(countries, periods)`` the most that natural growth may add (e.g. the spread of WPP's
        fertility variants); ``None`` for no cap.
    world_sd
        Target spread of log world population at the last period end (WPP's world interval):
        the natural shocks of the countries get the common correlation that gives it (0 if
        ``None``: independent countries).

    Raises
    ------
    EstimationError
        If shapes disagree or ``draws`` is not positive.
    """
    n = posterior.mu.shape[1]
    k = len(ends)
    last_rates = np.asarray(last_rates, dtype=float)
    population0 = np.asarray(population0, dtype=float)
    natural = np.asarray(natural, dtype=float)
    if draws < 1:
        raise EstimationError("the number of trajectories must be positive", value=draws)
    if last_rates.shape != (n,) or population0.shape != (n,) or natural.shape != (n, k):
        raise EstimationError("inputs do not match the model's countries and periods",
                              value=(last_rates.shape, population0.shape, natural.shape, (n, k)))
    rng = np.random.default_rng(seed)
    idx = rng.choice(posterior.draws, size=draws, replace=draws > posterior.draws)
    mu, phi, sigma = posterior.mu[idx], posterior.phi[idx], posterior.sigma[idx]
    nu = posterior.nu[idx]
    if np.isfinite(nu).all():
        eps = rng.standard_t(np.broadcast_to(nu[:, None, None], (draws, n, k)))
    else:
        eps = rng.standard_normal((draws, n, k))
    # world volatility continues its random walk from the last observed period (κ = 1)
    shocks = posterior.kappa_sd[idx][:, None] * rng.standard_normal((draws, k))
    if posterior.priors.kappa_process == "revert":
        kappa = np.exp(posterior.kappa_mean[idx][:, None] + shocks)      # back to the world level
    else:
        kappa = np.exp(np.cumsum(shocks, axis=1))                          # a random walk from 1
    eps *= kappa[:, None, :]
    z = rng.standard_normal((draws, n))
    nat = np.broadcast_to(natural, (draws, n, k))
    hist = last_rates[:, None] if history is None else np.asarray(history, dtype=float)
    if hist.shape[0] != n or not np.allclose(hist[:, -1], last_rates):
        raise EstimationError("history must end with the last observed rates", value=hist.shape)
    rates, migrants, pop = _run(mu, phi, sigma, eps, hist, population0, nat, bounds, cumulative, constrain)
    if natural_sd is not None:
        s_n = natural_sd_to_match(pop, np.asarray(natural_sd, dtype=float), natural_cap)
        if world_sd is not None and np.isfinite(world_sd):
            share = np.median(pop[:, :, -1], axis=0)
            rho = common_correlation(share / share.sum(), s_n[:, -1], float(world_sd))
            z = np.sqrt(rho) * rng.standard_normal((draws, 1)) + np.sqrt(1 - rho) * z
        steps = np.diff(np.concatenate([np.zeros((n, 1)), s_n], axis=1), axis=1)
        nat = natural[None] * np.exp(z[:, :, None] * steps[None])
        rates, migrants, pop = _run(mu, phi, sigma, eps, hist, population0, nat, bounds, cumulative,
                                    constrain)
    return Trajectories(tuple(iso3), tuple(ends), rates, migrants, pop, idx, constrain)


def natural_sd_to_match(population: np.ndarray, target_sd: np.ndarray, cap: np.ndarray | None = None,
                        ) -> np.ndarray:
    """The log-population spread to add so the total matches ``target_sd`` (``(countries, periods)``).

    ``min(sqrt(max(target² − s_M², 0)), cap)`` where ``s_M`` is the spread of ``log population``
    over the trajectories at each period end.
    """
    s_m = np.log(population[:, :, 1:]).std(axis=0)
    s_n = np.sqrt(np.maximum(target_sd ** 2 - s_m ** 2, 0.0))
    return s_n if cap is None else np.minimum(s_n, cap)


def common_correlation(weights: np.ndarray, sd: np.ndarray, target: float) -> float:
    """The correlation ρ between countries' log-population shocks that gives the world the spread
    ``target``: ``target² ≈ (1 − ρ)·Σ w²s² + ρ·(Σ w s)²`` (weights = population shares), in [0, 1].

    >>> round(common_correlation(np.array([0.5, 0.5]), np.array([0.1, 0.1]), 0.1), 6)
    1.0
    >>> round(common_correlation(np.array([0.5, 0.5]), np.array([0.1, 0.1]), 0.1 / np.sqrt(2)), 6)
    0.0
    """
    own = float(np.sum((weights * sd) ** 2))
    full = float(np.sum(weights * sd) ** 2)
    if full <= own:
        return 0.0
    return float(np.clip((target ** 2 - own) / (full - own), 0.0, 1.0))


def variant_log_sd(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Log-population standard deviation implied by WPP's low and high fertility variants read as
    95% bounds (0 where a variant is missing or not positive)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        s = (np.log(high) - np.log(low)) / (2 * Z95)
    return np.nan_to_num(np.where(np.isfinite(s) & (s >= 0), s, np.nan), nan=0.0)


def wpp_log_sd(lower80: np.ndarray, upper80: np.ndarray, lower95: np.ndarray,
               upper95: np.ndarray) -> np.ndarray:
    """Standard deviation of log population implied by WPP's 80% and 95% intervals (their mean).

    Where a bound is not positive (a very small population published as 0 thousand), the
    other interval is used, and where neither is usable, 0 (no spread beyond migration).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        s80 = (np.log(upper80) - np.log(lower80)) / (2 * Z80)
        s95 = (np.log(upper95) - np.log(lower95)) / (2 * Z95)
    s80 = np.where(np.isfinite(s80) & (s80 >= 0), s80, np.nan)
    s95 = np.where(np.isfinite(s95) & (s95 >= 0), s95, np.nan)
    both = np.where(np.isnan(s80), s95, np.where(np.isnan(s95), s80, 0.5 * (s80 + s95)))
    return np.nan_to_num(both, nan=0.0)
