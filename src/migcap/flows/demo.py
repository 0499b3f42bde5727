"""Demographic accounting: flows from two place-of-birth stock tables (migest's ``ffs_demo``).

The estimator of Abel (2013), Abel & Sander (2014), Abel (2018) and Abel &
Cohen (2019), step by step as migest 2.0.5 runs it:

1. native-born cells that are negative (more foreign born than people) are set
   to 0 and the other cells of that place of residence scaled down
   (``nb_non_zero``);
2. with ``match_global="before-demo-adjust"`` the native-born populations at
   both dates are rescaled (to whole people) so that the world stock change
   equals births minus deaths (``nb_scale_global``);
3. births are removed from the end table, deaths from the start table
   (``birth_mat``, ``death_mat``);
4. with ``match_global="after-demo-adjust"`` the world difference is split over
   the native born instead;
5. the place-of-birth totals of the two tables are made equal
   (``match_birthplace_tot``: ``rescale``, ``open`` or ``open-dr``);
6. flows by place of birth are fitted by IPF: with the stayer assumption the
   largest possible number of people stay (quasi-independence), without it the
   independence model of Azose & Raftery (2019).

All fits run with ``mipfp::Ipfp`` semantics at ``tol=1e-3`` (max cell change),
``iter=1e5``, as in migest; the three-way fit is carried in factor form, so the
``n^3`` array is only built once, for the output.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable
from typing import Any, Literal

import numpy as np

from migcap.errors import ConvergenceWarning, EstimationError, InputError
from migcap.flows._inputs import (
    Labels,
    align_table,
    align_vector,
    as_table,
    as_vector,
    check_nonnegative,
)
from migcap.flows.ipf import (
    _fit_cells,
    _fit_table,
    _ipfp_dense,
    _materialise,
    _seed_array,
    _zero_diagonal,
)
from migcap.flows.result import FlowResult
from migcap.flows.rounding import RCompatibleRandom, rescale_integer_sum

__all__ = ["birth_matrix", "death_matrix", "ffs_demo"]

_TOL = 1e-3
_MAX_ITER = 100_000

MatchGlobal = Literal["before-demo-adjust", "after-demo-adjust", "none"]
MatchMethod = Literal["rescale", "open", "open-dr"]


# --------------------------------------------------------------------------- mipfp helpers
def _fit(seed: np.ndarray, margins: list[tuple[tuple[int, ...], np.ndarray]], what: str,
         tol: float = _TOL, max_iter: int = _MAX_ITER) -> np.ndarray:
    """mipfp fit of a small (2-D) table; warns on non-convergence."""
    result, it, converged, crit = _ipfp_dense(seed, margins, tol, max_iter)
    if not converged:
        warnings.warn(f"ffs_demo: {what}: no convergence after {it} iterations; remaining max cell "
                      f"change {crit:.6g} (tol {tol:g})", ConvergenceWarning, stacklevel=4)
    return result


def _fit_rows_cols(seed: np.ndarray, rows: np.ndarray, cols: np.ndarray, what: str) -> np.ndarray:
    """mipfp fit of a 2-D table to row then column totals (factor form, same iterations)."""
    a, b, it, converged, crit = _fit_table(seed, rows, cols, _TOL, _MAX_ITER)
    if not converged:
        warnings.warn(f"ffs_demo: {what}: no convergence after {it} iterations; remaining max cell "
                      f"change {crit:.6g} (tol {_TOL:g})", ConvergenceWarning, stacklevel=4)
    return seed * np.multiply.outer(a, b)


def _scale_columns(seed: np.ndarray, target: np.ndarray, what: str) -> np.ndarray:
    return _fit(seed, [((1,), target[None, :])], what)


def _scale_rows(seed: np.ndarray, target: np.ndarray, what: str) -> np.ndarray:
    return _fit(seed, [((0,), target[:, None])], what)


def _require_nonnegative(arr: np.ndarray, what: str, labels: Labels) -> None:
    """Raise :class:`EstimationError` naming the first negative cell of an adjusted table."""
    negative = arr < -1e-9 * max(1.0, float(np.abs(arr).max()))
    if negative.any():
        k, j = (int(v) for v in np.argwhere(negative)[0])
        raise EstimationError(
            f"ffs_demo: {what} is negative for place of birth {labels[k]!r}, place of residence "
            f"{labels[j]!r}", value=float(arr[k, j]),
            hint=f"{int(negative.sum())} negative cell(s); births, deaths or the moves in and out "
                 f"of the system exceed the stock" if negative.sum() > 1 else
                 "births, deaths or the moves in and out of the system exceed the stock")


def _names(labels: Labels, mask: np.ndarray) -> str:
    chosen = [repr(labels[i]) for i in np.flatnonzero(mask)]
    return ", ".join(chosen[:10]) + (f" and {len(chosen) - 10} more" if len(chosen) > 10 else "")


# --------------------------------------------------------------------------- steps
def _native_born_non_zero(stock: np.ndarray, labels: Labels, name: str) -> np.ndarray:
    """migest's ``nb_non_zero``: zero negative native born, scale that column's foreign born."""
    negative = np.diag(stock) < 0
    if not negative.any():
        return stock
    col_tot = stock.sum(axis=0)
    if np.any(col_tot[negative] < 0):
        bad = negative & (col_tot < 0)
        raise EstimationError(f"ffs_demo: {name}: total population is negative in "
                              f"{_names(labels, bad)}")
    warnings.warn(f"ffs_demo: {name}: more foreign born than total population in "
                  f"{_names(labels, negative)}; native born set to 0 and foreign born scaled down",
                  UserWarning, stacklevel=3)
    fixed = _scale_columns(np.maximum(stock, 0.0), col_tot, f"{name} native-born fix")
    out = stock.copy()
    out[:, negative] = fixed[:, negative]
    return out


def _native_born_scale_global(s0: np.ndarray, s1: np.ndarray, births: np.ndarray,
                              deaths: np.ndarray, rng: RCompatibleRandom | None
                              ) -> tuple[np.ndarray, np.ndarray]:
    """migest's ``nb_scale_global``: make the world stock change equal births minus deaths."""
    s0 = s0.copy()
    s1 = s1.copy()
    nat_grow = math.fsum(births - deaths)
    dd = nat_grow - math.fsum((s1 - s0).ravel())
    tot0 = math.fsum(np.diag(s0))
    tot1 = math.fsum(np.diag(s1))
    rem = dd % 2
    if np.round(rem) == 0 and rem != 0:  # migest's (mis-named) "odd" branch, reproduced as is
        np.fill_diagonal(s1, rescale_integer_sum(np.diag(s1), tot1 + 1, rng))
        dd = nat_grow - math.fsum((s1 - s0).ravel())
        tot1 = math.fsum(np.diag(s1))
    if dd != 0:
        np.fill_diagonal(s0, rescale_integer_sum(np.diag(s0), tot0 - dd / 2, rng))
        np.fill_diagonal(s1, rescale_integer_sum(np.diag(s1), tot1 + dd / 2, rng))
    return s0, s1


