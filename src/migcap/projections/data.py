"""Data preparation: 5-year net migration rates, WPP's outlook and migrant stocks.

The model works on **5-year periods running from 1 July to 1 July** (1950–1955, …,
2015–2020), for four reasons:

* the reference model (Azose & Raftery 2015; the R package bayesMig) and the
  targets of the backtest are defined on 5-year rates, so results compare;
* the bundled WPP 2024 population *estimates* are 5-yearly (mid-year 1950, 1955,
  …, 2020); an annual rate would need interpolated denominators;
* annual WPP net migration is itself partly interpolated and smoothed, which
  makes an annual AR(1) mostly learn the smoothing (autocorrelation near 1);
* the IMS migrant stocks are 5-yearly mid-year figures too (1990, …, 2020).

Net migrants of the period ending mid-year ``t`` sum the calendar-year counts:
``0.5·m[t-5] + m[t-4] + … + m[t-1] + 0.5·m[t]`` (half of each boundary year),
which closes the demographic balance of the WPP 2024 estimates to within a few
persons. The **rate** is that of bayesMig: net migrants divided by the
end-of-period population net of them, ``r = M / (P_end − M)``, i.e. relative
to the population the country would have had without the period's migration.
With it the population recursion is multiplicative:
``P_end = P_start · n · (1 + r)``, ``n`` being natural growth.

WPP 2024's annual *projected* populations (the ``wpp2024`` R package) refer to
31 December; a mid-year projected population is the geometric mean of the two
31-December values around it (its interval bounds likewise).

Examples
--------
>>> period_net_migration({2000: 10.0, 2001: 20.0, 2002: 20.0, 2003: 20.0, 2004: 20.0, 2005: 30.0}, 2005)
100.0
>>> migration_rate(100.0, 1100.0)
0.1
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from migcap.errors import DataUnavailableError

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "FIRST_END",
    "LAST_OBSERVED_END",
    "PERIOD",
    "MigrantStocks",
    "RateData",
    "WppOutlook",
    "load_outlook",
    "load_rates",
    "load_stocks",
    "migration_rate",
    "period_label",
    "period_net_migration",
]

PERIOD = 5
FIRST_END = 1955
#: The last period whose end-of-period population WPP 2024 estimates (mid-2020).
LAST_OBSERVED_END = 2020
LAST_PROJECTED_END = 2100


def period_label(end: int) -> str:
    """``2010`` → ``"2005–2010"``."""
    return f"{end - PERIOD}–{end}"


def period_net_migration(annual: Mapping[int, float], end: int) -> float:
    """Net migrants from 1 July ``end − 5`` to 1 July ``end`` from calendar-year counts.

    Half of each boundary year counts: ``0.5·m[end−5] + m[end−4..end−1] + 0.5·m[end]``.

    Raises
    ------
    DataUnavailableError
        If a year is missing.
    """
    years = range(end - PERIOD, end + 1)
    missing = [y for y in years if y not in annual]
    if missing:
        raise DataUnavailableError(f"no annual net migration for {', '.join(map(str, missing))}")
    total = 0.5 * annual[end - PERIOD] + 0.5 * annual[end]
    for y in range(end - PERIOD + 1, end):
        total += annual[y]
    return float(total)


@overload
def migration_rate(migrants: float, pop_end: float) -> float: ...
@overload
def migration_rate(migrants: np.ndarray, pop_end: np.ndarray) -> np.ndarray: ...
def migration_rate(migrants: Any, pop_end: Any) -> Any:
    """bayesMig's rate: net migrants over the end-of-period population net of them, ``M / (P_end − M)``."""
    return migrants / (pop_end - migrants)


def _period_weights(ends: Sequence[int], first_year: int, n_years: int) -> np.ndarray:
    """Matrix ``(n_years, len(ends))`` turning calendar-year counts into period counts."""
    w = np.zeros((n_years, len(ends)))
    for j, end in enumerate(ends):
        for y in range(end - PERIOD, end + 1):
            w[y - first_year, j] = 0.5 if y in (end - PERIOD, end) else 1.0
    return w


