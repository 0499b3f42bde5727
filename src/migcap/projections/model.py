"""The Bayesian hierarchical AR(1) model of net migration rates and its Gibbs sampler.

Model (in the spirit of Azose & Raftery 2015, the model of the R package bayesMig),
for country ``c`` and 5-year period ``t``::

    r[c,t] − μ[c] = φ[c] · (r[c,t−1] − μ[c]) + ε[c,t]
    ε[c,t] ~ Student-t(ν, 0, σ[c]·κ[t])   (a normal scale mixture: ε ~ N(0, σ²κ²/w), w ~ Gamma(ν/2, ν/2))
    log κ[t] = log κ[t−1] + N(0, s_κ²)     world volatility, a random walk; κ = 1 in the last period
    μ[c]  ~ N(λ, τ²)                      country means shrunk toward a world level λ
    φ[c]  ~ N(η, ω²) truncated to [0, 1]   autocorrelations shrunk toward a world level η
    σ²[c] ~ InvGamma(a, b)                country variances, pooled

with hyperpriors ``λ ~ N(0, 1)``, ``τ ~ U(0, 1)``, ``η ~ U(0, 1)``, ``ω ~ U(0, 1)``,
``a ~ U(0.1, 100)``, ``b ~ Gamma(1, 1)``, ``s_κ ~ U(0, 1)`` and ``ν`` uniform on a grid
from 1 to 100 (100 is all but normal). The likelihood conditions on each country's first rate.

Differences from bayesMig, each for a reason: autocorrelations are pooled too (bayesMig
gives each ``φ[c]`` its own flat prior), which stabilises the projections of short,
noisy series; errors are Student-t, because refugee movements make some periods
outliers that a normal model answers with wide intervals for every period; the
volatility of all countries may drift over time (``κ``), because WPP's estimates of the
1950s–1970s are much smoother than those of recent decades, so that a constant variance
understates today's uncertainty; and the hyperparameters are updated with the parameters
that tie them to the data integrated out (``τ`` without ``λ`` and the ``μ``'s, ``a``
without ``b``, ``ν`` without the mixing weights), which removes the slow ridges that keep
bayesMig's chains from converging.

Sampler: Gibbs with conjugate draws for ``w, μ, λ, φ`` (truncated normal), ``σ², b, s_κ``;
Metropolis–Hastings for ``ν`` (a step to a neighbouring grid value), ``κ`` (independence
proposals from its likelihood, accepted by the random-walk prior), and random-walk
Metropolis for ``log τ``, ``(η, ω)`` and ``log a``. Everything is vectorised over chains and
countries with numpy (one array operation per step for all chains at once); chains start
from dispersed values, and the Metropolis step sizes adapt during burn-in.

Examples
--------
>>> import numpy as np
>>> rates = np.random.default_rng(0).normal(0.0, 0.02, size=(20, 12))
>>> fit = sample(rates, settings=SamplerSettings(chains=2, burnin=100, iterations=200, thin=2))
>>> fit.mu.shape
(200, 20)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any

import numpy as np
from scipy.special import gammaln, ndtr, ndtri

from migcap.errors import EstimationError

__all__ = ["HYPERPARAMETERS", "Posterior", "Priors", "SamplerSettings", "sample", "truncated_normal"]

Progress = Callable[[int, int], None]

#: Hyperparameters whose convergence decides whether a fit is usable (those of a model's priors:
#: :attr:`Priors.hyperparameters`).
HYPERPARAMETERS = ("lambda", "tau", "eta", "omega", "a", "b", "sigma_mean", "sigma_slope", "sigma_sd", "nu",
                   "kappa_sd", "kappa_mean")
KAPPA_PROCESSES = ("walk", "revert")
SIGMA_PRIORS = ("invgamma", "lognormal")

DEFAULT_NU_GRID = (1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0, 7.0, 8.0, 10.0, 12.0, 15.0, 20.0,
                   30.0, 50.0, 100.0)


@dataclass(frozen=True)
class Priors:
    """Hyperpriors (see the module docstring).

    Attributes
    ----------
    lambda_sd
        Standard deviation of the normal prior of the world mean rate ``λ`` (centred on 0).
    tau_max, omega_max
        Upper ends of the uniform priors of ``τ`` and ``ω``.
    a_min, a_max
        Range of the uniform prior of ``a``.
    b_shape, b_rate
        Gamma prior of ``b``.
    nu_grid
        Support of the uniform prior of the degrees of freedom ``ν``; ``()`` for normal errors.
    sigma_min
        Floor of the country standard deviations (as bayesMig's ``sigma.c.min``), for
        series that are constant.
    volatility
        Let the world-wide volatility change from period to period (``κ_t``, on the log scale,
        with standard deviation ``kappa_sd ~ U(0, kappa_sd_max)``).
    kappa_process
        How ``log κ_t`` moves: ``"walk"``, a random walk (each period's volatility is the last
        one's times a shock, so the uncertainty of projected volatility grows without end), or
        ``"revert"``, independent draws around a world level ``kappa_mean`` (flat prior), to
        which a projected period's volatility returns at once.
    sigma_prior
        Prior of the country variances: ``"invgamma"``, ``σ²[c] ~ InvGamma(a, b)``, or
        ``"lognormal"``, ``log σ²[c] ~ N(α + β·x[c], s²)`` with a flat prior on ``(α, β, log s)``
        (``β = 0`` without a covariate). With the log-normal prior the pooling weight is learnt
        from the spread of the country variances themselves.
    sigma_covariate
        With ``"lognormal"``: ``x[c]`` is the country's standardised log population (small
        territories are the volatile ones), passed to :func:`sample` as ``covariate``.
    """

    lambda_sd: float = 1.0
    tau_max: float = 1.0
    omega_max: float = 1.0
    a_min: float = 0.1
    a_max: float = 100.0
    b_shape: float = 1.0
    b_rate: float = 1.0
    nu_grid: tuple[float, ...] = DEFAULT_NU_GRID
    sigma_min: float = 1e-4
    volatility: bool = True
    kappa_sd_max: float = 1.0
    kappa_process: str = "walk"
    sigma_prior: str = "invgamma"
    sigma_covariate: bool = False

    def __post_init__(self) -> None:
        if self.kappa_process not in KAPPA_PROCESSES:
            raise EstimationError(f"unknown kappa_process {self.kappa_process!r}; use "
                                  f"{' or '.join(KAPPA_PROCESSES)}", value=self.kappa_process)
        if self.sigma_prior not in SIGMA_PRIORS:
            raise EstimationError(f"unknown sigma_prior {self.sigma_prior!r}; use "
                                  f"{' or '.join(SIGMA_PRIORS)}", value=self.sigma_prior)
        if self.sigma_covariate and self.sigma_prior != "lognormal":
            raise EstimationError("sigma_covariate needs sigma_prior 'lognormal'", value=self.sigma_prior)

    @property
    def hyperparameters(self) -> tuple[str, ...]:
        """The hyperparameters of this model, in the order of ``HYPERPARAMETERS``."""
        skip = set()
        if self.normal:
            skip.add("nu")
        if not self.volatility:
            skip |= {"kappa_sd", "kappa_mean"}
        elif self.kappa_process == "walk":
            skip.add("kappa_mean")
        if self.sigma_prior == "invgamma":
            skip |= {"sigma_mean", "sigma_slope", "sigma_sd"}
        else:
            skip |= {"a", "b"}
            if not self.sigma_covariate:
                skip.add("sigma_slope")
        return tuple(h for h in HYPERPARAMETERS if h not in skip)

    @property
    def normal(self) -> bool:
        """Normal errors (no ``ν``)."""
        return len(self.nu_grid) == 0

    def to_dict(self) -> dict[str, Any]:
        """Plain values (for JSON)."""
        d = asdict(self)
        d["nu_grid"] = list(self.nu_grid)
        return d


@dataclass(frozen=True)
class SamplerSettings:
    """How long and how many chains to run.

    Attributes
    ----------
    chains
        Independent chains (run together, vectorised).
    burnin
        Iterations discarded at the start of each chain (Metropolis step sizes adapt during them).
    iterations
        Iterations after burn-in, per chain.
    thin
        Keep every ``thin``-th iteration after burn-in.
    seed
        Seed of the random number generator; the same seed gives the same draws.
    """

    chains: int = 4
    burnin: int = 2_000
    iterations: int = 8_000
    thin: int = 8
    seed: int = 1

    def __post_init__(self) -> None:
        if self.chains < 1 or self.iterations < 1 or self.thin < 1 or self.burnin < 0:
            raise EstimationError(
                "sampler settings must be positive (chains, iterations, thin) and burn-in non-negative",
                value=asdict(self))
        if self.iterations // self.thin < 2:
            raise EstimationError("too few iterations for this thinning: keep at least 2 draws per chain",
                                  value=asdict(self))

    @property
    def kept(self) -> int:
        """Draws kept per chain."""
        return self.iterations // self.thin

    def to_dict(self) -> dict[str, int]:
        """Plain values (for JSON)."""
        return asdict(self)


@dataclass(frozen=True, eq=False)
class Posterior:
    """Posterior draws of a fit, chains stacked one after the other.

    Country-level arrays (``mu, phi, sigma``) are ``(chains · kept, countries)``;
    hyperparameters ``(chains · kept,)``;
    ``kappa`` is ``(chains · kept, transitions)``, the world volatility of each observed period
    relative to the last one. Draw ``i`` belongs to chain ``i // kept``.
    """

    mu: np.ndarray
    phi: np.ndarray
    sigma: np.ndarray
    hyper: dict[str, np.ndarray]
    chains: int
    kappa: np.ndarray = field(default_factory=lambda: np.ones((0, 1)))
    priors: Priors = field(default_factory=Priors)
    settings: SamplerSettings = field(default_factory=SamplerSettings)
    acceptance: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if np.shape(self.kappa)[0] == 0:
            object.__setattr__(self, "kappa", np.ones((np.shape(self.mu)[0], 1)))
        for name in ("mu", "phi", "sigma", "kappa"):
            arr = np.array(getattr(self, name), dtype=np.float64)
            arr.flags.writeable = False
            object.__setattr__(self, name, arr)
        hyper = {}
        for k, v in self.hyper.items():
            arr = np.array(v, dtype=np.float64)
            arr.flags.writeable = False
            hyper[k] = arr
        object.__setattr__(self, "hyper", hyper)

    @property
    def draws(self) -> int:
        """Total number of draws (all chains)."""
        return int(self.mu.shape[0])

    @property
    def kappa_sd(self) -> np.ndarray:
        """Step standard deviation of log κ per draw (0 without time-varying volatility)."""
        return self.hyper.get("kappa_sd", np.zeros(self.draws))

    @property
    def kappa_mean(self) -> np.ndarray:
        """Level of log κ per draw (reverting volatility; 0 otherwise)."""
        return self.hyper.get("kappa_mean", np.zeros(self.draws))

    @property
    def nu(self) -> np.ndarray:
        """Degrees of freedom per draw (``inf`` for normal errors)."""
        return self.hyper.get("nu", np.full(self.draws, np.inf))

    def by_chain(self, values: np.ndarray) -> np.ndarray:
        """Reshape ``(chains · kept, …)`` to ``(chains, kept, …)``."""
        return values.reshape(self.chains, -1, *values.shape[1:])


def truncated_normal(rng: np.random.Generator, mean: np.ndarray, sd: np.ndarray,
                     lower: float = 0.0, upper: float = 1.0) -> np.ndarray:
    """Draws from normal distributions truncated to ``[lower, upper]`` (inverse-CDF, vectorised).

    Intervals that lie in the upper tail are mirrored into the lower tail, where the
    normal CDF keeps its precision.

    >>> rng = np.random.default_rng(1)
    >>> x = truncated_normal(rng, np.full(10_000, 3.0), np.full(10_000, 0.1))
    >>> bool(((x >= 0) & (x <= 1)).all()), round(float(x.mean()), 3)   # about 1 − sd²/(mean − 1)
    (True, 0.995)
    """
    mean = np.asarray(mean, dtype=float)
    sd = np.asarray(sd, dtype=float)
    alpha = (lower - mean) / sd
    beta = (upper - mean) / sd
    flip = alpha > 0
    lo = np.where(flip, -beta, alpha)
    hi = np.where(flip, -alpha, beta)
    plo, phi_ = ndtr(lo), ndtr(hi)
    u = rng.random(mean.shape)
    p = plo + u * (phi_ - plo)
    z = ndtri(np.clip(p, 1e-300, 1 - 1e-16))
    z = np.clip(z, lo, hi)
    z = np.where(flip, -z, z)
    out = mean + sd * z
    # Where the mass is numerically all at one end, the draw is that end.
    return np.clip(out, lower, upper)


def _tn_log_norm(eta: np.ndarray, omega: np.ndarray) -> np.ndarray:
    """log of the mass of N(η, ω²) on [0, 1]."""
    a = (0.0 - eta) / omega
    b = (1.0 - eta) / omega
    # compute in the tail that keeps precision
    mass = np.where(a > 0, ndtr(-a) - ndtr(-b), ndtr(b) - ndtr(a))
    return np.log(np.maximum(mass, 1e-300))


def _phi_hyper_loglik(phi: np.ndarray, eta: np.ndarray, omega: np.ndarray) -> np.ndarray:
    """Log density of the φ's (K, N) under TN(η, ω², 0, 1), summed over countries → (K,)."""
    n = phi.shape[1]
    z = (phi - eta[:, None]) / omega[:, None]
    return -0.5 * (z * z).sum(axis=1) - n * np.log(omega) - n * _tn_log_norm(eta, omega)


def _a_logpost(a: np.ndarray, n: int, sum_log_sig2: np.ndarray, sum_prec: np.ndarray,
               priors: Priors) -> np.ndarray:
    """log p(a | σ²) with b integrated out (Gamma prior on b), up to a constant."""
    shape = n * a + priors.b_shape
    return (-n * gammaln(a) - (a + 1.0) * sum_log_sig2 + gammaln(shape)
            - shape * np.log(sum_prec + priors.b_rate))


def _tau_logpost(tau: np.ndarray, p_c: np.ndarray, h_c: np.ndarray, priors: Priors) -> np.ndarray:
    """log p(τ | φ, σ², w, κ, data) with λ and the μ's integrated out (uniform prior on τ), (K,)."""
    t2 = (tau * tau)[:, None]
    shrink = 1.0 + p_c * t2
    a_ = (h_c / shrink).sum(axis=1)
    b_ = (p_c / shrink).sum(axis=1) + 1.0 / priors.lambda_sd ** 2
    return (-0.5 * np.log(shrink).sum(axis=1) + 0.5 * (h_c * h_c * t2 / shrink).sum(axis=1)
            + 0.5 * a_ * a_ / b_ - 0.5 * np.log(b_))


class _Tally:
    """Acceptance rate of a Metropolis step after burn-in: the mean, over tries, of the share of
    chains that accepted (0 if it was never tried)."""

    def __init__(self) -> None:
        self.accepted = 0.0
        self.tried = 0

    def add(self, accept: np.ndarray) -> None:
        self.accepted += float(accept.mean())
        self.tried += 1

    @property
    def rate(self) -> float:
        return self.accepted / max(self.tried, 1)


class _RandomWalk:
    """Random-walk Metropolis for one scalar per chain, with a uniform or flat prior on ``(lower, upper)``.

    On the log scale (``log_scale=True``) the proposal is ``value · exp(step · z)`` and the
    acceptance ratio carries the Jacobian ``prop / value``. The step size adapts during
    burn-in toward an acceptance rate of about 0.3 (every 50 tries).
    """

    def __init__(self, k: int, step: float, lower: float, upper: float, *, log_scale: bool) -> None:
        self.step = np.full(k, step)
        self.lower, self.upper, self.log_scale = lower, upper, log_scale
        self.accepted = np.zeros(k)
        self.tried = 0
        self.tally = _Tally()

    def record(self, accept: np.ndarray, adapting: bool) -> None:
        self.accepted += accept
        self.tried += 1
        if not adapting:
            self.tally.add(accept)
        if adapting and self.tried == 50:
            rate = self.accepted / self.tried
            self.step *= np.exp(rate - 0.3)
            self.accepted[:] = 0
            self.tried = 0

    def move(self, rng: np.random.Generator, value: np.ndarray, cur: np.ndarray,
             logpost: Callable[[np.ndarray], np.ndarray], adapting: bool) -> tuple[np.ndarray, np.ndarray]:
        """One step from ``value`` (log posterior ``cur``): the new values and their log posteriors."""
        k = value.shape[0]
        if self.log_scale:
            prop = value * np.exp(self.step * rng.standard_normal(k))
        else:
            prop = value + self.step * rng.standard_normal(k)
        ok = (prop > self.lower) & (prop < self.upper)
        new = np.where(ok, logpost(np.where(ok, prop, value)), -np.inf)
        log_ratio = new - cur
        if self.log_scale:
            log_ratio = log_ratio + np.log(prop / value)
        accept = np.log(rng.random(k)) < log_ratio
        self.record(accept, adapting)
        return np.where(accept, prop, value), np.where(accept, new, cur)

    def run(self, rng: np.random.Generator, value: np.ndarray, logpost: Callable[[np.ndarray], np.ndarray],
            steps: int, adapting: bool) -> np.ndarray:
        """``steps`` steps from ``value``: the values reached."""
        cur = logpost(value)
        for _ in range(steps):
            value, cur = self.move(rng, value, cur, logpost, adapting)
        return value

    @property
    def rate(self) -> float:
        """Acceptance rate after burn-in."""
        return self.tally.rate


@dataclass(frozen=True, eq=False)
class _Model:
    """What the sampler does not change: the data, the priors, the number of chains.

    ``y0`` and ``y1`` are the rates at the start and at the end of each transition,
    ``(1, countries, transitions)``; ``lgamma_half`` the constant of the Student-t density per
    grid value of ``ν``; ``blocks`` the even and the odd free ``κ`` periods, updated in turn.
    """

    y0: np.ndarray
    y1: np.ndarray
    priors: Priors
    chains: int
    grid: np.ndarray
    lgamma_half: np.ndarray
    blocks: tuple[np.ndarray, np.ndarray]
    design: np.ndarray
    design_cov: np.ndarray

    @classmethod
    def of(cls, y: np.ndarray, priors: Priors, chains: int, covariate: np.ndarray | None = None) -> _Model:
        n_t = y.shape[1] - 1
        grid = np.asarray(priors.nu_grid, dtype=float)
        lgamma_half = np.zeros(1)
        if not priors.normal:
            lgamma_half = gammaln((grid + 1) / 2) - gammaln(grid / 2) - 0.5 * np.log(grid * np.pi)
        blocks = (np.arange(0, n_t - 1, 2), np.arange(1, n_t - 1, 2))
        design = np.ones((y.shape[0], 1))
        if priors.sigma_covariate:
            if covariate is None or np.shape(covariate) != (y.shape[0],) or not np.isfinite(covariate).all():
                raise EstimationError("sigma_covariate needs one finite covariate value per country",
                                      value=None if covariate is None else np.shape(covariate))
            x = np.asarray(covariate, dtype=float)
            design = np.column_stack([design, (x - x.mean()) / max(float(x.std()), 1e-12)])
        return cls(y[None, :, :-1], y[None, :, 1:], priors, chains, grid, lgamma_half, blocks, design,
                   np.linalg.inv(design.T @ design))

    @property
    def n(self) -> int:
        """Countries."""
        return int(self.y0.shape[1])

    @property
    def n_t(self) -> int:
        """Transitions (periods − 1)."""
        return int(self.y0.shape[2])


@dataclass(eq=False)
class _Chains:
    """The current state of all chains (chains first in every array) and of the Metropolis steps.

    ``mu, phi, sig2`` are ``(K, N)``; ``lam, tau, eta, omega, a, b, nu`` ``(K,)`` (``nu_i`` the
    index of ``nu`` in the grid); ``w`` the mixing weights ``(K, N, T)``; ``ell`` log κ ``(K, T)``,
    the last transition being the reference (0); ``ks2`` the step variance of log κ.
    """

    mu: np.ndarray
    phi: np.ndarray
    sig2: np.ndarray
    lam: np.ndarray
    tau: np.ndarray
    eta: np.ndarray
    omega: np.ndarray
    a: np.ndarray
    b: np.ndarray
    nu: np.ndarray
    nu_i: np.ndarray
    w: np.ndarray
    ell: np.ndarray
    ks2: np.ndarray
    km: np.ndarray
    coef: np.ndarray
    ss2: np.ndarray
    walks: dict[str, _RandomWalk]
    nu_tally: _Tally = field(default_factory=_Tally)
    sigma_tally: _Tally = field(default_factory=_Tally)
    kappa_accepted: list[float] = field(default_factory=list)

    def acceptance(self) -> dict[str, float]:
        """Acceptance rates of the Metropolis steps after burn-in (of the steps the model takes)."""
        out = {name: walk.rate for name, walk in self.walks.items() if walk.tally.tried}
        if self.nu_tally.tried:
            out["nu"] = self.nu_tally.rate
        if self.sigma_tally.tried:
            out["sigma"] = self.sigma_tally.rate
        if self.kappa_accepted:
            out["kappa"] = float(np.mean(self.kappa_accepted))
        return out


def _initial_state(rng: np.random.Generator, y: np.ndarray, m: _Model) -> _Chains:
    """Dispersed starting values around each country's mean and standard deviation."""
    k, n, n_t, priors = m.chains, m.n, m.n_t, m.priors
    ybar = y.mean(axis=1)
    sd = np.maximum(y.std(axis=1), priors.sigma_min)
    mu = ybar[None, :] + rng.normal(0.0, 0.5, (k, n)) * sd[None, :]
    phi = rng.uniform(0.05, 0.95, (k, n))
    sig2 = (sd[None, :] ** 2) * rng.uniform(0.5, 2.0, (k, n))
    lam = rng.normal(float(np.median(ybar)), 0.01, k)
    tau = np.sqrt(rng.uniform(0.005, 0.05, k) ** 2)
    eta = rng.uniform(0.2, 0.8, k)
    omega = rng.uniform(0.1, 0.5, k)
    a = rng.uniform(0.5, 3.0, k)
    nu = rng.choice(m.grid, k) if not priors.normal else np.full(k, np.inf)
    nu_i = np.searchsorted(m.grid, nu) if not priors.normal else np.zeros(k, dtype=int)
    ell = np.zeros((k, n_t))
    if priors.volatility:
        ell[:, :-1] = rng.normal(0.0, 0.2, (k, n_t - 1))
    ks2 = rng.uniform(0.05, 0.3, k) ** 2
    walks = {
        "tau": _RandomWalk(k, 0.3, 0.0, priors.tau_max, log_scale=True),
        "eta": _RandomWalk(k, 0.05, 0.0, 1.0, log_scale=False),
        "omega": _RandomWalk(k, 0.1, 0.0, priors.omega_max, log_scale=True),
        "a": _RandomWalk(k, 0.1, priors.a_min, priors.a_max, log_scale=True),
    }
    coef = np.log(sig2) @ m.design @ m.design_cov
    return _Chains(mu=mu, phi=phi, sig2=sig2, lam=lam, tau=tau, eta=eta, omega=omega, a=a,
                   b=a * np.median(sd) ** 2, nu=nu, nu_i=nu_i, w=np.ones((k, n, n_t)), ell=ell, ks2=ks2,
                   km=np.zeros(k), coef=coef, ss2=np.ones(k), walks=walks)


def _kappa_prior(ell: np.ndarray, s2: np.ndarray, idx: np.ndarray,
                 level: np.ndarray | None = None) -> np.ndarray:
    """Log prior of ``ell[:, idx]`` (K, len(idx)): given its neighbours (random walk), or around
    ``level`` (reverting volatility: independent normal draws)."""
    if level is not None:
        d = ell[:, idx] - level[:, None]
        return -d * d / (2 * s2[:, None])
    n_t = ell.shape[1]
    out = np.zeros((ell.shape[0], len(idx)))
    left = idx - 1
    has_left = left >= 0
    if has_left.any():
        d = ell[:, idx[has_left]] - ell[:, left[has_left]]
        out[:, has_left] -= d * d / (2 * s2[:, None])
    right = idx + 1
    has_right = right < n_t
    if has_right.any():
        d = ell[:, right[has_right]] - ell[:, idx[has_right]]
        out[:, has_right] -= d * d / (2 * s2[:, None])
    return out



def _scaled_squared_residuals(m: _Model, s: _Chains, kap2: np.ndarray) -> np.ndarray:
    """``ε² / (σ² κ²)`` of every country and transition, ``(K, N, T)``."""
    e = m.y1 - s.mu[..., None] - s.phi[..., None] * (m.y0 - s.mu[..., None])
    return e * e / (s.sig2[..., None] * kap2)


def _update_nu(rng: np.random.Generator, m: _Model, s: _Chains, z2: np.ndarray, adapting: bool) -> None:
    """ν | μ, φ, σ², κ with the mixing weights integrated out: a Metropolis step to a neighbouring
    grid value."""
    k, grid = m.chains, m.grid
    nu_i, nu = s.nu_i, s.nu
    prop_i = nu_i + np.where(rng.random(k) < 0.5, -1, 1)
    ok = (prop_i >= 0) & (prop_i < len(grid))
    prop_i = np.where(ok, prop_i, nu_i)
    zf = z2.reshape(k, -1)
    nu_p = grid[prop_i]
    cur_ll = m.n * m.n_t * m.lgamma_half[nu_i] - 0.5 * (nu + 1) * np.log1p(zf / nu[:, None]).sum(axis=1)
    new_ll = (m.n * m.n_t * m.lgamma_half[prop_i]
              - 0.5 * (nu_p + 1) * np.log1p(zf / nu_p[:, None]).sum(axis=1))
    acc = ok & (np.log(rng.random(k)) < new_ll - cur_ll)
    if not adapting:
        s.nu_tally.add(acc)
    s.nu_i = np.where(acc, prop_i, nu_i)
    s.nu = grid[s.nu_i]


def _update_weights(rng: np.random.Generator, m: _Model, s: _Chains, z2: np.ndarray) -> None:
    """w | ν, rest: the mixing weights of the Student-t errors (Gamma)."""
    for c in range(m.chains):     # scalar shapes: twice as fast as one call with an array of shapes
        s.w[c] = rng.standard_gamma(0.5 * (s.nu[c] + 1.0), size=(m.n, m.n_t))
    s.w *= 2.0 / (s.nu[:, None, None] + z2)


def _update_location(rng: np.random.Generator, m: _Model, s: _Chains, v: np.ndarray, adapting: bool) -> None:
    """(τ, λ, μ) in one block: τ | φ, σ², v with λ and every μ integrated out (random-walk
    Metropolis on log τ), then λ | τ, then μ | λ, τ.

    Each country's likelihood in μ is ``exp(h μ − p μ²/2)``, so the marginals are closed-form
    and τ cannot stick near 0. ``v`` are the precision weights of each residual besides 1/σ².
    """
    priors = m.priors
    one_m_phi = 1.0 - s.phi
    p_c = one_m_phi ** 2 * v.sum(axis=2) / s.sig2
    h_c = one_m_phi / s.sig2 * (v * (m.y1 - s.phi[..., None] * m.y0)).sum(axis=2)
    s.tau = s.walks["tau"].run(rng, s.tau, partial(_tau_logpost, p_c=p_c, h_c=h_c, priors=priors), 10,
                               adapting)
    tau2 = s.tau * s.tau
    shrink = 1.0 + p_c * tau2[:, None]
    prec_l = (p_c / shrink).sum(axis=1) + 1.0 / priors.lambda_sd ** 2
    s.lam = (h_c / shrink).sum(axis=1) / prec_l + rng.standard_normal(m.chains) / np.sqrt(prec_l)
    prec = p_c + 1.0 / tau2[:, None]
    s.mu = ((h_c + s.lam[:, None] / tau2[:, None]) / prec
            + rng.standard_normal((m.chains, m.n)) / np.sqrt(prec))


def _update_phi(rng: np.random.Generator, m: _Model, s: _Chains, v: np.ndarray) -> None:
    """φ | rest: normal truncated to [0, 1]."""
    x = m.y0 - s.mu[..., None]
    zz = m.y1 - s.mu[..., None]
    prec = (v * x * x).sum(axis=2) / s.sig2 + 1.0 / s.omega[:, None] ** 2
    mean = ((v * x * zz).sum(axis=2) / s.sig2 + s.eta[:, None] / s.omega[:, None] ** 2) / prec
    s.phi = truncated_normal(rng, mean, 1.0 / np.sqrt(prec))


def _weighted_squared_residuals(m: _Model, s: _Chains) -> np.ndarray:
    """``w ε²`` of every country and transition, ``(K, N, T)``."""
    x = m.y0 - s.mu[..., None]
    e = (m.y1 - s.mu[..., None]) - s.phi[..., None] * x
    return s.w * e * e


def _update_sigma2(rng: np.random.Generator, m: _Model, s: _Chains, we2: np.ndarray,
                   kap2: np.ndarray, adapting: bool = False) -> None:
    """σ² | rest, floored at ``sigma_min²``: inverse gamma; under the log-normal prior, an independence
    proposal from the likelihood part (``InvGamma(T/2 − 1, q)``) accepted with the prior ratio."""
    q = 0.5 * (we2 / kap2).sum(axis=2)
    floor = m.priors.sigma_min ** 2
    if m.priors.sigma_prior == "invgamma":
        s.sig2 = np.maximum((s.b[:, None] + q) / rng.gamma(s.a[:, None] + 0.5 * m.n_t, 1.0, (m.chains, m.n)),
                            floor)
        return
    prop = np.maximum(q / rng.gamma(0.5 * m.n_t - 1.0, 1.0, (m.chains, m.n)), floor)
    mean = s.coef @ m.design.T                                   # (K, N)

    def log_prior(v: np.ndarray) -> np.ndarray:
        z = np.log(v) - mean
        return -z * z / (2 * s.ss2[:, None]) - np.log(v)

    accept = np.log(rng.random((m.chains, m.n))) < log_prior(prop) - log_prior(s.sig2)
    if not adapting:
        s.sigma_tally.add(accept)
    s.sig2 = np.where(accept, prop, s.sig2)


def _update_kappa(rng: np.random.Generator, m: _Model, s: _Chains, we2: np.ndarray, adapting: bool) -> None:
    """κ_t | rest: independence proposals from the likelihood part (κ² ~ InvGamma(N/2, q)),
    accepted with the random-walk prior ratio; even then odd periods."""
    k = m.chains
    q = 0.5 * (we2 / s.sig2[..., None]).sum(axis=1)            # (K, T)
    level = s.km if m.priors.kappa_process == "revert" else None
    for idx in m.blocks:
        if len(idx) == 0:
            continue
        prop = 0.5 * np.log(q[:, idx] / rng.gamma(0.5 * m.n, 1.0, (k, len(idx))))
        old = _kappa_prior(s.ell, s.ks2, idx, level)
        cur = s.ell[:, idx].copy()
        s.ell[:, idx] = prop
        new = _kappa_prior(s.ell, s.ks2, idx, level)
        acc = np.log(rng.random((k, len(idx)))) < new - old
        s.ell[:, idx] = np.where(acc, prop, cur)
        if not adapting:
            s.kappa_accepted.append(float(acc.mean()))


def _update_kappa_sd(rng: np.random.Generator, m: _Model, s: _Chains) -> None:
    """s_κ² | κ: inverse gamma, capped at ``kappa_sd_max²``; for reverting volatility, then its level
    | κ, s_κ (normal: flat prior, every period's log κ, the reference 0 included, one draw of it)."""
    if m.priors.kappa_process == "revert":
        d = s.ell - s.km[:, None]
        s.ks2 = np.minimum(0.5 * (d * d).sum(axis=1) / rng.gamma(0.5 * (m.n_t - 1), 1.0, m.chains),
                           m.priors.kappa_sd_max ** 2)
        s.km = s.ell.mean(axis=1) + rng.standard_normal(m.chains) * np.sqrt(s.ks2 / m.n_t)
        return
    d = np.diff(s.ell, axis=1)
    s.ks2 = np.minimum(0.5 * (d * d).sum(axis=1) / rng.gamma(0.5 * (m.n_t - 2), 1.0, m.chains),
                       m.priors.kappa_sd_max ** 2)


def _update_phi_hyper(rng: np.random.Generator, s: _Chains, adapting: bool) -> None:
    """(η, ω) | φ: random-walk Metropolis, three steps of each in turn."""
    cur = _phi_hyper_loglik(s.phi, s.eta, s.omega)
    for _ in range(3):
        s.eta, cur = s.walks["eta"].move(rng, s.eta, cur, partial(_phi_hyper_loglik, s.phi, omega=s.omega),
                                         adapting)
        s.omega, cur = s.walks["omega"].move(rng, s.omega, cur, partial(_phi_hyper_loglik, s.phi, s.eta),
                                             adapting)


def _update_sigma2_hyper(rng: np.random.Generator, m: _Model, s: _Chains, adapting: bool) -> None:
    """a | σ² with b integrated out (random walk on log a, three steps), then b | a, σ² (gamma); under
    the log-normal prior, the regression of log σ² on the design with a flat prior on (coefficients,
    log s): s² | σ² (scaled inverse χ², coefficients integrated out), then the coefficients | s²."""
    priors = m.priors
    if priors.sigma_prior == "lognormal":
        y = np.log(s.sig2)                                       # (K, N)
        p = m.design.shape[1]
        hat = y @ m.design @ m.design_cov                         # (K, p)
        rss = ((y - hat @ m.design.T) ** 2).sum(axis=1)
        s.ss2 = rss / rng.chisquare(m.n - p, m.chains)
        chol = np.linalg.cholesky(m.design_cov)
        s.coef = hat + np.sqrt(s.ss2)[:, None] * (rng.standard_normal((m.chains, p)) @ chol.T)
        return
    sum_log = np.log(s.sig2).sum(axis=1)
    sum_prec = (1.0 / s.sig2).sum(axis=1)
    logpost = partial(_a_logpost, n=m.n, sum_log_sig2=sum_log, sum_prec=sum_prec, priors=priors)
    s.a = s.walks["a"].run(rng, s.a, logpost, 3, adapting)
    s.b = rng.gamma(priors.b_shape + m.n * s.a, 1.0 / (priors.b_rate + sum_prec))


def _sweep(rng: np.random.Generator, m: _Model, s: _Chains, adapting: bool) -> None:
    """One Gibbs scan: every conditional update once, in a fixed order."""
    kap2 = np.exp(2.0 * s.ell)[:, None, :]
    if not m.priors.normal:
        z2 = _scaled_squared_residuals(m, s, kap2)
        _update_nu(rng, m, s, z2, adapting)
        _update_weights(rng, m, s, z2)
    v = s.w / kap2
    _update_location(rng, m, s, v, adapting)
    _update_phi(rng, m, s, v)
    we2 = _weighted_squared_residuals(m, s)
    _update_sigma2(rng, m, s, we2, kap2, adapting)
    if m.priors.volatility:
        _update_kappa(rng, m, s, we2, adapting)
        _update_kappa_sd(rng, m, s)
    _update_phi_hyper(rng, s, adapting)
    _update_sigma2_hyper(rng, m, s, adapting)


class _Draws:
    """The kept draws, ``(chains, kept, …)``."""

    def __init__(self, m: _Model, kept: int) -> None:
        k = m.chains
        self.mu = np.empty((k, kept, m.n))
        self.phi = np.empty((k, kept, m.n))
        self.sigma = np.empty((k, kept, m.n))
        self.kappa = np.empty((k, kept, m.n_t))
        self.hyper = {name: np.empty((k, kept)) for name in HYPERPARAMETERS}

    def keep(self, j: int, s: _Chains) -> None:
        """Store the current state as draw ``j`` of every chain."""
        self.mu[:, j], self.phi[:, j] = s.mu, s.phi
        self.sigma[:, j], self.kappa[:, j] = np.sqrt(s.sig2), np.exp(s.ell)
        slope = s.coef[:, 1] if s.coef.shape[1] > 1 else np.zeros(s.coef.shape[0])
        for name, val in (("lambda", s.lam), ("tau", s.tau), ("eta", s.eta), ("omega", s.omega),
                          ("a", s.a), ("b", s.b), ("sigma_mean", s.coef[:, 0]), ("sigma_slope", slope),
                          ("sigma_sd", np.sqrt(s.ss2)), ("nu", s.nu), ("kappa_sd", np.sqrt(s.ks2)),
                          ("kappa_mean", s.km)):
            self.hyper[name][:, j] = val

    def posterior(self, priors: Priors, settings: SamplerSettings, acceptance: dict[str, float],
                  seconds: float) -> Posterior:
        """The draws with the chains stacked one after the other."""
        hyper = {name: self.hyper[name].reshape(-1) for name in priors.hyperparameters}

        def stacked(a: np.ndarray) -> np.ndarray:
            return a.reshape(a.shape[0] * a.shape[1], a.shape[2])

        return Posterior(mu=stacked(self.mu), phi=stacked(self.phi), sigma=stacked(self.sigma),
                         kappa=stacked(self.kappa), hyper=hyper, chains=settings.chains, priors=priors,
                         settings=settings, acceptance=acceptance, seconds=seconds)


def sample(
    rates: np.ndarray,
    *,
    priors: Priors | None = None,
    settings: SamplerSettings | None = None,
    progress: Progress | None = None,
    covariate: np.ndarray | None = None,
) -> Posterior:
    """Draw from the posterior of the hierarchical AR(1) model.

    Parameters
    ----------
    rates
        ``(countries, periods)`` observed rates, no missing values, at least 4 periods.
    priors, settings
        Hyperpriors and sampler settings (defaults: :class:`Priors`, :class:`SamplerSettings`).
    covariate
        One value per country for the log-normal prior of the country variances
        (``Priors.sigma_covariate``), e.g. log population; standardised here.
    progress
        Called as ``progress(done, total)`` every 100 iterations.

    Returns
    -------
    Posterior

    Raises
    ------
    EstimationError
        If the rates have missing values or too few periods.
    """
    import time

    priors = priors or Priors()
    settings = settings or SamplerSettings()
    y = np.asarray(rates, dtype=float)
    if y.ndim != 2 or y.shape[1] < 4 or y.shape[0] < 2:
        raise EstimationError("the model needs a (countries, periods) array with at least 2 countries "
                              "and 4 periods", value=y.shape)
    if not np.isfinite(y).all():
        bad = np.argwhere(~np.isfinite(y))[0]
        raise EstimationError("rates have missing or infinite values", row=int(bad[0]) + 1,
                              column=str(int(bad[1]) + 1))
    start = time.perf_counter()
    rng = np.random.default_rng(settings.seed)
    model = _Model.of(y, priors, settings.chains, covariate)
    state = _initial_state(rng, y, model)
    draws = _Draws(model, settings.kept)
    total = settings.burnin + settings.iterations
    for it in range(total):
        adapting = it < settings.burnin
        _sweep(rng, model, state, adapting)
        if not adapting and (it - settings.burnin) % settings.thin == settings.thin - 1:
            draws.keep((it - settings.burnin) // settings.thin, state)
        if progress is not None and ((it + 1) % 100 == 0 or it + 1 == total):
            progress(it + 1, total)
    return draws.posterior(priors, settings, state.acceptance(), time.perf_counter() - start)
