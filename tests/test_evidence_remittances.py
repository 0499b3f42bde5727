"""Remittance corridors and region matrices: the bundled 2021 and 2017 matrices (published totals and
corridors), and a hand-checked small matrix.

SYNTHETIC DATA in :func:`small_store`: an invented five-country matrix (see the docstring there); only the
layout is the official one (:func:`tests.layouts.brm_xlsx`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migcap.errors import MigcapError, UnknownAreaError
from migcap.evidence.matrix import intra_shares, region_cells
from migcap.evidence.remittances import corridors, remittance_matrix, world_total_note
from migcap.geo.schemes import load_scheme
from tests import layouts


def test_world_corridors_2021(con: Any) -> None:
    t = corridors("WLD", edition="2021", top=5, con=con)
    assert [(r["origin_code"], r["destination_code"]) for r in t] == [
        ("USA", "MEX"), ("ARE", "IND"), ("USA", "IND"), ("USA", "GTM"), ("SAU", "IND")]
    first = next(iter(t))
    assert round(first["remittances_usd_m"], 1) == 52595.3 and first["year"] == 2021
    assert round(first["share_pct"], 2) == round(52595.342546182175 / 781075.7065100862 * 100, 2)
    assert t.units["remittances_usd_m"] == "US$ million"
    assert t.sources == ("KNOMAD / The World Bank, Bilateral Remittance Matrix 2021 (KNOMAD/World Bank "
                         "bilateral remittances 2021, December 2022 version)",)
    assert any("781,075.7 US$ million, the sum of the country cells" in n for n in t.notes)


def test_latest_edition_is_2021_and_2017_differs(con: Any) -> None:
    assert next(iter(corridors(con=con)))["year"] == 2021
    t = corridors(edition="2017", top=1, con=con)
    r = next(iter(t))
    assert (r["origin_code"], r["destination_code"]) == ("USA", "MEX")
    assert round(r["remittances_usd_m"], 1) == 30019.2


def test_world_total_note_2021_equal_2017_differs(con: Any) -> None:
    assert world_total_note(con, "2021") == ("World total as published (WORLD row × WORLD column): 781,075.7 "
                                             "US$ million, the sum of the country cells.")
    assert world_total_note(con, "2017") == (
        "World total as published (WORLD row × WORLD column): 613,465.8 US$ million; the country cells add "
        "up to 613,463.8 (-2.0): the WORLD row gives Israel +1.2, Lebanon +0.8 against the cells of their "
        "columns.")


def test_country_roles(con: Any) -> None:
    received = corridors("Mexico", role="receiver", edition="2021", top=3, con=con)
    assert {r["destination_code"] for r in received} == {"MEX"}
    assert [r["origin_code"] for r in received] == ["USA", "CAN", "ESP"]
    total = con.execute("SELECT sum(remittances_usd_m) FROM bilateral_remittances WHERE edition = '2021' "
                        "AND dest = 'MEX'").fetchone()[0]
    assert next(iter(received))["share_pct"] == pytest.approx(52595.342546182175 / total * 100)
    sent = corridors("USA", role="sender", edition="2021", top=200, con=con)
    assert {r["origin_code"] for r in sent} == {"USA"}
    assert sum(r["share_pct"] for r in sent) == pytest.approx(100.0)
    both = corridors("IND", role="both", edition="2021", top=1000, con=con)
    assert all("IND" in (r["origin_code"], r["destination_code"]) for r in both)
    assert {r["origin_code"] for r in both} > {"IND", "ARE"}


def test_region_as_sender(con: Any) -> None:
    members = set(load_scheme("wmr2010").members_of("MEA"))
    t = corridors("Middle East", role="sender", edition="2021", top=20, con=con)
    assert len(t) == 20 and {r["origin_code"] for r in t} <= members
    assert next(iter(t))["destination_code"] == "IND"
    assert t.notes[0].startswith("Regions: ")


def test_bad_arguments(con: Any) -> None:
    with pytest.raises(MigcapError, match="unknown role 'sideways'"):
        corridors("WLD", role="sideways", con=con)  # type: ignore[arg-type]
    with pytest.raises(MigcapError, match="--top must be at least 1"):
        corridors("WLD", top=0, con=con)
    with pytest.raises(UnknownAreaError):
        corridors("Atlantis", con=con)


def test_region_matrix_2021_adds_up_to_the_world(con: Any) -> None:
    m = remittance_matrix("wmr2010", edition="2021", con=con)
    assert m.years == (2021,)
    assert round(sum(m.long.column("remittances_usd_m")), 1) == 781075.7
    world = next(r for r in m.shares if r["region"] == "World")
    assert world["within_region"] + world["received_from_other_regions"] == pytest.approx(world["received"])
    assert world["received"] == pytest.approx(781075.7065100862)
    regions = [r for r in m.shares if r["region"] != "World"]
    assert sum(r["within_region"] for r in regions) == pytest.approx(world["within_region"])
    assert sum(r["sent"] for r in regions) == pytest.approx(world["sent"])
    # the Americas' receipts = the sum of the cells into its members
    members = load_scheme("wmr2010").members_of("AME")
    into = con.execute("SELECT sum(remittances_usd_m) FROM bilateral_remittances WHERE edition = '2021' AND "
                       f"dest IN ({', '.join(repr(c) for c in members)})").fetchone()[0]
    assert next(r for r in regions if r["region"] == "Americas")["received"] == pytest.approx(into)
    origins, dests, _ = m.square(2021)
    assert "Outside the scheme" not in origins + dests  # every country of the matrix is in a wmr2010 region
    wide = m.wide()
    assert wide.rows[-1][-1] == pytest.approx(781075.7065100862)
    assert wide.title == ("Remittances (US$ million) by sending region (rows) and receiving region "
                          "(columns), 2021")


@pytest.fixture()
def small_store(private_store: Path, tmp_path: Path) -> Iterator[tuple[Any, Path]]:
    """A warehouse with a synthetic edition 'small' (US$ million, invented):

    ========  =====  =====  =====  =====  =====
    from→to   KEN    UGA    FRA    DEU    JPN
    ========  =====  =====  =====  =====  =====
    KEN              1      0.5           0.25
    UGA       2
    FRA       10                   3
    DEU              5      4
    JPN       7
    ========  =====  =====  =====  =====  =====

    and a scheme: East = Kenya, Uganda; West = France, Germany; Japan in neither.
    """
    from migcap.store.editions import import_files
    from migcap.store.warehouse import connect

    cells = {"Kenya": {"Uganda": 1.0, "France": 0.5, "Japan": 0.25}, "Uganda": {"Kenya": 2.0},
             "France": {"Kenya": 10.0, "Germany": 3.0}, "Germany": {"Uganda": 5.0, "France": 4.0},
             "Japan": {"Kenya": 7.0}}
    path = layouts.brm_xlsx(tmp_path / "small.xlsx", cells)  # the title says 2021
    import_files([path], "knomad-brm", edition="small")
    scheme = tmp_path / "ew.csv"
    scheme.write_text("country,code,name\nKenya,E,East\nUganda,E,East\nFrance,W,West\nGermany,W,West\n")
    c = connect()
    yield c, scheme
    c.close()


def test_hand_checked_region_matrix(small_store: tuple[Any, Path]) -> None:
    con, scheme = small_store
    m = remittance_matrix(str(scheme), edition="small", con=con)
    cells = {(r["origin"], r["destination"]): r["remittances_usd_m"] for r in m.long}
    assert cells == {("East", "East"): 3.0, ("East", "West"): 0.5, ("West", "East"): 15.0,
                     ("West", "West"): 7.0, ("East", "Outside the scheme"): 0.25,
                     ("Outside the scheme", "East"): 7.0}
    shares = {r["region"]: r for r in m.shares}
    east, west, world = shares["East"], shares["West"], shares["World"]
    assert (east["within_region"], east["received"], east["received_from_other_regions"]) == (3.0, 25.0, 22.0)
    assert east["intra_share_received_pct"] == pytest.approx(12.0)
    assert (east["sent"], east["sent_to_other_regions"]) == (3.75, 0.75)
    assert east["intra_share_sent_pct"] == pytest.approx(80.0)
    assert (west["received"], west["sent"]) == (7.5, 22.0)
    assert west["intra_share_received_pct"] == pytest.approx(700 / 7.5)
    # within + between = world (the flows of Japan, outside the scheme, count as between)
    assert (world["within_region"], world["received_from_other_regions"], world["received"]) == (10.0, 22.75,
                                                                                               32.75)
    assert "Within regions 10.0, between regions 22.8, together 32.8 US$ million." in m.long.notes
    origins, dests, _ = m.square(2021)
    assert origins == ["East", "West", "Outside the scheme"]
    assert dests == ["East", "West", "Outside the scheme"]
    wide = m.wide()
    assert wide.rows[0] == ("East", 3.0, 0.5, 0.25, 3.75)
    assert wide.rows[-1] == ("All origins", 25.0, 7.5, 0.25, 32.75)


def test_hand_checked_corridors(small_store: tuple[Any, Path]) -> None:
    con, scheme = small_store
    t = corridors("E", role="receiver", scheme=str(scheme), edition="small", top=3, con=con)
    assert [(r["origin_code"], r["destination_code"], r["remittances_usd_m"]) for r in t] == [
        ("FRA", "KEN", 10.0), ("JPN", "KEN", 7.0), ("DEU", "UGA", 5.0)]
    assert [r["share_pct"] for r in t] == pytest.approx([40.0, 28.0, 20.0])  # of the 25.0 East receives
    both = corridors("KEN", edition="small", top=10, con=con)
    assert len(both) == 6 and sum(r["remittances_usd_m"] for r in both) == 20.75


_CODES = ("KEN", "UGA", "FRA", "DEU", "JPN", "USA", "MEX", "IND")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_CODES), st.sampled_from(_CODES),
                          st.floats(min_value=0, max_value=1e5, allow_nan=False)), max_size=30))
def test_region_cells_keep_the_whole(pairs: list[tuple[str, str, float]]) -> None:
    """Summed to regions (any scheme), the cells add up to the country cells; the diagonal is what stays
    within the regions, and its rows' and columns' totals are the regions' sent and received."""
    sch = load_scheme("wmr2010")
    cells, _ = region_cells([(2021, o, d, v) for o, d, v in pairs], sch)
    total = sum(v for _, _, v in pairs)
    assert sum(cells.values()) == pytest.approx(total, abs=1e-6)
    shares = intra_shares(cells, 2021, sch.regions.values())
    assert sum(r[2] for r in shares) == pytest.approx(total, abs=1e-6)   # received, over all regions
    assert sum(r[4] for r in shares) == pytest.approx(total, abs=1e-6)   # sent
    region = dict(sch.members)
    within = sum(v for o, d, v in pairs if region[o] == region[d])
    assert sum(r[1] for r in shares) == pytest.approx(within, abs=1e-6)