@dataclass(frozen=True, eq=False)
class RateData:
    """Observed 5-year net migration rates of the countries in the model.

    Attributes
    ----------
    iso3, names
        Countries (rows), in a fixed order.
    ends
        End years of the periods (columns): the period ``end − 5`` → ``end``, mid-year to mid-year.
    rates
        ``(countries, periods)`` rates ``M / (P_end − M)``.
    migrants
        ``(countries, periods)`` net migrants of each period (persons).
    population
        ``(countries, periods + 1)`` mid-year population at ``ends[0] − 5, ends[0], …, ends[-1]``.
    edition, source
        WPP edition and its citation.
    """

    iso3: tuple[str, ...]
    names: tuple[str, ...]
    ends: tuple[int, ...]
    rates: np.ndarray
    migrants: np.ndarray
    population: np.ndarray
    edition: str
    source: str

    def __post_init__(self) -> None:
        for name in ("rates", "migrants", "population"):
            arr = np.array(getattr(self, name), dtype=np.float64)
            arr.flags.writeable = False
            object.__setattr__(self, name, arr)

    @property
    def n_countries(self) -> int:
        """Number of countries."""
        return len(self.iso3)

    def upto(self, last_end: int) -> RateData:
        """The periods ending at or before ``last_end``."""
        if last_end not in self.ends:
            raise DataUnavailableError(
                f"no observed period ends in {last_end}",
                hint=f"period ends: {', '.join(map(str, self.ends))}")
        k = self.ends.index(last_end) + 1
        return RateData(self.iso3, self.names, self.ends[:k], self.rates[:, :k], self.migrants[:, :k],
                        self.population[:, : k + 1], self.edition, self.source)

    def subset(self, iso3: Sequence[str]) -> RateData:
        """Only these countries (in the order given)."""
        idx = [self.iso3.index(c) for c in iso3]
        return RateData(tuple(self.iso3[i] for i in idx), tuple(self.names[i] for i in idx), self.ends,
                        self.rates[idx], self.migrants[idx], self.population[idx], self.edition,
                        self.source)

    def fingerprint(self) -> str:
        """A short hash of the data (countries, periods and rates), to tell a stale saved model."""
        h = hashlib.sha256(repr((self.iso3, self.ends, self.edition)).encode())
        h.update(np.ascontiguousarray(self.rates).tobytes())
        return h.hexdigest()[:16]


def _wpp_edition(con: duckdb.DuckDBPyConnection, edition: str | None) -> str:
    from migcap.store.warehouse import resolve_edition

    return resolve_edition(con, "wpp", edition)


def _names(con: duckdb.DuckDBPyConnection, iso3: Sequence[str]) -> tuple[str, ...]:
    rows = dict(con.execute("SELECT iso3, name FROM countries").fetchall())
    return tuple(rows.get(c, c) for c in iso3)


def load_rates(
    con: duckdb.DuckDBPyConnection,
    edition: str | None = None,
    *,
    first_end: int = FIRST_END,
    last_end: int = LAST_OBSERVED_END,
) -> RateData:
    """Observed 5-year rates of every country with complete WPP estimates.

    Parameters
    ----------
    con
        Warehouse connection.
    edition
        WPP edition (default: the latest).
    first_end, last_end
        End years of the first and last periods (multiples of 5).

    Raises
    ------
    DataUnavailableError
        If the edition lacks the 5-yearly population estimates or annual net migration.
    """
    from migcap.store.warehouse import source_line

    if first_end % PERIOD or last_end % PERIOD or first_end > last_end:
        raise DataUnavailableError(f"period ends must be multiples of {PERIOD} (got {first_end}, {last_end})")
    ed = _wpp_edition(con, edition)
    ends = tuple(range(first_end, last_end + 1, PERIOD))
    years = list(range(first_end - PERIOD, last_end + 1))
    pop_years = [first_end - PERIOD, *ends]
    mig = con.execute(
        "SELECT iso3, year, value FROM wpp WHERE edition = ? AND indicator = 'net_migration' "
        "AND variant = 'estimate' AND year BETWEEN ? AND ?", [ed, years[0], years[-1]]).fetchall()
    pop = con.execute(
        "SELECT iso3, year, value FROM wpp WHERE edition = ? AND indicator = 'population' "
        "AND variant = 'estimate' AND year IN (" + ", ".join(str(y) for y in pop_years) + ")",
        [ed]).fetchall()
    if not mig or not pop:
        raise DataUnavailableError(
            f"WPP edition {ed} has no annual net migration estimates or 5-yearly population estimates "
            f"for {years[0]}–{years[-1]}")
    countries = sorted({r[0] for r in pop} & {r[0] for r in mig})
    ci = {c: i for i, c in enumerate(countries)}
    m = np.full((len(countries), len(years)), np.nan)
    for iso3, year, value in mig:
        if iso3 in ci:
            m[ci[iso3], year - years[0]] = value
    p = np.full((len(countries), len(pop_years)), np.nan)
    pi = {y: j for j, y in enumerate(pop_years)}
    for iso3, year, value in pop:
        if iso3 in ci:
            p[ci[iso3], pi[year]] = value
    complete = np.isfinite(m).all(axis=1) & np.isfinite(p).all(axis=1) & (p > 0).all(axis=1)
    if not complete.any():
        raise DataUnavailableError(f"no country has complete WPP {ed} estimates for {years[0]}–{years[-1]}")
    keep = [c for c, ok in zip(countries, complete, strict=True) if ok]
    m, p = m[complete], p[complete]
    migrants = m @ _period_weights(ends, years[0], len(years))
    rates = migration_rate(migrants, p[:, 1:])
    return RateData(tuple(keep), _names(con, keep), ends, rates, migrants, p, ed, source_line(con, "wpp", ed))


