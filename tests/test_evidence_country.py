"""One country's figures (evidence.country) agree with the tables the rest of migcap shows."""

from __future__ import annotations

from typing import Any

import pytest

from migcap.evidence.country import MIGRANT_SHARE, country_series, emigrants, refugees_hosted
from migcap.evidence.indicators import INDICATORS
from migcap.evidence.stocks import stocks


@pytest.mark.parametrize("iso3", ["KEN", "QAT", "DEU"])
def test_series_match_the_stock_table(con: Any, iso3: str) -> None:
    table = stocks(by="country", con=con)
    rows = {r["year"]: r for r in table if r["area_code"] == iso3}
    migrants = country_series(INDICATORS["migrant_stock"], iso3, con=con)
    share = country_series(MIGRANT_SHARE, iso3, con=con)
    assert set(migrants.values) == {y for y, r in rows.items() if r["migrants"] is not None}
    for year, value in migrants.values.items():
        assert value == pytest.approx(rows[year]["migrants"])
        assert share.values[year] == pytest.approx(rows[year]["migrants_pct"], rel=1e-9)
    assert migrants.latest() == (max(migrants.values), migrants.values[max(migrants.values)])
    assert list(migrants.values) == sorted(migrants.values, reverse=True)


def test_latest_until_picks_the_newest_year_not_after() -> None:
    from migcap.evidence.country import CountrySeries

    s = CountrySeries(MIGRANT_SHARE, "test", {2020: 3.0, 2015: 2.0, 2010: 1.0})  # synthetic values
    assert s.latest() == (2020, 3.0)
    assert s.latest(until=2019) == (2015, 2.0)
    assert s.latest(until=2009) is None


def test_emigrants_are_the_sum_over_destinations(con: Any) -> None:
    out = emigrants("MEX", con=con)
    assert out is not None
    total = con.execute("SELECT sum(migrants) FROM bilateral_stock WHERE edition = ? AND origin = 'MEX' "
                        "AND year = ?", [out.edition, out.year]).fetchone()[0]
    assert out.count == pytest.approx(total)
    assert out.share is not None and 5 < out.share < 15  # about a tenth of Mexico's people live abroad
    assert emigrants("ZZZ", con=con) is None


def test_refugees_hosted_unknown_is_not_zero(con: Any) -> None:
    hosted = refugees_hosted("DEU", con=con)
    assert hosted is not None and hosted.hosted is not None and hosted.hosted > 1_000_000
    unknown = refugees_hosted("ZZZ", con=con)
    assert unknown is not None and unknown.hosted is None
