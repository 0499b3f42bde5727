"""The model's variants (reverting world volatility, log-normal country variances with a population
covariate, bounded tails): each new conditional update checked against its closed form on a small
case, and the sampler recovering SYNTHETIC parameters drawn from the variant itself."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from migcap.errors import EstimationError
from migcap.projections import model as M
from migcap.projections.model import Priors, SamplerSettings, sample

LOGNORMAL = Priors(sigma_prior="lognormal", sigma_covariate=True)
REVERT = Priors(kappa_process="revert")


def _state(priors: Priors, k: int, n: int, n_t: int, covariate: np.ndarray | None = None) -> tuple[Any, Any]:
    rng = np.random.default_rng(0)
    y = rng.normal(0, 0.01, (n, n_t + 1))
    m = M._Model.of(y, priors, k, covariate)
    return m, M._initial_state(rng, y, m)


def test_lognormal_regression_update_matches_its_closed_form() -> None:
    """(α, β, s²) | σ² under a flat prior: s² = RSS / χ²(N − 2), (α, β) | s² ~ N(β̂, s² (XᵀX)⁻¹)."""
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    m, s = _state(LOGNORMAL, 40_000, 6, 4, covariate=x)
    logv = np.array([-9.0, -9.5, -10.4, -10.9, -11.6, -12.1])      # log σ², nearly on a line
    s.sig2 = np.exp(np.broadcast_to(logv, (40_000, 6))).copy()
    M._update_sigma2_hyper(np.random.default_rng(1), m, s, adapting=False)
    z = (x - x.mean()) / x.std()
    X = np.column_stack([np.ones(6), z])
    hat, rss = np.linalg.lstsq(X, logv, rcond=None)[:2]
    # by hand: the mean of log σ² is the intercept (z is centred), the slope is cov / var
    assert hat[0] == pytest.approx(logv.mean())
    assert hat[1] == pytest.approx(np.mean(z * logv) / np.mean(z * z))
    assert s.coef.mean(axis=0) == pytest.approx(hat, abs=0.01)
    # E[s²] = RSS / (N − p − 2) for a scaled inverse χ² with N − p = 4 degrees of freedom
    assert s.ss2.mean() == pytest.approx(rss[0] / 2, rel=0.05)
    # Var(α) = E[s²] / N (z centred): the spread of the intercept draws
    assert s.coef[:, 0].var() == pytest.approx(rss[0] / 2 / 6, rel=0.08)


def test_reverting_kappa_level_and_spread_match_their_closed_forms() -> None:
    """s_κ² | log κ, m: RSS / χ²(T − 1) with a uniform prior on s_κ; then m | s_κ ~ N(mean log κ, s_κ²/T)."""
    m, s = _state(REVERT, 50_000, 3, 5)
    ell = np.array([0.3, -0.2, 0.5, 0.1, 0.0])                     # last transition: the reference 0
    s.ell = np.broadcast_to(ell, (50_000, 5)).copy()
    s.km = np.full(50_000, 0.1)
    M._update_kappa_sd(np.random.default_rng(2), m, s)
    ss = ((ell - 0.1) ** 2).sum()
    # s_κ² ~ InvGamma((T − 1)/2, SS/2) = InvGamma(2, 0.15), capped at kappa_sd_max² = 1
    from scipy.stats import invgamma

    capped_mean = invgamma(2.0, scale=ss / 2).expect(lambda v: min(v, 1.0))
    assert s.ks2.mean() == pytest.approx(capped_mean, rel=0.03)
    assert np.median(s.ks2) == pytest.approx(invgamma(2.0, scale=ss / 2).median(), rel=0.03)
    assert s.km.mean() == pytest.approx(ell.mean(), abs=0.01)
    assert s.km.var() == pytest.approx((s.ks2 / 5).mean(), rel=0.05)


def test_reverting_kappa_prior_is_centred_on_its_level() -> None:
    ell = np.array([[0.2, -0.1, 0.0]])
    got = M._kappa_prior(ell, np.array([0.25]), np.array([0, 1]), level=np.array([0.1]))
    assert got.ravel().tolist() == pytest.approx([-(0.1 ** 2) / 0.5, -(0.2 ** 2) / 0.5])


def test_lognormal_sigma_update_keeps_the_right_posterior() -> None:
    """One country, residual sum q fixed, prior log σ² ~ N(μ₀, s²): the independence sampler's draws
    after many steps follow the posterior ∝ (σ²)^(−T/2) e^(−q/σ²) · N(log σ²; μ₀, s²)/σ², computed on
    a grid."""
    m, s = _state(Priors(sigma_prior="lognormal"), 1, 1, 6)
    rng = np.random.default_rng(4)
    s.coef[:] = np.log(1e-4)
    s.ss2[:] = 0.5 ** 2
    we2 = np.full((1, 1, 6), 2e-4 / 6 * 2)             # q = ½ Σ w ε² = 2e-4
    kap2 = np.ones((1, 1, 6))
    draws = []
    for _ in range(20_000):
        M._update_sigma2(rng, m, s, we2, kap2)
        draws.append(float(np.log(s.sig2[0, 0])))
    grid = np.linspace(np.log(1e-6), np.log(1e-2), 4001)
    v = np.exp(grid)
    logpost = -3 * grid - 2e-4 / v - (grid - np.log(1e-4)) ** 2 / (2 * 0.25)   # density in log σ²
    w = np.exp(logpost - logpost.max())
    mean = (w * grid).sum() / w.sum()
    sd = np.sqrt((w * (grid - mean) ** 2).sum() / w.sum())
    assert np.mean(draws) == pytest.approx(mean, abs=0.03)
    assert np.std(draws) == pytest.approx(sd, rel=0.06)


def synthetic_variant(seed: int, n: int = 160, t: int = 14) -> dict[str, Any]:
    """SYNTHETIC rates from the variant: log σ² = −9 − 1.2·z + N(0, 0.5²), z the standardised log
    population; log κ ~ N(−0.1, 0.2²) independently (reference 0 in the last transition); t(5) errors."""
    rng = np.random.default_rng(seed)
    logpop = rng.normal(15.0, 2.0, n)
    z = (logpop - logpop.mean()) / logpop.std()
    sigma = np.exp(0.5 * (-9.0 - 1.2 * z + rng.normal(0, 0.5, n)))
    mu = rng.normal(0.0, 0.005, n)
    phi = np.clip(rng.normal(0.6, 0.15, n), 0.0, 1.0)
    ell = np.append(rng.normal(-0.1, 0.2, t - 2), 0.0)
    y = np.empty((n, t))
    y[:, 0] = mu + rng.normal(0, 0.01, n)
    for j in range(1, t):
        y[:, j] = mu + phi * (y[:, j - 1] - mu) + sigma * np.exp(ell[j - 1]) * rng.standard_t(5.0, n)
    return {"rates": y, "logpop": logpop, "sigma": sigma}


def test_variant_recovers_its_synthetic_parameters() -> None:
    data = synthetic_variant(21)
    pri = Priors(sigma_prior="lognormal", sigma_covariate=True, kappa_process="revert")
    post = sample(data["rates"], priors=pri, covariate=data["logpop"],
                  settings=SamplerSettings(chains=2, burnin=500, iterations=1500, thin=3, seed=5))
    h = post.hyper
    assert set(h) == set(pri.hyperparameters) and "a" not in h and "kappa_mean" in h
    for name, truth in (("sigma_mean", -9.0), ("sigma_slope", -1.2), ("sigma_sd", 0.5)):
        lo, hi = np.quantile(h[name], [0.005, 0.995])
        assert lo - 0.15 <= truth <= hi + 0.15, (name, lo, hi)
    assert np.corrcoef(np.log(np.median(post.sigma, 0)), np.log(data["sigma"]))[0, 1] > 0.8
    assert 3.0 <= np.median(h["nu"]) <= 12.0


def test_bad_variant_settings_are_refused() -> None:
    with pytest.raises(EstimationError, match="kappa_process"):
        Priors(kappa_process="drift")
    with pytest.raises(EstimationError, match="sigma_prior"):
        Priors(sigma_prior="gamma")
    with pytest.raises(EstimationError, match="needs sigma_prior 'lognormal'"):
        Priors(sigma_covariate=True)
    with pytest.raises(EstimationError, match="one finite covariate value per country"):
        sample(np.zeros((3, 6)) + np.arange(6) * 1e-3, priors=LOGNORMAL, covariate=np.ones(2),
               settings=SamplerSettings(chains=1, burnin=0, iterations=4, thin=1))