@dataclass(frozen=True, eq=False)
class WppOutlook:
    """WPP's projections on the model's 5-year grid, for the countries of a :class:`RateData`.

    Attributes
    ----------
    ends
        Projected period ends (2025, 2030, …).
    population
        ``(countries, len(ends) + 1)`` median mid-year population at the start of the first
        period (an estimate) and at each period end.
    pop_lower80, pop_upper80, pop_lower95, pop_upper95
        ``(countries, len(ends))`` interval bounds of the mid-year population at each end.
    migrants
        ``(countries, len(ends))`` WPP's median net migrants of each period (estimates
        for the years up to the last estimated year, medians after).
    natural
        ``(countries, len(ends))`` natural growth factors ``(P_end − M) / P_start`` implied by
        WPP's medians.
    pop_low, pop_high
        ``(countries, len(ends))`` mid-year population of WPP's low and high fertility variants
        (±0.5 child per woman; the same migration as the median).
    world
        ``(5, len(ends))`` WPP's published world population (median, lower80, upper80, lower95,
        upper95) at mid-year of each end; NaN where not published.
    last_estimated_year
        The last calendar year of WPP's net migration estimates (2023 for WPP 2024).
    """

    iso3: tuple[str, ...]
    ends: tuple[int, ...]
    population: np.ndarray
    pop_lower80: np.ndarray
    pop_upper80: np.ndarray
    pop_lower95: np.ndarray
    pop_upper95: np.ndarray
    migrants: np.ndarray
    natural: np.ndarray
    last_estimated_year: int
    edition: str
    pop_low: np.ndarray
    pop_high: np.ndarray
    world: np.ndarray

    @property
    def rates(self) -> np.ndarray:
        """WPP's median net migration as model rates ``M / (P_end − M)``."""
        return migration_rate(self.migrants, self.population[:, 1:])


