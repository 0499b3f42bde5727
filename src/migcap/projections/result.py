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

from collections.abc import Callable
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


def _percent(value: float) -> str:
    return f"{value:.1f}%"


def _per_1000(value: float) -> str:
    return f"{1000 * value:,.1f}"


def _count(value: float) -> str:
    from migcap.evidence.facts import format_count

    return format_count(value)


#: How :meth:`Projection.in_words` says each measure: its noun and how a value is written.
_IN_WORDS: dict[str, tuple[str, Callable[[float], str]]] = {
    "migrant_stock": ("international migrants", _count),
    "migrant_stock_percent": ("international migrants (share of the population)", _percent),
    "net_migration": ("net migrants a year", _count),
    "net_migration_rate": ("net migrants per 1,000 people over the 5-year period", _per_1000),
    "population": ("people", _count),
}

#: Columns of :meth:`Projection.trajectory_table`.
TRAJECTORY_COLUMNS = ("area_code", "area", "year", "trajectory", "value")


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

    def in_words(self, year: int | None = None) -> str:
        """The projection of ``year`` (default: the last) in one sentence: the median and the 80% range.

        >>> from migcap.projections.areas import Area
        >>> synthetic = np.array([[1.0e6, 2.0e6]] * 2 + [[1.0e6, 3.0e6]] * 8)    # SYNTHETIC draws
        >>> Projection("migrant_stock", Area("XXX", "Testland", "country", ("XXX",)), (2030, 2050),
        ...            synthetic).in_words()
        'In 2050, the median projection is 3.0 million international migrants in Testland; in 8 of 10 \
futures consistent with the past, between 2.0 million and 3.0 million.'
        """
        from migcap.evidence.facts import with_article

        j = self.years.index(year) if year is not None else len(self.years) - 1
        q = self.quantiles
        what, fmt = _IN_WORDS.get(self.measure, (self.unit, lambda v: f"{v:,.3g}"))
        return (f"In {self.years[j]}, the median projection is {fmt(q['median'][j])} {what} in "
                f"{with_article(self.area.name)}; in 8 of 10 futures consistent with the past, between "
                f"{fmt(q['lower80'][j])} and {fmt(q['upper80'][j])}.")

    def trajectory_table(self) -> Table:
        """Every trajectory: columns ``area_code, area, year, trajectory, value`` (trajectories numbered
        from 1), with the notes of :meth:`to_table` and one saying how many there are and their seed."""
        n = int(self.draws.shape[0])
        rows = tuple((self.area.code, self.area.name, y, i + 1, float(self.draws[i, j]))
                     for i in range(n) for j, y in enumerate(self.years))
        note = (f"One row per trajectory and year: {n:,} trajectories, seed {self.seed}. Quantiles of these "
                "values over the trajectories are the projection's median and intervals.")
        return Table(TRAJECTORY_COLUMNS, rows, title=f"{self.title}: trajectories", sources=self.sources,
                     notes=(*self.notes, note), units={"value": self.unit})

    def to_frame(self) -> pd.DataFrame:
        """The table as a DataFrame (title, sources, notes and units in ``.attrs``)."""
        return self.to_table().to_frame()

    def to_dict(self) -> dict[str, Any]:
        """The table as a dict, with the measure, members and seed."""
        d = self.to_table().to_dict()
        d.update(measure=self.measure, area_kind=self.area.kind, members=list(self.area.members),
                 draws=int(self.draws.shape[0]), seed=self.seed)
        return d