def birth_matrix(births: np.ndarray, stock_end: np.ndarray, method: str = "native",
                 non_negative: bool = True, labels: Labels | None = None) -> np.ndarray:
    """Births by place of birth x place of residence (migest's ``birth_mat``).

    Parameters
    ----------
    births
        Births in each place over the period.
    stock_end
        Stock table at the end (rows = place of birth, columns = place of residence).
    method
        ``"native"``: all births join the native born of their place;
        ``"proportion"``: births are shared over all birthplace groups living there.
    non_negative
        With ``"native"``, where births exceed the native born at the end, share
        that place's births proportionally instead (with a warning naming it).
    labels
        Place labels for messages.

    Examples
    --------
    >>> birth_matrix(np.array([5.0, 2.0]), np.array([[50.0, 1.0], [3.0, 40.0]])).tolist()
    [[5.0, 0.0], [0.0, 2.0]]
    """
    labels = labels if labels is not None else tuple(range(len(births)))
    if method == "native":
        out = np.diag(births).astype(np.float64)
        if non_negative:
            short = np.diag(stock_end) - births < 0
            if short.any():
                warnings.warn(f"ffs_demo: too many births in {_names(labels, short)}; births "
                              f"subtracted proportionally there", UserWarning, stacklevel=3)
                prop = _scale_columns(stock_end, births, "birth matrix")
                out[:, short] = prop[:, short]
        return out
    if method == "proportion":
        return _scale_columns(stock_end, births, "birth matrix")
    raise InputError(f"ffs_demo: birth_method must be 'native' or 'proportion', not {method!r}")