# ------------------------------------------------------------------ per migrant (real bundled data)

SNAPSHOTS = Path(__file__).parent.parent / "src" / "migcap" / "data" / "snapshots"


def _cell(dataset: str, edition: str, **key: Any) -> float | None:
    """One value read straight from a bundled snapshot (not through the warehouse), to check against."""
    import pyarrow.parquet as pq

    rows = pq.read_table(SNAPSHOTS / dataset / f"{edition}.parquet").to_pylist()
    column = "migrants" if dataset == "bilateral_stock" else "remittances_usd_m"
    hits = [r[column] for r in rows if all(r[k] == v for k, v in key.items())]
    assert len(hits) <= 1
    return hits[0] if hits else None


def test_nearest_year() -> None:
    from migcap.evidence.remittances import nearest_year

    assert nearest_year([1990, 2015, 2020, 2024], 2021) == 2020
    assert nearest_year([2015, 2020, 2024], 2017) == 2015
    assert nearest_year([2020, 2024], 2022) == 2020       # a tie goes to the earlier year
    assert nearest_year([2020, 2024], 2030) == 2024
    with pytest.raises(MigcapError):
        nearest_year([], 2021)


def test_per_migrant_usa_mexico_2021(con: Any) -> None:
    """USA → Mexico in 2021, divided by the Mexican-born in the USA in 2020 (IMS 2024, the nearest year)."""
    t = corridors("MEX", role="receiver", edition="2021", top=3, per_migrant=True, con=con)
    assert t.columns[-3:] == ("migrants", "stock_year", "usd_per_migrant")
    first = next(iter(t))
    remit = _cell("bilateral_remittances", "2021", origin="USA", dest="MEX")
    stock = _cell("bilateral_stock", "2024", year=2020, dest="USA", origin="MEX")
    assert remit is not None and stock is not None
    assert (first["origin_code"], first["migrants"], first["stock_year"]) == ("USA", stock, 2020)
    assert first["usd_per_migrant"] == pytest.approx(remit * 1e6 / stock)
    assert round(first["usd_per_migrant"]) == 4706   # 52,595.3 million ÷ 11,177,052 migrants
    assert t.units["usd_per_migrant"] == "US$ per migrant"
    assert any("International Migrant Stock 2024" in s for s in t.sources)
    assert any("edition 2024, in 2020 (the year of that edition nearest 2021)" in n for n in t.notes)
    assert any("KNOMAD's own bilateral stocks are not used" in n and "circular" in n for n in t.notes)


