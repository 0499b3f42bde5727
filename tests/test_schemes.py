"""Region schemes: bundled ones are consistent; users' files are checked with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from migcap.errors import ClassificationError, UnknownSchemeError
from migcap.geo.countries import country_table
from migcap.geo.schemes import builtin_schemes, list_schemes, load_scheme

UN_AREAS = {c.iso3 for c in country_table() if c.un_area}


@pytest.mark.parametrize("name", builtin_schemes())
def test_complete_schemes_partition_the_un_list(name: str) -> None:
    s = load_scheme(name)
    counts: dict[str, int] = {}
    for iso3, _ in s.members:
        counts[iso3] = counts.get(iso3, 0) + 1
    if s.complete:
        assert set(counts) >= UN_AREAS, UN_AREAS - set(counts)
        assert max(counts.values()) == 1
    else:
        assert set(counts) < {c.iso3 for c in country_table()}  # a group: some countries, each known
        assert not set(counts) >= UN_AREAS


def test_expected_schemes_exist() -> None:
    assert {"wmr2010", "iom", "un-geo", "un-sdg", "un-subregion", "un-development", "un-income", "wb-income",
            "wb-region", "ldc", "lldc", "sids"} <= set(builtin_schemes())
    assert len(load_scheme("un-geo").regions) == 6
    assert len(load_scheme("un-sdg").regions) == 8
    assert len(load_scheme("wb-region").regions) == 8  # seven regions and 'Not classified'


def test_iom_regions() -> None:
    s = load_scheme("iom")
    assert sorted(s.regions.values()) == ["Americas and Caribbean", "Asia and the Pacific",
                                          "East, Horn and Southern Africa", "Europe and Central Asia",
                                          "Middle East and North Africa", "West and Central Africa"]
    # IOM GDI's countrynames: Kenya in the East and Horn, Nigeria in West and Central Africa, Egypt and
    # Morocco with the Middle East, Türkiye and Kazakhstan with Europe and Central Asia
    assert (s.region_of("KEN"), s.region_of("NGA"), s.region_of("EGY"), s.region_of("MAR")) == (
        "EHS", "WCA", "MNA", "MNA")
    assert (s.region_of("TUR"), s.region_of("KAZ"), s.region_of("MEX"), s.region_of("AUS")) == (
        "ECA", "ECA", "AMC", "APA")
    assert s.region_of("CHI") == s.region_of("GBR") == "ECA"
    assert s.complete


def test_wmr2010_middle_east() -> None:
    s = load_scheme("wmr2010")
    assert sorted(s.regions.values()) == ["Africa", "Americas", "Asia", "Europe", "Middle East", "Oceania"]
    assert set(s.members_of("MEA")) == {"BHR", "EGY", "IRQ", "ISR", "JOR", "KWT", "LBN", "OMN", "PSE", "QAT",
                                         "SAU", "SYR", "ARE", "YEM"}
    assert s.region_of("TUR") == "ASI" and s.region_of("IRN") == "ASI" and s.region_of("LBY") == "AFR"
    assert s.region_of("MEX") == "AME" and s.region_of("CAN") == "AME"


def _write(tmp_path: Path, text: str, name: str = "mine.tsv") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_user_file_with_names_and_csv(tmp_path: Path) -> None:
    p = _write(tmp_path, "country,code,name\nKenya,EA,East Africa\nUganda,EA,East Africa\n"
                         "Ivory Coast,WA,West\n", "mine.csv")
    s = load_scheme(str(p))
    assert s.members == (("KEN", "EA"), ("UGA", "EA"), ("CIV", "WA"))
    assert not s.complete


def test_user_file_unknown_country(tmp_path: Path) -> None:
    p = _write(tmp_path, "# title: mine\niso3\tcode\tname\nKEN\tEA\tEast\nKenyaa\tEA\tEast\n")
    with pytest.raises(ClassificationError, match=r"mine.tsv, row 4, column 'iso3': unknown country "
                                                   r"\(value: 'Kenyaa'\); did you mean Kenya \(KEN\)\?"):
        load_scheme(str(p))


def test_user_file_duplicate_and_two_names(tmp_path: Path) -> None:
    p = _write(tmp_path, "iso3\tcode\tname\nKEN\tEA\tEast\nKEN\tEA\tEast\n")
    with pytest.raises(ClassificationError, match=r"KEN is listed twice in region 'EA' \(rows 2 and 3\)"):
        load_scheme(str(p))
    p = _write(tmp_path, "iso3\tcode\tname\nKEN\tEA\tEast\nUGA\tEA\tEastern\n", "b.tsv")
    with pytest.raises(ClassificationError,
                       match=r"b.tsv, row 3, column 'name': region code 'EA' has two names"):
        load_scheme(str(p))


def test_declared_complete_but_gaps(tmp_path: Path) -> None:
    p = _write(tmp_path, "# complete: true\niso3\tcode\tname\nKEN\tEA\tEast\n")
    with pytest.raises(ClassificationError,
                       match=r"declared complete but 234 UN countries/areas are in no region"):
        load_scheme(str(p))


def test_missing_column(tmp_path: Path) -> None:
    p = _write(tmp_path, "iso3\tregion\nKEN\tEA\n")
    with pytest.raises(ClassificationError, match=r"missing column\(s\) code, name"):
        load_scheme(str(p))


def test_unknown_scheme_lists_choices() -> None:
    with pytest.raises(UnknownSchemeError, match=r"unknown scheme 'wmr2030'; choose one of .*wmr2010"):
        load_scheme("wmr2030")


def test_user_schemes_folder(private_store: Path) -> None:
    (private_store / "schemes").mkdir()
    (private_store / "schemes" / "eac.tsv").write_text("iso3\tcode\tname\nKEN\tEAC\tEast African Community\n")
    assert "eac" in list_schemes()
    assert load_scheme("eac").members == (("KEN", "EAC"),)
