"""Bilateral migration flows estimated from stock tables.

Ports of the methods of the R package migest (G. J. Abel), with the same
semantics and results, vectorised with numpy:

* :func:`ffs_demo` — demographic accounting (Abel 2013; Abel & Sander 2014;
  Abel 2018; Abel & Cohen 2019), with or without the stayer assumption;
* :func:`ffs_diff` — stock differencing (``"zero"`` or ``"return"`` for decreases);
* :func:`ffs_rates` — migration-rate methods (Dennett; Rogers–von Rabenau);
* the fitting routines underneath: :func:`ipfp` (mipfp's ``Ipfp``), :func:`ipf2`,
  :func:`ipf3`, :func:`ipf3_qi` and conditional maximisation :func:`cm2`, :func:`cm3`.

Every estimator returns a frozen :class:`FlowResult` (``to_frame()``, ``od()``,
``to_dict()``). Applied to data: :func:`estimate_world_flows` (the bundled UN DESA
bilateral stocks with WPP births and deaths, by country or region) and
:func:`estimate_user_flows` (your own stock tables), both returning
:class:`FlowEstimates`. Tables are ``place of birth x place of residence`` (as in migest);
labelled pandas inputs keep their labels.

The names are imported on first use (PEP 562), so that ``migcap flows`` in the
command line loads numpy and pandas only when a command runs.

Examples
--------
>>> import numpy as np
>>> from migcap.flows import ffs_demo
>>> s0 = np.array([[90.0, 10.0], [5.0, 95.0]])
>>> s1 = np.array([[80.0, 20.0], [5.0, 95.0]])
>>> ffs_demo(s0, s1).od().to_numpy().tolist()
[[0.0, 10.0], [0.0, 0.0]]
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from migcap.flows.apply import FlowEstimates, estimate_user_flows, estimate_world_flows
    from migcap.flows.cm import cm2, cm3
    from migcap.flows.demo import birth_matrix, death_matrix, ffs_demo
    from migcap.flows.diff import ffs_diff
    from migcap.flows.ipf import ipf2, ipf3, ipf3_qi, ipfp
    from migcap.flows.rates import ffs_rates
    from migcap.flows.result import FlowResult
    from migcap.flows.rounding import RCompatibleRandom, rescale_integer_sum

_MODULE_OF = {
    "FlowEstimates": "apply", "estimate_user_flows": "apply", "estimate_world_flows": "apply",
    "cm2": "cm", "cm3": "cm",
    "birth_matrix": "demo", "death_matrix": "demo", "ffs_demo": "demo",
    "ffs_diff": "diff",
    "ipf2": "ipf", "ipf3": "ipf", "ipf3_qi": "ipf", "ipfp": "ipf",
    "ffs_rates": "rates",
    "FlowResult": "result",
    "RCompatibleRandom": "rounding", "rescale_integer_sum": "rounding",
}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'migcap.flows' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"migcap.flows.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MODULE_OF))


__all__ = [
    "FlowEstimates",
    "FlowResult",
    "RCompatibleRandom",
    "birth_matrix",
    "cm2",
    "cm3",
    "death_matrix",
    "estimate_user_flows",
    "estimate_world_flows",
    "ffs_demo",
    "ffs_diff",
    "ffs_rates",
    "ipf2",
    "ipf3",
    "ipf3_qi",
    "ipfp",
    "rescale_integer_sum",
]
