"""Coercion and validation of the tables, vectors and seeds given to the flow estimators.

Every public estimator accepts numpy arrays (places are then labelled ``0 … n-1``)
or labelled pandas objects: a square :class:`pandas.DataFrame` with the place of
birth as the index and the place of residence as the columns (the migest layout),
a long frame with columns ``pob, por`` and one value column, and a
:class:`pandas.Series` (or mapping) for vectors such as births and deaths.
Labelled inputs are aligned on their labels; the order of the first labelled
table is kept.

All problems are reported as :class:`~migcap.errors.InputError` with a one-line
message that names the table and the place at fault.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from migcap.errors import InputError

Labels = tuple[Hashable, ...]

__all__ = [
    "Labels",
    "align_table",
    "align_vector",
    "as_matrix",
    "as_table",
    "as_vector",
    "check_nonnegative",
    "positions",
]


def _long_to_matrix(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Pivot a long ``pob, por, value`` frame into a square labelled matrix."""
    value_cols = [c for c in frame.columns if c not in ("pob", "por")]
    if len(value_cols) != 1:
        raise InputError(
            f"{name}: a long stock table needs columns 'pob', 'por' and exactly one value column",
            value=list(frame.columns),
        )
    vcol = value_cols[0]
    dup = frame.duplicated(["pob", "por"])
    if dup.any():
        row = frame[dup].iloc[0]
        raise InputError(
            f"{name}: place of birth {row['pob']!r}, place of residence {row['por']!r} appears more than once"
        )
    places = list(dict.fromkeys([*frame["pob"].tolist(), *frame["por"].tolist()]))
    wide = frame.pivot(index="pob", columns="por", values=vcol).reindex(index=places, columns=places)
    if wide.isna().to_numpy().any():
        missing = np.argwhere(wide.isna().to_numpy())[0]
        raise InputError(
            f"{name}: no row for place of birth {places[missing[0]]!r}, "
            f"place of residence {places[missing[1]]!r} (missing is not zero; give 0 explicitly)"
        )
    return wide


def _numeric(values: Any, name: str, row_labels: Sequence[Hashable] | None = None,
             col_labels: Sequence[Hashable] | None = None) -> np.ndarray:
    """Return ``values`` as a float array, naming the first non-numeric cell on failure."""
    arr = np.asarray(values)
    if arr.dtype.kind in "biuf":
        return arr.astype(np.float64, copy=True)
    if arr.dtype.kind == "c":
        raise InputError(f"{name}: complex numbers are not stocks or flows")
    flat = pd.Series(arr.reshape(-1), dtype=object)
    numeric = pd.to_numeric(flat, errors="coerce")
    bad = (numeric.isna() & flat.notna()).to_numpy() | flat.map(
        lambda v: isinstance(v, bool | np.bool_ | str)).to_numpy(dtype=bool) & numeric.notna().to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        where = _where(np.unravel_index(pos, arr.shape), row_labels, col_labels)
        raise InputError(f"{name}: non-numeric value{where}", value=flat.iloc[pos])
    return numeric.to_numpy(dtype=np.float64, na_value=np.nan).reshape(arr.shape)


def _where(index: tuple[Any, ...], row_labels: Sequence[Hashable] | None,
           col_labels: Sequence[Hashable] | None) -> str:
    if len(index) == 2:
        r = row_labels[index[0]] if row_labels is not None else int(index[0])
        c = col_labels[index[1]] if col_labels is not None else int(index[1])
        return f" at place of birth {r!r}, place of residence {c!r}"
    if len(index) == 1:
        r = row_labels[index[0]] if row_labels is not None else int(index[0])
        return f" for place {r!r}"
    return f" at index {tuple(int(i) for i in index)}"


def _check_finite(arr: np.ndarray, name: str, rows: Sequence[Hashable] | None,
                  cols: Sequence[Hashable] | None) -> None:
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(np.argwhere(bad)[0])
        raise InputError(f"{name}: missing or infinite value{_where(idx, rows, cols)}",
                         value=float(arr[idx]))


