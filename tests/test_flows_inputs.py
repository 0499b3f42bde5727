"""Inputs, errors, warnings and the result type of migcap.flows."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from migcap.errors import ConvergenceWarning, EstimationError, InputError
from migcap.flows import (
    FlowResult,
    RCompatibleRandom,
    cm2,
    cm3,
    ffs_demo,
    ffs_diff,
    ffs_rates,
    ipf2,
    ipf3,
    ipf3_qi,
    ipfp,
    rescale_integer_sum,
)

PLACES = ["A", "B", "C", "D"]
S1 = pd.DataFrame([[1000, 100, 10, 0], [55, 555, 50, 5], [80, 40, 800, 40], [20, 25, 20, 200]],
                  index=PLACES, columns=PLACES, dtype=float)
S2 = pd.DataFrame([[950, 100, 60, 0], [80, 505, 75, 5], [90, 30, 800, 40], [40, 45, 0, 180]],
                  index=PLACES, columns=PLACES, dtype=float)


# ----------------------------------------------------------------------------- input layouts
def test_numpy_and_dataframe_inputs_agree() -> None:
    labelled = ffs_demo(S1, S2)
    plain = ffs_demo(S1.to_numpy(), S2.to_numpy())
    np.testing.assert_array_equal(labelled.values, plain.values)
    assert labelled.coords[0] == tuple(PLACES)
    assert plain.coords[0] == (0, 1, 2, 3)


def test_long_stock_frames_are_accepted() -> None:
    long0 = pd.DataFrame({"pob": np.repeat(PLACES, 4), "por": PLACES * 4,
                          "stock": S1.to_numpy().ravel()})
    long1 = pd.DataFrame({"pob": np.repeat(PLACES, 4), "por": PLACES * 4,
                          "stock": S2.to_numpy().ravel()})
    np.testing.assert_array_equal(ffs_demo(long0, long1).values, ffs_demo(S1, S2).values)


def test_places_are_ordered_as_births_like_migest() -> None:
    births = pd.Series([0.0, 0, 0, 0], index=["D", "C", "B", "A"])
    result = ffs_demo(S1, S2, births, births)
    assert result.coords[2] == ("D", "C", "B", "A")
    base = ffs_demo(S1, S2)
    np.testing.assert_allclose(result.values, base.values[::-1, ::-1, ::-1], atol=1e-9)


def test_births_as_mapping_and_scalar() -> None:
    a = ffs_demo(S1, S2, {"A": 0, "B": 0, "C": 0, "D": 0}, 0)
    np.testing.assert_array_equal(a.values, ffs_demo(S1, S2).values)


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (np.ones((3, 4)), np.ones((3, 4)), "stock_start: table must be square"),
        (np.ones((3, 3)), np.ones((4, 4)), "stock_end: has 4 places but stock_start has 3"),
        (np.array([[5.0, -1.0], [2.0, 5.0]]), np.ones((2, 2)),
         "stock_start: negative stock at place of birth 0, place of residence 1"),
        (np.array([[5.0, np.nan], [2.0, 5.0]]), np.ones((2, 2)),
         "stock_start: missing or infinite value at place of birth 0, place of residence 1"),
        (np.array([[5, "x"], [2, 5]], dtype=object), np.ones((2, 2)),
         "stock_start: non-numeric value at place of birth 0, place of residence 1 (value: 'x')"),
    ],
)
def test_bad_tables_raise_input_error(start: np.ndarray, end: np.ndarray, message: str) -> None:
    with pytest.raises(InputError) as err:
        ffs_demo(start, end)
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)


def test_negative_stock_names_labelled_place() -> None:
    bad = S2.copy()
    bad.loc["C", "B"] = -3
    with pytest.raises(InputError, match=r"stock_end: negative stock at place of birth 'C', "
                                         r"place of residence 'B' \(value: -3.0\)"):
        ffs_demo(S1, bad)


def test_place_missing_from_one_table_is_named() -> None:
    other = S2.rename(index={"D": "E"}, columns={"D": "E"})
    with pytest.raises(InputError, match="place 'D' is in stock_start but missing from stock_end"):
        ffs_demo(S1, other)
    births = pd.Series([1.0, 2.0, 3.0], index=["A", "B", "C"])
    with pytest.raises(InputError, match="births: has 3 places but stock_start has 4"):
        ffs_demo(S1, S2, births)
    births = pd.Series([1.0, 2.0, 3.0, 4.0], index=["A", "B", "C", "X"])
    with pytest.raises(InputError, match=r"place 'X' is in births but missing from stock_start"):
        ffs_demo(S1, S2, births)


def test_rows_and_columns_must_name_the_same_places() -> None:
    bad = S1.rename(columns={"D": "Z"})
    with pytest.raises(InputError,
                       match=r"place 'D' is a place of birth \(row\) but not a place of residence"):
        ffs_demo(bad, S2)


def test_negative_births_and_unknown_options() -> None:
    with pytest.raises(InputError, match="births: negative value for place 'B'"):
        ffs_demo(S1, S2, pd.Series([1.0, -2.0, 0.0, 0.0], index=PLACES))
    with pytest.raises(InputError, match="match_birthplace_tot_method must be"):
        ffs_demo(S1, S2, match_birthplace_tot_method="rescale-adjust-zero-fb")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="output must be 'flow' or 'account'"):
        ffs_demo(S1, S2, output="classic")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="decrease must be 'return' or 'zero'"):
        ffs_diff(S1, S2, decrease="drop")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="needs the global flow total"):
        ffs_rates(S1)


def test_totals_that_cannot_be_matched() -> None:
    # without the global adjustment, the stock change (-10) cannot be matched by rescaling
    with pytest.raises(EstimationError, match="place-of-birth totals cannot be matched by rescaling"):
        ffs_demo(S1, S2 - np.diag([10.0, 0, 0, 0]), match_global="none")
    with pytest.raises(EstimationError, match="place of birth 'B' differ between row_tot"):
        ipf3(S1.T, S2.assign(A=S2["A"] + np.array([0, 7.0, 0, 0])))
    with pytest.raises(EstimationError, match="row and column totals differ"):
        ipf2([10, 20], [10, 25])
    with pytest.raises(EstimationError, match="row and column totals differ"):
        cm2([10, 20], [10, 25])
    with pytest.raises(EstimationError, match="singular"):
        ffs_rates(np.ones((2, 2)), np.ones((2, 2)), method="rogers-von-rabenau")


def test_negative_native_born_is_fixed_with_warning() -> None:
    start = S1.copy()
    start.loc["D", "D"] = -20.0  # more foreign born than people in D
    with pytest.warns(UserWarning, match="more foreign born than total population in 'D'"):
        result = ffs_demo(start, S2)
    assert np.all(result.values >= 0)
    # the foreign born of D are scaled to D's (reduced) total population
    fixed_total = S1["D"].sum() - 200 - 20
    assert result.details["stock_start_adj"][:, 3].sum() == pytest.approx(fixed_total, abs=1.0)


def test_too_many_births_warns_and_names_place() -> None:
    births = pd.Series([0.0, 600.0, 0.0, 0.0], index=PLACES)
    with pytest.warns(UserWarning, match="too many births in 'B'"):
        result = ffs_demo(S1, S2, births, births)
    assert result.details["births"][:, 1].sum() == pytest.approx(600)


# ----------------------------------------------------------------------------- convergence
def test_non_convergence_warns_with_iterations_and_error() -> None:
    with pytest.warns(ConvergenceWarning, match=r"ipf2: no convergence after 2 iterations; "
                                                r"remaining max margin difference [0-9.e+-]+ \(tol 1e-05\)"):
        r = ipf2([170, 120, 410], [500, 140, 60], [[50, 120, 545], [10, 120, 0], [220, 30, 10]],
                 max_iter=2)
    assert not r.converged and r.iterations == 2
    with pytest.warns(ConvergenceWarning, match="cm2: no convergence after 3 iterations"):
        cm2([170, 120, 410], [500, 140, 60], [[50, 120, 545], [10, 120, 0], [220, 30, 10]],
            max_iter=3)
    with pytest.warns(ConvergenceWarning, match="ipfp: no convergence after 1 iterations"):
        ipfp(np.array([[1.0, 2.0], [3.0, 1.0]]), [(0, [3.0, 7.0]), (1, [6.0, 4.0])], max_iter=1)
    with pytest.warns(ConvergenceWarning, match="ffs_demo: no convergence after 1 iterations"):
        ffs_demo(S1, S2, stayer_assumption=False, seed=np.arange(1.0, 17.0).reshape(4, 4),
                 max_iter=1)


def test_ipfp_inconsistent_targets() -> None:
    with pytest.raises(EstimationError, match="targets 0 and 1 have different totals"):
        ipfp(np.ones((2, 2)), [(0, [3.0, 7.0]), (1, [5.0, 6.0])])
    with pytest.warns(UserWarning, match="fitting proportions"):
        r = ipfp(np.ones((2, 2)), [(0, [3.0, 7.0]), (1, [5.0, 6.0])], inconsistent="proportions")
    assert r.values.sum() == pytest.approx(1.0)


# ----------------------------------------------------------------------------- result type
def test_flow_result_is_frozen_and_exports() -> None:
    result = ffs_demo(S1, S2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.method = "x"  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        result.values[0, 0, 0] = 1.0
    frame = result.to_frame()
    assert list(frame.columns) == ["orig", "dest", "pob", "flow"]
    assert len(frame) == 64
    assert frame["flow"].sum() == pytest.approx(S1.to_numpy().sum())
    nonzero = result.to_frame(nonzero=True)
    assert (nonzero["flow"] != 0).all()
    row = nonzero[(nonzero.orig == "A") & (nonzero.dest == "C") & (nonzero.pob == "A")]
    assert row["flow"].item() == pytest.approx(50)
    od = result.od()
    assert od.index.name == "orig" and od.columns.name == "dest"
    assert np.all(np.diag(od.to_numpy()) == 0)
    assert result.od(stayers=True).to_numpy().trace() > 0
    payload = json.loads(json.dumps(result.to_dict()))
    assert payload["method"] == "ffs_demo" and payload["coords"]["pob"] == PLACES
    assert np.asarray(payload["values"]).shape == (4, 4, 4)
    assert "ffs_demo" in repr(result)


def test_flow_result_two_dimensional() -> None:
    r = FlowResult(np.array([[0.0, 2.0], [3.0, 0.0]]), ("orig", "dest"), (("x", "y"), ("x", "y")), "t")
    assert r.to_frame().to_dict("list") == {"orig": ["x", "x", "y", "y"], "dest": ["x", "y", "x", "y"],
                                            "flow": [0.0, 2.0, 3.0, 0.0]}
    assert r.total() == 5.0
    with pytest.raises(ValueError, match="coords"):
        FlowResult(np.zeros((2, 2)), ("orig", "dest"), (("x",), ("x", "y")), "t")


def test_labels_kept_by_fitting_routines() -> None:
    rows = pd.Series([18.0, 20.0], index=["P", "Q"])
    cols = pd.Series([16.0, 22.0], index=["P", "Q"])
    seed = pd.DataFrame([[5.0, 2.0], [1.0, 7.0]], index=["P", "Q"], columns=["P", "Q"])
    for fit in (ipf2, cm2):
        r = fit(rows[::-1], cols, seed)
        assert r.coords == (("P", "Q"), ("P", "Q"))
        assert r.values.round(2).tolist() == [[13.25, 4.75], [2.75, 17.25]]
    r3 = cm3(rows, cols, {"ill": seed, "healthy": seed * 2})
    assert r3.coords[2] == ("ill", "healthy")
    qi = ipf3_qi(S1.T, S2)
    assert qi.dims == ("orig", "dest", "pob") and qi.coords[1] == tuple(PLACES)


# ----------------------------------------------------------------------------- R-compatible rounding
def test_r_random_stream() -> None:
    # R 4.x: set.seed(1); runif(3)  and  set.seed(42); runif(2)
    np.testing.assert_allclose(RCompatibleRandom(1).uniform(3), [0.2655086631, 0.3721238996,
                                                                 0.5728533633], atol=1e-10)
    np.testing.assert_allclose(RCompatibleRandom(42).uniform(2), [0.914806043, 0.9370754133],
                               atol=1e-9)
    # set.seed(1); sample(10) in R >= 3.6 is 9 4 7 1 2 5 3 10 6 8; its first draw:
    assert RCompatibleRandom(1).sample_int(10) == 9


def test_rescale_integer_sum_semantics() -> None:
    x = np.array([10.0, 40.0, 20.0])
    # residual on the largest value; with R's stream the place is drawn from 1..(position of max)
    assert rescale_integer_sum(x, 71).tolist() == [10.0, 41.0, 20.0]  # rounding alone is enough
    assert rescale_integer_sum(x, 70.5).tolist() == [10.0, 40.5, 20.0]
    # migest after set.seed(1): sample(2, 1) is 1, so the residual goes to the first place
    assert rescale_integer_sum(x, 70.5, RCompatibleRandom(1)).tolist() == [10.5, 40.0, 20.0]
    # ties share the residual equally when no R stream is given
    assert rescale_integer_sum(np.array([30.0, 30.0]), 61).tolist() == [30.5, 30.5]
    # non-integer totals leave a non-integer residual, as in migest
    assert rescale_integer_sum(np.array([3.0, 1.0]), 4.5).tolist() == [3.5, 1.0]


# ----------------------------------------------------------------------------- other options
EX3_START = pd.DataFrame([[1000, 100, 10, 0], [55, 555, 50, 5], [80, 40, 800, 40], [20, 25, 20, 200]],
                         index=PLACES, columns=PLACES, dtype=float)
EX3_END = pd.DataFrame([[1060, 60, 10, 10], [45, 540, 40, 0], [70, 75, 770, 70], [30, 30, 20, 230]],
                       index=PLACES, columns=PLACES, dtype=float)
EX3_BIRTHS = pd.Series([80.0, 20, 60, 60], index=PLACES)
EX3_DEATHS = pd.Series([70.0, 30, 50, 10], index=PLACES)


def test_after_demo_adjust_balances_the_tables() -> None:
    result = ffs_demo(EX3_START, EX3_END, EX3_BIRTHS, EX3_DEATHS, match_global="after-demo-adjust")
    start, end = result.details["stock_start_adj"], result.details["stock_end_adj"]
    assert start.sum() == pytest.approx(end.sum(), abs=1e-6)
    np.testing.assert_allclose(start.sum(axis=1), end.sum(axis=1), atol=0.01)
    np.testing.assert_allclose(result.values.sum(axis=1).T, start, atol=0.01)
    # native born absorb the global difference; the foreign born are only rescaled
    before = ffs_demo(EX3_START, EX3_END, EX3_BIRTHS, EX3_DEATHS)
    assert abs(result.total() - before.total()) < 0.05 * before.total()


def test_birth_and_death_methods() -> None:
    result = ffs_demo(EX3_START, EX3_END, EX3_BIRTHS, EX3_DEATHS, birth_method="proportion",
                      death_method="accounting", output="account")
    births, deaths = result.details["births"], result.details["deaths"]
    np.testing.assert_allclose(births.sum(axis=0), EX3_BIRTHS, atol=1e-9)
    assert np.count_nonzero(births - np.diag(np.diag(births))) > 0  # shared over birthplaces
    np.testing.assert_allclose(deaths.sum(axis=0), EX3_DEATHS, atol=1e-3)
    # "accounting": deaths by place of birth = start + births - end (the tables already balance
    # globally here: 3060 - 3000 = 220 - 160, so the global match changes nothing)
    by_pob = EX3_START.sum(axis=1) + EX3_BIRTHS - EX3_END.sum(axis=1)
    np.testing.assert_allclose(deaths.sum(axis=1), by_pob, atol=1e-3)
    # the account holds births of place of birth k living in j at [birth, j, k]
    np.testing.assert_allclose(result.values[4, :4, :], births.T, atol=1e-12)
    np.testing.assert_allclose(result.values[:4, 4, :], deaths.T, atol=1e-12)
    assert np.all(result.values >= 0)


def test_three_dimensional_seed_equals_repeated_two_dimensional_seed() -> None:
    seed2 = np.array([[1.0, 5, 50, 500], [5, 1, 45, 495], [50, 45, 1, 450], [500, 495, 450, 1]])
    seed3 = np.repeat(seed2[:, :, None], 4, axis=2)
    for fit in (ipf3, ipf3_qi):
        a = fit(EX3_START.T, EX3_START, seed2)
        b = fit(EX3_START.T, EX3_START, seed3)
        np.testing.assert_allclose(a.values, b.values, rtol=1e-12, atol=1e-9)
    a = ffs_demo(EX3_START, EX3_END, stayer_assumption=False, seed=seed2)
    b = ffs_demo(EX3_START, EX3_END, stayer_assumption=False, seed=seed3)
    np.testing.assert_allclose(a.values, b.values, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("method", ["rescale", "open", "open-dr"])
def test_more_deaths_than_people_is_an_estimation_error(method: str) -> None:
    # 300 deaths in D, where only 245 people live: the start table net of deaths turns negative
    deaths = pd.Series([0.0, 0, 0, 300], index=PLACES)
    births = pd.Series([0.0, 0, 0, 0], index=PLACES)
    with pytest.raises(EstimationError, match=r"ffs_demo: stock_start after births and deaths is "
                                              r"negative for place of birth '.', place of residence 'D'"):
        ffs_demo(S1, S2, births, deaths, match_birthplace_tot_method=method,  # type: ignore[arg-type]
                 match_global="none")


def test_unmatched_birthplace_totals_warn_and_name_the_place() -> None:
    # place of birth 2 has 6,969 people at the start and 5,967 at the end after the rescaling:
    # its native born fell by 1,582 and nobody of them appears elsewhere (zeros everywhere)
    start = np.array([[6997.0, 30, 0], [179, 2533, 0], [14, 0, 7201]])
    end = np.array([[5637.0, 160, 0], [0, 4307, 153], [0, 0, 5619]])
    with pytest.warns(UserWarning, match=r"could not be matched for 2; up to 1e\+03 people"):
        result = ffs_demo(start, end, rounding_seed=None)
    assert np.all(result.values >= 0)
