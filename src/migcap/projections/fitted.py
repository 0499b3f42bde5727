"""A fitted model: the data it saw, its posterior draws, diagnostics; fitting and projecting.

Examples
--------
>>> from migcap.projections import fit                       # doctest: +SKIP
>>> model = fit()                                             # doctest: +SKIP
>>> model.diagnostics.converged                               # doctest: +SKIP
True
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np

from migcap.errors import ConvergenceWarning, DataUnavailableError
from migcap.projections.data import PERIOD, RateData, load_rates
from migcap.projections.diagnostics import RHAT_LIMIT, Diagnostics, diagnose
from migcap.projections.model import Posterior, Priors, Progress, SamplerSettings, sample
from migcap.projections.trajectories import Trajectories, simulate

if TYPE_CHECKING:
    import duckdb

__all__ = ["CUMULATIVE_WINDOW", "MODEL_PRIORS", "MODEL_VERSION", "FittedModel", "cumulative_range", "fit",
           "fit_rates", "log_population", "model_version"]

#: The model migcap projects with, chosen on the development backtests (docs/projections.md, "How the
#: model was chosen"): Student-t errors, drifting world volatility, and log-normal country variances
#: with log population as covariate. ``Priors()`` alone is the sampler's plain default (inverse-gamma
#: variances), the model of version 1.
MODEL_PRIORS = Priors(sigma_prior="lognormal", sigma_covariate=True)
#: Version of the model: 1, the model of issue 6 (inverse-gamma country variances); 2, ``MODEL_PRIORS``.
MODEL_VERSION = 2

#: Periods over which projected rates are summed for the cumulative limits (30 years, as bayesMig).
CUMULATIVE_WINDOW = 6


@dataclass(frozen=True, eq=False)
class FittedModel:
    """The result of :func:`fit`: data, posterior draws and convergence diagnostics.

    Attributes
    ----------
    data
        The observed rates the model was fitted to.
    posterior
        Posterior draws (all chains).
    diagnostics
        R-hat and ESS of the hyperparameters and the worst country parameter.
    bounds
        Range of the observed rates; projected rates are kept inside it.
    created
        When the fit was made (UTC, ISO 8601).
    cumulative
        Range of the observed sums of a country's rates over ``CUMULATIVE_WINDOW`` consecutive
        periods; projected running sums are kept inside it.
    """

    data: RateData
    posterior: Posterior
    diagnostics: Diagnostics
    bounds: tuple[float, float]
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    cumulative: tuple[float, float] = (-np.inf, np.inf)

    @property
    def version(self) -> str:
        """The model version of its priors: ``"2"`` (``MODEL_PRIORS``), ``"1"`` (``Priors()``) or
        ``"custom"``."""
        return model_version(self.posterior.priors)

    @property
    def last_end(self) -> int:
        """End year of the last observed period."""
        return self.data.ends[-1]

    def simulate(self, ends: tuple[int, ...], natural: np.ndarray, *, draws: int = 1000, seed: int = 1,
                 population0: np.ndarray | None = None, natural_sd: np.ndarray | None = None,
                 natural_cap: np.ndarray | None = None, world_sd: float | None = None,
                 constrain: bool = True) -> Trajectories:
        """Trajectories from the last observed period (see
        :func:`~migcap.projections.trajectories.simulate`)."""
        expected = tuple(range(self.last_end + PERIOD, self.last_end + PERIOD * (len(ends) + 1), PERIOD))
        if tuple(ends) != expected:
            raise DataUnavailableError("projection periods must follow the last observed one "
                                       f"({self.last_end})",
                                       value=ends)
        pop0 = self.data.population[:, -1] if population0 is None else population0
        history = self.data.rates[:, -(CUMULATIVE_WINDOW - 1):]
        return simulate(self.posterior, self.data.rates[:, -1], pop0, natural, tuple(ends), draws=draws,
                        seed=seed, constrain=constrain, bounds=self.bounds, cumulative=self.cumulative,
                        history=history, iso3=self.data.iso3, natural_sd=natural_sd, natural_cap=natural_cap,
                        world_sd=world_sd)

    def summary_rows(self) -> list[tuple[str, float, float, float, float, float]]:
        """``(parameter, median, 2.5%, 97.5%, R-hat, ESS)`` per hyperparameter."""
        return [(k, v[2], v[3], v[4], v[0], v[1]) for k, v in self.diagnostics.hyper.items()]


def fit_rates(
    data: RateData,
    *,
    priors: Priors | None = None,
    settings: SamplerSettings | None = None,
    progress: Progress | None = None,
    warn: bool = True,
) -> FittedModel:
    """Fit the model (default priors: ``MODEL_PRIORS``) to observed rates; warn
    (:class:`~migcap.errors.ConvergenceWarning`) if not converged."""
    priors = priors or MODEL_PRIORS
    covariate = log_population(data) if priors.sigma_covariate else None
    posterior = sample(data.rates, priors=priors, settings=settings, progress=progress, covariate=covariate)
    diag = diagnose(posterior, data.iso3, data.ends)
    if warn and not diag.converged:
        r, name = diag.rhat_max
        warnings.warn(
            f"the MCMC has not converged: R-hat {r:.3f} for {name} (limit {RHAT_LIMIT}); projections are "
            f"unreliable — fit again with more iterations (e.g. 'migcap project fit --iterations "
            f"{2 * posterior.settings.iterations}')", ConvergenceWarning, stacklevel=2)
    bounds = (float(np.min(data.rates)), float(np.max(data.rates)))
    return FittedModel(data, posterior, diag, bounds, cumulative=cumulative_range(data.rates))


def model_version(priors: Priors) -> str:
    """``"2"`` for ``MODEL_PRIORS``, ``"1"`` for the model of issue 6 (``Priors()``), else ``"custom"``."""
    if priors == MODEL_PRIORS:
        return str(MODEL_VERSION)
    return "1" if priors == Priors() else "custom"


def log_population(data: RateData) -> np.ndarray:
    """The covariate of the country variances: each country's mean log population over the end years
    of its fitted periods."""
    return np.asarray(np.log(data.population[:, 1:]).mean(axis=1), dtype=float)


def cumulative_range(rates: np.ndarray, window: int = 0) -> tuple[float, float]:
    """Smallest and largest sum of a country's rates over ``window`` consecutive periods
    (default ``CUMULATIVE_WINDOW``, or all periods if there are fewer)."""
    w = min(window or CUMULATIVE_WINDOW, rates.shape[1])
    c = np.cumsum(np.pad(rates, ((0, 0), (1, 0))), axis=1)
    sums = c[:, w:] - c[:, :-w]
    return float(sums.min()), float(sums.max())


def fit(
    con: duckdb.DuckDBPyConnection | None = None,
    *,
    edition: str | None = None,
    last_end: int | None = None,
    priors: Priors | None = None,
    settings: SamplerSettings | None = None,
    progress: Progress | None = None,
) -> FittedModel:
    """Fit the net migration model to WPP's 5-year rates of every country.

    Parameters
    ----------
    con
        Warehouse connection (default: :func:`migcap.store.warehouse.connect`).
    edition
        WPP edition (default: the latest).
    last_end
        End year of the last period used (default: the last with population estimates, 2020).
    priors, settings
        Hyperpriors (default: ``MODEL_PRIORS``) and sampler settings.
    progress
        Called as ``progress(done, total)`` during sampling.

    Returns
    -------
    FittedModel

    Warns
    -----
    ConvergenceWarning
        If a hyperparameter's R-hat is 1.05 or more.
    """
    from migcap.store.warehouse import connect

    con = con or connect()
    data = load_rates(con, edition)
    if last_end is not None:
        data = data.upto(last_end)
    return fit_rates(data, priors=priors, settings=settings, progress=progress)