def death_matrix(deaths: np.ndarray, stock_start: np.ndarray, method: str = "proportion",
                 stock_end: np.ndarray | None = None, births: np.ndarray | None = None,
                 labels: Labels | None = None) -> np.ndarray:
    """Deaths by place of birth x place of residence (migest's ``death_mat``).

    Parameters
    ----------
    deaths
        Deaths in each place over the period.
    stock_start
        Stock table at the start.
    method
        ``"proportion"``: the same mortality for every birthplace group of a place;
        ``"accounting"``: deaths by place of birth also match ``start + births - end``.
    stock_end, births
        Needed by ``"accounting"``.
    labels
        Place labels for messages.

    Examples
    --------
    >>> death_matrix(np.array([6.0, 0.0]), np.array([[50.0, 1.0], [10.0, 40.0]])).tolist()
    [[5.0, 0.0], [1.0, 0.0]]
    """
    labels = labels if labels is not None else tuple(range(len(deaths)))
    if method == "proportion":
        return _scale_columns(stock_start, deaths, "death matrix")
    if method == "accounting":
        if stock_end is None or births is None:
            raise InputError("ffs_demo: death_method 'accounting' needs stock_end and births")
        by_pob = stock_start.sum(axis=1) + births - stock_end.sum(axis=1)
        if np.any(by_pob < 0):
            raise EstimationError(f"ffs_demo: death_method 'accounting' implies negative deaths for "
                                  f"place of birth {_names(labels, by_pob < 0)}")
        if abs(by_pob.sum() - deaths.sum()) > _TOL:
            raise EstimationError(
                f"ffs_demo: death_method 'accounting': deaths by place of birth ({by_pob.sum():.10g}) "
                f"and by place of residence ({deaths.sum():.10g}) differ; use match_global="
                f"'before-demo-adjust'")
        return _fit_rows_cols(stock_start, by_pob, deaths, "death matrix")
    raise InputError(f"ffs_demo: death_method must be 'proportion' or 'accounting', not {method!r}")


