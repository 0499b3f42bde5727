"""The IMS long CSV by origin, destination and sex (IMS 2020 and 2024), mid-year population, pinned
editions, and the bundled IMS 2024 against the figures UN DESA publishes.

``tests/data/ims2024_by_sex_KEN_XCX.csv`` holds the real rows of IMS 2024 (gdidata copy) for the
destinations Kenya and the Channel Islands (XCX), 2020 and 2024.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from migcap.errors import EditionError, InputError
from migcap.ingest import read
from migcap.ingest.un_ims_csv import is_ims_csv, read_ims_csv
from migcap.ingest.wpp import mid_year_population

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "ims2024_by_sex_KEN_XCX.csv"
HEADER = "geo,t,from,sex,n,type_b,type_c,type_r,type_i\n"


def _write(tmp_path: Path, body: str, name: str = "ims2024_test.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_real_rows_give_totals_by_sex_and_keep_the_other_origin() -> None:
    stock, bilateral = read_ims_csv(SAMPLE)
    assert stock.edition == bilateral.edition == "2024"
    t = stock.data.set_index(["iso3", "year"])
    # sums of the real rows by sex (checked by hand with awk on the file)
    assert t.loc[("KEN", 2024), ["migrants_male", "migrants_female", "migrants"]].tolist() == [
        500_901, 491_635, 992_536]
    assert t.loc[("KEN", 2020), "migrants"] == 1_050_147  # = IMS 2020's Kenya: not revised
    assert t.loc[("KEN", 2024), "type_of_data"] == "B R"
    assert t.loc[("CHI", 2024), "migrants"] == 40_884 + 44_655  # XCX read as the Channel Islands
    assert t.loc[("CHI", 2024), "type_of_data"] == "B"
    b = bilateral.data.set_index(["year", "dest", "origin"])
    unk = b.loc[(2024, "KEN", "UNK")]
    assert (unk["migrants_male"], unk["migrants_female"], unk["migrants"]) == (33_927, 31_469, 65_396)
    assert not bool(unk["derived"])  # the UN's own "other" origin, not a residual
    sums = bilateral.data.groupby(["dest", "year"])["migrants"].sum()
    assert sums[("KEN", 2024)] == 992_536
    assert stock.data["population"].isna().all()  # no population given
    assert "OOO" in " ".join(bilateral.provenance.transformation)


def test_population_fills_the_share_and_leaves_impossible_shares_missing() -> None:
    pop = pd.DataFrame({"iso3": ["KEN", "CHI"], "year": [2024, 2024], "population": [56_432_938.0, 80_000.0],
                        "population_male": [28_053_170.0, 40_000.0],
                        "population_female": [28_379_768.0, 40_000.0]})  # synthetic CHI population
    [stock, _] = read_ims_csv(SAMPLE, population=pop)
    t = stock.data.set_index(["iso3", "year"])
    assert t.loc[("KEN", 2024), "migrants_pct"] == pytest.approx(992_536 / 56_432_938 * 100)
    assert pd.isna(t.loc[("CHI", 2024), "migrants_pct"])  # 85,539 migrants > 80,000 people
    assert pd.isna(t.loc[("KEN", 2020), "population"])  # not given


def test_dispatch_from_the_un_ims_source(tmp_path: Path) -> None:
    gz = tmp_path / "ims2024_sample.csv.gz"
    gz.write_bytes(gzip.compress(SAMPLE.read_bytes()))
    assert is_ims_csv(gz) and is_ims_csv(SAMPLE)
    other = tmp_path / "other.csv"
    other.write_text("iso3,year,value\nKEN,2024,1\n", encoding="utf-8")
    assert not is_ims_csv(other) and not is_ims_csv(tmp_path / "book.xlsx")
    snaps = read([gz], "un-ims")
    assert [s.dataset for s in snaps] == ["migrant_stock", "bilateral_stock"]


@pytest.mark.parametrize(("body", "where", "what"), [
    ("KEN,2024,UGA,male,-5,1,0,1,0\n", "row 2, column 'n'", "negative count"),
    ("KEN,2024,UGA,male,inf,1,0,1,0\n", "row 2, column 'n'", "not a finite number"),
    ("KEN,2024,UGA,male,12,1,0,1,0\nKEN,2024,UGA,male,x,1,0,1,0\n", "row 3, column 'n'", "not a number"),
    ("KEN,2024,UGA,both,12,1,0,1,0\n", "row 2, column 'sex'", "unknown sex"),
    ("KEN,2024,UGA,male,12,1,0,1,0\nKEN,2024,QQQ,male,3,1,0,1,0\n", "row 3, column 'from'",
     "unknown country or area code"),
    ("KEN,20x4,UGA,male,12,1,0,1,0\n", "row 2, column 't'", "not a year"),
    ("KEN,2024,UGA,male,12,1,0,1,0\nKEN,2024,UGA,male,13,1,0,1,0\n", "row 3", "duplicate row"),
])
def test_bad_rows_are_named(tmp_path: Path, body: str, where: str, what: str) -> None:
    # synthetic files in the CSV's layout
    with pytest.raises(InputError) as e:
        read_ims_csv(_write(tmp_path, body))
    msg = str(e.value)
    assert what in msg and where in msg and "ims2024_test.csv" in msg
    assert "\n" not in msg


def test_missing_column_and_unknown_revision(tmp_path: Path) -> None:
    path = tmp_path / "ims2024_cols.csv"
    path.write_text("geo,t,from,n\nKEN,2024,UGA,3\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column 'sex'"):
        read_ims_csv(path)
    with pytest.raises(InputError, match="cannot tell the IMS revision"):
        read_ims_csv(_write(tmp_path, "KEN,2024,UGA,male,3,1,0,1,0\n", name="stocks.csv"))
    path = _write(tmp_path, "KEN,2024,UGA,male,3,1,0,1,0\n", name="stocks.csv")
    [s, _] = read_ims_csv(path, edition="2024")
    assert s.data["migrants"].tolist() == [3]


def test_mid_year_population_rule(con: Any) -> None:
    wpp = con.execute("SELECT indicator, iso3, year, variant, value FROM wpp WHERE iso3 IN ('KEN', 'DEU') "
                      "AND year IN (2020, 2023, 2024)").df()
    mid = mid_year_population(wpp, [2020, 2024]).set_index(["iso3", "year"])
    v = wpp.set_index(["indicator", "iso3", "year", "variant"])["value"]
    # 2020: the mid-year estimate as it is
    assert mid.loc[("KEN", 2020), "population"] == round(v[("population", "KEN", 2020, "estimate")])
    # 2024: end-2024 minus half the change during 2024 (the mean of end-2023 and end-2024)
    end = v[("population", "KEN", 2024, "median")]
    change = sum(v[(k, "KEN", 2024, "median")] * s for k, s in (("births", 1), ("deaths", -1),
                                                                 ("net_migration", 1)))
    assert mid.loc[("KEN", 2024), "population"] == pytest.approx(end - change / 2, abs=0.5)  # whole persons
    row = mid.loc[("DEU", 2024)]
    assert row["population_male"] + row["population_female"] == pytest.approx(row["population"])


def test_bundled_ims_2024_matches_the_published_world_figures(con: Any) -> None:
    from migcap.evidence.stocks import stocks

    # UN DESA, International Migrant Stock 2024 (world, as the UN's page and SOURCES.md state them)
    t = {r["year"]: r for r in stocks(by="world", con=con)}
    assert t[2024]["migrants"] == 304_021_813
    assert (t[2024]["migrants_male"], t[2024]["migrants_female"]) == (158_009_795, 146_012_018)
    assert t[2020]["migrants"] == 275_284_032  # 2020 as revised in IMS 2024
    assert t[1990]["migrants"] == 153_916_063
    assert 3.6 < t[2024]["migrants_pct"] < 3.8  # 304 M of about 8.16 bn (WPP 2024, mid-2024)
    assert "Rev.2024" in stocks(by="world", con=con).sources[0]
    old = stocks(by="world", years=[2020], edition="2020", con=con)
    assert old.column("migrants") == [280_598_105]  # IMS 2020 stays queryable
    world20 = con.execute("SELECT sum(migrants) FROM bilateral_stock WHERE edition = '2020' AND year = 2020"
                          ).fetchone()[0]
    assert world20 == 280_598_105  # the 2020 bilateral matrix adds up to the 2020 destination total


def test_pinned_edition_is_the_default(con: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from migcap.config import get_settings
    from migcap.evidence.stocks import stocks

    monkeypatch.setenv("MIGCAP_EDITION_MIGRANT_STOCK", "2020")
    assert stocks(by="world", years=[2020], con=con).column("migrants") == [280_598_105]
    monkeypatch.setenv("MIGCAP_EDITION_MIGRANT_STOCK", "1999")
    with pytest.raises(EditionError, match="pinned edition '1999' of migrant_stock"):
        stocks(by="world", con=con)
    monkeypatch.delenv("MIGCAP_EDITION_MIGRANT_STOCK")
    monkeypatch.setenv("MIGCAP_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    (tmp_path / "editions.toml").write_text('[editions]\nmigrant_stock = "2019"\n', encoding="utf-8")
    assert stocks(by="world", years=[2015], con=con).column("migrants") == [248_861_296]
    (tmp_path / "editions.toml").write_text("[editions\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid TOML"):
        stocks(by="world", con=con)
    get_settings.cache_clear()
