"""Iterative proportional fitting: mipfp's ``Ipfp`` and migest's ``ipf2``, ``ipf3``, ``ipf3_qi``.

Two families of stopping rules are reproduced, because the reference results
depend on them:

* :func:`ipfp` follows R's ``mipfp::Ipfp`` (used inside migest's ``ffs_demo``):
  one iteration is one full cycle over the margins, the update factor is 0
  where the target or the current margin is 0, and the loop stops when the
  largest absolute change of any cell during the cycle is below ``tol``.
* :func:`ipf2`, :func:`ipf3` and :func:`ipf3_qi` follow migest's own routines:
  the loop stops when the largest absolute difference between a target margin
  and the margin found *before* its update is at most ``tol``; factors that are
  NaN or infinite are set to 0.

The three-way fits never build the ``orig x dest x pob`` array while iterating:
a fitted table of the model ``mu[i, j, k] = seed[i, j(, k)] * a[i, k] * b[j, k]``
is carried as its two factor matrices, which is exact (each IPF step only
multiplies rows or columns of a slice) and needs ``O(n^2)`` memory per step.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from migcap.errors import ConvergenceWarning, EstimationError, InputError
from migcap.flows._inputs import Labels, as_matrix, as_vector, positions
from migcap.flows.result import FlowResult

__all__ = ["ipf2", "ipf3", "ipf3_qi", "ipfp"]

_CHUNK_CELLS = 2_000_000


# --------------------------------------------------------------------------- factors
def _factor_mipfp(target: np.ndarray, margin: np.ndarray) -> np.ndarray:
    """mipfp's update factor: 0 where the target or the margin is 0."""
    shape = margin.shape if target.shape == margin.shape else np.broadcast_shapes(target.shape,
                                                                                   margin.shape)
    out = np.zeros(shape)
    ok = (target != 0) & (margin != 0)
    np.divide(target, margin, out=out, where=ok)
    return out


