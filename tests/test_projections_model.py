"""The sampler recovers known parameters from SYNTHETIC data; its building blocks and diagnostics."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import stats

from migcap.errors import EstimationError
from migcap.projections.diagnostics import diagnose, ess_bulk, rhat, split_rhat
from migcap.projections.model import Priors, SamplerSettings, sample, truncated_normal

TRUTH = {"lambda": 0.002, "tau": 0.01, "eta": 0.7, "omega": 0.15, "a": 4.0, "sigma_median": 0.01, "nu": 4.0,
         "kappa_sd": 0.15}


def synthetic(seed: int, n: int = 150, t: int = 14, nu: float | None = 4.0, volatility: bool = True,
              ) -> dict[str, Any]:
    """SYNTHETIC rates drawn from the model itself with the parameters in TRUTH."""
    rng = np.random.default_rng(seed)
    mu = rng.normal(TRUTH["lambda"], TRUTH["tau"], n)
    phi = stats.truncnorm.rvs((0 - TRUTH["eta"]) / TRUTH["omega"], (1 - TRUTH["eta"]) / TRUTH["omega"],
                              loc=TRUTH["eta"], scale=TRUTH["omega"], size=n, random_state=rng)
    a = TRUTH["a"]
    b = a * TRUTH["sigma_median"] ** 2          # σ² ~ InvGamma(a, b)
    sigma = np.sqrt(b / rng.gamma(a, 1.0, n))
    steps = rng.normal(0, TRUTH["kappa_sd"] if volatility else 0.0, t - 2)
    log_kappa = np.concatenate([-np.cumsum(steps[::-1])[::-1], [0.0]])    # last transition: κ = 1
    kappa = np.exp(log_kappa)
    y = np.empty((n, t))
    y[:, 0] = mu + rng.normal(0, 0.02, n)
    for j in range(1, t):
        eps = rng.standard_t(nu, n) if nu else rng.standard_normal(n)
        y[:, j] = mu + phi * (y[:, j - 1] - mu) + sigma * kappa[j - 1] * eps
    return {"rates": y, "mu": mu, "phi": phi, "sigma": sigma, "kappa": kappa}


def covers(draws: np.ndarray, truth: np.ndarray, level: float = 0.95) -> float:
    lo, hi = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2], axis=0)
    return float(np.mean((truth >= lo) & (truth <= hi)))


@pytest.fixture(scope="module")
def fit_t() -> tuple[dict[str, Any], Any]:
    data = synthetic(11)
    post = sample(data["rates"],
                  settings=SamplerSettings(chains=2, burnin=600, iterations=1800, thin=3, seed=3))
    return data, post


def test_synthetic_hyperparameters_recovered(fit_t: tuple[dict[str, Any], Any]) -> None:
    post = fit_t[1]
    h = post.hyper
    for name in ("lambda", "eta", "omega"):
        lo, hi = np.quantile(h[name], [0.01, 0.99])
        assert lo <= TRUTH[name] <= hi, (name, lo, hi)
    assert np.quantile(h["tau"], 0.99) >= TRUTH["tau"] >= np.quantile(h["tau"], 0.01)
    assert 2.0 <= np.median(h["nu"]) <= 10.0
    # σ² ~ InvGamma(a, b): the implied median country σ is recovered
    assert np.median(np.sqrt(h["b"] / h["a"])) == pytest.approx(TRUTH["sigma_median"], rel=0.3)


def test_synthetic_country_parameters_recovered(fit_t: tuple[dict[str, Any], Any]) -> None:
    data, post = fit_t
    assert covers(post.phi, data["phi"]) >= 0.85
    assert covers(post.sigma, data["sigma"]) >= 0.85
    assert covers(post.mu, data["mu"]) >= 0.85
    assert np.corrcoef(np.median(post.sigma, 0), data["sigma"])[0, 1] > 0.7
    # φ: 13 periods say little about each country (ω = 0.15), but the posterior beats the world level
    phi_hat = np.median(post.phi, 0)
    assert np.corrcoef(phi_hat, data["phi"])[0, 1] > 0.3
    assert np.mean((phi_hat - data["phi"]) ** 2) < np.mean((TRUTH["eta"] - data["phi"]) ** 2)
    # world volatility path (relative to the last period, so its errors are shared)
    k_hat = np.log(np.median(post.kappa, 0))[:-1]
    assert np.corrcoef(k_hat, np.log(data["kappa"])[:-1])[0, 1] > 0.8
    assert covers(post.kappa, data["kappa"]) >= 0.6


def test_synthetic_fit_converges(fit_t: tuple[dict[str, Any], Any]) -> None:
    post = fit_t[1]
    d = diagnose(post, tuple(f"C{i}" for i in range(150)))
    assert d.rhat_max[0] < 1.1, d.rhat_max
    assert set(d.hyper) >= {"lambda", "tau", "eta", "omega", "a", "b", "nu", "kappa_sd"}


def test_synthetic_normal_errors_recovered() -> None:
    data = synthetic(5, n=100, nu=None, volatility=False)
    post = sample(data["rates"], priors=Priors(nu_grid=(), volatility=False),
                  settings=SamplerSettings(chains=2, burnin=400, iterations=1200, thin=2, seed=9))
    assert "nu" not in post.hyper and "kappa_sd" not in post.hyper
    assert np.isinf(post.nu).all()
    assert covers(post.phi, data["phi"]) >= 0.8
    lo, hi = np.quantile(post.hyper["eta"], [0.01, 0.99])
    assert lo <= TRUTH["eta"] <= hi


def test_same_seed_same_draws() -> None:
    y = synthetic(1, n=20)["rates"]
    s = SamplerSettings(chains=2, burnin=20, iterations=40, thin=2, seed=7)
    a, b = sample(y, settings=s), sample(y, settings=s)
    np.testing.assert_array_equal(a.mu, b.mu)
    np.testing.assert_array_equal(a.hyper["nu"], b.hyper["nu"])
    c = sample(y, settings=SamplerSettings(chains=2, burnin=20, iterations=40, thin=2, seed=8))
    assert not np.array_equal(a.mu, c.mu)


def test_progress_is_reported() -> None:
    seen: list[tuple[int, int]] = []
    sample(synthetic(1, n=10)["rates"],
           settings=SamplerSettings(chains=1, burnin=100, iterations=200, thin=2),
           progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (100, 300) and seen[-1] == (300, 300)


def test_bad_input_is_refused() -> None:
    y = np.zeros((5, 10))
    y[2, 3] = np.nan
    with pytest.raises(EstimationError, match="row 3, column '4'"):
        sample(y)
    with pytest.raises(EstimationError, match="at least"):
        sample(np.zeros((5, 2)))
    with pytest.raises(EstimationError):
        SamplerSettings(iterations=0)


def test_truncated_normal_matches_scipy() -> None:
    rng = np.random.default_rng(0)
    for mean, sd in ((0.5, 0.2), (1.4, 0.1), (-0.3, 0.2), (0.99, 0.001), (5.0, 0.5)):
        x = truncated_normal(rng, np.full(40_000, mean), np.full(40_000, sd))
        ref = stats.truncnorm((0 - mean) / sd, (1 - mean) / sd, loc=mean, scale=sd)
        assert x.min() >= 0 and x.max() <= 1
        assert x.mean() == pytest.approx(ref.mean(), abs=4 * ref.std() / 200 + 1e-6)
        assert x.std() == pytest.approx(ref.std(), rel=0.05, abs=1e-6)


def test_rhat_and_ess_on_known_chains() -> None:
    rng = np.random.default_rng(2)
    iid = rng.normal(size=(4, 2000))
    assert rhat(iid) < 1.01 and split_rhat(iid) < 1.01
    assert ess_bulk(iid) == pytest.approx(8000, rel=0.15)
    shifted = iid + np.array([0, 0, 0, 3.0])[:, None]
    assert rhat(shifted) > 1.3
    # AR(1) chains with ρ = 0.9: ESS ≈ n (1 − ρ) / (1 + ρ)
    rho, n = 0.9, 4000
    x = np.empty((4, n))
    x[:, 0] = rng.normal(size=4)
    for t in range(1, n):
        x[:, t] = rho * x[:, t - 1] + np.sqrt(1 - rho ** 2) * rng.normal(size=4)
    assert ess_bulk(x) == pytest.approx(4 * n * (1 - rho) / (1 + rho), rel=0.3)
    # a trend within chains is caught by splitting them
    trend = rng.normal(size=(4, 1000)) + np.linspace(0, 4, 1000)
    assert rhat(trend) > 1.3