def _match_birthplace_totals(s0: np.ndarray, s1: np.ndarray, method: str, labels: Labels
                             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """migest's ``match_birthplace_tot``: returns adjusted tables, in-matrix and out-matrix."""
    for table, arr in (("stock_start", s0), ("stock_end", s1)):
        _require_nonnegative(arr, f"{table} after births and deaths", labels)
    dd = s0.sum(axis=1) - s1.sum(axis=1)
    zeros = np.zeros_like(s0)
    if method == "rescale":
        t0 = s0.sum(axis=1) - dd / 2
        t1 = s1.sum(axis=1) + dd / 2
        for target, table in ((t0, "stock_start"), (t1, "stock_end")):
            if np.any(target < 0):
                raise EstimationError(
                    f"ffs_demo: cannot match place-of-birth totals by rescaling: the {table} target "
                    f"is negative for place of birth {_names(labels, target < 0)}")
        gap = abs(t0.sum() - s0.sum())
        if gap > _TOL:
            raise EstimationError(
                f"ffs_demo: place-of-birth totals cannot be matched by rescaling: the stock tables "
                f"differ in total by {2 * gap:.6g} after births and deaths are removed",
                hint="use match_global='before-demo-adjust' or 'after-demo-adjust', or an open method")
        a0 = _fit_rows_cols(s0, t0, s0.sum(axis=0), "rescale stock_start")
        a1 = _fit_rows_cols(s1, t1, s1.sum(axis=0), "rescale stock_end")
        return a0, a1, zeros, zeros
    if method in ("open", "open-dr"):
        seed_in, seed_out = (s0, s1) if method == "open" else (s1, s0)
        in_mat = _scale_rows(seed_in, np.maximum(-dd, 0.0), "moves into the system")
        out_mat = _scale_rows(seed_out, np.maximum(dd, 0.0), "moves out of the system")
        return s0 - out_mat, s1 - in_mat, in_mat, out_mat
    raise InputError(f"ffs_demo: match_birthplace_tot_method must be 'rescale', 'open' or 'open-dr', "
                     f"not {method!r}")


# --------------------------------------------------------------------------- inputs
def _demo_inputs(stock_start: Any, stock_end: Any, births: Any, deaths: Any
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Labels]:
    s0, l0 = as_table(stock_start, "stock_start")
    s1, l1 = as_table(stock_end, "stock_end")
    n = s0.shape[0]
    b, lb = (np.zeros(n), None) if births is None else as_vector(births, "births", n)
    d, ld = (np.zeros(n), None) if deaths is None else as_vector(deaths, "deaths", n)
    # migest orders places as births, deaths, stock_start, stock_end (first labelled wins)
    named = [("births", lb), ("deaths", ld), ("stock_start", l0), ("stock_end", l1)]
    ref_name, order = next(((nm, lab) for nm, lab in named if lab is not None), ("stock_start", None))
    if order is not None and len(order) != n:
        raise InputError(f"{ref_name}: has {len(order)} places but stock_start has {n}")
    s0 = align_table(s0, l0, order, "stock_start", ref_name)
    s1 = align_table(s1, l1, order, "stock_end", ref_name)
    if s1.shape != s0.shape:
        raise InputError(f"stock_end: has {s1.shape[0]} places but stock_start has {n}")
    b = align_vector(b, lb, order, "births", ref_name, n)
    d = align_vector(d, ld, order, "deaths", ref_name, n)
    labels: Labels = order if order is not None else tuple(range(n))
    check_nonnegative(s0, "stock_start", labels, "stock", off_diagonal_only=True)
    check_nonnegative(s1, "stock_end", labels, "stock", off_diagonal_only=True)
    for vec, name in ((b, "births"), (d, "deaths")):
        if np.any(vec < 0):
            i = int(np.flatnonzero(vec < 0)[0])
            raise InputError(f"{name}: negative value for place {labels[i]!r}", value=float(vec[i]))
    return s0, s1, b, d, labels


# --------------------------------------------------------------------------- estimator
def ffs_demo(
    stock_start: Any,
    stock_end: Any,
    births: Any = None,
    deaths: Any = None,
    seed: Any = None,
    *,
    stayer_assumption: bool = True,
    match_global: MatchGlobal = "before-demo-adjust",
    match_birthplace_tot_method: MatchMethod = "rescale",
    birth_method: Literal["native", "proportion"] = "native",
    birth_non_negative: bool = True,
    death_method: Literal["proportion", "accounting"] = "proportion",
    output: Literal["flow", "account"] = "flow",
    seed_with_stayers: bool = False,
    rounding_seed: int | None = 1,
    tol: float = _TOL,
    max_iter: int = _MAX_ITER,
) -> FlowResult:
    """Estimate bilateral flows by place of birth from two stock tables, births and deaths.

    A port of migest's ``ffs_demo`` (version 2.0.5) with the same defaults and
    the same results (see ``docs/flows.md`` for how exactness was checked).

    Parameters
    ----------
    stock_start, stock_end
        Stock tables at the start and end of the period: rows = place of birth,
        columns = place of residence (square DataFrames, long ``pob, por, value``
        frames or arrays). Off-diagonal (foreign-born) stocks must be non-negative.
    births, deaths
        Births and deaths in each place over the period (default 0).
    seed
        Prior (offset) for the flows, e.g. a distance-decay matrix: ``orig x dest``
        or ``orig x dest x pob``. Used by the independence model
        (``stayer_assumption=False``). As in migest 2.0.5 it is **ignored** under
        the stayer assumption (with a warning) unless ``seed_with_stayers``.
    stayer_assumption
        ``True`` (default): the largest possible number of people stay
        (quasi-independence; minimum migration). ``False``: independence model
        (Azose & Raftery 2019).
    match_global
        ``"before-demo-adjust"`` (default): rescale native born at both dates (to
        whole people) before births and deaths are removed so that the world stock
        change equals births minus deaths; ``"after-demo-adjust"``: split the
        world difference over the native born afterwards; ``"none"``. Applies to
        ``match_birthplace_tot_method="rescale"`` only.
    match_birthplace_tot_method
        How the place-of-birth totals of the two tables are made equal:
        ``"rescale"`` (both tables meet half way; Abel & Sander 2014),
        ``"open"`` or ``"open-dr"`` (differences leave or enter the system; Abel 2013).
    birth_method, birth_non_negative
        How births are placed (see :func:`birth_matrix`).
    death_method
        How deaths are placed (see :func:`death_matrix`).
    output
        ``"flow"`` (default): ``orig x dest x pob`` flows, stayers on ``orig == dest``.
        ``"account"``: the demographic account, ``(places + birth, outside) x
        (places + death, outside) x pob`` (migest's ``return = "account"``).
    seed_with_stayers
        Use ``seed`` (its off-diagonal part) also under the stayer assumption.
        An extension; migest ignores the seed there.
    rounding_seed
        migest puts the rounding residual of the native-born rescaling on a place
        drawn with R's random numbers. An integer reproduces migest run right
        after ``set.seed(rounding_seed)`` (default 1, as in the reference runs);
        ``None`` puts it on the largest native-born population, as migest intends.
    tol, max_iter
        Tolerance (max cell change) and iteration limit of the final fit
        (migest: ``1e-3`` and ``1e5``).

    Returns
    -------
    FlowResult
        Flows with ``details`` holding the adjusted stock tables
        (``stock_start_adj``, ``stock_end_adj``) and the ``births``, ``deaths``,
        ``inflow`` and ``outflow`` matrices (place of birth x place of residence).

    Raises
    ------
    InputError
        Tables not square, not numeric, negative foreign-born stocks, negative
        births or deaths, places missing from one table.
    EstimationError
        Totals that cannot be matched (e.g. a negative target after births and deaths).

    Examples
    --------
    >>> import pandas as pd
    >>> places = ["A", "B", "C", "D"]
    >>> s1 = pd.DataFrame([[1000, 100, 10, 0], [55, 555, 50, 5], [80, 40, 800, 40],
    ...                    [20, 25, 20, 200]], index=places, columns=places)
    >>> s2 = pd.DataFrame([[950, 100, 60, 0], [80, 505, 75, 5], [90, 30, 800, 40],
    ...                    [40, 45, 0, 180]], index=places, columns=places)
    >>> r = ffs_demo(s1, s2)
    >>> r.total()
    150.0
    >>> r.od().loc["B"].tolist()
    [35.0, 0.0, 25.0, 0.0]
    """
    if match_global not in ("before-demo-adjust", "after-demo-adjust", "none"):
        raise InputError(f"ffs_demo: match_global must be 'before-demo-adjust', 'after-demo-adjust' "
                         f"or 'none', not {match_global!r}")
    if match_birthplace_tot_method not in ("rescale", "open", "open-dr"):
        raise InputError(f"ffs_demo: match_birthplace_tot_method must be 'rescale', 'open' or "
                         f"'open-dr', not {match_birthplace_tot_method!r}")
    if output not in ("flow", "account"):
        raise InputError(f"ffs_demo: output must be 'flow' or 'account', not {output!r}")
    if tol <= 0 or max_iter < 1:
        raise InputError("ffs_demo: tol and max_iter must be strictly positive")
    s0, s1, b, d, labels = _demo_inputs(stock_start, stock_end, births, deaths)
    n = len(labels)
    seed_arr = None if seed is None else _seed_array(seed, labels, labels, labels)
    if seed_arr is not None and stayer_assumption and not seed_with_stayers:
        warnings.warn("ffs_demo: seed is ignored under the stayer assumption (as in migest 2.0.5); "
                      "pass seed_with_stayers=True to use it", UserWarning, stacklevel=2)
    rng = RCompatibleRandom(rounding_seed) if rounding_seed is not None else None
    rescale = match_birthplace_tot_method == "rescale"

    s0 = _native_born_non_zero(s0, labels, "stock_start")
    s1 = _native_born_non_zero(s1, labels, "stock_end")
    if match_global == "before-demo-adjust" and rescale:
        s0, s1 = _native_born_scale_global(s0, s1, b, d, rng)
    b_mat = birth_matrix(b, s1, birth_method, birth_non_negative, labels)
    d_mat = death_matrix(d, s0, death_method, s1, b, labels)
    s0 = s0 - d_mat
    s1 = s1 - b_mat
    if match_global == "after-demo-adjust" and rescale:
        gap = s1.sum() - s0.sum()
        nb0, nb1 = np.diag(s0), np.diag(s1)
        np.fill_diagonal(s0, nb0 + gap * nb0 / nb0.sum() * 0.5)
        np.fill_diagonal(s1, nb1 - gap * nb1 / nb1.sum() * 0.5)
    s0, s1, in_mat, out_mat = _match_birthplace_totals(s0, s1, match_birthplace_tot_method, labels)

    flows = np.empty((n, n, n)) if output == "flow" else np.zeros((n + 2, n + 2, n))
    core = flows[:n, :n, :]
    if stayer_assumption:
        stay = np.minimum(s0, s1)  # pob x por
        _require_nonnegative(stay, "the adjusted stock (stayers)", labels)
        x0 = np.ascontiguousarray((s0 - stay).T)  # orig x pob
        x1 = _scale_columns(np.ascontiguousarray((s1 - stay).T), x0.sum(axis=0), "pob totals")
        if seed_arr is not None and seed_with_stayers:
            fit_seed = _zero_diagonal(seed_arr)
        else:
            fit_seed = np.ones((n, n))
            np.fill_diagonal(fit_seed, 0.0)
        a, bb, it, converged, crit = _fit_cells(fit_seed, x0, x1, tol, max_iter)
        _materialise(fit_seed, a, bb, out=core)
        idx = np.arange(n)
        core[idx, idx, :] = stay.T
        # x1 was rescaled to x0's place-of-birth totals, so all of x0 should be placed
        lost = np.abs(x0.sum(axis=0) - (a * (fit_seed @ bb if fit_seed.ndim == 2 else
                                             np.einsum("ijk,jk->ik", fit_seed, bb))).sum(axis=0))
        if np.any(lost > 0.5):
            warnings.warn(f"ffs_demo: the place-of-birth totals of the two tables could not be "
                          f"matched for {_names(labels, lost > 0.5)}; up to {lost.max():.3g} people "
                          f"of a place of birth have no flow (check the input tables)",
                          UserWarning, stacklevel=2)
    else:
        for arr, table in ((s0, "stock_start"), (s1, "stock_end")):
            _require_nonnegative(arr, f"the adjusted {table}", labels)
        fit_seed = seed_arr if seed_arr is not None else np.ones((n, n))
        a, bb, it, converged, crit = _fit_cells(fit_seed, np.ascontiguousarray(s0.T),
                                                np.ascontiguousarray(s1.T), tol, max_iter)
        _materialise(fit_seed, a, bb, out=core)
    if not converged:
        warnings.warn(f"ffs_demo: no convergence after {it} iterations; remaining max cell change "
                      f"{crit:.6g} (tol {tol:g})", ConvergenceWarning, stacklevel=2)

    details = {"stock_start_adj": s0, "stock_end_adj": s1, "births": b_mat, "deaths": d_mat,
               "inflow": in_mat, "outflow": out_mat}
    params = {"stayer_assumption": stayer_assumption, "match_global": match_global,
              "match_birthplace_tot_method": match_birthplace_tot_method,
              "birth_method": birth_method, "birth_non_negative": birth_non_negative,
              "death_method": death_method, "rounding_seed": rounding_seed}
    if output == "flow":
        return FlowResult(flows, ("orig", "dest", "pob"), (labels, labels, labels), "ffs_demo", it,
                          converged, crit, params=params, details=details)
    flows[n, :n, :] = b_mat.T
    flows[n + 1, :n, :] = out_mat.T
    flows[:n, n, :] = d_mat.T
    flows[:n, n + 1, :] = in_mat.T
    orig: tuple[Hashable, ...] = (*labels, "birth", "outside")
    dest: tuple[Hashable, ...] = (*labels, "death", "outside")
    return FlowResult(flows, ("orig", "dest", "pob"), (orig, dest, labels), "ffs_demo", it,
                      converged, crit, params=params, details=details)
