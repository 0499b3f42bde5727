"""The report site and PDF: every page exists, links resolve, nothing loads from the network,
figures in the text equal the tables."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from migcap.errors import MigcapError
from migcap.evidence.facts import format_count
from migcap.reports import build_report


@pytest.fixture(scope="module")
def site(session_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Any]]:
    out = tmp_path_factory.mktemp("report") / "site"
    result = build_report(out)
    yield out, result


def _pages(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


def test_every_chapter_and_country_page_exists(site: tuple[Path, Any], con: Any) -> None:
    out, result = site
    for name in ("index.html", "global.html", "methods.html", "countries/index.html", "future.html",
                 "capacities.html"):
        assert (out / name).is_file()
    for code in ("AFR", "AME", "ASI", "EUR", "MEA", "OCE"):
        assert (out / "regions" / f"{code}.html").is_file()
    countries = {r[0] for r in con.execute("SELECT DISTINCT iso3 FROM migrant_stock WHERE edition='2024' "
                                           "AND migrants IS NOT NULL").fetchall()}
    assert len(countries) == 233  # the destinations of IMS 2024
    assert {p.stem for p in (out / "countries").glob("*.html")} - {"index"} == countries
    assert result.pages == len(_pages(out))


def test_internal_links_resolve(site: tuple[Path, Any]) -> None:
    out, _ = site
    broken = []
    for page in _pages(out):
        for href in re.findall(r'(?:href|src)="([^"#]+)', page.read_text(encoding="utf-8")):
            if href.startswith(("http://", "https://", "mailto:")):
                continue
            if not (page.parent / href).resolve().is_file():
                broken.append((page.relative_to(out), href))
    assert broken == []


def test_nothing_loads_from_the_network(site: tuple[Path, Any]) -> None:
    out, _ = site
    for page in _pages(out):
        html = page.read_text(encoding="utf-8")
        for tag, attr in (("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src")):
            for url in re.findall(rf"<{tag}\b[^>]*\b{attr}=\"([^\"]+)\"", html):
                assert not url.startswith(("http:", "https:", "//")), (page, url)
        for spec in re.findall(r'class="chart-spec"[^>]*>(.*?)</script>', html, re.S):
            data = json.loads(spec)
            assert "url" not in json.dumps(data.get("data", {})), page
    bundle = (out / "assets" / "vega.js").read_text(encoding="utf-8")
    assert "window.vegaEmbed" in bundle


def test_charts_have_title_source_and_alt(site: tuple[Path, Any]) -> None:
    out, result = site
    html = (out / "global.html").read_text(encoding="utf-8")
    specs = re.findall(r'class="chart-spec"[^>]*>(.*?)</script>', html, re.S)
    assert len(specs) >= 8
    for raw in specs:
        spec = json.loads(raw)
        assert spec["title"]["text"] and spec["title"]["subtitle"][0].startswith("Source:")
    labels = re.findall(r'role="img" aria-label="([^"]+)"', html)
    assert len(labels) == len(specs) and all(len(a) > 20 for a in labels)
    assert result.charts > 1000


def test_figures_in_text_equal_the_tables(site: tuple[Path, Any], con: Any) -> None:
    out, _ = site
    (migrants, pct) = con.execute("SELECT migrants, migrants_pct FROM migrant_stock WHERE edition='2024' "
                                  "AND iso3='KEN' AND year=2024").fetchone()
    html = (out / "countries" / "KEN.html").read_text(encoding="utf-8")
    assert (f"In 2024 {format_count(migrants)} international migrants lived in Kenya, "
            f"{pct:.1f}% of its population") in html
    index = (out / "index.html").read_text(encoding="utf-8")
    world = sum(r[0] for r in con.execute("SELECT migrants FROM migrant_stock WHERE edition='2024' AND "
                                          "year=2024 AND migrants IS NOT NULL").fetchall())
    assert f"In 2024 there were {format_count(world)} international migrants" in index
    assert "304.0 million" in index  # UN DESA's IMS 2024 headline


def test_partial_build_and_pdf(session_store: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    result = build_report(tmp_path / "part", areas=["WLD", "KEN"], pdf=True)
    assert result.pdf is not None and result.pdf.is_file()
    assert not (tmp_path / "part" / "regions" / "AFR.html").exists()
    text = " ".join(page.extract_text() or "" for page in PdfReader(result.pdf).pages)
    text = " ".join(text.split())
    for heading in ("Global overview", "Kenya: country profile", "Methods and sources",
                    "Migrant stocks and trends"):
        assert heading in text
    assert "304.0 million international migrants" in text


def test_bad_arguments(session_store: Path, tmp_path: Path) -> None:
    with pytest.raises(MigcapError, match="language 'fr' is not available yet"):
        build_report(tmp_path / "x", lang="fr")
    with pytest.raises(MigcapError, match="unknown area 'Atlantis'"):
        build_report(tmp_path / "x", areas=["Atlantis"])
    assert not (tmp_path / "x").exists()


def test_assessment_appears_on_the_country_page_once_published(private_store: Path, tmp_path: Path) -> None:
    from migcap.accounts import core
    from migcap.capacity import teamwork
    from migcap.capacity.assessments import create_assessment, set_item

    a = create_assessment("Kenya", by="test", label="test round (SYNTHETIC levels)")
    set_item(a.uid, "LAB-01", expected_version=0, level="absent", by="test")
    set_item(a.uid, "CORE-01", expected_version=0, level="good_practice", evidence="a test", by="test")
    result = build_report(tmp_path / "before", areas=["KEN"], projections=False)
    html = (result.out / "countries" / "KEN.html").read_text(encoding="utf-8")
    assert 'id="assessment"' not in html and "test round" not in html  # of no organisation, not published
    teamwork.assign(a.uid, core.create_organisation("Kenya team").slug)
    teamwork.publish(a.uid, by="reviewer")
    result = build_report(tmp_path / "site", areas=["KEN"], projections=False)
    html = (result.out / "countries" / "KEN.html").read_text(encoding="utf-8")
    assert 'id="assessment"' in html and "test round (SYNTHETIC levels)" in html
    assert 'id="recommendations"' in html and "LAB-01" in html
    caps = (result.out / "capacities.html").read_text(encoding="utf-8")
    assert 'href="countries/KEN.html#assessment"' in caps and "CORE-01" in caps


def test_future_chapter(site: tuple[Path, Any]) -> None:
    out, _ = site
    html = (out / "future.html").read_text(encoding="utf-8")
    assert "By 2050 the model projects" in html and "WMR 2010 method" in html
    for code in ("wld", "afr", "ame", "asi", "eur", "mea", "oce"):
        assert f'id="fut-{code}"' in html
    # every fan chart says how to read its bands, and every area's section leads with its 2050 range in words
    reading = "In 8 of 10 futures consistent with the past, the number stays inside the darker band"
    assert html.count(reading) == 7
    assert html.count("In 2050, the median projection is") == 7
    assert "international migrants in Africa; in 8 of 10 futures consistent with the past, between" in html
