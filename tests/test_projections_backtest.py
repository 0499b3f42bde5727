"""The backtest table recomputed independently: observed rates and persistence straight from the
warehouse by SQL, quantiles from the trajectories, scores with pandas. A short fit (the full one is
the benchmark's)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from migcap.errors import ConvergenceWarning, DataUnavailableError
from migcap.projections.backtesting import (
    SUMMARY_COLUMNS,
    BacktestResult,
    backtest,
    development_backtest,
    stock_backtest,
)
from migcap.projections.model import SamplerSettings

SMALL = SamplerSettings(chains=2, burnin=200, iterations=300, thin=3, seed=2)
SUBSET = ("DEU", "SYR", "QAT", "USA", "IND", "TUV", "MEX", "LBN", "PHL", "ESP")


@pytest.fixture(scope="module")
def bt(session_store: Path) -> BacktestResult:
    import duckdb

    con = duckdb.connect(str(session_store / "warehouse.duckdb"), read_only=True)
    try:
        with pytest.warns(ConvergenceWarning, match="has not converged: R-hat"):   # a short fit, on purpose
            return backtest(con, draws=400, seed=5, settings=SMALL)
    finally:
        con.close()


def sql_rate(con: Any, iso3: str, end: int) -> float:
    """The rate of the period ending mid-``end``, computed independently in SQL."""
    return con.execute(
        """
        WITH m AS (SELECT sum(CASE WHEN year IN (? - 5, ?) THEN value / 2 ELSE value END) AS mig
                   FROM wpp WHERE edition = '2024' AND indicator = 'net_migration' AND variant = 'estimate'
                   AND iso3 = ? AND year BETWEEN ? - 5 AND ?),
             p AS (SELECT value AS pop FROM wpp WHERE edition = '2024' AND indicator = 'population'
                   AND variant = 'estimate' AND iso3 = ? AND year = ?)
        SELECT mig / (pop - mig) FROM m, p
        """, [end, end, iso3, end, end, iso3, end]).fetchone()[0]


def test_detail_rows_recomputed_for_a_subset(con: Any, bt: BacktestResult) -> None:
    from migcap.projections.backtesting import _trajectories

    detail = bt.detail.to_frame()
    assert len(detail) == 236 * 3
    assert sorted(detail["period_end"].unique()) == [2010, 2015, 2020]
    traj = _trajectories(bt.model, (2010, 2015, 2020), draws=bt.draws, seed=bt.seed)
    for iso3 in SUBSET:
        persistence = sql_rate(con, iso3, 2005)
        i = bt.model.data.iso3.index(iso3)
        for j, end in enumerate((2010, 2015, 2020)):
            row = detail[(detail.iso3 == iso3) & (detail.period_end == end)].iloc[0]
            assert row["observed"] == pytest.approx(sql_rate(con, iso3, end), rel=1e-9)
            assert row["persistence"] == pytest.approx(persistence, rel=1e-9)
            assert row["horizon"] == end - 2005
            x = traj.rates[:, i, j]
            assert row["median"] == pytest.approx(np.median(x))
            assert row["lower80"] == pytest.approx(np.quantile(x, 0.1))
            assert row["upper95"] == pytest.approx(np.quantile(x, 0.975))
            assert row["lower50"] == pytest.approx(np.quantile(x, 0.25))
            # CRPS of the draws, by its definition E|X − y| − ½ E|X − X'| (all pairs)
            y = row["observed"]
            pairs = np.abs(x[:, None] - x[None, :]).mean()
            assert row["crps"] == pytest.approx(np.abs(x - y).mean() - 0.5 * pairs, rel=1e-9)
        # volatility from the fitted periods only (1950–2005): sd of the changes of the SQL rates
        fitted = [sql_rate(con, iso3, e) for e in range(1955, 2006, 5)]
        assert row["volatility"] == pytest.approx(np.std(np.diff(fitted), ddof=1), rel=1e-9)


def test_summary_recomputed_with_pandas(bt: BacktestResult) -> None:
    d = bt.detail.to_frame()
    d["in80"] = (d.observed >= d.lower80) & (d.observed <= d.upper80)
    d["in95"] = (d.observed >= d.lower95) & (d.observed <= d.upper95)
    d["err"] = (d["median"] - d.observed).abs()
    d["err_p"] = (d.persistence - d.observed).abs()
    summary = bt.summary.to_frame()
    assert tuple(summary.columns) == SUMMARY_COLUMNS
    for end in (2010, 2015, 2020):
        row = summary[summary.periods == f"{end - 5}–{end}"].iloc[0]
        g = d[d.period_end == end]
        assert row["n"] == len(g) == 236
        assert row["coverage80"] == pytest.approx(g.in80.mean())
        assert row["coverage95"] == pytest.approx(g.in95.mean())
        assert row["above80"] == pytest.approx((g.observed > g.upper80).mean())
        assert row["mae"] == pytest.approx(g.err.mean())
        assert row["mae_persistence"] == pytest.approx(g.err_p.mean())
        assert row["width80"] == pytest.approx((g.upper80 - g.lower80).mean())
        assert row["crps"] == pytest.approx(g.crps.mean())
        assert row["beats_persistence"] == pytest.approx((g.err < g.err_p).mean())   # one period per country
        wis = (0.5 * g.err + 0.1 * (g.upper80 - g.lower80 + 10 * (g.lower80 - g.observed).clip(lower=0)
                                    + 10 * (g.observed - g.upper80).clip(lower=0))
               + 0.025 * (g.upper95 - g.lower95 + 40 * (g.lower95 - g.observed).clip(lower=0)
                          + 40 * (g.observed - g.upper95).clip(lower=0))) / 2.5
        assert row["wis"] == pytest.approx(wis.mean())
    ref = summary[summary.set == "reference design"].iloc[0]
    g = d[d.period_end.isin([2015, 2020])]
    assert ref["n"] == 472 and ref["mae"] == pytest.approx(g.err.mean())
    everything = summary[summary.set == "all"].iloc[0]
    assert everything["n"] == 708 and everything["coverage95"] == pytest.approx(d.in95.mean())
    # volatility thirds: 236 countries split 79 / 79 / 78, each country in one third, by its volatility
    thirds = summary[summary.set.str.startswith("volatility")]
    assert thirds.n.tolist() == [79 * 3, 79 * 3, 78 * 3]
    by_country = d.groupby("iso3").agg(vol=("volatility", "first"), third=("tercile", "nunique"),
                                       t=("tercile", "first"))
    assert (by_country.third == 1).all()
    assert by_country.groupby("t").vol.max().is_monotonic_increasing
    assert by_country.groupby("t").vol.max().iloc[0] <= by_country[by_country.t == 2].vol.min()
    calm = d[d.tercile == 1]
    assert thirds.iloc[0]["coverage80"] == pytest.approx(calm.in80.mean())
    # over all periods, a country beats persistence when its mean error is lower
    per = d.groupby("iso3")[["err", "err_p"]].mean()
    assert everything["beats_persistence"] == pytest.approx((per.err < per.err_p).mean())


def test_scores_by_hand_on_a_small_subset(bt: BacktestResult) -> None:
    """Coverage and error of ten country-periods counted one by one."""
    rows = [r for r in bt.detail if r["iso3"] in SUBSET and r["period_end"] == 2015]
    inside = sum(1 for r in rows if r["lower80"] <= r["observed"] <= r["upper80"])
    err = sum(abs(r["median"] - r["observed"]) for r in rows) / len(rows)
    d = bt.detail.to_frame()
    g = d[d.iso3.isin(SUBSET) & (d.period_end == 2015)]
    assert len(rows) == 10
    assert inside / 10 == pytest.approx(((g.observed >= g.lower80) & (g.observed <= g.upper80)).mean())
    assert err == pytest.approx((g["median"] - g.observed).abs().mean())


def test_json_keys_and_notes(bt: BacktestResult) -> None:
    d = bt.to_dict()
    for key in SUMMARY_COLUMNS[3:]:
        assert key in d
    assert d["n"] == 708 and d["design"] == "reference" and d["fit_ends"] == [2005]
    assert d["fit_end"] == 2005 and d["reference_bayesmig"]["n"] == 472
    assert d["bayesmig_same_periods"]["wis"] == 0.0151
    assert any("No WPP forecast" in n for n in d["notes"])
    assert 0 <= d["coverage80"] <= d["coverage95"] <= 1


def test_stock_backtest_rows(con: Any, bt: BacktestResult) -> None:
    t = stock_backtest(bt, con)
    world = [r for r in t if r["area_code"] == "WLD"]
    assert [r["year"] for r in world] == [2010, 2015, 2020]
    have = con.execute("SELECT sum(migrants) FROM migrant_stock WHERE edition = '2024' AND year = 2020 AND "
                       "iso3 IN (SELECT iso3 FROM migrant_stock WHERE edition = '2024' AND year = 2005 AND "
                       "migrants IS NOT NULL)").fetchone()[0]
    assert world[-1]["observed"] == pytest.approx(have, rel=1e-3)
    last = list(t)[-1]
    assert last["area_code"] == "countries" and 0 < last["median"] <= last["lower80"] <= 1


def test_stock_baselines_recomputed_by_hand(con: Any, bt: BacktestResult) -> None:
    """Each baseline of one country worked out from the IMS stocks and the backtest's population, and the
    mean absolute errors recomputed over the countries."""
    from migcap.projections.backtesting import (
        BASELINES,
        _baseline_predictions,
        _stock_run,
        _trajectories,
        stock_baselines,
    )

    t = stock_baselines(bt, con)
    assert [r["method"] for r in t.where(year=2010)] == list(BASELINES)
    assert sorted({r["year"] for r in t}) == [2010, 2015, 2020] and {r["horizon"] for r in t} == {5, 10, 15}
    ims = {(r[0], r[1]): r[2] for r in con.execute(
        "SELECT iso3, year, migrants FROM migrant_stock WHERE edition = '2024' "
        "AND year IN (1990, 1995, 2000, 2005, 2020) AND iso3 = 'KEN'").fetchall()}
    run = _stock_run(bt, con, "regime")
    i = run.stocks.iso3.index("KEN")
    pop = run.stocks.population[i]
    traj = _trajectories(bt.model, (2010, 2015, 2020), draws=bt.draws, seed=bt.seed)
    pop2020 = np.median(traj.population[:, bt.model.data.iso3.index("KEN"), 3])
    share = [ims[("KEN", y)] / pop[run.stocks.years.index(y)] for y in (1990, 1995, 2000, 2005)]
    slope, icpt = np.polyfit([-15, -10, -5, 0], share, 1)
    want = {
        BASELINES[1]: share[-1] * pop2020,
        BASELINES[2]: max(icpt + 15 * slope, 0.0) * pop2020,
        BASELINES[3]: ims[("KEN", 2005)] * (ims[("KEN", 2005)] / ims[("KEN", 1990)]) ** (15 / 15),
    }
    got = _baseline_predictions(run, 2020)
    for method, value in want.items():
        assert got[method][i] == pytest.approx(value, rel=1e-9), method
    # the MAE over the countries, recomputed
    obs = run.stocks.stock[:, run.stocks.years.index(2020)]
    ok = np.isfinite(obs) & np.isfinite(run.s0) & np.isfinite(got[BASELINES[2]])
    for method in BASELINES:
        row = next(r for r in t if r["year"] == 2020 and r["method"] == method)
        assert row["countries"] == int(ok.sum())
        assert row["mae"] == pytest.approx(np.mean(np.abs(got[method][ok] - obs[ok])), rel=1e-9)
        assert row["world_observed"] == pytest.approx(obs[ok].sum())
    world = next(r for r in t if r["year"] == 2020 and r["method"] == BASELINES[0])
    assert world["world_predicted"] == pytest.approx(np.median(run.paths[:, ok, run.step(2020)].sum(axis=1)))


def test_bad_fit_end(con: Any) -> None:
    with pytest.raises(DataUnavailableError, match="cannot backtest from 2020"):
        backtest(con, fit_end=2020, settings=SMALL)
    with pytest.raises(DataUnavailableError, match="cannot backtest from 2003"):
        backtest(con, fit_end=2003, settings=SMALL)


def test_development_design(con: Any) -> None:
    """Three fits (1990, 1995, 2000), none of which sees a period after 2005."""
    with pytest.warns(ConvergenceWarning):
        dev = development_backtest(con, draws=200, seed=3, settings=SMALL)
    d = dev.detail.to_frame()
    assert dev.development and dev.fit_ends == (1990, 1995, 2000)
    assert d.period_end.max() == 2005
    assert d.groupby("fit_end").period_end.apply(sorted).to_dict() == {
        1990: [1995] * 236 + [2000] * 236 + [2005] * 236,
        1995: [2000] * 236 + [2005] * 236,
        2000: [2005] * 236}
    assert (d.horizon == d.period_end - d.fit_end).all()
    for fe, model in zip(dev.fit_ends, dev.models, strict=True):
        assert model.data.ends[-1] == fe
    sets = dev.summary.column("set")
    assert sets[:3] == ["5 years ahead", "10 years ahead", "15 years ahead"]
    assert "reference design" not in sets
    assert {"fit to 1990", "fit to 1995", "fit to 2000", "all"} <= set(sets)
    assert dev.headline()["n"] == 1416 == len(d)
    five = dev.row("5 years ahead")
    assert five["n"] == 708 and five["countries"] == 236
    assert dev.to_dict()["design"] == "development" and len(dev.to_dict()["fits"]) == 3
    with pytest.raises(DataUnavailableError, match="single fit"):
        stock_backtest(dev, con)