def test_per_migrant_2017_uses_2015_and_other_stock_editions(con: Any) -> None:
    t = corridors("MEX", role="receiver", edition="2017", top=1, per_migrant=True, con=con)
    r = next(iter(t))
    stock = _cell("bilateral_stock", "2024", year=2015, dest="USA", origin="MEX")
    assert (r["stock_year"], r["migrants"]) == (2015, stock)
    assert r["usd_per_migrant"] == pytest.approx(_cell("bilateral_remittances", "2017", origin="USA",
                                                       dest="MEX") * 1e6 / stock)  # type: ignore[operator]
    old = next(iter(corridors("MEX", role="receiver", edition="2021", top=1, per_migrant=True,
                              stock_edition="2019", con=con)))
    assert (old["stock_year"], old["migrants"]) == (2019, _cell("bilateral_stock", "2019", year=2019,
                                                                  dest="USA", origin="MEX"))


def test_per_migrant_ranking_and_corridors_without_migrants(con: Any) -> None:
    t = corridors("WLD", edition="2021", top=20, sort="per_migrant", min_migrants=10_000, con=con)
    per = t.column("usd_per_migrant")
    assert per == sorted(per, reverse=True) and all(m >= 10_000 for m in t.column("migrants"))
    assert t.title.startswith("Remittance corridors with the most per migrant")
    # the world's share_pct stays a share of all the corridors
    r = next(iter(t))
    assert r["share_pct"] == pytest.approx(r["remittances_usd_m"] / 781075.7065100862 * 100)
    # every corridor of the world: those without an IMS stock have no figure, and the note counts them
    every = corridors("WLD", edition="2021", top=100_000, per_migrant=True, con=con)
    missing = [x for x in every if x["usd_per_migrant"] is None]
    assert all(x["migrants"] in (None, 0) for x in missing) and len(every) == 10227
    assert any(n.startswith(f"{len(missing):,} of the 10,227 corridors") for n in every.notes)


