"""Conditional maximisation (migest's ``cm2`` and ``cm3``).

Both fit ``y = alpha[i] * beta[j] * m`` to known origin (row) and destination
(column) totals by alternately solving for all ``alpha`` given ``beta`` and then
all ``beta`` given ``alpha`` (Willekens 1999; Raymer, Abel & Smith 2007), starting
from ``alpha = beta = 1``, in the order of migest 2.0.5. The loop stops when the
largest change of any parameter is at most ``tol`` (migest's default ``1e-6``).

For ``cm3`` the auxiliary array ``m[i, j, k]`` enters the updates only through
its sum over ``k``; migest recomputes that sum for every parameter (O(n^3 K)
per iteration), here it is computed once, so an iteration costs two
matrix-vector products.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable
from typing import Any

import numpy as np

from migcap.errors import ConvergenceWarning, EstimationError, InputError
from migcap.flows._inputs import Labels, as_matrix, as_vector, positions
from migcap.flows.result import FlowResult

__all__ = ["cm2", "cm3"]


def _margins(row_tot: Any, col_tot: Any, n: int, m: int, row_labels: Labels | None,
             col_labels: Labels | None) -> tuple[np.ndarray, np.ndarray, Labels, Labels]:
    rows, rl = as_vector(row_tot, "row_tot")
    cols, cl = as_vector(col_tot, "col_tot")
    if rl is not None and row_labels is not None:
        rows = _reindex(rows, rl, row_labels, "row_tot")
    if cl is not None and col_labels is not None:
        cols = _reindex(cols, cl, col_labels, "col_tot")
    if rows.shape[0] != n:
        raise InputError(f"row_tot: has {rows.shape[0]} values but m has {n} rows")
    if cols.shape[0] != m:
        raise InputError(f"col_tot: has {cols.shape[0]} values but m has {m} columns")
    for arr, name in ((rows, "row_tot"), (cols, "col_tot")):
        if np.any(arr < 0):
            raise InputError(f"{name}: has negative values", value=float(arr.min()))
    if np.round(rows.sum()) != np.round(cols.sum()):
        raise EstimationError(f"row and column totals differ ({rows.sum():.10g} and "
                              f"{cols.sum():.10g}); they cannot both be matched")
    row_labels = row_labels if row_labels is not None else (rl if rl is not None else tuple(range(n)))
    col_labels = col_labels if col_labels is not None else (cl if cl is not None else tuple(range(m)))
    return rows, cols, row_labels, col_labels


def _reindex(values: np.ndarray, labels: Labels, target: Labels, name: str) -> np.ndarray:
    return values[positions(labels, target, name, "m")]


def _solve(rows: np.ndarray, cols: np.ndarray, collapsed: np.ndarray, tol: float,
           max_iter: int, name: str) -> tuple[np.ndarray, np.ndarray, int, bool, float]:
    alpha = np.ones(collapsed.shape[0])
    beta = np.ones(collapsed.shape[1])
    it = 0
    d_max = tol * 2
    with np.errstate(divide="ignore", invalid="ignore"):
        while d_max > tol and it < max_iter:
            alpha_old = alpha
            alpha = rows / (collapsed @ beta)
            beta_old = beta
            beta = cols / (alpha @ collapsed)
            it += 1
            d_max = float(max(np.max(np.abs(alpha - alpha_old)), np.max(np.abs(beta - beta_old))))
    if not (np.all(np.isfinite(alpha)) and np.all(np.isfinite(beta))):
        raise EstimationError(f"{name}: a row or column of m is all zero where its total is not; "
                              f"the parameters are undefined")
    converged = d_max <= tol
    if not converged:
        warnings.warn(f"{name}: no convergence after {it} iterations; remaining max parameter "
                      f"change {d_max:.6g} (tol {tol:g})", ConvergenceWarning, stacklevel=3)
    return alpha, beta, it, converged, d_max


def cm2(
    row_tot: Any,
    col_tot: Any,
    m: Any = None,
    *,
    tol: float = 1e-6,
    max_iter: int = 499,
) -> FlowResult:
    """Conditional maximisation for an origin-destination table with known margins.

    Parameters
    ----------
    row_tot, col_tot
        Origin and destination totals; their sums must round to the same integer.
    m
        Auxiliary (prior) table; default all 1 (independence).
    tol
        Stop when no ``alpha`` or ``beta`` changes by more than ``tol``.
    max_iter
        Maximum number of iterations. migest counts from 1, so its ``maxit = k``
        means ``max_iter = k - 1`` here (default 499 = migest's 500).

    Returns
    -------
    FlowResult
        ``alpha[i] * beta[j] * m[i, j]``, with ``params["alpha"]`` and ``params["beta"]``.

    Examples
    --------
    >>> r = cm2([18, 20], [16, 22], [[5, 2], [1, 7]])
    >>> r.values.round(2).tolist()
    [[13.25, 4.75], [2.75, 17.25]]
    """
    if m is None:
        r_arr, _ = as_vector(row_tot, "row_tot")
        c_arr, _ = as_vector(col_tot, "col_tot")
        m_arr = np.ones((r_arr.shape[0], c_arr.shape[0]))
        rl = cl = None
    else:
        m_arr, rl, cl = as_matrix(m, "m")
    if np.any(m_arr < 0):
        raise InputError("m: has negative values", value=float(m_arr.min()))
    rows, cols, rl2, cl2 = _margins(row_tot, col_tot, m_arr.shape[0], m_arr.shape[1], rl, cl)
    alpha, beta, it, converged, d_max = _solve(rows, cols, m_arr, tol, max_iter, "cm2")
    values = alpha[:, None] * beta[None, :] * m_arr
    return FlowResult(values, ("orig", "dest"), (rl2, cl2), "cm2", it, converged, d_max,
                      params={"alpha": alpha, "beta": beta})


def cm3(
    row_tot: Any,
    col_tot: Any,
    m: Any,
    *,
    tol: float = 1e-6,
    max_iter: int = 499,
    type_labels: tuple[Hashable, ...] | None = None,
) -> FlowResult:
    """Conditional maximisation for ``orig x dest x type`` flows with known origin/destination totals.

    Fits ``y[i, j, k] = alpha[i] * beta[j] * m[i, j, k]``: the auxiliary array
    gives the split by migrant type (age, sex …), the totals give the levels.

    Parameters
    ----------
    row_tot, col_tot
        Origin and destination totals over all types.
    m
        Auxiliary array ``orig x dest x type`` (numpy), or a mapping of type label
        to ``orig x dest`` tables (arrays or DataFrames).
    tol, max_iter
        As in :func:`cm2` (migest's ``maxit = k`` is ``max_iter = k - 1``).
    type_labels
        Labels of the third axis when ``m`` is a numpy array.

    Returns
    -------
    FlowResult
        ``orig x dest x type`` estimates with ``params["alpha"]`` and ``params["beta"]``.

    Examples
    --------
    >>> seed = np.array([[[5, 4], [2, 5]], [[1, 2], [7, 9]]], dtype=float)
    >>> r = cm3([36, 40], [32, 44], seed)
    >>> r.values.sum(axis=2).round(2).tolist()
    [[23.44, 12.56], [8.56, 31.44]]
    """
    rl: Labels | None = None
    cl: Labels | None = None
    if isinstance(m, dict):
        keys = tuple(m)
        mats = [as_matrix(m[k], f"m[{k!r}]") for k in keys]
        rl, cl = mats[0][1], mats[0][2]
        tables = []
        for (arr, r_k, c_k), key in zip(mats, keys, strict=True):
            if rl is not None and cl is not None and r_k is not None and c_k is not None \
                    and (r_k, c_k) != (rl, cl):
                arr = arr[np.ix_(positions(r_k, rl, f"m[{key!r}]", "the first table"),
                                 positions(c_k, cl, f"m[{key!r}]", "the first table"))]
            if arr.shape != mats[0][0].shape:
                raise InputError(f"m[{key!r}]: shape {arr.shape} differs from the first table")
            tables.append(arr)
        m_arr = np.stack(tables, axis=2)
        k_labels: tuple[Hashable, ...] = keys
    else:
        m_arr = np.array(m, dtype=np.float64)
        if m_arr.ndim != 3:
            raise InputError(f"m: expected an orig x dest x type array, got {m_arr.ndim} dimension(s)")
        k_labels = type_labels if type_labels is not None else tuple(range(m_arr.shape[2]))
        if len(k_labels) != m_arr.shape[2]:
            raise InputError(f"type_labels: {len(k_labels)} labels for {m_arr.shape[2]} types")
    if not np.all(np.isfinite(m_arr)):
        raise InputError("m: has missing or infinite values")
    if np.any(m_arr < 0):
        raise InputError("m: has negative values", value=float(m_arr.min()))
    rows, cols, rl2, cl2 = _margins(row_tot, col_tot, m_arr.shape[0], m_arr.shape[1], rl, cl)
    collapsed = m_arr.sum(axis=2)
    alpha, beta, it, converged, d_max = _solve(rows, cols, collapsed, tol, max_iter, "cm3")
    values = (alpha[:, None] * beta[None, :])[:, :, None] * m_arr
    return FlowResult(values, ("orig", "dest", "type"), (rl2, cl2, k_labels), "cm3", it, converged,
                      d_max, params={"alpha": alpha, "beta": beta})
