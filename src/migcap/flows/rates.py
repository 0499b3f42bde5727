"""Migration-rate methods (migest's ``ffs_rates``): Dennett and Rogers–von Rabenau."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from migcap.errors import EstimationError, InputError
from migcap.flows._inputs import align_table, as_table
from migcap.flows.result import FlowResult

__all__ = ["ffs_rates"]


def ffs_rates(
    stock_start: Any,
    stock_end: Any = None,
    *,
    total: float | None = None,
    method: Literal["dennett", "rogers-von-rabenau"] = "dennett",
) -> FlowResult:
    """Flows from migration rates derived from stock tables.

    ``"dennett"`` (Dennett 2015) shares a known global flow ``total`` (migest's
    ``M``) out in proportion to the foreign-born stocks at the start.
    ``"rogers-von-rabenau"`` (Rogers and von Rabenau 1971) solves
    ``stock_start @ g = stock_end`` for a growth matrix ``g`` and multiplies row
    ``i`` of ``g`` by the population of place ``i`` at the start; it can give
    negative flows.

    Parameters
    ----------
    stock_start
        Square stock table at the start (rows = place of birth, columns = place of residence).
    stock_end
        Stock table at the end; needed by ``"rogers-von-rabenau"`` only.
    total
        Global sum of the flows; needed by ``"dennett"`` only.
    method
        ``"dennett"`` (default) or ``"rogers-von-rabenau"``.

    Returns
    -------
    FlowResult
        ``orig x dest`` flows with a zero diagonal.

    Examples
    --------
    >>> r = ffs_rates([[50, 10], [30, 40]], total=80)
    >>> r.values.tolist()
    [[0.0, 20.0], [60.0, 0.0]]
    """
    s0, labels = as_table(stock_start, "stock_start")
    places = labels if labels is not None else tuple(range(s0.shape[0]))
    if method == "dennett":
        if total is None:
            raise InputError("ffs_rates: method 'dennett' needs the global flow total (total=…)")
        if not np.isfinite(total) or total < 0:
            raise InputError("ffs_rates: total must be a non-negative number", value=total)
        share = s0.copy()
        np.fill_diagonal(share, 0.0)
        foreign = share.sum()
        if foreign <= 0:
            raise EstimationError("ffs_rates: stock_start has no foreign-born population to share "
                                  "the total out")
        flows = total * (share / foreign)
        params: dict[str, Any] = {"method": method, "total": float(total)}
    elif method == "rogers-von-rabenau":
        if stock_end is None:
            raise InputError("ffs_rates: method 'rogers-von-rabenau' needs stock_end")
        s1, labels1 = as_table(stock_end, "stock_end")
        s1 = align_table(s1, labels1, labels, "stock_end", "stock_start")
        if s1.shape != s0.shape:
            raise InputError(f"stock_end: shape {s1.shape} differs from stock_start {s0.shape}")
        try:
            growth = np.linalg.solve(s0, s1)
        except np.linalg.LinAlgError:
            raise EstimationError("ffs_rates: stock_start is singular; the growth matrix of the "
                                  "Rogers–von Rabenau method is undefined") from None
        flows = growth * s0.sum(axis=0)[:, None]
        np.fill_diagonal(flows, 0.0)
        params = {"method": method}
    else:
        raise InputError(f"ffs_rates: method must be 'dennett' or 'rogers-von-rabenau', not {method!r}")
    return FlowResult(flows, ("orig", "dest"), (places, places), "ffs_rates", params=params)
