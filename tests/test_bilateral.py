"""The bundled origin-by-destination stocks (IMS 2019) add up to the official destination totals."""

from __future__ import annotations

from typing import Any


def test_known_origins_plus_residual_equal_official_totals(con: Any) -> None:
    rows = con.execute("""
        SELECT t.iso3, t.year, t.migrants, coalesce(b.total, 0)
        FROM migrant_stock t
        LEFT JOIN (SELECT dest, year, sum(migrants) AS total FROM bilateral_stock WHERE edition = '2019'
                   GROUP BY dest, year) b ON b.dest = t.iso3 AND b.year = t.year
        WHERE t.edition = '2019' AND t.migrants IS NOT NULL
    """).fetchall()
    assert len(rows) > 1500
    for iso3, year, official, total in rows:
        assert total == official, (iso3, year)


def test_residual_is_flagged_derived_and_sized_as_documented(con: Any) -> None:
    flags = con.execute("SELECT DISTINCT derived FROM bilateral_stock WHERE edition='2019' "
                        "AND origin='UNK'").fetchall()
    assert flags == [(True,)]
    assert con.execute("SELECT count(*) FROM bilateral_stock WHERE edition='2019' AND "
                       "origin<>'UNK' AND derived"
                       ).fetchone() == (0,)
    gap = dict(con.execute("SELECT year, sum(migrants) FROM bilateral_stock WHERE edition='2019' AND "
                           "origin='UNK' GROUP BY year").fetchall())
    world = dict(con.execute("SELECT year, sum(migrants) FROM migrant_stock WHERE edition='2019' "
                             "GROUP BY year").fetchall())
    known = dict(con.execute("""
        SELECT b.year, sum(b.migrants) FROM bilateral_stock b JOIN migrant_stock t
          ON t.iso3 = b.dest AND t.year = b.year AND t.edition = '2019'
        WHERE b.edition = '2019' AND b.origin <> 'UNK' AND t.migrants IS NOT NULL GROUP BY b.year"""
                             ).fetchall())
    for year in world:
        assert gap[year] == world[year] - known[year]
    # One destination-year of the UN table has origins but no official total: Sint Maarten, 2005.
    orphans = con.execute("""
        SELECT b.dest, b.year FROM bilateral_stock b LEFT JOIN migrant_stock t
          ON t.iso3 = b.dest AND t.year = b.year AND t.edition = '2019'
        WHERE b.edition = '2019' AND t.migrants IS NULL GROUP BY 1, 2""").fetchall()
    assert orphans == [("SXM", 2005)]
    assert 8.5e6 < gap[1990] < 9.5e6 and 11e6 < gap[2019] < 12e6  # SOURCES.md: 8.9 M … 11.4 M


def test_mexico_usa_corridor(con: Any) -> None:
    (value,) = con.execute("SELECT migrants FROM bilateral_stock WHERE edition='2019' AND year=2019 "
                           "AND dest='USA' AND origin='MEX'").fetchone()
    assert value > 10e6  # the largest corridor in the world
