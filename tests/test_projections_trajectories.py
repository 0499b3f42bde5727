"""Trajectories: world net migration zero in every trajectory, reproducibility, population and stocks,
areas and bad input. Uses a short fit of the real model (not converged, which these properties do
not need)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from migcap.errors import DataUnavailableError, UnknownAreaError
from migcap.projections.data import load_rates
from migcap.projections.fitted import FittedModel, fit_rates
from migcap.projections.model import SamplerSettings
from migcap.projections.project import (
    Future,
    compare_wpp,
    future,
    net_migration,
    population,
    stock,
    stock_scenarios,
)
from migcap.projections.trajectories import variant_log_sd, wpp_log_sd

SMALL = SamplerSettings(chains=2, burnin=200, iterations=300, thin=3, seed=1)


@pytest.fixture(scope="module")
def small_model(session_store: Path) -> FittedModel:
    import duckdb

    con = duckdb.connect(str(session_store / "warehouse.duckdb"), read_only=True)
    try:
        return fit_rates(load_rates(con), settings=SMALL, warn=False)
    finally:
        con.close()


@pytest.fixture()
def fut(con: Any, small_model: FittedModel) -> Future:
    return future(con, model=small_model, to=2050, draws=300, seed=4)


def test_world_net_migration_is_zero_in_every_trajectory(fut: Future) -> None:
    m = fut.trajectories.migrants                       # (draws, countries, periods)
    world = m.sum(axis=1)
    gross = np.abs(m).sum(axis=1)
    assert (np.abs(world) <= 1e-9 * gross).all()
    assert fut.trajectories.constrained
    # and the rates are consistent with the counts: r = M / (P_end − M)
    pop = fut.trajectories.population
    np.testing.assert_allclose(fut.trajectories.rates * (pop[:, :, 1:] - m), m, rtol=1e-9, atol=1e-6)
    wld = net_migration("WLD", fut=fut)
    assert np.abs(wld.draws).max() < 1e-3
    assert "zero by construction" in " ".join(wld.notes)


def test_same_seed_same_numbers(con: Any, small_model: FittedModel) -> None:
    a = future(con, model=small_model, to=2035, draws=100, seed=9)
    b = future(con, model=small_model, to=2035, draws=100, seed=9)
    c = future(con, model=small_model, to=2035, draws=100, seed=10)
    np.testing.assert_array_equal(a.trajectories.migrants, b.trajectories.migrants)
    np.testing.assert_array_equal(a.stock_paths, b.stock_paths)
    assert net_migration("DEU", fut=a).to_table().to_csv() == net_migration("DEU", fut=b).to_table().to_csv()
    assert not np.array_equal(a.trajectories.migrants, c.trajectories.migrants)


def test_regions_are_sums_of_their_countries(fut: Future) -> None:
    eur = net_migration("Europe", fut=fut)
    assert eur.area.code == "EUR" and eur.area.kind == "region"
    idx = fut.index(eur.area.members)
    np.testing.assert_allclose(eur.draws, fut.trajectories.migrants[:, idx, :].sum(axis=1) / 5)
    deu = net_migration("Germany", fut=fut)
    np.testing.assert_allclose(deu.draws, fut.trajectories.migrants[:, fut.index(["DEU"]), :].sum(axis=1) / 5)
    t = deu.to_table()
    assert t.columns == ("area_code", "area", "year", "median", "lower80", "upper80", "lower95", "upper95")
    assert t.column("year") == [2025, 2030, 2035, 2040, 2045, 2050]
    for r in t:
        assert r["lower95"] <= r["lower80"] <= r["median"] <= r["upper80"] <= r["upper95"]
    rate = net_migration("DEU", fut=fut, measure="rate")
    assert abs(rate.to_table().column("median")[0]) < 0.1


def test_population_spread_follows_wpp(fut: Future) -> None:
    """Population = WPP natural growth + our migration, its spread matched to WPP's intervals."""
    out = fut.outlook
    target = wpp_log_sd(out.pop_lower80, out.pop_upper80, out.pop_lower95, out.pop_upper95)
    logp = np.log(fut.trajectories.population[:, :, 1:])
    got = logp.std(axis=0)
    # never narrower than WPP's (up to sampling noise); where migration alone spreads less than WPP's
    # total, the natural component tops it up to WPP's width
    assert np.mean(got >= 0.8 * target) > 0.95
    big = [fut.iso3.index(c) for c in ("CHN", "IND", "NGA")]     # migration matters little there
    np.testing.assert_allclose(got[big[:2], -1], target[big[:2], -1], rtol=0.2)
    # Nigeria: WPP's interval is far wider than its fertility variants explain, and the natural top-up
    # is capped at the variants' spread, so the spread lies between that cap and WPP's
    cap = variant_log_sd(out.pop_low, out.pop_high)
    nga = big[2]
    assert cap[nga, -1] < 0.5 * target[nga, -1]
    assert cap[nga, -1] <= got[nga, -1] <= 1.2 * target[nga, -1]
    # the median follows WPP's median where our migration and WPP's are close
    med = np.median(fut.trajectories.population[:, big, -1], axis=0)
    np.testing.assert_allclose(med, out.population[big, -1], rtol=0.03)
    p = population("WLD", fut=fut).to_table()
    assert p.column("median")[-1] == pytest.approx(out.population[:, -1].sum(), rel=0.01)
    # the world's spread (natural growth only: world migration is zero) is WPP's world interval's
    med, l80, u80, l95, u95 = out.world[:, -1]
    last = list(p)[-1]
    assert (last["upper95"] - last["lower95"]) == pytest.approx(u95 - l95, rel=0.3)
    assert (last["upper80"] - last["lower80"]) == pytest.approx(u80 - l80, rel=0.3)