def test_per_migrant_bad_arguments(con: Any) -> None:
    with pytest.raises(MigcapError, match="--min-migrants needs --per-migrant"):
        corridors(min_migrants=5, con=con)
    with pytest.raises(MigcapError, match="unknown sort 'size'"):
        corridors(sort="size", con=con)  # type: ignore[arg-type]
    with pytest.raises(MigcapError, match="no edition '1999' of bilateral_stock"):
        corridors(per_migrant=True, stock_edition="1999", con=con)


# ---------------------------------------------------------------------------- change 2017 → 2021


def test_change_world_and_usa_mexico(con: Any) -> None:
    from migcap.evidence.remittances import CHANGE_NOTE, MODEL_NOTE, remittance_change

    r = remittance_change(top=3, con=con)
    assert r.editions == ("2017", "2021") and r.years == (2017, 2021)
    first = next(iter(r.table))
    a = _cell("bilateral_remittances", "2017", origin="USA", dest="MEX")
    b = _cell("bilateral_remittances", "2021", origin="USA", dest="MEX")
    assert a is not None and b is not None
    assert (first["origin_code"], first["destination_code"]) == ("USA", "MEX")
    assert (first["remittances_2017_usd_m"], first["remittances_2021_usd_m"]) == (a, b)
    assert first["change_pct"] == pytest.approx((b / a - 1) * 100)
    assert CHANGE_NOTE in r.table.notes and MODEL_NOTE in r.totals.notes
    region = remittance_change(by="region", con=con)
    world, within, between = region.totals.rows
    assert world[0] == "World"
    assert round(world[1], 1) == 613463.8 and round(world[2], 1) == 781075.7   # the sums of the cells
    assert within[1] + between[1] == pytest.approx(world[1])
    assert within[2] + between[2] == pytest.approx(world[2])
    assert sum(region.table.column("remittances_2021_usd_m")) == pytest.approx(world[2])
    # within regions in 2021 = the diagonal of the region matrix
    m = remittance_matrix("wmr2010", edition="2021", con=con)
    assert within[2] == pytest.approx(next(x for x in m.shares if x["region"] == "World")["within_region"])


