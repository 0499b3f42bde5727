"""Convergence diagnostics: rank-normalised split R-hat and effective sample size.

Both follow Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021), "Rank-normalization,
folding, and localization: an improved R-hat for assessing convergence of MCMC"
(the definitions of Stan and ArviZ): each chain is split in half, draws are replaced by
the normal scores of their ranks over all chains, and R-hat is the larger of the bulk
value and the value for the folded draws ``|x − median|`` (tails). ESS uses Geyer's
initial monotone sequence on the FFT autocorrelations.

Examples
--------
>>> import numpy as np
>>> x = np.random.default_rng(0).normal(size=(4, 1000))
>>> round(rhat(x), 2) <= 1.01, ess_bulk(x) > 3000
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import ndtri
from scipy.stats import rankdata

__all__ = ["Diagnostics", "diagnose", "ess_bulk", "rhat", "split_rhat"]

RHAT_LIMIT = 1.05


def _split(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim != 2:
        raise ValueError("draws must be (chains, iterations)")
    half = x.shape[1] // 2
    if half < 2:
        raise ValueError("need at least 4 draws per chain")
    return np.concatenate([x[:, :half], x[:, x.shape[1] - half:]], axis=0)


def _z_scale(x: np.ndarray) -> np.ndarray:
    r = rankdata(x, method="average").reshape(x.shape)
    return ndtri((r - 0.375) / (x.size + 0.25))


def split_rhat(x: np.ndarray) -> float:
    """Classic split-R-hat (Gelman et al., BDA3) of ``(chains, iterations)`` draws."""
    s = _split(x)
    n = s.shape[1]
    means = s.mean(axis=1)
    w = s.var(axis=1, ddof=1).mean()
    b = n * means.var(ddof=1)
    if w == 0:
        return 1.0 if b == 0 else float("inf")
    var_plus = (n - 1) / n * w + b / n
    return float(np.sqrt(var_plus / w))


def rhat(x: np.ndarray) -> float:
    """Rank-normalised split R-hat: the larger of bulk and tail (folded) values."""
    s = _split(x)
    if np.ptp(s) == 0:
        return 1.0
    bulk = split_rhat(_z_scale(s))
    folded = np.abs(s - np.median(s))
    tail = split_rhat(_z_scale(folded)) if np.ptp(folded) > 0 else 1.0
    return max(bulk, tail)


def _autocov(x: np.ndarray) -> np.ndarray:
    """Autocovariances of each row (FFT), lags 0 … n-1, biased estimator."""
    n = x.shape[1]
    size = 1 << (2 * n - 1).bit_length()
    xc = x - x.mean(axis=1, keepdims=True)
    f = np.fft.rfft(xc, size, axis=1)
    ac = np.fft.irfft(f * np.conj(f), size, axis=1)[:, :n]
    return ac / n


def _ess(s: np.ndarray) -> float:
    m, n = s.shape
    if np.ptp(s) == 0:
        return float(m * n)
    acov = _autocov(s)
    chain_var = acov[:, 0] * n / (n - 1)
    w = chain_var.mean()
    var_plus = w * (n - 1) / n + (s.mean(axis=1).var(ddof=1) if m > 1 else 0.0)
    rho = 1.0 - (w - acov.mean(axis=0)) / var_plus
    rho[0] = 1.0
    # Geyer: sum pairs while positive, enforce monotone decrease
    t = 0
    total = 0.0
    prev = np.inf
    while t + 1 < n:
        pair = rho[t] + rho[t + 1]
        if pair < 0:
            break
        pair = min(pair, prev)
        total += pair
        prev = pair
        t += 2
    tau = -1.0 + 2.0 * total
    tau = max(tau, 1.0 / np.log10(m * n))
    return float(m * n / tau)


def ess_bulk(x: np.ndarray) -> float:
    """Bulk effective sample size (rank-normalised, split chains)."""
    return _ess(_z_scale(_split(x)))


@dataclass(frozen=True)
class Diagnostics:
    """Convergence summary of a fit.

    Attributes
    ----------
    hyper
        Hyperparameter → ``(R-hat, bulk ESS, posterior median, 2.5%, 97.5%)``.
    country_rhat_max
        Largest R-hat over the country parameters (μ, φ, σ of every country) and which one.
    country_ess_min
        Smallest bulk ESS over the country parameters and which one.
    """

    hyper: dict[str, tuple[float, float, float, float, float]]
    country_rhat_max: tuple[float, str]
    country_ess_min: tuple[float, str]

    @property
    def rhat_max(self) -> tuple[float, str]:
        """Largest R-hat over the hyperparameters and its name."""
        name = max(self.hyper, key=lambda k: self.hyper[k][0])
        return self.hyper[name][0], name

    @property
    def converged(self) -> bool:
        """Every hyperparameter has R-hat below 1.05."""
        return self.rhat_max[0] < RHAT_LIMIT

    def to_dict(self) -> dict[str, object]:
        """Plain values (for JSON)."""
        return {
            "hyper": {k: dict(zip(("rhat", "ess_bulk", "median", "q025", "q975"), v, strict=True))
                      for k, v in self.hyper.items()},
            "country_rhat_max": list(self.country_rhat_max),
            "country_ess_min": list(self.country_ess_min),
            "converged": self.converged,
        }

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> Diagnostics:
        """Inverse of :meth:`to_dict`."""
        raw: Any = d
        hyper = {k: (float(v["rhat"]), float(v["ess_bulk"]), float(v["median"]), float(v["q025"]),
                     float(v["q975"])) for k, v in raw["hyper"].items()}
        r, rn = raw["country_rhat_max"]
        e, en = raw["country_ess_min"]
        return cls(hyper, (float(r), str(rn)), (float(e), str(en)))


def diagnose(posterior: object, countries: tuple[str, ...], ends: tuple[int, ...] = ()) -> Diagnostics:
    """R-hat and ESS of every hyperparameter, and the worst country parameter.

    Parameters
    ----------
    posterior
        A :class:`~migcap.projections.model.Posterior`.
    countries
        ISO3 codes in the order of the posterior's columns (to name the worst one).
    ends
        End years of the observed periods (to name the volatilities ``kappa[<end>]``, which count
        as hyperparameters; the last is fixed at 1 and left out).
    """
    from migcap.projections.model import Posterior

    assert isinstance(posterior, Posterior)
    hyper = {}
    for name, v in posterior.hyper.items():
        chains = posterior.by_chain(v)
        hyper[name] = (rhat(chains), ess_bulk(chains), float(np.median(v)), float(np.quantile(v, 0.025)),
                       float(np.quantile(v, 0.975)))
    kappa = posterior.kappa
    if kappa.shape[1] > 1 and np.ptp(kappa[:, :-1]) > 0:
        labels = [str(e) for e in ends[1:]] if len(ends) == kappa.shape[1] + 1 else \
            [str(j + 1) for j in range(kappa.shape[1])]
        for j in range(kappa.shape[1] - 1):
            v = kappa[:, j]
            chains = posterior.by_chain(v)
            hyper[f"kappa[{labels[j]}]"] = (rhat(chains), ess_bulk(chains), float(np.median(v)),
                                            float(np.quantile(v, 0.025)), float(np.quantile(v, 0.975)))
    worst_r, worst_r_name = 1.0, ""
    worst_e, worst_e_name = np.inf, ""
    for pname in ("mu", "phi", "sigma"):
        arr = posterior.by_chain(getattr(posterior, pname))  # (chains, kept, countries)
        for j, iso3 in enumerate(countries):
            r = rhat(arr[:, :, j])
            if r > worst_r:
                worst_r, worst_r_name = r, f"{pname}[{iso3}]"
            e = ess_bulk(arr[:, :, j])
            if e < worst_e:
                worst_e, worst_e_name = e, f"{pname}[{iso3}]"
    return Diagnostics(hyper, (worst_r, worst_r_name), (float(worst_e), worst_e_name))