def test_stocks_stay_within_population_and_sum_up(fut: Future) -> None:
    paths = fut.stock_paths
    pop = fut.trajectories.population
    have = np.isfinite(paths[0, :, 0])
    assert (paths[:, have] >= 0).all() and (paths[:, have] <= pop[:, have] + 1e-6).all()
    w = stock("WLD", fut=fut)
    np.testing.assert_allclose(w.draws, paths[:, have, 1:].sum(axis=1))
    first = fut.stocks.stock[have, fut.stocks.years.index(2020)].sum()
    assert f"{first:,.0f}" in " ".join(w.notes)
    pct = stock("WLD", fut=fut, measure="percent").to_table().column("median")
    assert 2 < pct[0] < 10


def test_projections_carry_the_observed_past(fut: Future, con: Any) -> None:
    """The history shown beside a projection is the data the model starts from, for the same countries."""
    world = stock("WLD", fut=fut)
    w = dict(world.observed)
    assert list(w) == [1990, 1995, 2000, 2005, 2010, 2015, 2020]
    have = np.isfinite(fut.stock_paths[0, :, 0])
    assert w[2020] == pytest.approx(fut.stocks.stock[have, -1].sum())
    assert w[1990] == pytest.approx(np.nansum(fut.stocks.stock[have, 0]))
    # IMS 2024 counts every country from 1990, South Sudan too (IMS 2020 only from 2010): nothing left out
    assert not any("leave out" in n for n in world.notes)
    ssd = stock("SSD", fut=fut)
    assert [y for y, _ in ssd.observed] == [1990, 1995, 2000, 2005, 2010, 2015, 2020]
    # a country: Kenya's IMS stocks and WPP net migration, straight from the warehouse
    ken = dict(stock("KEN", fut=fut).observed)
    ims = dict(con.execute("SELECT year, migrants FROM migrant_stock WHERE edition = '2024' AND iso3 = 'KEN' "
                           "AND year % 5 = 0").fetchall())
    assert ken == pytest.approx({y: float(v) for y, v in ims.items()})
    nm = dict(net_migration("KEN", fut=fut).observed)
    data = fut.model.data
    i = data.iso3.index("KEN")
    assert nm[2020] == pytest.approx(data.migrants[i, -1] / 5) and min(nm) == data.ends[0]
    pct = dict(stock("KEN", fut=fut, measure="percent").observed)
    assert pct[2020] == pytest.approx(
        100 * ims[2020] / fut.stocks.population[fut.stocks.iso3.index("KEN"), -1])


