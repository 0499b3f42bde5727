"""A whole assessment in a real browser (Debian's headless Chromium through Playwright) against a uvicorn
server on a free loopback port: an admin invites an editor, who joins, logs in, fills in two areas (saved as
they type), attaches a file, imports a filled-in workbook and reads the review; a reviewer publishes it;
everyone sees the recommendations. Then two people type into the same item: the second sees both versions
and keeps theirs.

No page may log a browser error — a violation of the Content Security Policy (an inline script, ``eval``)
would.
"""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.webserver import chromium, web_server

PASSWORD = "correct horse battery staple"
UNLABELLED = ("() => Array.from(document.querySelectorAll('main input:not([type=hidden]), main select, "
              "main textarea'))\n"
              "  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))"
              ".map(el => el.outerHTML)")


@pytest.fixture(scope="module")
def site(session_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A server with an organisation whose admin (Ada) and reviewer (Rita) have accounts."""
    from migcap import db
    from tests.conftest import _clear_caches

    data = tmp_path_factory.mktemp("browser-data")
    shutil.copy(session_store / "warehouse.duckdb", data / "warehouse.duckdb")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MIGCAP_DATA_DIR", str(data))
        mp.delenv("MIGCAP_DATABASE_URL", raising=False)
        _clear_caches()
        from migcap.accounts import core

        _ada, org = core.create_admin("ada@example.org", "Ada Admin", PASSWORD, "Kenya national team",
                                      iso3="KEN")
        rita = core.create_user("rita@example.org", "Rita Reviewer", PASSWORD)
        core.add_member(org.id, rita.id, "reviewer")
        db.dispose_engines()
        env = {"MIGCAP_WEB_WARM": "false", "MIGCAP_WEB_LOG_LEVEL": "warning"}
        try:
            with web_server(env, data / "server.log", "--build-report", "never") as (base, _proc):
                yield {"base": base, "org": org, "data": data}
        finally:
            db.dispose_engines()
    _clear_caches()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


class Person:
    """A browser context of its own (cookies), collecting every console error and page error."""

    def __init__(self, browser: Any, base: str) -> None:
        self.context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.base = base
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: d.accept())

    def go(self, path: str) -> Any:
        self.page.goto(self.base + path)
        return self.page

    def login(self, email: str, password: str = PASSWORD) -> None:
        pg = self.go("/login")
        pg.fill("#email", email)
        pg.fill("#password", password)
        pg.click("main form button[type=submit]")
        pg.wait_for_url("**/assess*")

    def close(self, expected: str | None = None) -> None:
        """Close; no browser error may have happened (but the one ``expected``)."""
        self.context.close()
        errors = [e for e in self.errors if expected is None or expected not in e]
        assert not errors, errors


def _answer(page: Any, item: str, level: str, evidence: str) -> None:
    from playwright.sync_api import expect

    page.select_option(f"#level-{item}", level)
    page.fill(f"#evidence-{item}", evidence)
    expect(page.locator(f"#{item} .save-status")).to_contain_text("Saved at", timeout=10_000)


def test_a_whole_assessment(site: dict[str, Any], browser: Any) -> None:
    from openpyxl import load_workbook
    from playwright.sync_api import expect

    base, org = site["base"], site["org"]
    ada, eve, rita = Person(browser, base), Person(browser, base), Person(browser, base)
    # the admin invites an editor
    ada.login("ada@example.org")
    pg = ada.go(f"/orgs/{org.slug}")
    pg.fill("#inv-email", "eve@example.org")
    pg.select_option("#inv-role", "editor")
    pg.click("text=Make an invitation link")
    link = pg.locator("code.secret").inner_text().strip()
    assert re.match(rf"^{re.escape(base)}/invite/[A-Za-z0-9_-]{{43}}$", link)
    # she joins with the link, then logs out and in again
    pg = eve.page
    pg.goto(link)
    expect(pg.locator("main")).to_contain_text("invited to join Kenya national team as editor")
    pg.fill("#name", "Eve Editor")
    pg.fill("#password", PASSWORD)
    pg.fill("#password2", PASSWORD)
    pg.click("main form button[type=submit]")
    pg.wait_for_url("**/assess?msg=welcome")
    pg.click("nav.user button:has-text('Log out')")
    pg.wait_for_url("**/login?msg=logged-out")
    eve.login("eve@example.org")
    # a new round, then two areas answered (saved as she types)
    pg.fill("#new-label", "2025 self-assessment")
    pg.click("main form button:has-text('Start')")
    pg.wait_for_url(re.compile(r".*/assess/[0-9a-f-]{36}\?msg=created"))
    uid = pg.url.split("/assess/")[1].split("?")[0]
    pg.click("a:has-text('CORE · Core capacities')")
    assert pg.evaluate(UNLABELLED) == []
    _answer(pg, "CORE-01", "established", "Census 2019 asks country of birth; see https://www.knbs.or.ke")
    _answer(pg, "CORE-02", "partial", "Migration profile 2018, not updated since")
    pg.set_input_files("#file-CORE-01", files=[{"name": "census-note.pdf", "mimeType": "application/pdf",
                                               "buffer": b"%PDF-1.4 census note"}])
    pg.click("#CORE-01 form.attach button")
    pg.wait_for_url("**msg=attached#CORE-01")
    expect(pg.locator("#CORE-01 .files")).to_contain_text("census-note.pdf")
    pg.click("nav.areas-nav >> text=LAB")
    _answer(pg, "LAB-01", "planned", "Labour migration policy drafted in 2024")
    _answer(pg, "LAB-02", "absent", "")
    pg.reload()
    assert pg.locator("#level-LAB-01").input_value() == "planned"  # really saved
    expect(pg.locator("nav.areas-nav")).to_contain_text("LAB 2/10")
    # the workbook: downloaded, filled in (irregular migration), imported
    with pg.expect_download() as info:
        pg.click("nav.tabs >> text=Download the workbook")
    wb = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    ws = wb["Assessment"]
    filled = 0
    for row in range(2, ws.max_row + 1):
        if str(ws.cell(row, 1).value).startswith("IRR-0") and filled < 4:
            ws.cell(row, 6).value = ("established", "partial", "planned", "absent")[filled]
            ws.cell(row, 7).value = f"Workbook evidence {filled}"
            filled += 1
    buf = io.BytesIO()
    wb.save(buf)
    pg.click("nav.tabs >> text=Import a workbook")
    pg.set_input_files("#workbook", files=[{"name": "KEN-filled.xlsx", "buffer": buf.getvalue(),
                                            "mimeType": "application/octet-stream"}])
    pg.click("main form button[type=submit]")
    expect(pg.locator("p.notice")).to_contain_text("Imported KEN-filled.xlsx: 4 item(s) changed")
    # the review, with its charts drawn on the server
    pg.click("nav.tabs >> text=Review")
    expect(pg.locator("ul.facts")).to_contain_text("8 of 70 items answered")
    assert pg.locator(".chart-svg svg").count() == 2
    expect(pg.locator("main")).to_contain_text("Gaps and weaknesses, by priority")
    expect(pg.locator("main")).not_to_contain_text("Publish")  # an editor does not publish
    # the reviewer publishes
    rita.login("rita@example.org")
    pg = rita.go(f"/assess/{uid}")
    pg.check("#confirm")
    pg.click("main form button:has-text('Publish')")
    pg.wait_for_url("**msg=published")
    expect(pg.locator("h1 .badge")).to_have_text("Published")
    # the recommendations, for everyone (also without an account)
    anon = Person(browser, base)
    pg = anon.go(f"/assess/{uid}/recommendations")
    expect(pg.locator("h1")).to_contain_text("Recommendations: Kenya, 2025 self-assessment")
    assert pg.locator("ol.recs li").count() >= 3
    expect(pg.locator("main")).to_contain_text("To the state")
    pg = eve.go(f"/assess/{uid}/area/LAB")  # read-only now, even for its editor
    assert pg.locator("form.item").count() == 0
    expect(pg.locator("p.readonly")).to_contain_text("published")
    for person in (ada, eve, rita, anon):
        person.close()


def test_two_people_typing_into_one_item(site: dict[str, Any], browser: Any) -> None:
    from playwright.sync_api import expect

    from migcap.capacity import teamwork
    from migcap.capacity.assessments import history

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MIGCAP_DATA_DIR", str(site["data"]))
        mp.delenv("MIGCAP_DATABASE_URL", raising=False)
        from tests.conftest import _clear_caches

        _clear_caches()
        uid = teamwork.create_for(site["org"].id, "KEN", by="setup", label="typed twice").uid
        ada, rita = Person(browser, site["base"]), Person(browser, site["base"])
        ada.login("ada@example.org")
        rita.login("rita@example.org")
        a = ada.go(f"/assess/{uid}/area/RET")
        r = rita.go(f"/assess/{uid}/area/RET")
        _answer(a, "RET-03", "partial", "Ada: AVRR with IOM since 2019")
        r.select_option("#level-RET-03", "established")
        r.fill("#evidence-RET-03", "Rita: national reintegration programme")
        box = r.locator("#RET-03 div.conflict")
        expect(box).to_be_visible(timeout=10_000)
        expect(box).to_contain_text("Ada: AVRR with IOM since 2019")  # theirs
        expect(box).to_contain_text("Rita: national reintegration programme")  # yours
        r.click("#RET-03 div.conflict button:has-text('Keep mine')")
        expect(r.locator("#RET-03 .save-status")).to_contain_text("Saved at")
        values = [c.new for c in history(uid) if c.item_id == "RET-03" and c.field == "evidence"]
        # both kept
        assert values == ["Ada: AVRR with IOM since 2019", "Rita: national reintegration programme"]
        ada.close()
        rita.close(expected="status of 409 (Conflict)")  # the refused save, as the browser logs it
        from migcap import db

        db.dispose_engines()
