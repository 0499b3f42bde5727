"""The faces' choices mapped to the flow estimators once: options, checks and the entry point."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from migcap.errors import InputError
from migcap.flows import estimate_user_flows
from migcap.flows.options import FlowRequest, estimator_options
from tests.test_flows_apply import EX1_FLOWS, S1, S2, flows_of, write_square


def test_estimator_options_only_differ_from_the_defaults() -> None:
    assert estimator_options("demo") == {} and estimator_options("diff") == {}
    assert estimator_options("demo", stayers=False) == {"stayer_assumption": False}
    assert estimator_options("diff", decrease="zero") == {"decrease": "zero"}
    # a switch of another method is ignored
    assert estimator_options("rates", stayers=False, decrease="zero") == {}
    assert estimator_options("diff", stayers=False) == {}
    assert FlowRequest(method="demo", stayers=False).options == {"stayer_assumption": False}


@pytest.mark.parametrize(("choices", "message"), [
    ({"stocks_end": Path("s1.csv")}, "--stocks-start and --stocks-end go together"),
    ({"deaths": Path("d.csv")}, "--births and --deaths go with --stocks-start and --stocks-end"),
    ({"stocks_start": Path("s0.csv"), "stocks_end": Path("s1.csv"), "periods": ("a", "b")},
     "give one --period label for your own tables"),
    ({"stocks_start": Path("s0.csv"), "stocks_end": Path("s1.csv"), "wpp_edition": "2024", "unknown": "drop"},
     "--wpp-edition applies to the bundled data, not to --stocks-start/--stocks-end"),
])
def test_choices_that_do_not_go_together(choices: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError) as info:
        FlowRequest(**choices)
    assert str(info.value) == message


def test_several_periods() -> None:
    assert FlowRequest().several_periods and FlowRequest(periods=("2010-2015", "2015-2019")).several_periods
    assert FlowRequest(periods=(" ALL ",)).several_periods
    assert not FlowRequest(periods=("2015-2019",)).several_periods
    assert not FlowRequest(stocks_start=Path("a"), stocks_end=Path("b")).several_periods


def test_user_tables_are_estimated_as_estimate_user_flows_does(tmp_path: Path) -> None:
    s0, s1 = write_square(tmp_path / "s0.csv", S1), write_square(tmp_path / "s1.csv", S2)
    seen: list[Any] = []
    est = FlowRequest(periods=("2010-2020",), stocks_start=s0, stocks_end=s1).estimate(
        progress=lambda *a: seen.append(a))
    assert flows_of(est) == pytest.approx(EX1_FLOWS) and seen == []
    assert est.flows.column("period") == ["2010-2020"] * len(EX1_FLOWS)
    same = estimate_user_flows(s0, s1, period="2010-2020")
    assert est.flows.rows == same.flows.rows and est.flows.notes == same.flows.notes


def test_bundled_data_defaults(con: Any) -> None:
    seen: list[tuple[str, int, int]] = []
    est = FlowRequest(periods=("2020-2024",), method="diff").estimate(con=con,
                                                                      progress=lambda *a: seen.append(a))
    assert est.totals.column("period") == ["2020-2024"]
    assert seen[-1] == ("done", 1, 1)
    assert est.flows.notes[0].startswith("Method: stock differencing")