def _factor_migest(target: np.ndarray, margin: np.ndarray) -> np.ndarray:
    """migest's update factor: ``target / margin`` with NaN and +-Inf set to 0."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = target / margin
    out[~np.isfinite(out)] = 0.0
    return out


def _warn_no_convergence(name: str, iterations: int, error: float, tol: float, what: str) -> None:
    warnings.warn(
        f"{name}: no convergence after {iterations} iterations; remaining {what} "
        f"{error:.6g} (tol {tol:g})",
        ConvergenceWarning,
        stacklevel=3,
    )


# --------------------------------------------------------------------------- dense mipfp
def _ipfp_dense(seed: np.ndarray, margins: Sequence[tuple[tuple[int, ...], np.ndarray]],
                tol: float, max_iter: int) -> tuple[np.ndarray, int, bool, float]:
    """mipfp iterations on a dense array; ``margins`` hold (sorted axes, target shaped for keepdims)."""
    result = np.array(seed, dtype=np.float64, copy=True)
    prev = np.empty_like(result)
    crit = np.inf
    it = 0
    for it in range(1, max_iter + 1):
        prev[...] = result
        for axes, target in margins:
            other = tuple(ax for ax in range(result.ndim) if ax not in axes)
            current = result.sum(axis=other, keepdims=True)
            result *= _factor_mipfp(target, current)
        crit = float(np.max(np.abs(result - prev))) if result.size else 0.0
        if crit < tol:
            return result, it, True, crit
    return result, it, False, crit


def _prepare_margin(axes: int | Sequence[int], target: Any, shape: tuple[int, ...],
                    name: str) -> tuple[tuple[int, ...], np.ndarray]:
    ax = (int(axes),) if isinstance(axes, int | np.integer) else tuple(int(a) for a in axes)
    if len(set(ax)) != len(ax) or any(a < 0 or a >= len(shape) for a in ax):
        raise InputError(f"{name}: invalid axes {ax} for a seed of shape {shape}")
    arr = np.asarray(target.to_numpy() if isinstance(target, pd.DataFrame | pd.Series) else target,
                     dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(tuple(shape[a] for a in ax), float(arr))
    expected = tuple(shape[a] for a in ax)
    if arr.shape != expected:
        raise InputError(f"{name}: target for axes {ax} has shape {arr.shape}, expected {expected}")
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name}: target for axes {ax} has missing or infinite values")
    if np.any(arr < 0):
        raise EstimationError(f"{name}: target for axes {ax} has negative values",
                              value=float(arr.min()))
    order = np.argsort(ax)
    sorted_axes = tuple(ax[i] for i in order)
    arr = np.transpose(arr, order)
    full = [1] * len(shape)
    for a, size in zip(sorted_axes, arr.shape, strict=True):
        full[a] = size
    return sorted_axes, arr.reshape(full)


def ipfp(
    seed: Any,
    margins: Sequence[tuple[int | Sequence[int], Any]],
    *,
    tol: float = 1e-10,
    max_iter: int = 1000,
    tol_margins: float = 1e-10,
    inconsistent: Literal["error", "proportions"] = "error",
    dims: Sequence[str] | None = None,
    coords: Sequence[Sequence[Hashable]] | None = None,
) -> FlowResult:
    """Fit an array to any set of margins by IPF, with ``mipfp::Ipfp`` semantics.

    Parameters
    ----------
    seed
        Non-negative starting array of any dimension.
    margins
        ``(axes, target)`` pairs: ``axes`` are the (0-based) axes the target is
        a margin over, in the order of the target's own axes (``(0, 2)`` for an
        ``orig x pob`` target of a 3-D array).
    tol
        Stop when the largest absolute cell change in an iteration is below ``tol``.
    max_iter
        Maximum number of iterations (full cycles over the margins).
    tol_margins
        Largest allowed difference between the grand totals of consecutive targets.
    inconsistent
        What to do when the grand totals differ by more than ``tol_margins``:
        ``"error"`` raises :class:`~migcap.errors.EstimationError`;
        ``"proportions"`` does what mipfp does silently (with a warning here):
        seed and targets are divided by their totals, so the fit sums to 1.
    dims, coords
        Axis names and labels of the result (default ``dim0, dim1, …`` and positions).

    Returns
    -------
    FlowResult
        The fitted array; ``max_error`` is the last max cell change.

    Examples
    --------
    >>> r = ipfp([[1.0, 1.0], [1.0, 1.0]], [(0, [3.0, 7.0]), (1, [5.0, 5.0])])
    >>> r.values.tolist()
    [[1.5, 1.5], [3.5, 3.5]]
    """
    arr = np.array(seed.to_numpy() if isinstance(seed, pd.DataFrame) else seed, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise InputError("ipfp: seed has missing or infinite values")
    if np.any(arr < 0):
        raise EstimationError("ipfp: seed cells must be non-negative", value=float(arr.min()))
    if tol <= 0 or max_iter < 1:
        raise InputError("ipfp: tol and max_iter must be strictly positive")
    prepared = [_prepare_margin(ax, t, arr.shape, "ipfp") for ax, t in margins]
    if not prepared:
        raise InputError("ipfp: no margins given")
    totals = [float(t.sum()) for _, t in prepared]
    for m in range(1, len(totals)):
        if abs(totals[m - 1] - totals[m]) > tol_margins:
            if inconsistent == "error":
                raise EstimationError(
                    f"ipfp: targets {m - 1} and {m} have different totals "
                    f"({totals[m - 1]:.10g} and {totals[m]:.10g}); they cannot both be matched")
            warnings.warn("ipfp: targets are not consistent; fitting proportions (as mipfp does)",
                          UserWarning, stacklevel=2)
            arr = arr / arr.sum()
            prepared = [(ax, t / t.sum()) for ax, t in prepared]
            break
    result, it, converged, crit = _ipfp_dense(arr, prepared, tol, max_iter)
    if not converged:
        _warn_no_convergence("ipfp", it, crit, tol, "max cell change")
    names = tuple(dims) if dims is not None else tuple(f"dim{i}" for i in range(arr.ndim))
    labels = tuple(tuple(c) for c in coords) if coords is not None else \
        tuple(tuple(range(s)) for s in arr.shape)
    return FlowResult(result, names, labels, "ipfp", it, converged, crit)


# --------------------------------------------------------------------------- factor form (3-D)
def _row_products(seed: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``sum_j seed[i, j(, k)] * b[j, k]`` as an ``i x k`` matrix."""
    if seed.ndim == 2:
        return seed @ b
    return np.einsum("ijk,jk->ik", seed, b)


