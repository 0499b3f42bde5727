"""Probabilistic projections of migration to 2050 (or 2100), scenarios and honest backtests.

* :func:`fit` — a Bayesian hierarchical AR(1) model of 5-year net migration rates for every
  country (Azose & Raftery 2015, as in bayesMig, with Student-t errors and drifting world
  volatility), fitted by a vectorised Gibbs sampler with R-hat and ESS diagnostics;
* :func:`net_migration`, :func:`stock`, :func:`population` — projections for the world, a
  region of any scheme or a country, with world net migration zero in every trajectory and
  population spread matched to WPP 2024's intervals; :func:`stock_scenarios` and
  :func:`compare_wpp` — the scenarios people quote and WPP 2024's medians beside them;
* :func:`backtest`, :func:`development_backtest`, :func:`stock_backtest` — the reference test (fit
  to 2005, project 2005–2020) and the development backtests (fits to 1990, 1995, 2000, checked to
  2005), scored for coverage, width, WIS, CRPS and error (``scoring``);
* :func:`save_model`, :func:`load_model` — a fit reused without refitting; :func:`start_fit`,
  :func:`fit_state`, :func:`load_current` — the default model fitted once in the background;
  :func:`check_request` — a request's parameters checked against :func:`load_rates` before any fit.

Submodules by domain: ``data`` (5-year rates), ``model`` (priors and sampler), ``fitted`` (the
model of version 2, ``MODEL_PRIORS``), ``diagnostics``, ``trajectories``, ``stockflow``, ``project``,
``backtesting``, ``scoring``, ``store``,
``areas``, ``result``, ``report`` (the generated tables of ``docs/projections.md``) and ``cli``.

Examples
--------
>>> from migcap.projections import net_migration            # doctest: +SKIP
>>> net_migration("Germany", to=2050, draws=1000, seed=1).to_frame()   # doctest: +SKIP
"""

from __future__ import annotations

from migcap.lazy import lazy_api

_API = {
    "fit": "migcap.projections.fitted",
    "FittedModel": "migcap.projections.fitted",
    "net_migration": "migcap.projections.project",
    "stock": "migcap.projections.project",
    "population": "migcap.projections.project",
    "stock_scenarios": "migcap.projections.project",
    "compare_wpp": "migcap.projections.project",
    "future": "migcap.projections.project",
    "backtest": "migcap.projections.backtesting",
    "stock_backtest": "migcap.projections.backtesting",
    "BacktestResult": "migcap.projections.backtesting",
    "development_backtest": "migcap.projections.backtesting",
    "MODEL_PRIORS": "migcap.projections.fitted",
    "MODEL_VERSION": "migcap.projections.fitted",
    "save_model": "migcap.projections.store",
    "load_model": "migcap.projections.store",
    "FitState": "migcap.projections.store",
    "fit_state": "migcap.projections.store",
    "start_fit": "migcap.projections.store",
    "load_current": "migcap.projections.store",
    "load_rates": "migcap.projections.data",
    "check_request": "migcap.projections.project",
    "Projection": "migcap.projections.result",
    "Priors": "migcap.projections.model",
    "SamplerSettings": "migcap.projections.model",
}

__all__ = sorted(_API)


__getattr__, __dir__ = lazy_api(__name__, _API)
