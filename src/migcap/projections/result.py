"""The frozen result of a projection: trajectories of one area and their quantiles.

Examples
--------
>>> import numpy as np
>>> from migcap.projections.areas import Area
>>> p = Projection("net_migration", Area("DEU", "Germany", "country", ("DEU",)), (2025, 2030),
...                np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), unit="persons per year")
>>> p.to_table().column("median")
[3.0, 4.0]
>>> p.to_dict()["rows"][0]["area_code"]
'DEU'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from migcap.projections.areas import Area
from migcap.table import Table

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COLUMNS", "Projection", "summarise"]

COLUMNS = ("area_code", "area", "year", "median", "lower80", "upper80", "lower95", "upper95")
PROBS = (0.5, 0.1, 0.9, 0.025, 0.975)


def summarise(draws: np.ndarray) -> np.ndarray:
    """``(5, years)`` median, 80% and 95% bounds of ``(draws, years)`` values (NaN draws ignored)."""
    arr = np.asarray(draws, dtype=float)
    if np.isnan(arr).any():
        return np.nanquantile(arr, PROBS, axis=0)
    return np.quantile(arr, PROBS, axis=0)


@dataclass(frozen=True, eq=False)
class Projection:
    """Probabilistic projection of one quantity for one area.

    Attributes
    ----------
    measure
        ``net_migration`` (persons per year, average of the 5-year period ending in ``year``),
        ``net_migration_rate`` (net migrants of the period ÷ end-of-period population net of
        them), ``migrant_stock`` or ``population`` (mid-year of ``year``).
    area
        The area and its member countries.
    years
        The years (mid-year ends of the 5-year periods).
    draws
        ``(trajectories, years)`` values, read-only.
    unit, title, sources, notes
        Description, carried to the tables.
    seed
        The seed of the trajectories.
    observed
        ``(year, value)`` of the same measure for the same countries in the data the model starts
        from (WPP estimates, or IMS stocks), for charts of past and future together.
    """

    measure: str
    area: Area
    years: tuple[int, ...]
    draws: np.ndarray
    unit: str = ""
    title: str = ""
    sources: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    seed: int | None = None
    details: dict[str, Any] = field(default_factory=dict)
    observed: tuple[tuple[int, float], ...] = ()

    def __post_init__(self) -> None:
        arr = np.array(self.draws, dtype=np.float64)
        arr.flags.writeable = False
        object.__setattr__(self, "draws", arr)

    @property
    def quantiles(self) -> dict[str, np.ndarray]:
        """``median, lower80, upper80, lower95, upper95`` arrays over the years."""
        q = summarise(self.draws)
        return dict(zip(COLUMNS[3:], q, strict=True))

    def to_table(self) -> Table:
        """Columns ``area_code, area, year, median, lower80, upper80, lower95, upper95``."""
        q = summarise(self.draws)
        rows = tuple((self.area.code, self.area.name, y, *(float(v) for v in q[:, j]))
                     for j, y in enumerate(self.years))
        return Table(COLUMNS, rows, title=self.title, sources=self.sources, notes=self.notes,
                     units={c: self.unit for c in COLUMNS[3:]})

    def to_frame(self) -> pd.DataFrame:
        """The table as a DataFrame (title, sources, notes and units in ``.attrs``)."""
        return self.to_table().to_frame()

    def to_dict(self) -> dict[str, Any]:
        """The table as a dict, with the measure, members and seed."""
        d = self.to_table().to_dict()
        d.update(measure=self.measure, area_kind=self.area.kind, members=list(self.area.members),
                 draws=int(self.draws.shape[0]), seed=self.seed)
        return d