def _col_products(seed: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``sum_i seed[i, j(, k)] * a[i, k]`` as a ``j x k`` matrix."""
    if seed.ndim == 2:
        return seed.T @ a
    return np.einsum("ijk,ik->jk", seed, a)


def _max_cell_change(seed: np.ndarray, a0: np.ndarray, b0: np.ndarray,
                     a1: np.ndarray, b1: np.ndarray) -> float:
    """Largest ``|seed * (a1 b1 - a0 b0)|`` over all cells, computed in blocks of slices."""
    n, m = seed.shape[:2]
    k_total = a0.shape[1]
    step = max(1, _CHUNK_CELLS // max(1, n * m))
    best = 0.0
    for k0 in range(0, k_total, step):
        ks = slice(k0, k0 + step)
        block = a1[:, None, ks] * b1[None, :, ks]
        block -= a0[:, None, ks] * b0[None, :, ks]
        block *= seed[:, :, None] if seed.ndim == 2 else seed[:, :, ks]
        if block.size:
            best = max(best, float(np.max(np.abs(block))))
    return best


def _fit_cells(seed: np.ndarray, t_ik: np.ndarray, t_jk: np.ndarray, tol: float,
               max_iter: int) -> tuple[np.ndarray, np.ndarray, int, bool, float]:
    """mipfp iterations for the margins (orig, pob) and (dest, pob), in factor form.

    The stopping criterion (largest cell change in the iteration) costs a pass
    over all cells; it is only evaluated when a cheap lower bound says it may be
    below ``tol``. The bound uses the change of each row margin, which no cell of
    that row can be smaller than once divided by the row's number of cells, and
    the change of the diagonal cells. The decision taken is therefore exactly
    mipfp's.
    """
    a = np.ones_like(t_ik)
    b = np.ones_like(t_jk)
    counts = np.count_nonzero(seed, axis=1).astype(np.float64)
    counts = counts[:, None] if seed.ndim == 2 else counts
    counts = np.where(counts == 0, 1.0, counts)
    square = seed.shape[0] == seed.shape[1]
    diag = _seed_diagonal(seed, t_ik.shape[1]) if square else None
    sb = _row_products(seed, b)
    crit = np.inf
    it = 0
    for it in range(1, max_iter + 1):
        rows0 = a * sb  # row margins at the start of the iteration
        a1 = a * _factor_mipfp(t_ik, rows0)
        b1 = b * _factor_mipfp(t_jk, b * _col_products(seed, a1))
        sb = _row_products(seed, b1)
        rows1 = a1 * sb
        slack = 1e-12 * (np.abs(rows0) + np.abs(rows1))
        bound = float(np.max((np.abs(rows1 - rows0) - slack) / counts)) if rows0.size else 0.0
        if diag is not None and diag.size:
            bound = max(bound, float(np.max(diag * np.abs(a1 * b1 - a * b))))
        if bound >= tol:
            crit = bound
            a, b = a1, b1
            continue
        crit = _max_cell_change(seed, a, b, a1, b1)
        a, b = a1, b1
        if crit < tol:
            return a, b, it, True, crit
    return a, b, it, False, crit


def _fit_table(seed: np.ndarray, rows: np.ndarray, cols: np.ndarray, tol: float,
               max_iter: int) -> tuple[np.ndarray, np.ndarray, int, bool, float]:
    """mipfp iterations for a 2-D table with row and column targets, in factor form.

    The same iterations as :func:`_fit_cells` with one slice, tuned for the
    thousands of iterations a slowly converging rescale may need: 1-D factors,
    and a lower bound on the largest cell change from a few watched cells (the
    largest cell of every row and column, refreshed every 25 iterations, and
    the cells that last held the largest change), so that the full pass over
    the cells is only made in the last iterations. The decision to stop is
    exactly mipfp's.
    """
    n, m = seed.shape
    seed_t = np.ascontiguousarray(seed.T)
    a = np.ones(n)
    b = np.ones(m)
    inv_counts = 1.0 / np.maximum(np.count_nonzero(seed, axis=1), 1)
    slack = 1e-12 * max(float(np.max(np.abs(rows))) if n else 0.0, 1.0)
    hot_i: list[int] = []
    hot_j: list[int] = []
    watch_i = watch_j = np.zeros(0, dtype=np.intp)
    watch_s = np.zeros(0)
    sb = seed @ b
    crit = np.inf
    it = 0
    if n == 0 or m == 0:
        return a, b, 1, True, 0.0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for it in range(1, max_iter + 1):
            if it % 25 == 1:  # watch the largest cell of each row and of each column
                cells = seed * np.multiply.outer(a, b)
                watch_i = np.concatenate([np.arange(n), np.argmax(cells, axis=0), hot_i]).astype(np.intp)
                watch_j = np.concatenate([np.argmax(cells, axis=1), np.arange(m), hot_j]).astype(np.intp)
                watch_s = seed[watch_i, watch_j]
            rows0 = a * sb
            a1 = a * (rows / rows0)  # factor 0 where the target is 0 ...
            if not np.isfinite(a1.sum()):  # ... or the margin is 0 (mipfp's rule)
                a1[~np.isfinite(a1)] = 0.0
            b1 = b * (cols / (b * (seed_t @ a1)))
            if not np.isfinite(b1.sum()):
                b1[~np.isfinite(b1)] = 0.0
            sb = seed @ b1
            bound = float((np.abs(a1 * sb - rows0) * inv_counts).max()) - slack
            if bound < tol:
                bound = max(bound, float((watch_s * np.abs(a1[watch_i] * b1[watch_j]
                                                           - a[watch_i] * b[watch_j])).max()))
            if bound >= tol:
                crit = bound
                a, b = a1, b1
                continue
            new = np.multiply.outer(a1, b1)
            new -= np.multiply.outer(a, b)
            np.abs(new, out=new)
            new *= seed
            where = int(np.argmax(new))
            crit = float(new.flat[where])
            a, b = a1, b1
            if crit < tol:
                return a, b, it, True, crit
            if len(hot_i) < 16:  # watch this cell from now on
                hot_i.append(where // m)
                hot_j.append(where % m)
                watch_i = np.append(watch_i, where // m)
                watch_j = np.append(watch_j, where % m)
                watch_s = np.append(watch_s, seed.flat[where])
    return a, b, it, False, crit


def _zero_diagonal(seed: np.ndarray) -> np.ndarray:
    out = np.array(seed, dtype=np.float64, copy=True)
    idx = np.arange(min(out.shape[0], out.shape[1]))
    out[idx, idx, ...] = 0.0
    return out


def _seed_diagonal(seed: np.ndarray, k_total: int) -> np.ndarray:
    """``seed[i, i(, k)]`` as an ``i x k`` matrix."""
    idx = np.arange(seed.shape[0])
    d = seed[idx, idx, ...]
    return np.broadcast_to(d[:, None], (seed.shape[0], k_total)) if seed.ndim == 2 else d


def _fit_margins(seed: np.ndarray, t_ik: np.ndarray, t_jk: np.ndarray, tol: float, max_iter: int,
                 quasi_independent: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, float]:
    """migest's ipf3 / ipf3_qi iterations in factor form.

    Returns the factors, the seed in force at the end (diagonal zeroed for the
    quasi-independent fit), the iteration count and the final max margin error.
    """
    a = np.ones_like(t_ik)
    b = np.ones_like(t_jk)
    current = seed
    diag_live = quasi_independent
    it = 0
    d_max = tol * 2
    while d_max > tol and it < max_iter:
        m_ik = a * _row_products(current, b)
        a = a * _factor_migest(t_ik, m_ik)
        m_jk = b * _col_products(current, a)
        b = b * _factor_migest(t_jk, m_jk)
        d_diag = 0.0
        if diag_live:
            diag_mu = _seed_diagonal(current, a.shape[1]) * a * b
            d_diag = float(np.max(np.abs(diag_mu))) if diag_mu.size else 0.0
            current = _zero_diagonal(current)
            diag_live = False
        it += 1
        with np.errstate(invalid="ignore"):
            d_max = max(float(np.max(np.abs(t_ik - m_ik))), float(np.max(np.abs(t_jk - m_jk))),
                        d_diag)
        if np.isnan(d_max):
            raise EstimationError("margin differences became undefined (NaN) during fitting")
    return a, b, current, it, d_max


def _materialise(seed: np.ndarray, a: np.ndarray, b: np.ndarray,
                 out: np.ndarray | None = None) -> np.ndarray:
    """``seed[i, j(, k)] * a[i, k] * b[j, k]`` as a dense ``i x j x k`` array."""
    n, m = seed.shape[:2]
    k_total = a.shape[1]
    if out is None:
        out = np.empty((n, m, k_total))
    step = max(1, _CHUNK_CELLS // max(1, n * m))
    for k0 in range(0, k_total, step):
        ks = slice(k0, k0 + step)
        block = out[:, :, ks]
        np.multiply(a[:, None, ks], b[None, :, ks], out=block)
        block *= seed[:, :, None] if seed.ndim == 2 else seed[:, :, ks]
    return out


# --------------------------------------------------------------------------- inputs
def _seed_array(seed: Any, rows: Labels, cols: Labels, k_labels: Labels | None,
                name: str = "seed") -> np.ndarray:
    """Seed as a 2-D (rows x cols) or 3-D (rows x cols x k) non-negative array."""
    if isinstance(seed, pd.DataFrame):
        arr, rlab, clab = as_matrix(seed, name)
        if rlab is not None and clab is not None and _is_labelled(rows) and _is_labelled(cols):
            arr = arr[np.ix_(positions(rlab, rows, f"{name} rows", "the margins"),
                             positions(clab, cols, f"{name} columns", "the margins"))]
    else:
        arr = np.array(seed, dtype=np.float64)
    expected2 = (len(rows), len(cols))
    if arr.ndim == 2 and arr.shape != expected2:
        raise InputError(f"{name}: shape {arr.shape} does not match the margins {expected2}")
    if arr.ndim == 3:
        k = len(k_labels) if k_labels is not None else arr.shape[2]
        if arr.shape != (*expected2, k):
            raise InputError(f"{name}: shape {arr.shape} does not match the margins {(*expected2, k)}")
    if arr.ndim not in (2, 3):
        raise InputError(f"{name}: must be a matrix or a 3-D array, got {arr.ndim} dimension(s)")
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name}: has missing or infinite values")
    if np.any(arr < 0):
        raise InputError(f"{name}: has negative values", value=float(arr.min()))
    return arr


def _is_labelled(labels: Labels) -> bool:
    return not all(isinstance(v, int | np.integer) for v in labels) or labels != tuple(range(len(labels)))


def _vector_with_labels(x: Any, name: str) -> tuple[np.ndarray, Labels]:
    arr, labels = as_vector(x, name)
    return arr, labels if labels is not None else tuple(range(arr.shape[0]))


def _check_nonnegative_margin(arr: np.ndarray, name: str) -> None:
    if np.any(arr < 0):
        raise InputError(f"{name}: has negative values", value=float(arr.min()))


# --------------------------------------------------------------------------- ipf2
def ipf2(
    row_tot: Any = None,
    col_tot: Any = None,
    seed: Any = None,
    *,
    tol: float = 1e-5,
    max_iter: int = 500,
) -> FlowResult:
    """Two-way IPF of an origin-destination table to known row and/or column totals.

    Fits the log-linear model ``log y[i, j] = log alpha[i] + log beta[j] + log m[i, j]``
    as migest's ``ipf2`` does: each iteration scales columns, then rows; the loop
    stops when the largest difference between a target and the margin found
    before its update is at most ``tol``.

    Parameters
    ----------
    row_tot, col_tot
        Origin and destination totals (arrays, Series or mappings). Either may be
        ``None`` to fit one margin only. Their sums must round to the same integer.
    seed
        Prior table ``m`` (array or DataFrame with origins as index); default all 1.
    tol
        Tolerance on the margin differences.
    max_iter
        Maximum number of iterations (migest's ``maxit``).

    Returns
    -------
    FlowResult
        ``orig x dest`` table; ``iterations`` and ``max_error`` as migest's ``it`` and ``tol``.

    Examples
    --------
    >>> r = ipf2([18, 20], [16, 22], [[5, 2], [1, 7]])
    >>> r.values.round(2).tolist()
    [[13.25, 4.75], [2.75, 17.25]]
    """
    if row_tot is None and col_tot is None:
        raise InputError("ipf2: give row_tot, col_tot or both")
    rows = cols = None
    r_labels: Labels | None = None
    c_labels: Labels | None = None
    if row_tot is not None:
        rows, r_labels = _vector_with_labels(row_tot, "row_tot")
        _check_nonnegative_margin(rows, "row_tot")
    if col_tot is not None:
        cols, c_labels = _vector_with_labels(col_tot, "col_tot")
        _check_nonnegative_margin(cols, "col_tot")
    if rows is not None and cols is not None and np.round(rows.sum()) != np.round(cols.sum()):
        raise EstimationError(f"ipf2: row and column totals differ ({rows.sum():.10g} and "
                              f"{cols.sum():.10g}); they cannot both be matched")
    if seed is None:
        n = rows.shape[0] if rows is not None else cols.shape[0]  # type: ignore[union-attr]
        m = cols.shape[0] if cols is not None else n
        seed_arr = np.ones((n if rows is not None else m, m))
    else:
        seed_arr, sr, sc = as_matrix(seed, "seed")
        if np.any(seed_arr < 0):
            raise InputError("seed: has negative values", value=float(seed_arr.min()))
        if sr is not None and sc is not None:
            rows = _align_to(rows, r_labels, sr, "row_tot", "the seed rows")
            cols = _align_to(cols, c_labels, sc, "col_tot", "the seed columns")
            r_labels, c_labels = sr, sc
    n, m = seed_arr.shape
    if rows is not None and rows.shape[0] != n:
        raise InputError(f"row_tot: has {rows.shape[0]} values but the seed has {n} rows")
    if cols is not None and cols.shape[0] != m:
        raise InputError(f"col_tot: has {cols.shape[0]} values but the seed has {m} columns")
    r_labels = r_labels if r_labels is not None else tuple(range(n))
    c_labels = c_labels if c_labels is not None else tuple(range(m))

    mu = seed_arr.copy()
    it = 0
    d_max = tol * 2
    while it == 0 or (d_max > tol and it < max_iter):
        diffs = []
        if cols is not None:
            margin = mu.sum(axis=0)
            mu *= _factor_migest(cols, margin)[None, :]
            diffs.append(np.abs(cols - margin))
        if rows is not None:
            margin = mu.sum(axis=1)
            mu *= _factor_migest(rows, margin)[:, None]
            diffs.append(np.abs(rows - margin))
        it += 1
        d_max = float(max(np.max(d) if d.size else 0.0 for d in diffs))
    converged = d_max <= tol
    if not converged:
        _warn_no_convergence("ipf2", it, d_max, tol, "max margin difference")
    return FlowResult(mu, ("orig", "dest"), (r_labels, c_labels), "ipf2", it, converged, d_max)


def _align_to(values: np.ndarray | None, labels: Labels | None, target: Labels, name: str,
              where: str) -> np.ndarray | None:
    """Reorder a labelled margin to the seed's labels (unlabelled margins are positional)."""
    if values is None or labels is None or not _is_labelled(labels):
        return values
    return values[positions(labels, target, name, where)]


# --------------------------------------------------------------------------- ipf3 / ipf3_qi
def _three_way_inputs(row_tot: Any, col_tot: Any, seed: Any, name: str
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, Labels, Labels, Labels]:
    """Targets ``t_ik`` (orig x pob), ``t_jk`` (dest x pob), the seed and labels."""
    t_ik, orig_l, pob_l = as_matrix(row_tot, "row_tot")
    ctot, pob2_l, dest_l = as_matrix(col_tot, "col_tot")
    if pob_l is not None and pob2_l is not None:
        if set(pob_l) != set(pob2_l):
            set1, set2 = set(pob_l), set(pob2_l)
            missing = [p for p in pob_l if p not in set2] or [p for p in pob2_l if p not in set1]
            raise InputError(f"{name}: place of birth {missing[0]!r} is not in both row_tot "
                             f"(columns) and col_tot (rows)")
        ctot = ctot[positions(pob2_l, pob_l, "col_tot rows", "row_tot columns"), :]
    if ctot.shape[0] != t_ik.shape[1]:
        raise InputError(f"{name}: row_tot has {t_ik.shape[1]} places of birth (columns) but "
                         f"col_tot has {ctot.shape[0]} (rows)")
    orig_l = orig_l if orig_l is not None else tuple(range(t_ik.shape[0]))
    pob_l = pob_l if pob_l is not None else (pob2_l if pob2_l is not None else tuple(range(t_ik.shape[1])))
    dest_l = dest_l if dest_l is not None else tuple(range(ctot.shape[1]))
    t_jk = np.ascontiguousarray(ctot.T)
    for arr, label in ((t_ik, "row_tot"), (t_jk, "col_tot")):
        _check_nonnegative_margin(arr, label)
    # migest compares round(totals); round to 9 decimals first so that summation order (4.4999999999 vs
    # 4.5000000001) cannot turn equal totals into different integers
    bad = np.round(np.round(t_ik.sum(axis=0), 9)) != np.round(np.round(t_jk.sum(axis=0), 9))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise EstimationError(
            f"{name}: totals for place of birth {pob_l[k]!r} differ between row_tot "
            f"({t_ik[:, k].sum():.10g}) and col_tot ({t_jk[:, k].sum():.10g})",
            hint=f"{int(bad.sum())} place(s) of birth differ" if bad.sum() > 1 else None)
    seed_arr = np.ones((t_ik.shape[0], t_jk.shape[0])) if seed is None else \
        _seed_array(seed, orig_l, dest_l, pob_l)
    return t_ik, t_jk, seed_arr, orig_l, dest_l, pob_l


def ipf3(
    row_tot: Any,
    col_tot: Any,
    seed: Any = None,
    *,
    tol: float = 1e-5,
    max_iter: int = 500,
) -> FlowResult:
    """Three-way IPF of ``orig x dest x pob`` flows to known origin and destination tables.

    Fits ``log y[i,j,k] = log alpha[i] + log beta[j] + log lambda[k] + log gamma[i,k]
    + log kappa[j,k] + log m[i,j,k]`` with migest's ``ipf3`` stopping rule.

    Parameters
    ----------
    row_tot
        ``orig x pob`` table (migest passes ``t(stock_start)``): people of each
        place of birth by place of residence at the start.
    col_tot
        ``pob x dest`` table (migest passes ``stock_end``).
    seed
        Prior: ``orig x dest`` (same for every place of birth) or ``orig x dest x pob``.
    tol, max_iter
        Tolerance on margin differences and maximum number of iterations.

    Returns
    -------
    FlowResult
        ``orig x dest x pob`` flows.

    Examples
    --------
    >>> r = ipf3([[60, 10], [40, 90]], [[80, 20], [30, 70]])
    >>> float(r.values.sum()), r.iterations
    (200.0, 2)
    """
    t_ik, t_jk, seed_arr, orig_l, dest_l, pob_l = _three_way_inputs(row_tot, col_tot, seed, "ipf3")
    a, b, used, it, d_max = _fit_margins(seed_arr, t_ik, t_jk, tol, max_iter, quasi_independent=False)
    converged = d_max <= tol
    if not converged:
        _warn_no_convergence("ipf3", it, d_max, tol, "max margin difference")
    mu = _materialise(used, a, b)
    return FlowResult(mu, ("orig", "dest", "pob"), (orig_l, dest_l, pob_l), "ipf3", it, converged, d_max)


def ipf3_qi(
    row_tot: Any,
    col_tot: Any,
    seed: Any = None,
    *,
    diag: Any = None,
    tol: float = 1e-5,
    max_iter: int = 500,
) -> FlowResult:
    """Quasi-independent three-way IPF: the diagonal (stayers) is fixed, the rest is fitted.

    migest's (internal) ``ipf3_qi``: by default each stayer cell ``[i, i, k]`` is
    the largest value the margins allow, ``min(row_tot[i, k], col_tot[k, i])``,
    and the off-diagonal cells follow the quasi-independence model. As in migest,
    the first iteration scales the seed including its diagonal, which is then
    zeroed; the stopping rule counts the diagonal mismatch of that first iteration.

    Parameters
    ----------
    row_tot, col_tot
        As in :func:`ipf3` (``orig x pob`` and ``pob x dest``; origins and
        destinations must be the same places).
    seed
        Prior: ``orig x dest`` or ``orig x dest x pob``.
    diag
        Stayers as a ``place x pob`` matrix (``diag[i, k]`` = stayers of place
        ``i`` born in ``k``). Only the diagonal of migest's ``diag_count`` array
        is meaningful, so only it is taken here.
    tol, max_iter
        Tolerance on margin differences and maximum number of iterations.

    Returns
    -------
    FlowResult
        ``orig x dest x pob`` flows with the stayers on ``orig == dest``.

    Examples
    --------
    >>> r = ipf3_qi([[60, 10], [40, 90]], [[50, 50], [20, 80]])
    >>> r.values[:, :, 0].tolist()
    [[50.0, 10.0], [0.0, 40.0]]
    """
    t_ik, t_jk, seed_arr, orig_l, dest_l, pob_l = _three_way_inputs(row_tot, col_tot, seed, "ipf3_qi")
    if t_ik.shape[0] != t_jk.shape[0]:
        raise InputError("ipf3_qi: origins and destinations must be the same places")
    if diag is None:
        stay = np.minimum(t_ik, t_jk)
    else:
        stay, _, _ = as_matrix(diag, "diag", shape=t_ik.shape)
        if np.any(stay < 0):
            raise InputError("diag: has negative values", value=float(stay.min()))
    a, b, used, it, d_max = _fit_margins(seed_arr, t_ik - stay, t_jk - stay, tol, max_iter,
                                         quasi_independent=True)
    converged = d_max <= tol
    if not converged:
        _warn_no_convergence("ipf3_qi", it, d_max, tol, "max margin difference")
    mu = _materialise(used, a, b)
    idx = np.arange(t_ik.shape[0])
    mu[idx, idx, :] = stay
    return FlowResult(mu, ("orig", "dest", "pob"), (orig_l, dest_l, pob_l), "ipf3_qi", it, converged,
                      d_max)