def test_implausible_country_stocks_are_named(fut: Future) -> None:
    from migcap.projections.stockflow import IMPLAUSIBLE_FACTOR

    have = np.isfinite(fut.stock_paths[0, :, 0])
    ratio = np.median(fut.stock_paths[:, have, -1], axis=0) / fut.stock_paths[0, have, 0]
    odd = [c for c, r in zip(np.asarray(fut.iso3)[have], ratio, strict=True)
           if not 1 / IMPLAUSIBLE_FACTOR <= r <= IMPLAUSIBLE_FACTOR]
    flagged = [n for n in stock("WLD", fut=fut).notes if n.startswith("Indicative only for ")]
    if odd:
        assert len(flagged) == 1 and flagged[0].startswith(f"Indicative only for {', '.join(odd)}:")
        assert any(n.startswith(f"Indicative only for {odd[0]}:") for n in stock(odd[0], fut=fut).notes)
    else:
        assert not flagged
    assert not any(n.startswith("Indicative") for n in stock("DEU", fut=fut).notes)


def test_scenarios_by_hand(fut: Future) -> None:
    t = stock_scenarios("WLD", fut=fut)
    rows = list(t)
    st = fut.stocks
    have = np.isfinite(st.stock[:, st.years.index(2020)])
    s2020 = st.stock[have, st.years.index(2020)].sum()
    s2000 = np.nansum(st.stock[have, st.years.index(2000)])
    pace = {r["year"]: r["median"] for r in rows if r["scenario"].startswith("pace of 2000–2020")}
    # WMR 2010 method: constant annual growth of the last 20 years, compounded
    assert pace[2050] == pytest.approx(s2020 * (s2020 / s2000) ** (30 / 20), rel=1e-12)
    share = {r["year"]: r["median"] for r in rows if r["scenario"].startswith("constant share")}
    pop2050 = np.median(fut.trajectories.population[:, have, -1].sum(axis=1))
    assert share[2050] == pytest.approx(s2020 / fut.trajectories.population[0, have, 0].sum() * pop2050,
                                        rel=1e-9)
    assert {r["scenario"].split(" (")[0] for r in rows} == {
        "model", "pace of 2000–2020", "constant share of population", "WPP 2024 net migration"}


def test_compare_with_wpp_by_region(fut: Future) -> None:
    t = compare_wpp(scheme="wmr2010", year=2050, fut=fut)
    assert t.column("area_code") == ["AFR", "AME", "ASI", "EUR", "MEA", "OCE", "WLD"]
    world = next(iter(t.where(area_code="WLD")))
    assert abs(world["net_migration"]) < 1e-3 and abs(world["net_migration_wpp"]) < 1e4
    assert sum(r["population"] for r in t if r["area_code"] != "WLD") == pytest.approx(world["population"],
                                                                                        rel=0.01)


def test_bad_input_gives_clear_errors(con: Any, small_model: FittedModel, fut: Future) -> None:
    with pytest.raises(UnknownAreaError, match=r"unknown area 'Atlantis'.*WLD, a region of wmr2010"):
        net_migration("Atlantis", fut=fut)
    with pytest.raises(UnknownAreaError, match="did you mean Germany"):
        net_migration("Germny", fut=fut)
    with pytest.raises(DataUnavailableError, match="French Southern"):
        net_migration("ATF", fut=fut)
    with pytest.raises(DataUnavailableError, match="divisible by 5"):
        future(con, model=small_model, to=2047)
    with pytest.raises(DataUnavailableError, match="out of range"):
        future(con, model=small_model, to=2200)
    with pytest.raises(DataUnavailableError, match="out of range"):
        future(con, model=small_model, to=2020)
    with pytest.raises(DataUnavailableError, match="between 1 and"):
        future(con, model=small_model, draws=0)


def test_published_comparison_sets_the_model_beside_wmr_2010(fut: Future) -> None:
    from migcap.projections.project import published_comparison, stock

    t = published_comparison(2050, fut=fut)
    rows = list(t)
    model = stock("WLD", fut=fut).to_table().where(year=2050).rows[0]
    assert rows[0]["projection"].startswith("migcap, net migration model version")
    assert (rows[0]["median"], rows[0]["lower80"], rows[0]["upper95"]) == (model[3], model[4], model[7])
    assert rows[1]["median"] == 405_000_000
    assert rows[1]["projection"].startswith("IOM, World Migration Report 2010")
    assert np.isnan(rows[1]["lower80"])
    assert any("World Migration Report 2010" in s for s in t.sources)
    assert "not tuned" in t.notes[0]
    with pytest.raises(DataUnavailableError, match="no projection for 2033"):
        published_comparison(2033, fut=fut)
