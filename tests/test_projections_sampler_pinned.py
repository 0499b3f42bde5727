"""The sampler's draws, pinned: a fixed seed on real WPP 2024 rates gives these draws.

A refactoring of :func:`migcap.projections.model.sample` must leave the draws unchanged, so this
test compares the mean and standard deviation of each array of draws, to a relative 1e-9, and the
acceptance rates exactly, with values recorded from the sampler. The first version compared SHA-256
digests of the arrays bit for bit; numpy 2.4 changed the last bits of some sums (the same accept and
reject decisions, so the same acceptance rates) and broke the digests without any change of the
code. A relative 1e-9 still catches any change of a draw that a refactoring could make: a different
proposal, order of updates or random stream moves the means by far more. A deliberate change of the
model or the sampler (the projections issue) may re-pin the values: run this file, check the new
fit, and paste the values the failure prints.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from migcap.projections.data import load_rates
from migcap.projections.fitted import MODEL_PRIORS, log_population
from migcap.projections.model import Posterior, Priors, SamplerSettings, sample

COUNTRIES = ("DEU", "SYR", "QAT", "USA", "IND", "MEX", "PHL", "NGA", "POL", "JOR", "AUS", "CAN")
SETTINGS = SamplerSettings(chains=2, burnin=50, iterations=100, thin=1, seed=7)

#: The priors of each pinned case: version 1's model (``Priors()``), the normal model, and the model of
#: version 2 (``MODEL_PRIORS``, log-normal country variances with log population).
VARIANTS = {"student-t": Priors(), "normal": Priors(nu_grid=(), volatility=False), "model-v2": MODEL_PRIORS}

#: (mean, standard deviation) of each array of draws, and the acceptance rates, recorded from the sampler.
PINNED: dict[str, tuple[dict[str, tuple[float, float]], dict[str, float]]] = {
    "model-v2": (
        {
            "mu": (0.008263966989263348, 0.017883293882157845),
            "phi": (0.4875307759766573, 0.2738076985258798),
            "sigma": (0.026543993538400527, 0.051142027378375074),
            "kappa": (0.9082981726296927, 0.316339771877605),
            "hyper.eta": (0.44594598053242007, 0.23306511633780813),
            "hyper.kappa_sd": (0.25985008462770026, 0.14406880061673996),
            "hyper.lambda": (0.009149832865855672, 0.007207690426481236),
            "hyper.nu": (2.945, 1.0059696814516828),
            "hyper.omega": (0.5986650588237036, 0.24728034800304347),
            "hyper.sigma_mean": (-9.404454816393185, 0.7103326522021794),
            "hyper.sigma_sd": (1.2692400287146126, 0.42490705488680425),
            "hyper.sigma_slope": (-2.415136309827198, 0.4034255867889481),
            "hyper.tau": (0.01929645065380021, 0.006482994750466309),
        },
        {"eta": 0.65, "kappa": 0.5195833333333334, "nu": 0.685, "omega": 0.6083333333333333,
         "sigma": 0.7429166666666666, "tau": 0.3175},
    ),
    "normal": (
        {
            "mu": (0.008468942263245202, 0.017653360490131737),
            "phi": (0.5090037045813625, 0.26776706811567536),
            "sigma": (0.04101041540543027, 0.0794327726869616),
            "kappa": (1.0, 0.0),
            "hyper.a": (0.40833720046210653, 0.14650140722421454),
            "hyper.b": (1.1794885666539774e-05, 6.230661646215787e-06),
            "hyper.eta": (0.5699419854788993, 0.24954677612884482),
            "hyper.lambda": (0.008563314418589672, 0.007685900873215396),
            "hyper.omega": (0.6567995434850832, 0.2063813726580659),
            "hyper.tau": (0.01944223827398055, 0.006414789536049381),
        },
        {"a": 0.62, "eta": 0.7483333333333333, "omega": 0.675, "tau": 0.321},
    ),
    "student-t": (
        {
            "mu": (0.00710430952403498, 0.018223319525399018),
            "phi": (0.47550764542076496, 0.2872637785861731),
            "sigma": (0.029477406614447713, 0.06151095149758111),
            "kappa": (0.7939747674944879, 0.2588200414331864),
            "hyper.a": (0.512930434806232, 0.18083635485923935),
            "hyper.b": (1.5927196943239642e-05, 1.524212890220764e-05),
            "hyper.eta": (0.45174304149944916, 0.2701244323460931),
            "hyper.kappa_sd": (0.270633355809389, 0.15898640577397255),
            "hyper.lambda": (0.007001948184573943, 0.007177345502378906),
            "hyper.nu": (2.9575, 1.2833330627705342),
            "hyper.omega": (0.6750251302097187, 0.217835446870054),
            "hyper.tau": (0.02107016067610428, 0.00803578856029079),
        },
        {"a": 0.6183333333333333, "eta": 0.66, "kappa": 0.5329166666666666, "nu": 0.65,
         "omega": 0.5683333333333334, "tau": 0.309},
    ),
}


def summary(post: Posterior) -> tuple[dict[str, tuple[float, float]], dict[str, float]]:
    """Mean and standard deviation of each array of draws, and the acceptance rates."""
    arrays: dict[str, np.ndarray] = {"mu": post.mu, "phi": post.phi, "sigma": post.sigma, "kappa": post.kappa}
    arrays |= {f"hyper.{k}": v for k, v in sorted(post.hyper.items())}
    moments = {name: (float(np.mean(a)), float(np.std(a))) for name, a in arrays.items()}
    return moments, {k: float(v) for k, v in sorted(post.acceptance.items())}


@pytest.mark.parametrize("variant", sorted(PINNED))
def test_fixed_seed_draws_are_pinned(con: Any, variant: str) -> None:
    data = load_rates(con).subset(COUNTRIES)
    priors = VARIANTS[variant]
    covariate = log_population(data) if priors.sigma_covariate else None
    moments, acceptance = summary(sample(data.rates, priors=priors, settings=SETTINGS, covariate=covariate))
    want_moments, want_acceptance = PINNED[variant]
    assert acceptance == want_acceptance, f"{variant!r}: {acceptance!r}"
    assert set(moments) == set(want_moments)
    for name, (mean, sd) in want_moments.items():
        assert moments[name] == pytest.approx((mean, sd), rel=1e-9, abs=1e-15), (
            f"{variant!r} {name}: {moments!r}")
