"""Names and codes → ISO3."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from migcap.errors import UnknownAreaError
from migcap.geo.countries import country, country_table, normalize_name, resolve, resolve_many


@pytest.mark.parametrize("name", ["Côte d'Ivoire", "Cote d'Ivoire", "Ivory Coast", "CIV", "civ", 384, "384",
                                  "CI", "Côte d’Ivoire", "COTE D IVOIRE"])
def test_one_country_many_names(name: object) -> None:
    assert resolve(name) == "CIV"


@pytest.mark.parametrize("name,iso3", [
    ("Bolivia (Plurinational State of)", "BOL"), ("Korea, Dem. Rep.", "PRK"), ("Republic of Korea", "KOR"),
    ("Hong Kong SAR, China", "HKG"), ("China, Hong Kong SAR", "HKG"), ("Türkiye", "TUR"), ("Turkey", "TUR"),
    ("Egypt, Arab Rep.", "EGY"), ("Micronesia (Fed. States of)", "FSM"), ("Channel Islands", "CHI"),
    ("Kosovo", "XKX"), ("XKX", "XKX"), ("United States of America", "USA"), ("St. Kitts and Nevis", "KNA"),
    ("Viet Nam", "VNM"), ("Swaziland", "SWZ"), ("The Gambia", "GMB"), (840, "USA"), ("004", "AFG"),
])
def test_source_spellings(name: object, iso3: str) -> None:
    assert resolve(name) == iso3


def test_subregion_names_are_not_countries() -> None:
    for name in ("Micronesia", "Melanesia", "Caribbean", "World", "Africa"):
        assert country_table().lookup(name) is None


def test_unknown_name_suggests() -> None:
    with pytest.raises(UnknownAreaError,
                       match=r"unknown country or area 'Keyna'; did you mean Kenya \(KEN\)\?"):
        resolve("Keyna")


def test_resolve_many_reports_unmatched() -> None:
    assert resolve_many(["Kenya", "Atlantis", "KEN", "Atlantis", None]) == (
        ["KEN", None, "KEN", None, None], ["Atlantis", "None"])


def test_every_country_resolves_from_each_of_its_codes_and_names() -> None:
    for c in country_table():
        for value in (c.iso3, c.iso3.lower(), c.m49, c.name, c.official_name):
            assert resolve(value) == c.iso3, value
        if c.iso2:
            assert resolve(c.iso2) == c.iso3


def test_table_is_consistent() -> None:
    table = list(country_table())
    assert len({c.iso3 for c in table}) == len(table)
    assert len({c.m49 for c in table}) == len(table)
    assert sum(c.un_area for c in table) == 235  # UN DESA IMS 2020 annex: countries and areas
    assert country("Kenya").m49 == 404


@given(st.text(max_size=40))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize_name(text)
    assert normalize_name(once) == once


@given(st.sampled_from(sorted(c.name for c in country_table())), st.sampled_from(["upper", "lower", "title"]))
def test_case_does_not_matter(name: str, case: str) -> None:
    assert resolve(getattr(name, case)()) == resolve(name)


def test_user_aliases(private_store: Path) -> None:
    (private_store / "aliases.tsv").write_text("alias\tiso3\nKenia (Swahili spelling test)\tKEN\n")
    from migcap.geo.countries import country_table as fresh

    fresh.cache_clear()
    assert resolve("Kenia (Swahili spelling test)") == "KEN"