def as_table(x: Any, name: str) -> tuple[np.ndarray, Labels | None]:
    """Return a square float matrix and its labels (``None`` when unlabelled).

    Parameters
    ----------
    x
        Square array-like, square DataFrame (index = place of birth, columns =
        place of residence) or long DataFrame with columns ``pob, por`` and one
        value column.
    name
        Name of the table used in error messages (e.g. ``"stock_start"``).

    Examples
    --------
    >>> m, labels = as_table(pd.DataFrame([[1, 2], [3, 4]], index=["A", "B"], columns=["B", "A"]), "s")
    >>> labels, m.tolist()
    (('A', 'B'), [[2.0, 1.0], [4.0, 3.0]])
    """
    if isinstance(x, pd.DataFrame):
        frame = x
        if frame.shape[1] == 3 and {"pob", "por"} <= set(map(str, frame.columns)):
            frame = _long_to_matrix(frame, name)
        rows = frame.index.tolist()
        cols = frame.columns.tolist()
        if len(set(rows)) != len(rows):
            raise InputError(f"{name}: place of birth labels are duplicated",
                             value=next(r for r in rows if rows.count(r) > 1))
        if len(set(cols)) != len(cols):
            raise InputError(f"{name}: place of residence labels are duplicated",
                             value=next(c for c in cols if cols.count(c) > 1))
        if len(rows) != len(cols):
            raise InputError(f"{name}: table is not square ({len(rows)} places of birth, "
                             f"{len(cols)} places of residence)")
        col_set = set(cols)
        missing_cols = [r for r in rows if r not in col_set]
        if missing_cols:
            raise InputError(f"{name}: place {missing_cols[0]!r} is a place of birth (row) "
                             f"but not a place of residence (column)")
        labels: Labels | None = tuple(rows)
        arr = _numeric(frame.to_numpy(), name, rows, cols)
        if cols != rows:  # columns in another order: follow the rows
            arr = arr[:, positions(tuple(cols), tuple(rows), f"{name} columns", f"{name} rows")]
    else:
        if isinstance(x, pd.Series):
            raise InputError(f"{name}: expected a square table, got a Series")
        labels = None
        arr = _numeric(x, name)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise InputError(f"{name}: table must be square (places of birth x places of residence), "
                         f"got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise InputError(f"{name}: table is empty")
    _check_finite(arr, name, labels, labels)
    return arr, labels


def as_matrix(x: Any, name: str, shape: tuple[int, int] | None = None
              ) -> tuple[np.ndarray, Labels | None, Labels | None]:
    """Return a (not necessarily square) float matrix with its row and column labels."""
    if isinstance(x, pd.DataFrame):
        rows, cols = x.index.tolist(), x.columns.tolist()
        arr = _numeric(x.to_numpy(), name, rows, cols)
        rlab: Labels | None = tuple(rows)
        clab: Labels | None = tuple(cols)
    else:
        arr = _numeric(x, name)
        rlab = clab = None
    if arr.ndim != 2:
        raise InputError(f"{name}: expected a matrix, got {arr.ndim} dimension(s)")
    if shape is not None and arr.shape != shape:
        raise InputError(f"{name}: expected shape {shape}, got {arr.shape}")
    _check_finite(arr, name, rlab, clab)
    return arr, rlab, clab


def as_vector(x: Any, name: str, n: int | None = None) -> tuple[np.ndarray, Labels | None]:
    """Return a float vector and its labels (``None`` when unlabelled)."""
    if isinstance(x, Mapping) and not isinstance(x, pd.Series):
        x = pd.Series(dict(x))
    if isinstance(x, pd.DataFrame):
        if x.shape[1] == 2:
            x = pd.Series(x.iloc[:, 1].to_numpy(), index=x.iloc[:, 0].to_numpy())
        elif x.shape[1] == 1:
            x = x.iloc[:, 0]
        else:
            raise InputError(f"{name}: expected a vector (place, value), got a table with "
                             f"{x.shape[1]} columns")
    labels: Labels | None = None
    if isinstance(x, pd.Series):
        labs = tuple(x.index.tolist())
        if len(set(labs)) != len(labs):
            raise InputError(f"{name}: place labels are duplicated",
                             value=next(v for v in labs if labs.count(v) > 1))
        labels = labs
        arr = _numeric(x.to_numpy(), name, labs)
    else:
        arr = _numeric(x, name)
        if arr.ndim == 0 and n is not None:
            arr = np.full(n, float(arr))
    if arr.ndim != 1:
        raise InputError(f"{name}: expected a vector, got shape {arr.shape}")
    if n is not None and labels is None and arr.shape[0] != n:
        raise InputError(f"{name}: has {arr.shape[0]} values but the tables have {n} places")
    _check_finite(arr, name, labels, None)
    return arr, labels


def align_table(arr: np.ndarray, labels: Labels | None, target: Labels | None, name: str,
                reference: str) -> np.ndarray:
    """Reorder a square table to ``target`` labels, naming places missing on either side."""
    if labels is None or target is None:
        if target is not None and arr.shape[0] != len(target):
            raise InputError(f"{name}: has {arr.shape[0]} places but {reference} has {len(target)}")
        return arr
    pos = positions(labels, target, name, reference)
    return arr[np.ix_(pos, pos)]


def align_vector(arr: np.ndarray, labels: Labels | None, target: Labels | None, name: str,
                 reference: str, n: int) -> np.ndarray:
    """Reorder a vector to ``target`` labels, naming places missing on either side."""
    if labels is None or target is None:
        if arr.shape[0] != n:
            raise InputError(f"{name}: has {arr.shape[0]} values but {reference} has {n} places")
        return arr
    return arr[positions(labels, target, name, reference)]


def positions(labels: Labels, target: Labels, name: str, reference: str) -> np.ndarray:
    """Positions of ``target`` labels in ``labels``; names a place missing on either side."""
    index = {lab: i for i, lab in enumerate(labels)}
    missing = [t for t in target if t not in index]
    if missing:
        raise InputError(f"place {missing[0]!r} is in {reference} but missing from {name}",
                         hint=f"{len(missing)} place(s) missing" if len(missing) > 1 else None)
    target_set = set(target)
    extra = [lab for lab in labels if lab not in target_set]
    if extra:
        raise InputError(f"place {extra[0]!r} is in {name} but missing from {reference}",
                         hint=f"{len(extra)} place(s) extra" if len(extra) > 1 else None)
    return np.fromiter((index[t] for t in target), dtype=np.intp, count=len(target))


def check_nonnegative(arr: np.ndarray, name: str, labels: Labels | None,
                      what: str = "value", off_diagonal_only: bool = False) -> None:
    """Raise :class:`InputError` naming the first negative cell of ``arr``."""
    neg = arr < 0
    if off_diagonal_only and arr.ndim == 2:
        neg = neg & ~np.eye(arr.shape[0], dtype=bool)
    if neg.any():
        idx = tuple(np.argwhere(neg)[0])
        raise InputError(f"{name}: negative {what}{_where(idx, labels, labels)}",
                         value=float(arr[idx]),
                         hint=f"{int(neg.sum())} negative cell(s)" if neg.sum() > 1 else None)
