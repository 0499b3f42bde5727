"""Migrant stocks from net migration: a stock–flow model fitted to UN DESA IMS and WPP.

Net migration alone cannot tell how a country's foreign-born population changes: it
mixes natives leaving and returning with foreigners arriving and leaving, and the
world's net migration is zero while the world's migrant stock grows. The model
therefore learns, from the IMS stocks of 1990 … 2020 and WPP's net migrants of the
same 5-year periods, how a period's net migration and the stock at its start show up
in the stock at its end::

    S[c,t] = (S[c,t−5] · (1 + δ_t) + β_t · w[c,t] · M[c,t]) · exp(e[c,t] − sd[c]²/2)

``β`` is the share of net migration that changes the foreign-born stock and ``δ`` the
growth of the stock that net migration does not show (foreign-born arriving while natives
leave, minus deaths and departures of migrants). ``w`` is 1 for a country of net immigration;
for a country of net emigration (negative net migration on average over the fitted periods)
it is the foreign-born share of the population at the start of the period: its net migration
is mostly its own citizens leaving, and emigrants are taken to be foreign-born in proportion
to the foreign-born in the population (``form="regime"``, the default). The coefficients are
estimated by least squares on the share scale (all terms ÷ ``P[c,t]``) **period by period**;
they differ from period to period (refugee movements count fully in stocks, labour migration
partly), so a projection draws each future period's coefficients from the spread of the past
periods around their mean (and the mean from its own uncertainty). ``e`` is a multiplicative
country residual (the log of observed over fitted stock) with the country's own standard
deviation ``sd[c]`` (the median country's for countries with fewer than three periods; at most
1.0), drawn independently from period to period; it keeps the expected stock of each period
given the last, and never makes a stock negative. The fitted residuals are somewhat
autocorrelated (the lag-1 correlation is reported), but carrying that into 30-year
projections, where each period builds on the last, makes the expected stock drift upward
without end, which 30 years of IMS data cannot support; independent residuals are the
conservative choice. (Additive residuals on the share scale would give countries whose stock
is a tiny share of a large population, such as China, noise larger than their stock, which cut
at zero inflates the totals.) The expected stock of a period is at least 5% of the stock at its
start, and stocks stay below the population.

The model is linear in each country's net migration on purpose: the regime of a country is
fixed, not read from the sign of each simulated value. An asymmetric form (separate shares
for net immigration and net emigration, ``form="asymmetric"``) fits the past a little better
given the *observed* net migration, but it is convex in ``M``: fed with simulated
trajectories, in which every country's net migration scatters independently, it turns the
scatter itself into stock growth, and its backtest overshoots the world's stock (see
``docs/projections.md``). The plain linear form (``form="linear"``, ``w = 1`` everywhere, the
first version) reads net emigration countries' citizens leaving as a loss of foreign-born
residents and collapses many of their stocks within a few periods; it is kept for comparison.

Population comes from the same trajectories as net migration (so the stock share is
consistent with the population), and those are matched to WPP 2024's population
intervals (see :mod:`migcap.projections.trajectories`).

Examples
--------
>>> import numpy as np
>>> sm = StockModel(np.array([0.2, 0.1]), np.zeros((2, 2)), np.zeros(2), 0.0, (2015, 2020), 2)
>>> paths = project_stocks(sm, np.array([100.0, 50.0]), np.array([[[10.0], [-10.0]]]),
...                        np.array([[[1000.0, 1010.0], [500.0, 490.0]]]), seed=1, noise=False)
>>> paths[0, :, 1].round(2).tolist()
[112.0, 53.0]
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass

import numpy as np

from migcap.errors import EstimationError
from migcap.projections.data import PERIOD, MigrantStocks, RateData

__all__ = ["StockModel", "fit_stock_model", "project_stocks"]

#: Countries with fewer residuals than this get the median country's residual sd.
MIN_PERIODS = 3
#: A period's expected stock is at least this share of the stock at its start.
FLOOR = 0.05
#: Largest residual sd (log scale) per 5-year period.
MAX_SD = 1.0


#: A country's projected stock is flagged when its median at the horizon is more than this many times, or
#: less than this fraction of, its last observed stock (the forms are compared on it in
#: ``docs/projections.md``, table ``stock-forms``).
IMPLAUSIBLE_FACTOR = 5.0

FORMS = {"regime": ("beta", "delta"), "linear": ("beta", "delta"),
         "asymmetric": ("beta_plus", "beta_minus", "delta")}


def _features(form: str, m: np.ndarray, s: np.ndarray, p0: np.ndarray,
              emigration: np.ndarray | None = None) -> list[np.ndarray]:
    if form == "linear":
        return [m, s]
    if form == "regime":   # an emigration country's net migration moves its foreign-born stock pro rata
        return [m * np.where(emigration if emigration is not None else False, np.clip(s / p0, 0, 1), 1.0), s]
    return [np.maximum(m, 0), np.minimum(m, 0), s]


@dataclass(frozen=True, eq=False)
class StockModel:
    """A fitted stock–flow model.

    Attributes
    ----------
    coef
        Mean of the period coefficients: ``(β, δ)`` (linear form) or ``(β⁺, β⁻, δ)`` (asymmetric).
    between
        Covariance of the period coefficients around their mean.
    resid_sd
        ``(countries,)`` residual standard deviation, as a share of population.
    rho
        Lag-1 autocorrelation of the fitted residuals (reported; projections draw independent
        residuals).
    years
        End years of the periods fitted.
    n_obs
        Country-periods fitted.
    coef_periods
        ``(periods, coefficients)`` the coefficients of each period.
    form
        ``regime`` (default), ``linear`` or ``asymmetric``.
    emigration
        ``(countries,)`` True for a country of net emigration over the fitted periods (used by
        the ``regime`` form; ``None``: every country a country of immigration).
    """

    coef: np.ndarray
    between: np.ndarray
    resid_sd: np.ndarray
    rho: float
    years: tuple[int, ...]
    n_obs: int
    coef_periods: np.ndarray | None = None
    form: str = "regime"
    emigration: np.ndarray | None = None

    def take(self, idx: np.ndarray) -> StockModel:
        """The model for the countries ``idx`` only (their residual sds and regimes), e.g. for one area."""
        emigration = None if self.emigration is None else self.emigration[idx]
        return dataclasses.replace(self, resid_sd=self.resid_sd[idx], emigration=emigration)

    def rows(self) -> list[tuple[str, float, float]]:
        """``(coefficient, mean, between-period sd)`` for reports."""
        sd = np.sqrt(np.diag(self.between))
        return [(name, float(self.coef[i]), float(sd[i])) for i, name in enumerate(FORMS[self.form])]


def fit_stock_model(stocks: MigrantStocks, rates: RateData, *, last_year: int | None = None,
                    form: str = "regime") -> StockModel:
    """Fit the stock–flow model to every period between two IMS years up to ``last_year``.

    Raises
    ------
    EstimationError
        If fewer than two periods or too few countries are available, or the form is unknown.
    """
    if form not in FORMS:
        raise EstimationError(f"unknown stock model form {form!r}", hint=f"use one of {', '.join(FORMS)}")
    years = [y for y in stocks.years if last_year is None or y <= last_year]
    ends = [y for y in years[1:] if y - PERIOD in years and y in rates.ends]
    if len(ends) < 2:
        raise EstimationError("the stock model needs at least two 5-year periods of migrant stocks",
                              value=tuple(years))
    n = len(stocks.iso3)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        # countries without net migration: NaN, not emigration
        warnings.simplefilter("ignore", RuntimeWarning)
        emigration = np.nanmean(rates.migrants[:, [rates.ends.index(e) for e in ends]], axis=1) < 0
    resid = np.full((n, len(ends)), np.nan)
    coefs = []
    n_obs = 0
    for j, end in enumerate(ends):
        a, b = stocks.years.index(end - PERIOD), stocks.years.index(end)
        s0, s1 = stocks.stock[:, a], stocks.stock[:, b]
        p1 = stocks.population[:, b]
        m = rates.migrants[:, rates.ends.index(end)]
        ok = np.isfinite(s0) & np.isfinite(s1) & np.isfinite(m) & (p1 > 0)
        if ok.sum() < 10:
            raise EstimationError(f"too few countries with migrant stocks in {end - PERIOD} and {end}",
                                  value=int(ok.sum()))
        p0 = stocks.population[:, a]
        ok &= np.isfinite(p0) & (p0 > 0)
        x = np.column_stack(_features(form, m, s0, p0, emigration))[ok] / p1[ok, None]
        y = (s1 - s0)[ok] / p1[ok]
        beta = np.linalg.lstsq(x, y, rcond=None)[0]
        coefs.append(beta)
        fitted = s0[ok] + p1[ok] * (x @ beta)
        pos = (s1[ok] > 0) & (fitted > 0)
        r = np.full(int(ok.sum()), np.nan)
        r[pos] = np.log(s1[ok][pos]) - np.log(fitted[pos])
        resid[ok, j] = r
        n_obs += int(ok.sum())
    cp = np.array(coefs)
    mean = cp.mean(axis=0)
    between = np.cov(cp, rowvar=False, ddof=1)
    cnt = np.isfinite(resid).sum(axis=1)
    own = np.sqrt(np.nansum(resid ** 2, axis=1) / np.maximum(cnt, 1))
    enough = cnt >= MIN_PERIODS
    resid_sd = np.where(enough, own, float(np.median(own[enough])))
    resid_sd = np.minimum(resid_sd, MAX_SD)
    r0, r1 = resid[:, :-1].ravel(), resid[:, 1:].ravel()
    both = np.isfinite(r0) & np.isfinite(r1)
    # measured for the report; the projection treats the residuals as independent (see the module doc)
    rho = float(np.corrcoef(r0[both], r1[both])[0, 1]) if both.sum() > 10 else 0.0
    return StockModel(mean, between, resid_sd, rho, tuple(ends), n_obs, cp, form, emigration)


def project_stocks(
    model: StockModel,
    stock0: np.ndarray,
    migrants: np.ndarray,
    population: np.ndarray,
    *,
    seed: int = 1,
    noise: bool = True,
) -> np.ndarray:
    """Stock trajectories ``(draws, countries, periods + 1)`` (the start included).

    Parameters
    ----------
    model
        The fitted stock–flow model.
    stock0
        ``(countries,)`` stocks at the start; NaN for countries without one (they stay NaN).
    migrants
        ``(draws, countries, periods)`` net migrants of each period.
    population
        ``(draws, countries, periods + 1)`` population at the start and each period end.
    seed
        Seed of the coefficient and residual draws.
    noise
        Draw coefficients and residuals; ``False`` gives the expected path with the mean
        coefficients.
    """
    migrants = np.asarray(migrants, dtype=float)
    population = np.asarray(population, dtype=float)
    d, n, k = migrants.shape
    if population.shape != (d, n, k + 1) or np.shape(stock0) != (n,):
        raise EstimationError("stock projection inputs do not match",
                              value=(np.shape(stock0), migrants.shape, population.shape))
    out = np.empty((d, n, k + 1))
    out[:, :, 0] = stock0
    q = len(model.coef)
    if noise:
        rng = np.random.default_rng([seed, 7])
        j = 1 if model.coef_periods is None else len(model.coef_periods)
        chol = np.linalg.cholesky(model.between + 1e-12 * np.eye(q))
        centre = model.coef + rng.standard_normal((d, q)) @ chol.T / np.sqrt(j)
        coef = centre[:, None, :] + rng.standard_normal((d, k, q)) @ chol.T        # (d, k, q)
        e = rng.standard_normal((d, n, k)) * model.resid_sd[None, :, None]
        e -= 0.5 * model.resid_sd[None, :, None] ** 2
    else:
        coef = np.broadcast_to(model.coef, (d, k, q))
        e = np.zeros((d, n, k))
    for t in range(k):
        s = out[:, :, t]
        p = population[:, :, t + 1]
        feats = _features(model.form, migrants[:, :, t], s, population[:, :, t], model.emigration)
        expected = s.copy()
        for i, f in enumerate(feats):
            expected += coef[:, t, i:i + 1] * f
        expected = np.maximum(expected, FLOOR * s)
        out[:, :, t + 1] = np.minimum(expected * np.exp(e[:, :, t]), p)
    return out
