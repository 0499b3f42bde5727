"""The explorer's evidence: measures, stock series, the countries with a stock, country search."""

from __future__ import annotations

from typing import Any

import pytest

from migcap.errors import MigcapError
from migcap.evidence import explore
from migcap.evidence.stocks import stock_years, stocks


def test_measures_catalogue() -> None:
    from migcap.evidence.indicators import INDICATORS

    ms = explore.measures()
    assert list(ms) == ["migrants_pct", *INDICATORS, "female_pct"]
    assert ms["migrants_pct"].unit == "% of population" and ms["female_pct"].dataset == "migrant_stock"
    assert explore.measure("migrant_stock").title == INDICATORS["migrant_stock"].title
    with pytest.raises(MigcapError, match="unknown indicator 'nope'"):
        explore.measure("nope")


def test_stock_series_reshapes_the_stock_table(con: Any) -> None:
    t = stocks(by="region", years=[2020], con=con)
    s = explore.stock_series(t, "migrants_pct")
    assert s.columns == explore.SERIES_COLUMNS and len(s) == len(t)
    assert s.column("value") == t.column("migrants_pct") and s.column("area_code") == t.column("area_code")
    assert s.column("coverage") == t.column("coverage") and s.sources == t.sources and s.notes == t.notes
    assert s.title == "International migrants, share of the population (% of population)"
    assert s.units == {"value": "% of population"}
    with pytest.raises(MigcapError):
        explore.stock_series(t, "migrants")


def test_years_with_values(con: Any) -> None:
    t = explore.stock_series(stocks(by="world", con=con), "female_pct")
    assert explore.years_with_values(t) == stock_years(con) == sorted(set(t.column("year")))


def test_countries_with_stock(con: Any) -> None:
    got = explore.countries_with_stock(con=con)
    have = stocks(by="country", con=con)
    reporting = {r["area_code"] for r in have if r["migrants"] is not None}
    assert {c.iso3 for c in got} == reporting and len(got) == len(reporting)
    assert [c.name for c in got] == sorted(c.name for c in got)
    ken = next(c for c in got if c.iso3 == "KEN")
    assert ken.name == "Kenya" and ken.region == "Africa"
    assert explore.countries_with_stock(edition=stock_editions(con)[0], con=con) == got
    assert explore.countries_with_stock(edition="no such edition", con=con) == []


def stock_editions(con: Any) -> list[str]:
    from migcap.store.warehouse import editions

    return [e.edition for e in editions(con, "migrant_stock")]


def test_search_countries_ranks_an_exact_code_first() -> None:
    hits = explore.search_countries("KEN")
    assert hits[0]["iso3"] == "KEN" and hits[0]["name"] == "Kenya"
    assert set(hits[0]) == {"iso3", "iso2", "m49", "name", "official_name", "un_area", "wb_economy"}
    assert explore.search_countries("404")[0]["iso3"] == "KEN"            # M49
    names = [h["name"] for h in explore.search_countries("guinea")]
    assert "Guinea" in names and names.index("Guinea") == 0
    assert len(explore.search_countries("")) > 190
