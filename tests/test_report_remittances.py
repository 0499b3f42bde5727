"""The report's section "Remittances within and between regions" (global and regional chapters): figures
from the bundled KNOMAD matrices and UN DESA stocks, the model-estimate caveat, and the partial template."""

from __future__ import annotations

from typing import Any

import pytest

from migcap.evidence.remittances import MODEL_NOTE, PER_MIGRANT_NOTE, remittance_matrix
from migcap.geo.schemes import load_scheme
from migcap.reports.builder import Page, Section, _environment
from migcap.reports.remittance_section import SECTION_ID, add_remittance_sections, remittance_section


def test_global_section(con: Any) -> None:
    sch = load_scheme("wmr2010")
    sec = remittance_section(con, sch, "WLD", Section)
    assert (sec.id, sec.title) == (SECTION_ID, "Remittances within and between regions")
    assert sec.figures["caveat"] == MODEL_NOTE
    figures = dict(sec.figures["key_figures"])
    world = next(r for r in remittance_matrix(sch, con=con).shares if r["region"] == "World")
    assert figures["Remittances in 2021"] == "US$ 781.1 billion"   # the BRM's WORLD total, 781,075.7 million
    assert figures["Within regions"] == f"US$ 387.2 billion ({world['intra_share_received_pct']:.1f}%)"
    assert figures["Change 2017 → 2021"].startswith("27.3%")       # 613,463.8 → 781,075.7 million
    assert any("United States of America → Mexico" in p and "US$ 4,706 per migrant" in p
               for p in sec.paragraphs)
    assert PER_MIGRANT_NOTE in sec.paragraphs
    assert [c.id for c in sec.charts] == ["wld-rem-matrix"]
    per = sec.tables[1]
    assert per.columns[-3:] == ("migrants", "stock_year", "usd_per_migrant") and len(per) == 10


def test_regional_section(con: Any) -> None:
    sch = load_scheme("wmr2010")
    sec = remittance_section(con, sch, "AFR", Section)
    shares = next(r for r in remittance_matrix(sch, con=con).shares if r["region"] == "Africa")
    figures = dict(sec.figures["key_figures"])
    assert figures["From the same region"] == f"{shares['intra_share_received_pct']:.1f}%"
    assert figures["Received in 2021"] == f"US$ {shares['received'] / 1e3:.1f} billion"
    first = next(iter(sec.tables[0]))
    assert "Africa" in sec.tables[0].title and first["rank"] == 1
    assert any(p.startswith("In 2021, Africa received an estimated") for p in sec.paragraphs)


def test_sections_are_placed_and_rendered(con: Any) -> None:
    sch = load_scheme("wmr2010")
    pages = [Page("global.html", "Global", "Global", [], [Section("map", "Map"), Section("matrix", "M"),
                                                           Section("crisis", "C")]),
             Page("regions/EUR.html", "Europe", "Europe", [], [Section("remittances", "R"),
                                                                Section("crisis", "C")]),
             Page("countries/KEN.html", "Kenya", "Kenya", [], [Section("remittances", "R")])]
    add_remittance_sections(con, sch, pages, Section)
    assert [s.id for s in pages[0].sections] == ["map", "matrix", SECTION_ID, "crisis"]
    assert [s.id for s in pages[1].sections] == ["remittances", SECTION_ID, "crisis"]
    assert [s.id for s in pages[2].sections] == ["remittances"]
    env = _environment()
    html = env.get_template("area.html.j2").render(
        report_title="T", chapters=[], version="0", generated="today", lang="en", draft="", title="Europe",
        heading="Europe", intro="", facts=[], sections=pages[1].sections, root="../", here="regions/EUR.html",
        charts=True, needs_map=False, svgs={})
    assert html.count('<p class="caveat"><strong>These are model estimates, not recorded flows') == 1
    assert '<dl class="key-figures">' in html and "<dt>To the same region</dt>" in html


@pytest.mark.parametrize("scheme", ["un-geo", "iom"])
def test_any_scheme(con: Any, scheme: str) -> None:
    sch = load_scheme(scheme)
    for code in sch.regions:
        sec = remittance_section(con, sch, code, Section)
        assert sec.figures["key_figures"][0][0] == "Received in 2021"
