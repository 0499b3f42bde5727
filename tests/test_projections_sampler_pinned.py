"""The sampler's draws, pinned: a fixed seed on real WPP 2024 rates gives exactly these draws.

A refactoring of :func:`migcap.projections.model.sample` must leave every draw unchanged,
so this test compares a SHA-256 of each array of draws (and of the acceptance rates) with
the digests recorded from the code before the refactoring. A deliberate change of the
model or of the sampler (the projections issue) may re-pin the digests: run this file,
check the new fit, and paste the digests that the failure prints.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pytest

from migcap.projections.data import load_rates
from migcap.projections.model import Posterior, Priors, SamplerSettings, sample

COUNTRIES = ("DEU", "SYR", "QAT", "USA", "IND", "MEX", "PHL", "NGA", "POL", "JOR", "AUS", "CAN")
SETTINGS = SamplerSettings(chains=2, burnin=50, iterations=100, thin=1, seed=7)

#: Recorded from the sampler as it was before it was split into one function per update.
PINNED: dict[str, dict[str, str]] = {
    "student-t": {
        "mu": "a0d42b9f13e033e1", "phi": "8b153fb26b59f610", "sigma": "c3bbdc4e3289cc68",
        "kappa": "4e79a814810b205d", "hyper.a": "8ff2e8953b5e878b", "hyper.b": "e8dde92c8f025977",
        "hyper.eta": "707bcd3721433ea9", "hyper.kappa_sd": "1d4365cf127a3a55",
        "hyper.lambda": "aa37b14c41a014be", "hyper.nu": "132a0120595ae3fe",
        "hyper.omega": "7187d04be1f8f6d5", "hyper.tau": "2d6354a21b2dd5d6",
        "acceptance": "d329cfd507430c0b", "acceptance.keys": "a,eta,kappa,nu,omega,tau",
    },
    "normal": {
        "mu": "4a80ad69a8707d2b", "phi": "cc4868492fb70ced", "sigma": "d2562b0d869bea9e",
        "kappa": "f155258aa1d9c7f9", "hyper.a": "26fe7134ee5e8507", "hyper.b": "6d0d720f5cd1c500",
        "hyper.eta": "038db3d0b9f977e3", "hyper.lambda": "2e6a1d19097e9e18",
        "hyper.omega": "10bb52e73939a9ef", "hyper.tau": "6f123c984c2088d9",
        "acceptance": "562c623edb570e2b", "acceptance.keys": "a,eta,nu,omega,tau",
    },
}


def digests(post: Posterior) -> dict[str, str]:
    """SHA-256 (first 16 hex digits) of each array of draws and of the acceptance rates."""
    arrays: dict[str, np.ndarray] = {"mu": post.mu, "phi": post.phi, "sigma": post.sigma, "kappa": post.kappa}
    arrays |= {f"hyper.{k}": v for k, v in sorted(post.hyper.items())}
    arrays["acceptance"] = np.array([post.acceptance[k] for k in sorted(post.acceptance)])
    out = {name: hashlib.sha256(np.ascontiguousarray(a, dtype="<f8").tobytes()).hexdigest()[:16]
           for name, a in arrays.items()}
    out["acceptance.keys"] = ",".join(sorted(post.acceptance))
    return out


@pytest.mark.parametrize("variant", sorted(PINNED))
def test_fixed_seed_draws_are_pinned(con: Any, variant: str) -> None:
    rates = load_rates(con).subset(COUNTRIES).rates
    priors = Priors() if variant == "student-t" else Priors(nu_grid=(), volatility=False)
    got = digests(sample(rates, priors=priors, settings=SETTINGS))
    assert got == PINNED[variant], f"{variant!r}: {got!r}"