def load_outlook(
    con: duckdb.DuckDBPyConnection,
    iso3: Sequence[str],
    *,
    start: int = LAST_OBSERVED_END,
    to: int = 2050,
    edition: str | None = None,
) -> WppOutlook:
    """WPP's median population (with intervals) and net migration on the 5-year grid after ``start``.

    Raises
    ------
    DataUnavailableError
        If the edition has no projections for a country or year asked for.
    """
    ed = _wpp_edition(con, edition)
    ends = tuple(range(start + PERIOD, to + 1, PERIOD))
    if not ends:
        raise DataUnavailableError(f"no projection period between {start} and {to}")
    first_year = start
    years = list(range(first_year, to + 1))
    rows = con.execute(
        "SELECT indicator, iso3, year, variant, value, lower80, upper80, lower95, upper95 FROM wpp "
        "WHERE edition = ? AND indicator IN ('net_migration', 'population') AND year BETWEEN ? AND ? "
        "AND variant IN ('estimate', 'median', 'low', 'high')", [ed, start - 1, to]).fetchall()
    ci = {c: i for i, c in enumerate(iso3)}
    n = len(iso3)
    mig = np.full((n, len(years)), np.nan)
    dec = {k: np.full((n, len(years) + 1), np.nan)
           for k in ("value", "lower80", "upper80", "lower95", "upper95", "low", "high")}
    p_start = np.full(n, np.nan)
    last_est = -1
    for ind, c, year, variant, value, l80, u80, l95, u95 in rows:
        i = ci.get(c)
        if i is None:
            continue
        if ind == "net_migration" and year >= first_year:
            mig[i, year - first_year] = value
            if variant == "estimate":
                last_est = max(last_est, year)
        elif ind == "population" and variant == "estimate" and year == start:
            p_start[i] = value
        elif ind == "population" and variant in ("low", "high"):
            dec[variant][i, year - (first_year - 1)] = value
        elif ind == "population" and variant == "median":
            j = year - (first_year - 1)
            for key, v in zip(("value", "lower80", "upper80", "lower95", "upper95"),
                              (value, l80, u80, l95, u95), strict=True):
                dec[key][i, j] = v
    missing = [iso3[i] for i in range(n) if not (np.isfinite(mig[i]).all() and np.isfinite(p_start[i]))]
    if missing:
        raise DataUnavailableError(
            f"WPP edition {ed} lacks projections to {to} for {len(missing)} countries: "
            f"{', '.join(missing[:8])}")
    migrants = mig @ _period_weights(ends, first_year, len(years))

    def mid(key: str) -> np.ndarray:
        # mid-year of `end` = geometric mean of 31 Dec end-1 and 31 Dec end
        cols = [(end - 1) - (first_year - 1) for end in ends]
        a, b = dec[key][:, cols], dec[key][:, [c + 1 for c in cols]]
        if not (np.isfinite(a).all() and np.isfinite(b).all()):
            raise DataUnavailableError(f"WPP edition {ed} lacks projected population ({key}) to {to}")
        return np.sqrt(a * b)

    med = mid("value")
    population = np.column_stack([p_start, med])
    wrows = con.execute(
        "SELECT year, value, lower80, upper80, lower95, upper95 FROM wpp_published WHERE edition = ? "
        "AND indicator = 'population' AND variant = 'median' AND code = '900'", [ed]).fetchall()
    wdec = {r[0]: np.array(r[1:], dtype=float) for r in wrows}
    world = np.full((5, len(ends)), np.nan)
    for j, end in enumerate(ends):
        if end - 1 in wdec and end in wdec:
            world[:, j] = np.sqrt(wdec[end - 1] * wdec[end])
    natural = (med - migrants) / population[:, :-1]
    return WppOutlook(tuple(iso3), ends, population, mid("lower80"), mid("upper80"), mid("lower95"),
                      mid("upper95"), migrants, natural, last_est, ed, mid("low"), mid("high"), world)


@dataclass(frozen=True, eq=False)
class MigrantStocks:
    """International migrant stocks (UN DESA IMS) for the model's countries.

    Attributes
    ----------
    years
        Mid-year reference years (1990, 1995, …, 2020).
    stock
        ``(countries, years)`` migrants; NaN where the edition has none.
    population
        ``(countries, years)`` WPP mid-year population (the denominator of shares).
    """

    iso3: tuple[str, ...]
    years: tuple[int, ...]
    stock: np.ndarray
    population: np.ndarray
    edition: str
    source: str

    @property
    def has_stock(self) -> np.ndarray:
        """Countries with a stock in every year."""
        return np.isfinite(self.stock).all(axis=1)


def load_stocks(con: duckdb.DuckDBPyConnection, rates: RateData, edition: str | None = None) -> MigrantStocks:
    """Migrant stocks of the latest IMS edition on the model's countries, with WPP mid-year population.

    Population comes from :class:`RateData` (WPP estimates), so that stock shares and
    projections use one population series.
    """
    from migcap.store.warehouse import resolve_edition, source_line

    ed = resolve_edition(con, "migrant_stock", edition)
    rows = con.execute("SELECT iso3, year, migrants FROM migrant_stock WHERE edition = ? AND year % 5 = 0",
                       [ed]).fetchall()
    years = tuple(sorted({r[1] for r in rows if r[1] <= rates.ends[-1]}))
    if not years:
        raise DataUnavailableError(f"no 5-yearly migrant stocks in IMS edition {ed}")
    ci = {c: i for i, c in enumerate(rates.iso3)}
    yi = {y: j for j, y in enumerate(years)}
    stock = np.full((len(rates.iso3), len(years)), np.nan)
    for iso3, year, value in rows:
        if iso3 in ci and year in yi and value is not None:
            stock[ci[iso3], yi[year]] = value
    pop_years = (rates.ends[0] - PERIOD, *rates.ends)
    missing = [y for y in years if y not in pop_years]
    if missing:
        raise DataUnavailableError(f"no WPP population for the stock years {missing}")
    population = rates.population[:, [pop_years.index(y) for y in years]]
    return MigrantStocks(rates.iso3, years, stock, population, ed, source_line(con, "migrant_stock", ed))
