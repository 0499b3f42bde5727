"""The impact of an economic shock (2008–09 first, any year after): actual against a trend counterfactual.

For each area the counterfactual for the shock year is the pre-shock trend
continued: an ordinary least-squares line fitted to the baseline years, on the
log of the values for positive series (a constant growth rate: remittances,
stocks, unemployment) and on the values themselves otherwise (net migration). Its
prediction interval is the usual one for a new observation of a simple linear
regression, ``ŷ ± t(n−2) · s · √(1 + 1/n + (T − t̄)² / Sxx)``, taken back through
``exp`` for log-linear fits. The baseline needs at least three observed years.

Reported per area: the actual value, the counterfactual and its interval, the
deviation (actual − counterfactual, absolute and %), the year-on-year change in
the shock year, the pre-shock level (the year before the shock), the recovery
year (first year from the shock year on back at or above the pre-shock level —
at or below it for unemployment — or none yet) and the rank of the hardest hit.

Examples
--------
>>> r = shock_impact("remittances_received", shock=2009, by="world")     # doctest: +SKIP
>>> round(r.table.column("yoy_pct")[0], 1)                                # doctest: +SKIP
-4.1
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from migcap.errors import MigcapError
from migcap.evidence.indicators import Indicator, get_indicator, series
from migcap.geo.aggregate import By
from migcap.geo.schemes import Scheme
from migcap.table import Table

if TYPE_CHECKING:
    import duckdb

__all__ = ["CRISIS_COLUMNS", "DEFAULT_LEVEL", "PATH_COLUMNS", "CrisisResult", "Trend", "decompose_change",
           "fit_trend", "parse_years", "recovery_path", "shock_impact"]

DEFAULT_LEVEL = 0.95
"""Level of the counterfactual's prediction interval unless another is asked for."""

CRISIS_COLUMNS = ("area_code", "area", "year", "actual", "counterfactual", "lower", "upper", "deviation_pct",
                  "yoy_pct", "recovery_year", "deviation", "pre_shock", "rank", "coverage", "note")
MIN_BASELINE = 3


@dataclass(frozen=True)
class Trend:
    """A trend fitted on the baseline and its prediction for the shock year."""

    kind: str  # "log-linear" or "linear"
    n: int
    slope: float
    prediction: float
    lower: float
    upper: float


def fit_trend(years: Sequence[int], values: Sequence[float], target: int, *, log: bool,
              level: float = DEFAULT_LEVEL) -> Trend:
    """OLS trend through ``(years, values)`` and its prediction interval at ``target``.

    Parameters
    ----------
    log
        Fit ``log(value)`` (values must be positive) and transform back.
    level
        Coverage of the prediction interval.

    Examples
    --------
    >>> t = fit_trend([2003, 2004, 2005], [1.0, 2.0, 3.0], 2006, log=False)
    >>> t.prediction, t.lower == t.upper == 4.0
    (4.0, True)
    """
    import numpy as np
    from scipy.special import stdtrit  # Student t quantile; lighter to import than scipy.stats

    x = np.asarray(years, dtype=float)
    y = np.asarray(values, dtype=float)
    if log:
        if (y <= 0).any():
            raise MigcapError("a log-linear trend needs positive values")
        y = np.log(y)
    n = len(x)
    if n < MIN_BASELINE:
        raise MigcapError(f"the baseline has {n} observations; at least {MIN_BASELINE} are needed")
    xbar, ybar = x.mean(), y.mean()
    sxx = float(((x - xbar) ** 2).sum())
    slope = float(((x - xbar) * (y - ybar)).sum() / sxx)
    intercept = ybar - slope * xbar
    resid = y - (intercept + slope * x)
    s = math.sqrt(float((resid**2).sum()) / (n - 2)) if n > 2 else 0.0
    pred = intercept + slope * target
    half = float(stdtrit(n - 2, 0.5 + level / 2)) * s * math.sqrt(1 + 1 / n + (target - xbar) ** 2 / sxx)
    lo, hi = pred - half, pred + half
    if log:
        return Trend("log-linear", n, slope, math.exp(pred), math.exp(lo), math.exp(hi))
    return Trend("linear", n, slope, float(pred), float(lo), float(hi))


