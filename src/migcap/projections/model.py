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
from typing import Any

import numpy as np
from scipy.special import gammaln, ndtr, ndtri

from migcap.errors import EstimationError

__all__ = ["HYPERPARAMETERS", "Posterior", "Priors", "SamplerSettings", "sample", "truncated_normal"]

Progress = Callable[[int, int], None]

#: Hyperparameters whose convergence decides whether a fit is usable.
HYPERPARAMETERS = ("lambda", "tau", "eta", "omega", "a", "b", "nu", "kappa_sd")

DEFAULT_NU_GRID = (1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0, 7.0, 8.0, 10.0, 12.0, 15.0, 20.0, 30.0, 50.0, 100.0)


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
        Let the world-wide volatility change from period to period (``κ_t``, a random walk
        on the log scale, with step standard deviation ``kappa_sd ~ U(0, kappa_sd_max)``).
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


def _initial_state(rng: np.random.Generator, y: np.ndarray, k: int, priors: Priors) -> dict[str, np.ndarray]:
    n = y.shape[0]
    ybar = y.mean(axis=1)
    sd = np.maximum(y.std(axis=1), priors.sigma_min)
    state = {
        "mu": ybar[None, :] + rng.normal(0.0, 0.5, (k, n)) * sd[None, :],
        "phi": rng.uniform(0.05, 0.95, (k, n)),
        "sig2": (sd[None, :] ** 2) * rng.uniform(0.5, 2.0, (k, n)),
        "lambda": rng.normal(float(np.median(ybar)), 0.01, k),
        "tau2": rng.uniform(0.005, 0.05, k) ** 2,
        "eta": rng.uniform(0.2, 0.8, k),
        "omega": rng.uniform(0.1, 0.5, k),
        "a": rng.uniform(0.5, 3.0, k),
        "b": np.zeros(k),
        "nu": (rng.choice(np.asarray(priors.nu_grid), k) if not priors.normal else np.full(k, np.inf)),
    }
    state["b"] = state["a"] * np.median(sd) ** 2
    return state


class _Adaptive:
    """Random-walk step size adapted during burn-in toward an acceptance rate of about 0.3."""

    def __init__(self, k: int, step: float) -> None:
        self.step = np.full(k, step)
        self.accepted = np.zeros(k)
        self.tried = 0
        self.total_accepted = 0.0
        self.total_tried = 0

    def record(self, accept: np.ndarray, adapting: bool) -> None:
        self.accepted += accept
        self.tried += 1
        if not adapting:
            self.total_accepted += float(accept.mean())
            self.total_tried += 1
        if adapting and self.tried == 50:
            rate = self.accepted / self.tried
            self.step *= np.exp(rate - 0.3)
            self.accepted[:] = 0
            self.tried = 0

    @property
    def rate(self) -> float:
        return self.total_accepted / self.total_tried if self.total_tried else float("nan")


