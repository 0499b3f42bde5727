"""migcap.flows against the outputs of the R package migest 2.0.5.

The reference files in tests/data/migest/ were produced by migest 2.0.5 (see
docs/flows.md); numbers were written with %.17g. 3-D arrays are long files
``orig, dest, pob, flow`` with the first index varying fastest (R order).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pytest

from migcap.errors import ConvergenceWarning
from migcap.flows import (
    RCompatibleRandom,
    cm2,
    cm3,
    ffs_demo,
    ffs_diff,
    ffs_rates,
    ipf2,
    ipf3,
    ipf3_qi,
)

DATA = Path(__file__).parent / "data" / "migest"
ABC = ["A", "B", "C", "D"]


# ----------------------------------------------------------------------------- loaders
def stock(name: str) -> pd.DataFrame:
    """Long ``pob, por, stock`` file as a labelled pob x por matrix (file order kept)."""
    frame = pd.read_csv(DATA / name)
    places = list(dict.fromkeys(frame["pob"]))
    return frame.pivot(index="pob", columns="por", values=frame.columns[2]).loc[places, places]


def vector(name: str) -> pd.Series:
    frame = pd.read_csv(DATA / name)
    return pd.Series(frame.iloc[:, 1].to_numpy(float), index=frame.iloc[:, 0].to_numpy())


def array3(name: str, n: int, column: str = "flow") -> np.ndarray:
    values = pd.read_csv(DATA / name)[column].to_numpy(float)
    return values.reshape((n, n, -1), order="F")


def matrix(name: str, n: int, column: str = "flow") -> np.ndarray:
    return np.array(pd.read_csv(DATA / name)[column], dtype=float).reshape((n, n), order="F")


def margins(problem: str) -> tuple[pd.Series, pd.Series]:
    frame = pd.read_csv(DATA / "ex5_margins.csv")
    part = frame[frame["problem"] == problem]
    rows = part[part["margin"] == "row"]
    cols = part[part["margin"] == "col"]
    return (pd.Series(rows["total"].to_numpy(float), index=rows["region"].to_numpy()),
            pd.Series(cols["total"].to_numpy(float), index=cols["region"].to_numpy()))


# ----------------------------------------------------------------------------- small examples
SMALL_DEMO = [
    # (id, start, end, births, deaths, kwargs, reference 3-D file, off-diagonal total in README)
    ("ex1", "ex1", None, None, {}, "ex1_ffs_demo_flow3d.csv", 150.0),
    ("ex1-nostayer", "ex1", None, None, {"stayer_assumption": False},
     "ex1_ffs_demo_nostayer_flow3d.csv", 880.64),
    ("ex2", "ex2", None, None, {}, "ex2_ffs_demo_flow3d.csv", 100.0),
    ("ex3", "ex3", "ex3_births.csv", "ex3_deaths.csv", {}, "ex3_ffs_demo_flow3d.csv", 127.69),
    ("ex3-open", "ex3", "ex3_births_open.csv", "ex3_deaths.csv",
     {"match_birthplace_tot_method": "open"}, "ex3_ffs_demo_open_flow3d.csv", 136.10),
    ("ex3-open-dr", "ex3", "ex3_births_open.csv", "ex3_deaths.csv",
     {"match_birthplace_tot_method": "open-dr"}, "ex3_ffs_demo_opendr_flow3d.csv", 131.95),
    ("ex4", "ex4", None, None, {}, "ex4_ffs_demo_flow3d.csv", 160.0),
]


@pytest.mark.parametrize(("case", "tables", "births", "deaths", "kwargs", "reference", "total"),
                         SMALL_DEMO, ids=[c[0] for c in SMALL_DEMO])
def test_ffs_demo_small_examples_equal_migest(case: str, tables: str, births: str | None,
                                               deaths: str | None, kwargs: dict, reference: str,
                                               total: float) -> None:
    s0 = stock(f"{tables}_stock_start.csv")
    s1 = stock(f"{tables}_stock_end.csv")
    b = vector(births) if births else None
    d = vector(deaths) if deaths else None
    result = ffs_demo(s0, s1, b, d, **kwargs)
    expected = array3(reference, 4)
    np.testing.assert_allclose(result.values, expected, rtol=0, atol=1e-6)
    assert result.coords == (tuple(ABC),) * 3
    assert result.total() == pytest.approx(total, abs=0.005)
    assert result.converged


def test_ffs_demo_ex1_od_matches_sum_od() -> None:
    result = ffs_demo(stock("ex1_stock_start.csv"), stock("ex1_stock_end.csv"))
    np.testing.assert_allclose(result.od_array(), matrix("ex1_ffs_demo_od.csv", 4), atol=1e-6)
    od = result.od()
    assert od.loc["A", "C"] == pytest.approx(50)
    assert od.loc["B", "A"] == pytest.approx(35)
    assert od.loc["D", "B"] == pytest.approx(10)


def test_ffs_demo_nostayer_equals_ipf3() -> None:
    s0, s1 = stock("ex1_stock_start.csv"), stock("ex1_stock_end.csv")
    nostayer = ffs_demo(s0, s1, stayer_assumption=False)
    np.testing.assert_allclose(nostayer.values, array3("ex1_ipf3_mu3d.csv", 4), atol=1e-6)


def test_ffs_demo_distance_seed_without_stayers() -> None:
    seed = pd.read_csv(DATA / "ex2_distance_seed.csv").pivot(index="orig", columns="dest",
                                                              values="dist").loc[ABC, ABC]
    result = ffs_demo(stock("ex2_stock_start.csv"), stock("ex2_stock_end.csv"), seed=seed,
                      stayer_assumption=False)
    np.testing.assert_allclose(result.values, array3("ex2_ffs_demo_distseed_nostayer_flow3d.csv", 4),
                               atol=1e-6)
    assert result.total() == pytest.approx(750)


def test_ffs_demo_seed_ignored_under_stayer_assumption_as_migest() -> None:
    seed = pd.read_csv(DATA / "ex2_distance_seed.csv").pivot(index="orig", columns="dest",
                                                              values="dist").loc[ABC, ABC]
    s0, s1 = stock("ex2_stock_start.csv"), stock("ex2_stock_end.csv")
    with pytest.warns(UserWarning, match="seed is ignored under the stayer assumption"):
        with_seed = ffs_demo(s0, s1, seed=seed)
    np.testing.assert_array_equal(with_seed.values, ffs_demo(s0, s1).values)
    used = ffs_demo(s0, s1, seed=seed, seed_with_stayers=True)
    assert np.abs(used.values - with_seed.values).max() > 0.1  # the extension does use it
    np.testing.assert_allclose(used.values.sum(axis=1).T, used.details["stock_start_adj"], atol=1e-6)


def test_ffs_demo_account_equals_migest() -> None:
    result = ffs_demo(stock("ex3_stock_start.csv"), stock("ex3_stock_end.csv"),
                      vector("ex3_births.csv"), vector("ex3_deaths.csv"), output="account")
    frame = pd.read_csv(DATA / "ex3_ffs_demo_account3d.csv")
    expected = frame["flow"].to_numpy(float).reshape((6, 6, 4), order="F")
    np.testing.assert_allclose(result.values, expected, atol=1e-6)
    assert result.coords[0] == (*ABC, "birth", "outside")
    assert result.coords[1] == (*ABC, "death", "outside")
    assert list(frame["orig"][:6]) == list(result.coords[0])
    assert result.values[4, :4, :].sum() == pytest.approx(80 + 20 + 60 + 60)  # births row
    assert result.values[:4, 4, :].sum() == pytest.approx(70 + 30 + 50 + 10)  # deaths column


def test_ipf3_and_ipf3_qi_small() -> None:
    s0, s1 = stock("ex1_stock_start.csv"), stock("ex1_stock_end.csv")
    r3 = ipf3(s0.T, s1)
    np.testing.assert_allclose(r3.values, array3("ex1_ipf3_mu3d.csv", 4), atol=1e-6)
    assert r3.iterations == 2
    qi = ipf3_qi(s0.T, s1)
    np.testing.assert_allclose(qi.values, array3("ex1_ipf3_qi_mu3d.csv", 4), atol=1e-6)
    np.testing.assert_allclose(qi.values, ffs_demo(s0, s1).values, atol=1e-6)


@pytest.mark.parametrize("decrease", ["return", "zero"])
def test_ffs_diff_small(decrease: Literal["return", "zero"]) -> None:
    result = ffs_diff(stock("ex1_stock_start.csv"), stock("ex1_stock_end.csv"), decrease=decrease)
    np.testing.assert_allclose(result.values, matrix(f"ex1_ffs_diff_{decrease}.csv", 4), atol=1e-12)


def test_ffs_rates_small() -> None:
    s0, s1 = stock("ex1_stock_start.csv"), stock("ex1_stock_end.csv")
    dennett = ffs_rates(s0, total=1000)
    np.testing.assert_allclose(dennett.values, matrix("ex1_ffs_rates_dennett_M1000.csv", 4), atol=1e-9)
    rvr = ffs_rates(s0, s1, method="rogers-von-rabenau")
    np.testing.assert_allclose(rvr.values, matrix("ex1_ffs_rates_rvr.csv", 4), atol=1e-9)
    assert rvr.values.min() < 0  # the method can give negative flows, as migest's does


def test_ipf2_and_cm2_man_page_examples() -> None:
    rows, cols = margins("ipf2_cm2_3x3")
    seed = pd.read_csv(DATA / "ex5_ipf2_seed.csv")["seed"].to_numpy(float).reshape((3, 3), order="F")
    r = ipf2(rows, cols, seed)
    np.testing.assert_allclose(r.values, matrix("ex5_ipf2_mu.csv", 3), atol=1e-9)
    assert r.iterations == 20
    c = cm2(rows, cols, seed)
    np.testing.assert_allclose(c.values, matrix("ex5_cm2_mu.csv", 3), atol=1e-9)
    assert np.abs(c.values - r.values).max() < 1e-4  # the two agree to about 1e-4, as in migest


def test_ipf2_and_cm2_4x4() -> None:
    rows, cols = margins("cm2_ipf2_4x4")
    seed = pd.read_csv(DATA / "ex5_cm2_4x4_seed.csv")["seed"].to_numpy(float).reshape((4, 4), order="F")
    np.testing.assert_allclose(cm2(rows, cols, seed).values, matrix("ex5_cm2_4x4_mu.csv", 4), atol=1e-9)
    np.testing.assert_allclose(ipf2(rows, cols, seed).values, matrix("ex5_ipf2_4x4_mu.csv", 4),
                               atol=1e-9)


def test_cm3_man_page_example() -> None:
    rows, cols = margins("cm3_2x2x2")
    frame = pd.read_csv(DATA / "ex5_cm3_seed3d.csv")
    seed = frame["seed"].to_numpy(float).reshape((2, 2, 2), order="F")
    result = cm3(rows, cols, seed, type_labels=("ILL", "HEALTHY"))
    expected = pd.read_csv(DATA / "ex5_cm3_mu3d.csv")["flow"].to_numpy(float).reshape((2, 2, 2),
                                                                                      order="F")
    np.testing.assert_allclose(result.values, expected, atol=1e-9)
    assert result.coords[2] == ("ILL", "HEALTHY")


# ----------------------------------------------------------------------------- worked cases (JSON)
EXPECT = json.loads((DATA / "migest_flow_estimation_expectations.json").read_text())


def printed_tolerance(values: np.ndarray) -> np.ndarray:
    """Half a unit in the last printed digit of each transcribed value (and 1e-6 at least)."""
    decimals = np.array([len(repr(float(v)).split(".")[1]) if "." in repr(float(v)) else 0
                         for v in values.ravel()])
    return np.maximum(0.5 * 10.0 ** -decimals, 1e-6).reshape(values.shape) + 1e-9


@pytest.mark.parametrize("case", EXPECT["ffs_demo"], ids=[c["id"] for c in EXPECT["ffs_demo"]])
def test_ffs_demo_worked_cases(case: dict) -> None:
    places = EXPECT["regions"]
    s0 = pd.DataFrame(case["stock_start"], index=places, columns=places)
    s1 = pd.DataFrame(case["stock_end"], index=places, columns=places)
    births = pd.Series(case["births"], index=places, dtype=float)
    deaths = pd.Series(case["deaths"], index=places, dtype=float)
    kwargs = {}
    if "match_birthplace_tot_method" in case["options"]:
        kwargs["match_birthplace_tot_method"] = case["options"]["match_birthplace_tot_method"]
    if "seed_distance" in case["options"]:
        kwargs["seed"] = pd.DataFrame(case["options"]["seed_distance"], index=places, columns=places)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = ffs_demo(s0, s1, births, deaths, **kwargs)
    expected = np.array(case["expected_od"], dtype=float)
    assert np.all(np.abs(result.od_array() - expected) <= printed_tolerance(expected))
    assert result.total() == pytest.approx(
        case["expected_total"], abs=float(printed_tolerance(np.array([case["expected_total"]]))[0]) + 1e-5)
    for k, (pob, table) in enumerate(case.get("expected_flows_by_pob", {}).items()):
        assert result.coords[2][k] == pob
        np.testing.assert_allclose(result.values[:, :, k], np.array(table, dtype=float), atol=1e-6)
    messages = " ".join(str(w.message) for w in caught)
    if "too many births" in case["source"]:
        assert "too many births in 'B'" in messages
    if "seed_distance" in case["options"]:
        assert "seed is ignored" in messages


@pytest.mark.parametrize("case", EXPECT["ipf2"], ids=[c["id"] for c in EXPECT["ipf2"]])
def test_ipf2_worked_cases(case: dict) -> None:
    result = ipf2(case["row_tot"], case["col_tot"], np.array(case["seed"], dtype=float))
    rounded = np.round(result.values, case["rounding"])  # numpy and R both round half to even
    np.testing.assert_array_equal(rounded, np.array(case["expected"], dtype=float))


# ----------------------------------------------------------------------------- 200 places
@pytest.fixture(scope="module")
def synth() -> dict:
    regions = pd.read_csv(DATA / "synth200_regions.csv.gz")
    places = list(regions["region"])

    def table(name: str, column: str) -> pd.DataFrame:
        frame = pd.read_csv(DATA / name)
        return frame.pivot(index=frame.columns[0], columns=frame.columns[1],
                           values=column).loc[places, places]

    s0 = table("synth200_stock_start.csv.gz", "stock")
    s1 = table("synth200_stock_end.csv.gz", "stock")
    births = pd.Series(regions["births"].to_numpy(float), index=places)
    deaths = pd.Series(regions["deaths"].to_numpy(float), index=places)
    result = ffs_demo(s0, s1, births, deaths)
    return {"places": places, "s0": s0, "s1": s1, "births": births, "deaths": deaths,
            "result": result, "table": table}


def synth_od(name: str) -> np.ndarray:
    return matrix(name, 200)


def test_synth200_ffs_demo_cell_by_cell(synth: dict) -> None:
    result = synth["result"]
    places = synth["places"]
    frame = pd.read_csv(DATA / "synth200_ffs_demo_flow3d_pos.csv.gz")
    assert len(frame) == 737_324
    position = {p: i for i, p in enumerate(places)}
    expected = np.zeros((200, 200, 200))
    expected[frame["orig"].map(position), frame["dest"].map(position),
             frame["pob"].map(position)] = frame["flow"].to_numpy(float)
    diff = np.abs(result.values - expected)
    assert diff.max() < 1.0  # the target: within one person in every cell
    assert diff.max() < 0.01  # what is achieved (about 1e-6 on this machine)
    assert np.count_nonzero(result.values > 0) == 737_324


def test_synth200_ffs_demo_od_and_total(synth: dict) -> None:
    result = synth["result"]
    expected = synth_od("synth200_ffs_demo_od.csv.gz")
    np.testing.assert_allclose(result.od_array(stayers=True), expected, rtol=0, atol=0.01)
    ref_total = expected.sum() - np.trace(expected)
    assert ref_total == pytest.approx(66_571_244, abs=0.5)
    assert abs(result.total() / ref_total - 1) < 1e-6
    assert result.iterations == 2 and result.converged


def test_synth200_intermediates(synth: dict) -> None:
    result, table = synth["result"], synth["table"]
    np.testing.assert_allclose(result.details["deaths"],
                               table("synth200_death_mat.csv.gz", "deaths").to_numpy(), atol=1e-4)
    for key, name in (("stock_start_adj", "synth200_adj_stock_start.csv.gz"),
                      ("stock_end_adj", "synth200_adj_stock_end.csv.gz")):
        np.testing.assert_allclose(result.details[key], table(name, "stock").to_numpy(), atol=0.01)
    # the 3-D result reproduces the start-table margins (README: to 1e-10 in migest)
    np.testing.assert_allclose(result.values.sum(axis=1).T, result.details["stock_start_adj"],
                               rtol=1e-10, atol=1e-3)


def test_synth200_nostayer(synth: dict) -> None:
    result = ffs_demo(synth["s0"], synth["s1"], synth["births"], synth["deaths"],
                      stayer_assumption=False)
    np.testing.assert_allclose(result.od_array(stayers=True),
                               synth_od("synth200_ffs_demo_nostayer_od.csv.gz"), atol=0.01)


def adjusted(synth: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    a0 = synth["result"].details["stock_start_adj"]
    a1 = synth["result"].details["stock_end_adj"]
    a1s = a1 * (a0.sum(axis=1) / a1.sum(axis=1))[:, None]
    places = synth["places"]
    return (pd.DataFrame(a0, index=places, columns=places),
            pd.DataFrame(a1s, index=places, columns=places))


def test_synth200_ipf3_and_ipf3_qi(synth: dict) -> None:
    a0, a1s = adjusted(synth)
    r3 = ipf3(a0.T, a1s)
    assert r3.iterations == 2
    np.testing.assert_allclose(r3.od_array(stayers=True), synth_od("synth200_ipf3_od.csv.gz"), atol=0.01)
    qi = ipf3_qi(a0.T, a1s)
    assert qi.iterations == 2
    np.testing.assert_allclose(qi.od_array(stayers=True), synth_od("synth200_ipf3_qi_od.csv.gz"),
                               atol=0.01)
    # README: off-diagonal flows within 0.21 of ffs_demo (stayers differ by the pob rescaling)
    assert np.abs(qi.od_array() - synth["result"].od_array()).max() < 0.21


def test_synth200_diff_and_rates(synth: dict) -> None:
    s0, s1 = synth["s0"], synth["s1"]
    np.testing.assert_allclose(ffs_diff(s0, s1).values, synth_od("synth200_ffs_diff_return.csv.gz"),
                               atol=1e-9)
    reference_od = synth_od("synth200_ffs_demo_od.csv.gz")
    total = reference_od.sum() - np.trace(reference_od)  # migest was given M = this total
    np.testing.assert_allclose(ffs_rates(s0, total=total).values,
                               synth_od("synth200_ffs_rates_dennett.csv.gz"), rtol=1e-12, atol=1e-9)
    rvr = synth_od("synth200_ffs_rates_rvr.csv.gz")
    np.testing.assert_allclose(ffs_rates(s0, s1, method="rogers-von-rabenau").values, rvr,
                               rtol=1e-9, atol=1e-6)


def cm_problem(synth: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    od = synth_od("synth200_ffs_demo_od.csv.gz")
    np.fill_diagonal(od, 0.0)
    seed = synth["s0"].to_numpy(float) + 1
    np.fill_diagonal(seed, 0.0)
    return od.sum(axis=1), od.sum(axis=0), seed


def test_synth200_ipf2_and_cm2(synth: dict) -> None:
    rows, cols, seed = cm_problem(synth)
    r = ipf2(rows, cols, seed)
    assert r.iterations == 25
    np.testing.assert_allclose(r.values, synth_od("synth200_ipf2_mu.csv.gz"), atol=1e-6)
    c = cm2(rows, cols, seed)
    np.testing.assert_allclose(c.values, synth_od("synth200_cm2_mu.csv.gz"), atol=1e-6)
    assert np.abs(c.values.sum(axis=1) - rows).max() == pytest.approx(0.022, abs=0.001)


def test_synth200_cm3_one_iteration_and_converged(synth: dict) -> None:
    rows, cols, seed = cm_problem(synth)
    # migest's run split the seed with set.seed(42); runif(0.3, 0.7), column-major
    share = (0.3 + 0.4 * RCompatibleRandom(42).uniform(200 * 200)).reshape((200, 200), order="F")
    m = np.stack([seed * share, seed * (1 - share)], axis=2)
    with pytest.warns(ConvergenceWarning, match="after 1 iterations"):
        one = cm3(rows, cols, m, max_iter=1, type_labels=("female", "male"))  # migest maxit = 2
    np.testing.assert_allclose(one.values[:, :, 0], synth_od("synth200_cm3_1iter_mu_female.csv.gz"),
                               rtol=1e-12, atol=1e-8)
    np.testing.assert_allclose(one.values[:, :, 1], synth_od("synth200_cm3_1iter_mu_male.csv.gz"),
                               rtol=1e-12, atol=1e-8)
    full = cm3(rows, cols, m)
    assert full.converged and full.iterations < 50
    np.testing.assert_allclose(full.values.sum(axis=(0, 2)), cols, rtol=1e-9)
    np.testing.assert_allclose(full.values.sum(axis=2), cm2(rows, cols, seed).values, rtol=1e-9)
