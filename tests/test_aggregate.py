"""Aggregation with coverage, on a hand-checked synthetic table."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migcap.errors import MigcapError
from migcap.geo.aggregate import CoverageRule, aggregate_sql
from migcap.geo.countries import country_table
from migcap.geo.schemes import Scheme


def _con(rows: list[tuple[str, int, float | None, float | None]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE TABLE countries (iso3 VARCHAR, name VARCHAR)")
    con.executemany("INSERT INTO countries VALUES (?, ?)", [(c.iso3, c.name) for c in country_table()])
    con.execute("CREATE TABLE t (iso3 VARCHAR, year INTEGER, v DOUBLE, w DOUBLE)")
    if rows:
        con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", rows)
    return con


SCHEME = Scheme("test", "test", "test", False, {"E": "East", "W": "West"},
                (("KEN", "E"), ("UGA", "E"), ("TZA", "E"), ("SEN", "W"), ("MLI", "W")), path=None)  # type: ignore[arg-type]
# SYNTHETIC: Tanzania has no value in 2000; Mali never reports; Ghana is in no region.
ROWS = [("KEN", 2000, 10.0, 1.0), ("UGA", 2000, 20.0, 3.0), ("TZA", 2000, None, 2.0), ("SEN", 2000, 5.0, 1.0),
        ("KEN", 2010, 11.0, 1.0), ("UGA", 2010, 21.0, 1.0), ("TZA", 2010, 4.0, 2.0), ("SEN", 2010, 6.0, 1.0),
        ("MLI", 2010, None, 1.0), ("GHA", 2010, 7.0, 1.0)]


def test_hand_checked_regions_and_coverage() -> None:
    con = _con(ROWS)
    r = aggregate_sql(con, "SELECT * FROM t", [], {"v": "sum", "w": "sum"}, by="region", scheme=SCHEME)
    got = {(row[0], row[2]): row[3:] for row in r.rows}
    # East 2000: 10 + 20 (Tanzania missing, not zero); weights summed over all members: 1 + 3 + 2
    assert got[("E", 2000)] == (30.0, 6.0, 3, 2, 0.6667)
    assert got[("E", 2010)] == (36.0, 4.0, 3, 3, 1.0)
    # West: Mali never reports v, so it does not count as a member for coverage
    assert got[("W", 2000)] == (5.0, 1.0, 1, 1, 1.0)
    assert r.unclassified == ("GHA",)
    strict = aggregate_sql(con, "SELECT * FROM t", [], {"v": "sum"}, by="region", scheme=SCHEME,
                           rule=CoverageRule.parse("all"))
    assert {(row[0], row[2]): row[3] for row in strict.rows}[("E", 2000)] is None


def test_weighted_mean_and_world() -> None:
    con = _con(ROWS)
    r = aggregate_sql(con, "SELECT * FROM t", [], {"v": "mean"}, by="world", weight="w", years=[2000])
    [(code, name, year, v, members, reporting, _cov)] = r.rows
    assert (code, name, year) == ("WLD", "World", 2000)
    assert v == pytest.approx((10 * 1 + 20 * 3 + 5 * 1) / (1 + 3 + 1))
    assert (members, reporting) == (5, 3)  # KEN UGA TZA SEN GHA ever report; MLI never


def test_coverage_rule_parsing() -> None:
    assert CoverageRule.parse("any").min_share == 0
    assert CoverageRule.parse("all").min_share == 1
    assert CoverageRule.parse("75%").min_share == 0.75
    with pytest.raises(MigcapError, match="between 0 and 1"):
        CoverageRule.parse("1.5")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["KEN", "UGA", "TZA", "SEN", "MLI"]), st.sampled_from([2000, 2010]),
                          st.one_of(st.none(), st.floats(0, 1e6, allow_nan=False))), max_size=20,
                unique_by=lambda t: (t[0], t[1])))
def test_regions_sum_to_world(rows: list[tuple[str, int, float | None]]) -> None:
    """Property: with every country in one region, the regions add up to the world (missing stays missing)."""
    con = _con([(i, y, v, 1.0) for i, y, v in rows])
    world = aggregate_sql(con, "SELECT * FROM t", [], {"v": "sum"}, by="world")
    regions = aggregate_sql(con, "SELECT * FROM t", [], {"v": "sum"}, by="region", scheme=SCHEME)
    for _, _, year, v, *_ in world.rows:
        parts = [row[3] for row in regions.rows if row[2] == year]
        if v is None:
            assert all(p is None for p in parts)
        else:
            assert sum(p for p in parts if p is not None) == pytest.approx(v)