def _kappa_prior(ell: np.ndarray, s2: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Random-walk log prior of ``ell[:, idx]`` given its neighbours (K, len(idx))."""
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


def sample(
    rates: np.ndarray,
    *,
    priors: Priors | None = None,
    settings: SamplerSettings | None = None,
    progress: Progress | None = None,
) -> Posterior:
    """Draw from the posterior of the hierarchical AR(1) model.

    Parameters
    ----------
    rates
        ``(countries, periods)`` observed rates, no missing values, at least 4 periods.
    priors, settings
        Hyperpriors and sampler settings (defaults: :class:`Priors`, :class:`SamplerSettings`).
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
    k, n = settings.chains, y.shape[0]
    y0, y1 = y[None, :, :-1], y[None, :, 1:]
    n_t = y.shape[1] - 1
    grid = np.asarray(priors.nu_grid, dtype=float)
    s = _initial_state(rng, y, k, priors)
    mu, phi, sig2 = s["mu"], s["phi"], s["sig2"]
    lam, tau2, eta, omega, a, b, nu = (s["lambda"], s["tau2"], s["eta"], s["omega"], s["a"], s["b"], s["nu"])
    tau = np.sqrt(tau2)
    w = np.ones((k, n, n_t))
    # log κ_t: the global volatility of each transition; the last is the reference (0)
    ell = np.zeros((k, n_t))
    if priors.volatility:
        ell[:, :-1] = rng.normal(0.0, 0.2, (k, n_t - 1))
    ks2 = rng.uniform(0.05, 0.3, k) ** 2
    blocks = [np.arange(0, n_t - 1, 2), np.arange(1, n_t - 1, 2)]
    sig2_min = priors.sigma_min ** 2
    eta_step, omega_step, a_step = _Adaptive(k, 0.05), _Adaptive(k, 0.1), _Adaptive(k, 0.1)
    tau_step = _Adaptive(k, 0.3)
    kappa_acc: list[float] = []

    kept = settings.kept
    out_mu = np.empty((k, kept, n))
    out_phi = np.empty((k, kept, n))
    out_sig = np.empty((k, kept, n))
    out_kap = np.empty((k, kept, n_t))
    out_h = {name: np.empty((k, kept)) for name in HYPERPARAMETERS}
    total = settings.burnin + settings.iterations
    lgamma_half = np.zeros(1)
    nu_i = np.zeros(k, dtype=int)
    nu_acc, nu_n = 0.0, 0
    if not priors.normal:
        lgamma_half = gammaln((grid + 1) / 2) - gammaln(grid / 2) - 0.5 * np.log(grid * np.pi)
        nu_i = np.searchsorted(grid, nu)

    for it in range(total):
        adapting = it < settings.burnin
        kap2 = np.exp(2.0 * ell)[:, None, :]
        # --- ν | μ, φ, σ², κ (mixing weights integrated out), then w | ν
        e = y1 - mu[..., None] - phi[..., None] * (y0 - mu[..., None])
        z2 = e * e / (sig2[..., None] * kap2)
        if not priors.normal:
            # ν | rest, w integrated out: Metropolis step to a neighbouring grid value
            prop_i = nu_i + np.where(rng.random(k) < 0.5, -1, 1)
            ok = (prop_i >= 0) & (prop_i < len(grid))
            prop_i = np.where(ok, prop_i, nu_i)
            zf = z2.reshape(k, -1)
            nu_p = grid[prop_i]
            cur_ll = n * n_t * lgamma_half[nu_i] - 0.5 * (nu + 1) * np.log1p(zf / nu[:, None]).sum(axis=1)
            new_ll = n * n_t * lgamma_half[prop_i] - 0.5 * (nu_p + 1) * np.log1p(zf / nu_p[:, None]).sum(axis=1)
            acc = ok & (np.log(rng.random(k)) < new_ll - cur_ll)
            if not adapting:
                nu_acc += float(acc.mean())
                nu_n += 1
            nu_i = np.where(acc, prop_i, nu_i)
            nu = grid[nu_i]
            for c in range(k):     # scalar shapes: twice as fast as one call with an array of shapes
                w[c] = rng.standard_gamma(0.5 * (nu[c] + 1.0), size=(n, n_t))
            w *= 2.0 / (nu[:, None, None] + z2)
        v = w / kap2                      # precision weights of each residual (besides 1/σ²)
        # --- (τ, λ, μ) in one block: τ | φ, σ², v with λ and every μ integrated out (random-walk
        # Metropolis on log τ), then λ | τ, then μ | λ, τ. Each country's likelihood in μ is
        # exp(h μ − p μ²/2), so the marginals are closed-form and τ cannot stick near 0.
        one_m_phi = 1.0 - phi
        p_c = one_m_phi ** 2 * v.sum(axis=2) / sig2
        h_c = one_m_phi / sig2 * (v * (y1 - phi[..., None] * y0)).sum(axis=2)
        cur = _tau_logpost(tau, p_c, h_c, priors)
        for _ in range(10):
            prop = tau * np.exp(tau_step.step * rng.standard_normal(k))
            ok = prop < priors.tau_max
            new = np.where(ok, _tau_logpost(np.where(ok, prop, tau), p_c, h_c, priors), -np.inf)
            acc = np.log(rng.random(k)) < new - cur + np.log(prop / tau)
            tau = np.where(acc, prop, tau)
            cur = np.where(acc, new, cur)
            tau_step.record(acc, adapting)
        tau2 = tau * tau
        shrink = 1.0 + p_c * tau2[:, None]
        prec_l = (p_c / shrink).sum(axis=1) + 1.0 / priors.lambda_sd ** 2
        lam = (h_c / shrink).sum(axis=1) / prec_l + rng.standard_normal(k) / np.sqrt(prec_l)
        prec = p_c + 1.0 / tau2[:, None]
        mu = (h_c + lam[:, None] / tau2[:, None]) / prec + rng.standard_normal((k, n)) / np.sqrt(prec)
        # --- φ | rest (truncated normal on [0, 1])
        x = y0 - mu[..., None]
        zz = y1 - mu[..., None]
        prec = (v * x * x).sum(axis=2) / sig2 + 1.0 / omega[:, None] ** 2
        mean = ((v * x * zz).sum(axis=2) / sig2 + eta[:, None] / omega[:, None] ** 2) / prec
        phi = truncated_normal(rng, mean, 1.0 / np.sqrt(prec))
        # --- σ² | rest
        e = zz - phi[..., None] * x
        we2 = w * e * e
        rate = b[:, None] + 0.5 * (we2 / kap2).sum(axis=2)
        sig2 = np.maximum(rate / rng.gamma(a[:, None] + 0.5 * n_t, 1.0, (k, n)), sig2_min)
        # --- κ_t | rest: independence proposal from the likelihood part (κ² ~ InvGamma(N/2, q)),
        # accepted with the random-walk prior ratio; even then odd periods; then its step sd
        if priors.volatility:
            q = 0.5 * (we2 / sig2[..., None]).sum(axis=1)            # (K, n_t)
            for idx in blocks:
                if len(idx) == 0:
                    continue
                prop = 0.5 * np.log(q[:, idx] / rng.gamma(0.5 * n, 1.0, (k, len(idx))))
                old = _kappa_prior(ell, ks2, idx)
                cur = ell[:, idx].copy()
                ell[:, idx] = prop
                new = _kappa_prior(ell, ks2, idx)
                acc = np.log(rng.random((k, len(idx)))) < new - old
                ell[:, idx] = np.where(acc, prop, cur)
                if not adapting:
                    kappa_acc.append(float(acc.mean()))
            d = np.diff(ell, axis=1)
            ks2 = np.minimum(0.5 * (d * d).sum(axis=1) / rng.gamma(0.5 * (n_t - 2), 1.0, k),
                             priors.kappa_sd_max ** 2)
            kap2 = np.exp(2.0 * ell)[:, None, :]
            v = w / kap2
        # --- (η, ω) | φ: random-walk Metropolis, a few steps
        cur = _phi_hyper_loglik(phi, eta, omega)
        for _ in range(3):
            prop = eta + eta_step.step * rng.standard_normal(k)
            ok = (prop > 0) & (prop < 1)
            new = np.where(ok, _phi_hyper_loglik(phi, np.where(ok, prop, 0.5), omega), -np.inf)
            acc = np.log(rng.random(k)) < new - cur
            eta = np.where(acc, prop, eta)
            cur = np.where(acc, new, cur)
            eta_step.record(acc, adapting)
            prop = omega * np.exp(omega_step.step * rng.standard_normal(k))
            ok = prop < priors.omega_max
            new = np.where(ok, _phi_hyper_loglik(phi, eta, np.where(ok, prop, 0.5)), -np.inf)
            # log-scale walk on a uniform prior: Jacobian log(prop/omega)
            acc = np.log(rng.random(k)) < new - cur + np.log(prop / omega)
            omega = np.where(acc, prop, omega)
            cur = np.where(acc, new, cur)
            omega_step.record(acc, adapting)
        # --- a | σ² with b integrated out (random walk on log a), then b | a, σ²
        sum_log = np.log(sig2).sum(axis=1)
        sum_prec = (1.0 / sig2).sum(axis=1)
        cur_a = _a_logpost(a, n, sum_log, sum_prec, priors)
        for _ in range(3):
            prop = a * np.exp(a_step.step * rng.standard_normal(k))
            ok = (prop > priors.a_min) & (prop < priors.a_max)
            new = np.where(ok, _a_logpost(np.where(ok, prop, 1.0), n, sum_log, sum_prec, priors), -np.inf)
            acc = np.log(rng.random(k)) < new - cur_a + np.log(prop / a)
            a = np.where(acc, prop, a)
            cur_a = np.where(acc, new, cur_a)
            a_step.record(acc, adapting)
        b = rng.gamma(priors.b_shape + n * a, 1.0 / (priors.b_rate + sum_prec))

        if not adapting and (it - settings.burnin) % settings.thin == settings.thin - 1:
            j = (it - settings.burnin) // settings.thin
            out_mu[:, j], out_phi[:, j], out_sig[:, j], out_kap[:, j] = mu, phi, np.sqrt(sig2), np.exp(ell)
            for name, val in (("lambda", lam), ("tau", tau), ("eta", eta), ("omega", omega),
                              ("a", a), ("b", b), ("nu", nu), ("kappa_sd", np.sqrt(ks2))):
                out_h[name][:, j] = val
        if progress is not None and ((it + 1) % 100 == 0 or it + 1 == total):
            progress(it + 1, total)

    hyper = {name: v.reshape(-1) for name, v in out_h.items()}
    if priors.normal:
        hyper.pop("nu")
    if not priors.volatility:
        hyper.pop("kappa_sd")
    acceptance = {"nu": nu_acc / max(nu_n, 1), "tau": tau_step.rate, "eta": eta_step.rate, "omega": omega_step.rate, "a": a_step.rate}
    if kappa_acc:
        acceptance["kappa"] = float(np.mean(kappa_acc))
    return Posterior(
        mu=out_mu.reshape(k * kept, n), phi=out_phi.reshape(k * kept, n), sigma=out_sig.reshape(k * kept, n),
        kappa=out_kap.reshape(k * kept, n_t), hyper=hyper, chains=k, priors=priors, settings=settings,
        acceptance=acceptance, seconds=time.perf_counter() - start,
    )
