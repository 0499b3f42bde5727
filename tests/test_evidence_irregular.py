"""Irregular migration and displacement evidence on the bundled snapshots.

The expected totals were computed from the raw files of the IOM GDI data package with pandas, apart
from migcap (sums of the raw rows by year, country or route); the CBP fiscal-year total is also CBP's
published figure for FY2023 (2,475,669), and the IDMC totals those of its Global Report (GRID 2024:
20.5 million conflict and 26.4 million disaster displacements in 2023; GRID 2025: 83.4 million IDPs at
the end of 2024).
"""

from __future__ import annotations

from typing import Any

import pytest

from migcap.errors import DataUnavailableError, MigcapError, UnknownAreaError
from migcap.evidence.irregular import asylum, deaths, displacement, encounters, parse_years
from migcap.geo.schemes import load_scheme


def _row(table: Any, year: int) -> dict[str, Any]:
    [row] = [r for r in table if r["year"] == year]
    return row


def test_deaths_world_by_year(con: Any) -> None:
    t = deaths("WLD", years="2022-2023", con=con)
    y2023 = _row(t, 2023)
    assert y2023["dead_and_missing"] == 8_755 and y2023["incidents"] == 2_703 and y2023["months"] == 12
    assert t.sources[0].startswith("International Organization for Migration (IOM), Missing Migrants")
    assert t.units["dead_and_missing"] == "persons"


def test_deaths_by_route_and_country(con: Any) -> None:
    routes = deaths("WLD", years=2023, by="route", con=con)
    by_route = {r["route"]: r["dead_and_missing"] for r in routes}
    assert by_route["Central Mediterranean Route"] == 2_526
    assert max(by_route, key=by_route.__getitem__) == "Central Mediterranean Route"
    assert sum(by_route.values()) == 8_755  # the routes add up to the world
    assert _row(deaths("Libya", years=2023, con=con), 2023)["dead_and_missing"] == 951
    assert _row(deaths("MEX", years=2022, con=con), 2022)["dead_and_missing"] == 288


def test_a_region_is_the_sum_of_its_countries(con: Any) -> None:
    europe = _row(deaths("EUR", years=2023, con=con), 2023)
    members = [iso3 for iso3, code in load_scheme("wmr2010").members if code == "EUR"]
    rows = con.execute("SELECT iso3, sum(dead_and_missing) FROM missing_migrants WHERE year = 2023 GROUP BY "
                       "iso3").fetchall()
    expected = sum(v for iso3, v in rows if iso3 in members)
    assert europe["dead_and_missing"] == expected
    assert europe["countries"] == sum(1 for iso3, _ in rows if iso3 in members)
    assert 0 < europe["coverage"] < 1


def test_incomplete_year_is_flagged(con: Any) -> None:
    t = deaths("WLD", years=2025, con=con)
    assert _row(t, 2025)["months"] == 4 and any("2025 (4 months)" in n for n in t.notes)


def test_displacement_by_cause(con: Any) -> None:
    t = displacement("WLD", years="2023-2024", con=con)
    y2023, y2024 = _row(t, 2023), _row(t, 2024)
    assert (y2023["conflict_new"], y2023["disaster_new"]) == (20_470_781, 26_397_465)
    assert y2023["new_displacements"] == 46_868_246 and y2023["idps"] is None
    assert (y2024["idps"], y2024["conflict_idps"], y2024["disaster_idps"]) == (83_352_426, 73_505_209,
                                                                                  9_847_217)
    assert _row(displacement("SDN", years=2024, con=con), 2024)["idps"] == 11_559_970
    assert _row(displacement("Pakistan", years=2022, con=con), 2022)["disaster_new"] == 8_168_491
    africa = displacement("AFR", years=2024, con=con)
    assert any("AB9" in n for n in africa.notes)  # the Abyei Area is in no region of the scheme


def test_asylum_as_destination_and_origin(con: Any) -> None:
    world = _row(asylum("WLD", years=2023, con=con), 2023)
    assert world["as_destination"] == world["as_origin"] == 1_169_555
    syria = _row(asylum("SYR", years=2023, con=con), 2023)
    assert syria["as_origin"] == 189_455 and syria["as_destination"] is None
    assert _row(asylum("DEU", years=2023, con=con), 2023)["as_destination"] == 351_510
    assert _row(asylum("Afghanistan", years=2015, con=con), 2015)["as_origin"] == 196_255


def test_border_encounters(con: Any) -> None:
    fy = _row(encounters("WLD", years=2023, fiscal=True, con=con), 2023)
    assert fy["encounters"] == 2_475_669  # CBP's published FY2023 southwest land border total
    assert _row(encounters("WLD", years=2023, con=con), 2023)["encounters"] == 2_541_959
    assert _row(encounters("VEN", years=2023, fiscal=True, con=con), 2023)["encounters"] == 266_071
    assert _row(encounters("Mexico", years=2022, con=con), 2022)["encounters"] == 800_984
    assert _row(encounters("WLD", years=2021, fiscal=True, con=con), 2021)["expulsions"] == 1_063_526
    parts = _row(encounters("WLD", years=2022, con=con), 2022)
    assert parts["apprehensions"] + parts["inadmissibles"] + parts["expulsions"] == parts["encounters"]


def test_bad_requests(con: Any) -> None:
    with pytest.raises(UnknownAreaError, match="unknown area 'Atlantis'"):
        deaths("Atlantis", con=con)
    with pytest.raises(DataUnavailableError, match="no missing_migrants for 1999 in edition 2025-06"):
        deaths("WLD", years=1999, con=con)
    with pytest.raises(MigcapError, match="not a year or range of years: '2023-2019'"):
        displacement("WLD", years="2023-2019", con=con)
    with pytest.raises(MigcapError, match="unknown --by 'sex'"):
        deaths("WLD", by="sex", con=con)  # type: ignore[arg-type]


def test_parse_years() -> None:
    assert parse_years("2019 - 2021, 2024") == [2019, 2020, 2021, 2024]
    assert parse_years([2021, 2020, 2021]) == [2020, 2021]
