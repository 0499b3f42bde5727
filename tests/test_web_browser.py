"""The web application in a real browser: Debian's headless Chromium driven by Playwright, against a uvicorn
server started here on a free loopback port.

A user opens the home page, finds a country, changes the year, downloads a CSV and checks it, and follows the
report to a country profile and the PDF. Without Chromium these tests fail (they are part of ``make test``,
which installs it).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.webserver import chromium, web_server

KENYA_2010 = 954_925  # UN DESA IMS 2024 (as in IMS 2020): international migrants in Kenya, 2010

# Every form control must have a label (its own <label>, or aria-label).
UNLABELLED = (
    """() => Array.from(document.querySelectorAll('main input:not([type=hidden]), main select, header input'))
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map(el => el.outerHTML)"""
)


@pytest.fixture(scope="module")
def report_dir(session_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small report (summary, Kenya's profile, methods, and the PDF)."""
    from migcap.reports import build_report

    out = tmp_path_factory.mktemp("site") / "report"
    build_report(out, areas=["KEN"], pdf=True)
    return out


@pytest.fixture(scope="module")
def server(session_store: Path, report_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {"MIGCAP_DATA_DIR": str(session_store), "MIGCAP_WEB_WARM": "false",
           "MIGCAP_WEB_LOG_LEVEL": "warning"}
    log = tmp_path_factory.mktemp("server") / "server.log"
    with web_server(env, log, "--report", str(report_dir), "--build-report", "never") as (base, _proc):
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture()
def page(browser: Any, tmp_path: Path) -> Iterator[Any]:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.set_default_timeout(15_000)
    yield pg
    context.close()
    assert not errors, errors


def _charts_drawn(page: Any) -> int:
    page.wait_for_function("document.querySelectorAll('.chart svg.marks').length === "
                           "document.querySelectorAll('.chart').length")
    return int(page.evaluate("document.querySelectorAll('.chart svg.marks').length"))


def test_home_is_usable_with_the_keyboard(server: str, page: Any) -> None:
    page.goto(server + "/")
    assert page.locator("h1").inner_text() == "International migration, 2024"  # IMS 2024
    assert page.locator("ul.facts li").first.inner_text().startswith("In 2024 there were 304.0 million")
    assert _charts_drawn(page) == 1
    assert page.locator("#home-map svg path").count() > 150  # the world's countries
    assert page.evaluate(UNLABELLED) == []
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    # the map switch, by keyboard: focus the menu, choose remittances, submit
    page.focus("#map-field")
    page.select_option("#map-field", "remittances_pct_gdp")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**map=remittances_pct_gdp**")
    # IMS 2024's year 2024, with WDI's % of GDP to 2023 (edition 2024-12): the map says which year it shows
    assert "Remittances received as % of GDP, 2023" in page.locator("#home-map").inner_text()


def test_pick_a_country_change_the_year_and_download_a_csv(server: str, page: Any) -> None:
    page.goto(server + "/")
    page.fill("#site-q", "Kenya")
    page.keyboard.press("Enter")
    page.wait_for_url("**/area/KEN")
    assert page.locator("h1").inner_text() == "Kenya: country profile"
    page.select_option("#year", "2010")
    page.click("form.controls button[type=submit]")
    page.wait_for_url("**/area/KEN?year=2010")
    assert page.locator("ul.facts li").first.inner_text().startswith("In 2010 954,925 international migrants "
                                                                     "lived in Kenya")
    assert page.locator("#year").input_value() == "2010"
    assert _charts_drawn(page) >= 5
    assert page.evaluate(UNLABELLED) == []
    with page.expect_download() as info:
        page.locator("p.downloads a", has_text="CSV").first.click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert list(rows[0])[:3] == ["year", "migrants", "migrants_pct"]
    by_year = {int(r["year"]): r for r in rows}
    assert int(by_year[2010]["migrants"]) == KENYA_2010
    assert sorted(by_year) == [1990, 1995, 2000, 2005, 2010, 2015, 2020, 2024]


def test_explorer_keeps_its_state_in_the_url(server: str, page: Any) -> None:
    page.goto(server + "/explore")
    page.select_option("#indicator", "migrants_pct")
    page.select_option("#by", "country")
    page.fill("#area-new", "Kenya")
    page.select_option("#year", "")
    page.click("form.controls button[type=submit]")
    page.wait_for_url("**/explore?**")
    url = page.url
    assert "indicator=migrants_pct" in url and "by=country" in url and "area=Kenya" in url
    assert _charts_drawn(page) == 1
    page.goto(url)  # the same view from its link
    assert page.locator("#area-1").input_value() == "Kenya"
    cells = page.locator("table tbody tr").all_inner_texts()
    assert len(cells) == 8 and all(c.startswith("KEN") for c in cells)  # 1990 … 2020, 2024
    with page.expect_download() as info:
        page.locator("p.downloads a", has_text="CSV").first.click()
    text = Path(info.value.path()).read_text(encoding="utf-8").splitlines()
    assert text[0] == "area_code,area,year,value,coverage" and len(text) == 9
    assert text[-1].startswith("KEN,Kenya,2024,1.7")


def test_follow_the_report(server: str, page: Any) -> None:
    page.goto(server + "/")
    page.click("nav.top >> text=Report")
    page.wait_for_url("**/report")
    page.click("text=Read the report online")
    page.wait_for_url("**/report/index.html")
    assert "World Migration Report" in page.locator("h1").inner_text()
    page.click("nav.top >> text=Countries")
    page.click("ul.countries >> text=Kenya")
    page.wait_for_url("**/report/countries/KEN.html")
    assert page.locator("h1").inner_text() == "Kenya: country profile"
    assert _charts_drawn(page) >= 5
    page.goto(server + "/report")
    with page.expect_download() as info:
        page.click("text=Download the PDF")
    assert Path(info.value.path()).read_bytes()[:5] == b"%PDF-"


def test_readable_on_a_phone(server: str, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    pg = context.new_page()
    try:
        for path in ("/", "/explore?indicator=remittances_received&by=country&year=2020", "/area/KEN",
                     "/matrix", "/remittances?area=IND"):
            pg.goto(server + path)
            _charts_drawn(pg)
            width = pg.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, (path, width)  # wide tables scroll inside their box, the page does not
    finally:
        context.close()
