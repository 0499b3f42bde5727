"""Stock differencing (migest's ``ffs_diff``)."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from migcap.errors import InputError
from migcap.flows._inputs import align_table, as_table
from migcap.flows.result import FlowResult

__all__ = ["ffs_diff"]


def ffs_diff(
    stock_start: Any,
    stock_end: Any,
    *,
    decrease: Literal["return", "zero"] = "return",
    include_native_born: bool = False,
) -> FlowResult:
    """Flows as the change in bilateral stocks, as economists often estimate them.

    The increase of the stock born in ``i`` living in ``j`` is a flow ``i -> j``.
    A decrease is either ignored (``"zero"``, Bertoli and Fernández-Huertas
    Moraga 2015) or taken as a return flow ``j -> i`` (``"return"``, Beine and
    Parsons 2015).

    Parameters
    ----------
    stock_start, stock_end
        Square stock tables, rows = place of birth, columns = place of residence.
    decrease
        ``"return"`` (default) or ``"zero"``.
    include_native_born
        Keep the diagonal (native born) in the differences; migest's default is not to.

    Returns
    -------
    FlowResult
        ``orig x dest`` flows (non-negative).

    Examples
    --------
    >>> r = ffs_diff([[10, 5], [2, 20]], [[10, 8], [1, 20]])
    >>> r.values.tolist()
    [[0.0, 4.0], [0.0, 0.0]]
    """
    if decrease not in ("return", "zero"):
        raise InputError(f"ffs_diff: decrease must be 'return' or 'zero', not {decrease!r}")
    s0, labels = as_table(stock_start, "stock_start")
    s1, labels1 = as_table(stock_end, "stock_end")
    s1 = align_table(s1, labels1, labels, "stock_end", "stock_start")
    if s0.shape != s1.shape:
        raise InputError(f"stock_end: shape {s1.shape} differs from stock_start {s0.shape}")
    change = s1 - s0
    if not include_native_born:
        np.fill_diagonal(change, 0.0)
    flows = np.maximum(change, 0.0)
    if decrease == "return":
        flows = flows + np.maximum(-change.T, 0.0)
    places = labels if labels is not None else (labels1 if labels1 is not None else tuple(range(s0.shape[0])))
    return FlowResult(flows, ("orig", "dest"), (places, places), "ffs_diff",
                      params={"decrease": decrease, "include_native_born": include_native_born})
