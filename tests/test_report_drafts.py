"""Unpublished drafts stay with their team: the report, its PDF, peer comparisons and every page seen without
an account hold published assessments only; ``migcap report --include-drafts ORG`` is the team's own copy —
stamped DRAFT on every page and in the PDF, written to a private folder, and never served.

The assessments are SYNTHETIC: a Kenyan team's published 2024 round and its 2025 draft (8 of 70 items
answered), as in the issue that found a draft in the public report.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from migcap.cli import main
from migcap.reports import build_report
from migcap.web.settings import WebSettings
from tests.cli import invoke

PUBLISHED = "2024 self-assessment (SYNTHETIC levels)"
DRAFT = "2025 self-assessment (SYNTHETIC draft)"


@dataclass
class Team:
    slug: str
    published: str
    draft: str
    data_dir: Path


@pytest.fixture()
def team(private_store: Path) -> Iterator[Team]:
    from migcap import db
    from migcap.accounts import core
    from migcap.capacity import teamwork
    from migcap.capacity.assessments import set_item

    db.upgrade()
    org = core.create_organisation("Kenya national team", iso3="KEN")
    old = teamwork.create_for(org.id, "KEN", by="test", label=PUBLISHED)
    set_item(old.uid, "LAB-01", expected_version=0, level="absent", by="test")
    set_item(old.uid, "CORE-01", expected_version=0, level="good_practice", evidence="census 2019", by="test")
    teamwork.publish(old.uid, by="reviewer")
    new = teamwork.create_for(org.id, "KEN", by="test", label=DRAFT)
    for i in range(1, 9):  # 8 of the 70 items
        set_item(new.uid, f"CORE-{i:02d}", expected_version=0, level="partial", by="test")
    other = core.create_organisation("Uganda team", iso3="UGA")
    uga = teamwork.create_for(other.id, "UGA", by="test", label="Uganda draft (SYNTHETIC)")
    set_item(uga.uid, "CORE-01", expected_version=0, level="planned", by="test")
    yield Team(org.slug, old.uid, new.uid, private_store)
    db.dispose_engines()


def _pdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(path).pages]


def test_the_report_holds_published_assessments_only(team: Team, tmp_path: Path) -> None:
    result = build_report(tmp_path / "site", areas=["KEN", "UGA"], projections=False, pdf=True)
    ken = (result.out / "countries" / "KEN.html").read_text(encoding="utf-8")
    assert f"Capacity assessment: {PUBLISHED}" in ken and 'id="recommendations"' in ken
    assert "2025 self-assessment" not in ken and "DRAFT" not in ken
    uga = (result.out / "countries" / "UGA.html").read_text(encoding="utf-8")
    assert 'id="assessment"' not in uga  # Uganda has a draft only
    caps = (result.out / "capacities.html").read_text(encoding="utf-8")
    assert 'href="countries/KEN.html#assessment"' in caps and "UGA.html#assessment" not in caps
    assert result.pdf is not None
    text = " ".join(_pdf_pages(result.pdf))
    assert f"Capacity assessment: {PUBLISHED}" in text
    assert "2025 self-assessment" not in text and "Uganda draft" not in text and "DRAFT" not in text
    assert not any(p.name == ".drafts" for p in result.out.iterdir())


def test_a_report_with_drafts_is_stamped_private_and_never_served(team: Team, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from migcap.reports.builder import drafts_folder, is_drafts_build

    code, _, err = invoke(main, capsys, "report", "--include-drafts", team.slug, "--area", "KEN", "--pdf")
    assert code == 0, err
    out = drafts_folder(team.slug)
    assert out == team.data_dir / "private" / f"report-drafts-{team.slug}" and is_drafts_build(out)
    ken = (out / "countries" / "KEN.html").read_text(encoding="utf-8")
    assert f"Capacity assessment: {DRAFT} (DRAFT, not published)" in ken and PUBLISHED not in ken
    pages = sorted(out.rglob("*.html"))
    assert len(pages) >= 5
    for page in pages:  # every page says so, at the top and in its title
        html = unescape(page.read_text(encoding="utf-8"))
        assert f"DRAFT — includes unpublished assessments of the organisation '{team.slug}'" in html, page
        assert re.search(r"<title>DRAFT: ", html), page
    pdf = _pdf_pages(out / "report.pdf")
    assert len(pdf) > 3 and all("DRAFT: includes unpublished assessments, not for publication" in p
                                for p in pdf)
    assert "Uganda draft" not in ken  # another organisation's draft is not this team's

    # never to the served folder, never over a public report, never for an unknown organisation
    code, _, err = invoke(main, capsys, "report", "--include-drafts", team.slug, "--area", "KEN", "--out",
                          str(team.data_dir / "report"))
    assert code == 1 and "may not be written to the folder the web app serves" in err
    assert not (team.data_dir / "report").exists()
    public = build_report(tmp_path / "public", areas=["KEN"], projections=False).out
    code, _, err = invoke(main, capsys, "report", "--include-drafts", team.slug, "--area", "KEN", "--out",
                          str(public))
    assert code == 1 and "a report with drafts would replace a report without them" in err
    assert "2025 self-assessment" not in (public / "countries" / "KEN.html").read_text(encoding="utf-8")
    code, _, err = invoke(main, capsys, "report", "--include-drafts", "nobody", "--area", "KEN")
    assert code == 1 and "no organisation 'nobody'" in err

    # served by mistake (MIGCAP_WEB_REPORT_DIR pointing at it): refused, and nothing is rebuilt over it
    from migcap.web import create_app

    app = create_app(WebSettings(report_dir=out, report_build="demand", warm=False, log_format="text",
                                 log_level="error", projections="off"))
    with TestClient(app, raise_server_exceptions=False) as c:
        for url in ("/report", "/report/index.html", "/report/countries/KEN.html", "/report/report.pdf"):
            r = c.get(url)
            assert r.status_code == 503 and "2025 self-assessment" not in r.text, url
        assert "never served" in c.get("/report").text
        assert c.get("/healthz").json()["report"] == "failed"
        assert app.state.report._child is None
    assert is_drafts_build(out) and DRAFT in (out / "countries" / "KEN.html").read_text(encoding="utf-8")


def test_pages_without_an_account_show_no_draft(team: Team, tmp_path: Path) -> None:
    from migcap.web import create_app

    served = tmp_path / "report"
    build_report(served, areas=["KEN"], projections=False)
    app = create_app(WebSettings(report_dir=served, report_build="never", warm=False, log_format="text",
                                 log_level="error", projections="off"))
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as c:
        page = c.get("/report/countries/KEN.html")
        assert page.status_code == 200 and PUBLISHED in page.text and "2025 self-assessment" not in page.text
        listing = c.get("/assess")
        assert listing.status_code == 200 and PUBLISHED in listing.text
        assert "2025 self-assessment" not in listing.text and "Uganda draft" not in listing.text
        for path in ("", "/review", "/recommendations", "/export?format=json"):
            r = c.get(f"/assess/{team.draft}{path}")  # not found, or "log in first"
            assert r.status_code in (303, 404) and "2025 self-assessment" not in r.text, (path, r.status_code)
            assert r.status_code == 404 or r.headers["location"].startswith("/login?next=")
        review = c.get(f"/assess/{team.published}/review")
        assert review.status_code == 200 and "2025 self-assessment" not in review.text
