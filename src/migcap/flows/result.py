"""The frozen result of every flow estimator."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FlowResult"]


def _frozen(arr: np.ndarray) -> np.ndarray:
    """A read-only float64 view (no copy when ``arr`` already is float64)."""
    out = np.asarray(arr, dtype=np.float64).view()
    out.flags.writeable = False
    return out


def _empty_mapping() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True, eq=False)
class FlowResult:
    """Estimated flows (or a fitted table) with their labels and fitting diagnostics.

    Parameters
    ----------
    values
        The estimates: a 2-D ``orig x dest`` array or a 3-D ``orig x dest x pob``
        array (``pob`` = place of birth; for :func:`~migcap.flows.cm3` the third
        axis is a migrant type). Stored read-only.
    dims
        Names of the axes, e.g. ``("orig", "dest", "pob")``.
    coords
        Labels along each axis.
    method
        Name of the estimator that produced the result (``"ffs_demo"``, ``"ipf2"`` …).
    iterations
        Iterations run by the final fitting step (``0`` for closed-form methods).
    converged
        Whether the stopping rule was met within the iteration limit.
    max_error
        Final value of the stopping criterion (its meaning depends on the method:
        max cell change, max margin difference or max parameter change).
    params
        Fitted parameters (e.g. ``alpha`` and ``beta`` of :func:`~migcap.flows.cm2`).
    details
        Intermediate tables (e.g. the adjusted stock tables of
        :func:`~migcap.flows.ffs_demo`), all read-only.

    Examples
    --------
    >>> import numpy as np
    >>> r = FlowResult(np.array([[0.0, 2.0], [3.0, 0.0]]), ("orig", "dest"),
    ...                (("A", "B"), ("A", "B")), "example")
    >>> r.to_frame().to_dict("list")
    {'orig': ['A', 'A', 'B', 'B'], 'dest': ['A', 'B', 'A', 'B'], 'flow': [0.0, 2.0, 3.0, 0.0]}
    >>> r.total()
    5.0
    """

    values: np.ndarray
    dims: tuple[str, ...]
    coords: tuple[tuple[Hashable, ...], ...]
    method: str
    iterations: int = 0
    converged: bool = True
    max_error: float = 0.0
    params: Mapping[str, Any] = field(default_factory=_empty_mapping)
    details: Mapping[str, np.ndarray] = field(default_factory=_empty_mapping)

    def __post_init__(self) -> None:
        values = _frozen(self.values)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "dims", tuple(self.dims))
        object.__setattr__(self, "coords", tuple(tuple(c) for c in self.coords))
        if len(self.dims) != values.ndim or len(self.coords) != values.ndim:
            raise ValueError("dims and coords must match the dimensions of values")
        for axis, labels in enumerate(self.coords):
            if len(labels) != values.shape[axis]:
                raise ValueError(f"coords[{axis}] has {len(labels)} labels for {values.shape[axis]} cells")
        object.__setattr__(self, "params", MappingProxyType(
            {k: (_frozen(v) if isinstance(v, np.ndarray) else v) for k, v in self.params.items()}))
        object.__setattr__(self, "details", MappingProxyType(
            {k: _frozen(v) for k, v in self.details.items()}))

    # ------------------------------------------------------------------ views
    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of :attr:`values`."""
        return tuple(self.values.shape)

    def od_array(self, stayers: bool = False) -> np.ndarray:
        """Origin-destination matrix (sum over the axes after the second) as an array.

        Cells whose origin and destination labels are equal (stayers) are set to
        0 unless ``stayers`` is true, as migest's ``sum_od`` does.
        """
        od = self.values.sum(axis=tuple(range(2, self.values.ndim))) if self.values.ndim > 2 \
            else self.values.copy()
        if not stayers:
            orig, dest = self.coords[0], self.coords[1]
            dest_pos = {lab: j for j, lab in enumerate(dest)}
            pairs = [(i, dest_pos[lab]) for i, lab in enumerate(orig) if lab in dest_pos]
            if pairs:
                rows, cols = np.array(pairs).T
                od[rows, cols] = 0.0
        return od

    def od(self, stayers: bool = False) -> pd.DataFrame:
        """Origin-destination flows as a labelled ``orig x dest`` DataFrame.

        Parameters
        ----------
        stayers
            Keep the diagonal (people counted in the same place at both dates).
            By default it is 0, as in migest's ``sum_od``.
        """
        frame = pd.DataFrame(self.od_array(stayers), index=list(self.coords[0]),
                             columns=list(self.coords[1]))
        frame.index.name = self.dims[0]
        frame.columns.name = self.dims[1]
        return frame

    def total(self, stayers: bool = False) -> float:
        """Sum of all flows (off-diagonal only unless ``stayers``)."""
        return float(self.od_array(stayers).sum())

    def to_frame(self, nonzero: bool = False) -> pd.DataFrame:
        """Long table with one column per axis (e.g. ``orig, dest, pob``) and ``flow``.

        Parameters
        ----------
        nonzero
            Keep only cells different from 0 (a 200-place 3-D result has 8 million cells).
        """
        flat = self.values.reshape(-1)
        index = np.flatnonzero(flat) if nonzero else np.arange(flat.size)
        positions = np.unravel_index(index, self.values.shape)
        data: dict[str, Any] = {}
        for dim, labels, pos in zip(self.dims, self.coords, positions, strict=True):
            data[dim] = pd.Index(list(labels)).take(pos).to_numpy()
        data["flow"] = flat[index]
        return pd.DataFrame(data)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dictionary with the values as nested lists and the diagnostics."""
        return {
            "method": self.method,
            "dims": list(self.dims),
            "coords": {d: [_plain(v) for v in c] for d, c in zip(self.dims, self.coords, strict=True)},
            "values": self.values.tolist(),
            "iterations": self.iterations,
            "converged": self.converged,
            "max_error": self.max_error,
            "params": {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in self.params.items()},
        }

    def __repr__(self) -> str:
        shape = "x".join(str(s) for s in self.values.shape)
        status = "converged" if self.converged else "NOT converged"
        return (f"FlowResult(method={self.method!r}, dims={self.dims}, shape={shape}, "
                f"total={self.total():.6g}, iterations={self.iterations}, {status})")


def _plain(value: Hashable) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value