@dataclass(frozen=True)
class CrisisResult:
    """Shock impact per area, with the model stated."""

    indicator: str
    shock: int
    baseline: tuple[int, int]
    model: str
    table: Table
    decomposition: Table | None = field(default=None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: the model, the rows, and the decomposition if any."""
        out = {"indicator": self.indicator, "shock": self.shock, "baseline": list(self.baseline),
               "model": self.model, **self.table.to_dict()}
        if self.decomposition is not None:
            out["decomposition"] = self.decomposition.to_dict()
        return out


def parse_years(text: str) -> tuple[int, int]:
    """``"2003-2008"`` → ``(2003, 2008)``.

    >>> parse_years("2003-2008")
    (2003, 2008)
    """
    try:
        a, b = (int(p) for p in str(text).replace("–", "-").split("-"))
    except ValueError:
        raise MigcapError(f"not a year range: {text!r}", hint="write it as 2003-2008") from None
    if a >= b:
        raise MigcapError(f"the range {text!r} must go from an earlier to a later year")
    return a, b


def _pct(a: float | None, b: float | None) -> float | None:
    """Change from ``b`` to ``a`` in % of ``|b|`` (so it keeps its sign for negative series)."""
    if a is None or b is None or b == 0:
        return None
    return (a - b) / abs(b) * 100.0


def _area_row(ind: Indicator, code: str, name: str, obs: dict[int, float], coverage: dict[int, float],
              shock: int, baseline: tuple[int, int], level: float) -> tuple[Any, ...]:
    actual = obs.get(shock)
    pre = obs.get(shock - 1)
    base = [(y, v) for y, v in sorted(obs.items()) if baseline[0] <= y <= baseline[1]]
    notes = []
    trend = None
    if not obs:
        notes.append("no data")
    elif len(base) < MIN_BASELINE:
        first = min(obs)
        notes.append(f"baseline {baseline[0]}–{baseline[1]} has {len(base)} observed year(s); at least "
                     f"{MIN_BASELINE} are needed"
                     + (f" (series starts {first})" if first > baseline[0] else ""))
    elif ind.positive and any(v <= 0 for _, v in base):
        notes.append(f"zero values in the baseline {baseline[0]}–{baseline[1]}: no growth trend")
    else:
        trend = fit_trend([y for y, _ in base], [v for _, v in base], shock, log=ind.positive, level=level)
    if actual is None and obs:
        last = max(obs)
        notes.append(f"no value for {shock}" + (f" (series ends {last})" if last < shock else ""))
    cf = trend.prediction if trend else None
    deviation = actual - cf if (actual is not None and cf is not None) else None
    recovery: int | None = None
    if pre is not None and actual is not None:
        worse = (lambda v: v > pre) if ind.higher_is_worse else (lambda v: v < pre)
        if not worse(actual):
            notes.append(f"no {'rise' if ind.higher_is_worse else 'fall'} from {shock - 1} to {shock}")
            recovery = shock
        else:
            recovery = next((y for y in sorted(obs) if y > shock and not worse(obs[y])), None)
            if recovery is None:
                notes.append(f"not back at the {shock - 1} level by {max(obs)}")
    cov_base = {coverage.get(y) for y, _ in base}
    if coverage.get(shock) is not None and (cov_base - {coverage.get(shock)}):
        notes.append("coverage differs between the baseline and the shock year")
    return (code, name, shock, actual, cf, trend.lower if trend else None, trend.upper if trend else None,
            _pct(actual, cf), _pct(actual, pre), recovery, deviation, pre, None, coverage.get(shock),
            "; ".join(notes))


def shock_impact(
    indicator: str,
    *,
    shock: int = 2009,
    baseline: tuple[int, int] | str | None = None,
    by: By = "world",
    scheme: str | Scheme = "wmr2010",
    edition: str | None = None,
    level: float = DEFAULT_LEVEL,
    con: duckdb.DuckDBPyConnection | None = None,
) -> CrisisResult:
    """Actual against counterfactual in the shock year, for every area.

    Parameters
    ----------
    indicator
        ``remittances_received``, ``remittances_paid``, ``migrant_stock``, ``net_migration``,
        ``unemployment`` (or any name in :data:`migcap.evidence.indicators.INDICATORS`).
    shock
        The shock year.
    baseline
        First and last baseline years (default: the six years before the shock).
    by, scheme
        World, regions of a scheme, or countries.
    level
        Coverage of the prediction interval.

    Returns
    -------
    CrisisResult
        Rows ranked by how hard each area was hit (rank 1 = hardest); areas
        without enough data come last, with a note saying why.
    """
    ind, base, full, obs, cov = _observed(indicator, shock, baseline, by, scheme, edition, level, con)
    rows = [_area_row(ind, code, name, obs[(code, name)], cov[(code, name)], shock, base, level)
            for code, name in cov]
    sign = -1.0 if ind.higher_is_worse else 1.0
    ranked = sorted((r for r in rows if r[7] is not None), key=lambda r: sign * r[7])
    rest = [r for r in rows if r[7] is None]
    out = [(*r[:12], i + 1, *r[13:]) for i, r in enumerate(ranked)] + rest
    kind = "log-linear" if ind.positive else "linear"
    model = (f"OLS {kind} trend on {base[0]}–{base[1]} (at least {MIN_BASELINE} observed years), "
             f"{int(level * 100)}% prediction interval for {shock}")
    notes = [f"Counterfactual: {model}.",
             f"Recovery year: first year from {shock} on back at or "
             f"{'below' if ind.higher_is_worse else 'above'} the {shock - 1} level.", *full.notes]
    table = Table(CRISIS_COLUMNS, tuple(out),
                  title=f"{ind.title}: the {shock} shock against the pre-shock trend",
                  sources=full.sources, notes=tuple(notes),
                  units={"actual": ind.unit, "counterfactual": ind.unit})
    decomposition = None
    if ind.name.startswith("remittance") and by != "country":
        decomposition = decompose_change(ind.name, shock=shock, scheme=scheme, edition=edition, con=con)
    return CrisisResult(ind.name, shock, base, model, table, decomposition)


Observed = dict[tuple[str, str], dict[int, float]]


def _observed(indicator: str, shock: int, baseline: tuple[int, int] | str | None, by: By,
              scheme: str | Scheme, edition: str | None, level: float,
              con: duckdb.DuckDBPyConnection | None
              ) -> tuple[Indicator, tuple[int, int], Table, Observed, Observed]:
    """The indicator, the baseline, its series, and per area the observed values and the coverage by year.

    Raises
    ------
    MigcapError
        For a baseline that does not end before the shock, a level outside (0, 1), or a series without
        data for the shock year or later.
    """
    from migcap.store.warehouse import connect

    ind = get_indicator(indicator)
    base = parse_years(baseline) if isinstance(baseline, str) else (baseline or (shock - 6, shock - 1))
    if base[1] >= shock:
        raise MigcapError(f"the baseline {base[0]}–{base[1]} must end before the shock year {shock}")
    if not 0 < level < 1:
        raise MigcapError(f"the interval level must be between 0 and 1 (got {level})")
    con = con or connect()
    full = series(ind, by=by, scheme=scheme, edition=edition, con=con)
    years_seen = set(full.column("year"))
    if shock not in years_seen and not any(y > shock for y in years_seen):
        raise MigcapError(f"{ind.name} has no data for {shock} or later (last year: {max(years_seen)})",
                          hint="choose an earlier shock year")
    obs: Observed = defaultdict(dict)
    cov: Observed = defaultdict(dict)
    for code, name, year, value, coverage in full.rows:
        cov[(code, name)][year] = coverage
        if value is not None:
            obs[(code, name)][year] = value
    return ind, base, full, obs, cov


PATH_COLUMNS = ("area_code", "area", "year", "actual", "counterfactual", "lower", "upper", "deviation_pct",
                "vs_pre_shock_pct", "coverage", "note")


def recovery_path(
    indicator: str,
    *,
    shock: int = 2020,
    through: int | None = None,
    baseline: tuple[int, int] | str | None = None,
    by: By = "world",
    scheme: str | Scheme = "wmr2010",
    edition: str | None = None,
    level: float = DEFAULT_LEVEL,
    con: duckdb.DuckDBPyConnection | None = None,
) -> Table:
    """The shock and the recovery: actual against the pre-shock trend in every year from the shock on.

    The trend is the one of :func:`shock_impact` (same baseline, same model), continued to each year;
    its prediction interval widens with the distance from the baseline.

    Parameters
    ----------
    through
        The last year shown (default: the last year of the series).
    indicator, shock, baseline, by, scheme, edition, level
        As for :func:`shock_impact`.

    Returns
    -------
    Table
        Columns :data:`PATH_COLUMNS`, one row per area and year: ``deviation_pct`` against the trend,
        ``vs_pre_shock_pct`` against the year before the shock.

    Raises
    ------
    MigcapError
        If ``through`` is before the shock, or as for :func:`shock_impact`.

    Examples
    --------
    >>> t = recovery_path("remittances_received", shock=2020, through=2023)   # doctest: +SKIP
    >>> t.column("year")                                                      # doctest: +SKIP
    [2020, 2021, 2022, 2023]
    """
    ind, base, full, obs, cov = _observed(indicator, shock, baseline, by, scheme, edition, level, con)
    last = max(full.column("year"))
    end = last if through is None else through
    if end < shock:
        raise MigcapError(f"--through {end} is before the shock year {shock}")
    rows: list[tuple[Any, ...]] = []
    for (code, name), values in obs.items():
        points = [(y, v) for y, v in sorted(values.items()) if base[0] <= y <= base[1]]
        usable = len(points) >= MIN_BASELINE and not (ind.positive and any(v <= 0 for _, v in points))
        pre = values.get(shock - 1)
        for year in range(shock, end + 1):
            actual = values.get(year)
            trend = (fit_trend([y for y, _ in points], [v for _, v in points], year, log=ind.positive,
                               level=level) if usable else None)
            note = "" if usable else f"baseline {base[0]}–{base[1]} too short or not positive: no trend"
            if actual is None:
                note = "; ".join(filter(None, [note, f"no value for {year}"]))
            cf = trend.prediction if trend else None
            rows.append((code, name, year, actual, cf, trend.lower if trend else None,
                         trend.upper if trend else None, _pct(actual, cf), _pct(actual, pre),
                         cov[(code, name)].get(year), note))
    kind = "log-linear" if ind.positive else "linear"
    return Table(PATH_COLUMNS, tuple(rows),
                 title=f"{ind.title}: the {shock} shock and the recovery to {end}, against the pre-shock "
                       "trend",
                 sources=full.sources,
                 notes=(f"Counterfactual: OLS {kind} trend on {base[0]}–{base[1]} continued to each year, "
                        f"{int(level * 100)}% prediction interval.",
                        f"vs_pre_shock_pct: against the {shock - 1} level.", *full.notes),
                 units={"actual": ind.unit, "counterfactual": ind.unit, "lower": ind.unit, "upper": ind.unit,
                        "deviation_pct": "% of the counterfactual", "vs_pre_shock_pct": f"% of {shock - 1}"})


def decompose_change(indicator: str, *, shock: int = 2009, scheme: str | Scheme = "wmr2010",
                     edition: str | None = None, con: duckdb.DuckDBPyConnection | None = None) -> Table:
    """Which regions made the world's change in the shock year (change and share of the world change).

    The parts add up to the whole: regions, plus a row for countries outside the
    scheme if any report.
    """
    from migcap.store.warehouse import connect

    ind = get_indicator(indicator)
    con = con or connect()
    years = [shock - 1, shock]
    world = series(ind, by="world", years=years, edition=edition, con=con)
    regions = series(ind, by="region", scheme=scheme, years=years, edition=edition, con=con)
    w = dict(zip(world.column("year"), world.column("value"), strict=True))
    if w.get(shock) is None or w.get(shock - 1) is None:
        raise MigcapError(f"no world {ind.name} for {shock - 1} and {shock}")
    total = w[shock] - w[shock - 1]
    by_region: dict[tuple[str, str], dict[int, float | None]] = defaultdict(dict)
    for code, name, year, value, _ in regions.rows:
        by_region[(code, name)][year] = value
    rows: list[tuple[Any, ...]] = []
    explained = 0.0
    for (code, name), v in by_region.items():
        if v.get(shock) is None or v.get(shock - 1) is None:
            rows.append((code, name, v.get(shock - 1), v.get(shock), None, None, None))
            continue
        change = v[shock] - v[shock - 1]  # type: ignore[operator]
        explained += change
        rows.append((code, name, v[shock - 1], v[shock], change, _pct(v[shock], v[shock - 1]),
                     change / total * 100 if total else None))
    rest = total - explained
    if abs(rest) > 1e-6 * max(1.0, abs(total)):
        rows.append(("", "Outside the scheme or without data in both years", None, None, rest, None,
                     rest / total * 100 if total else None))
    rows.append(("WLD", "World", w[shock - 1], w[shock], total, _pct(w[shock], w[shock - 1]), 100.0))
    return Table(("area_code", "area", f"value_{shock - 1}", f"value_{shock}", "change", "change_pct",
                  "share_of_world_change_pct"), tuple(rows),
                 title=f"Contributions to the world change in {ind.title.lower()}, {shock - 1}–{shock}",
                 sources=world.sources, units={"change": ind.unit})