def test_change_sorted_by_change_and_bad_arguments(con: Any) -> None:
    from migcap.evidence.remittances import remittance_change

    r = remittance_change("IND", role="receiver", sort="change", top=10, con=con)
    changes = [abs(x) for x in r.table.column("change_usd_m")]
    assert changes == sorted(changes, reverse=True)
    assert set(r.table.column("destination_code")) == {"IND"}
    with pytest.raises(MigcapError, match="both editions are 2021"):
        remittance_change(from_edition="2021", to_edition="2021", con=con)
    with pytest.raises(MigcapError, match="unknown view"):
        remittance_change(by="country", con=con)  # type: ignore[arg-type]


def test_hand_checked_change(small_store: tuple[Any, Path], tmp_path: Path) -> None:
    """SYNTHETIC: edition 'small' (above) against 'later', where Kenya → Uganda doubles, France → Kenya
    stops (its cell is empty), Japan is gone and Uganda → France appears."""
    from migcap.evidence.remittances import remittance_change
    from migcap.store.editions import import_files

    con, scheme = small_store
    later = {"Kenya": {"Uganda": 2.0, "France": 0.5}, "Uganda": {"Kenya": 2.0, "France": 1.0},
             "France": {"Germany": 3.0}, "Germany": {"Uganda": 5.0, "France": 4.0}}
    import_files([layouts.brm_xlsx(tmp_path / "later.xlsx", later, across=["Kenya", "Uganda", "France",
                                                                           "Germany"])],
                 "knomad-brm", edition="later")
    con.close()
    from migcap.store.warehouse import connect

    con = connect()
    r = remittance_change("KEN", from_edition="small", to_edition="later", top=10, con=con)
    rows = {(x["origin_code"], x["destination_code"]): x for x in r.table}
    assert (rows[("KEN", "UGA")]["change_usd_m"], rows[("KEN", "UGA")]["change_pct"]) == (1.0, 100.0)
    assert (rows[("FRA", "KEN")]["remittances_later_usd_m"], rows[("FRA", "KEN")]["change_pct"]) == (0.0,
                                                                                                   -100.0)
    # Japan is in no matrix of 'later': no value there, and no change (missing is not zero)
    assert (rows[("JPN", "KEN")]["remittances_later_usd_m"], rows[("JPN", "KEN")]["change_usd_m"]) == (None,
                                                                                                      None)
    (total,) = r.totals.rows
    assert total[1:4] == (1.0 + 0.5 + 2.0 + 10.0, 2.0 + 0.5 + 2.0 + 0.0, -9.0)   # without Japan's two
    regions = remittance_change(by="region", scheme=str(scheme), from_edition="small", to_edition="later",
                                con=con)
    world, within, between = regions.totals.rows
    assert between[1:3] == (22.75, 6.5)
    assert (world[1], world[2]) == (32.75, 17.5) and (within[1], within[2]) == (10.0, 11.0)
    con.close()
