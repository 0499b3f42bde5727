"""How the migrant stock was revised between IMS editions: the domain function, the command, the API
route and the web page, on the bundled IMS 2019, 2020 and 2024."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from migcap.cli import main
from migcap.errors import DataUnavailableError, EditionError
from migcap.evidence.revisions import REVISION_COLUMNS, stock_revisions
from tests.cli import invoke

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

run = partial(invoke, main)

# UN DESA: the world in 2020 in IMS 2020 (Table 1) and as IMS 2024 revised it
WORLD_2020 = {"2020": 280_598_105, "2024": 275_284_032}


def test_world_2020_revised_in_2024(con: Any) -> None:
    t = stock_revisions(years=[2020], con=con)
    assert t.columns == REVISION_COLUMNS
    rows = [r for r in t if r["area_code"] == "WLD"]
    assert {r["edition"]: r["migrants"] for r in rows} == WORLD_2020
    assert [r["edition"] for r in rows] == ["2020", "2024"]  # oldest first; IMS 2019 has no 2020
    assert rows[0]["change"] is None
    assert rows[1]["change"] == 275_284_032 - 280_598_105
    assert rows[1]["change_pct"] == pytest.approx((275_284_032 / 280_598_105 - 1) * 100)
    assert len(t.sources) == 2 and "Rev.2024" in t.sources[1]


def test_three_editions_and_countries(con: Any) -> None:
    t = stock_revisions(by="country", years=[2015], areas=["Kenya", "deu"], con=con)
    assert {r["area_code"] for r in t} == {"KEN", "DEU"}
    ken = [r for r in t if r["area_code"] == "KEN"]
    assert [r["edition"] for r in ken] == ["2019", "2020", "2024"]
    # each change is against the edition just before it
    for before, after in itertools.pairwise(ken):
        assert after["change"] == after["migrants"] - before["migrants"]


def test_region_revisions_add_up_to_the_world(con: Any) -> None:
    regions = stock_revisions(by="region", scheme="wmr2010", years=[2020], con=con)
    world = stock_revisions(years=[2020], con=con)
    for ed in ("2020", "2024"):
        # the wmr2010 scheme covers every country: regions sum to the world
        assert sum(r["migrants"] for r in regions if r["edition"] == ed) == pytest.approx(
            next(r["migrants"] for r in world if r["edition"] == ed))


def test_errors(con: Any) -> None:
    with pytest.raises(EditionError, match="at least two editions"):
        stock_revisions(editions=["2024"], con=con)
    with pytest.raises(EditionError, match="no edition '1999'"):
        stock_revisions(editions=["2024", "1999"], con=con)
    with pytest.raises(DataUnavailableError, match="shared years: 1990"):
        stock_revisions(years=[2020], editions=["2019", "2024"], con=con)


def test_command(con: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "revisions", "--year", "2020", "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["edition"], int(float(r["migrants"]))) for r in rows] == list(WORLD_2020.items())
    code, _, err = run(capsys, "revisions", "--edition", "2024")
    assert code != 0 and "at least two editions" in err and len(err.strip().splitlines()) == 1


@pytest.fixture(scope="module")
def client(session_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from fastapi.testclient import TestClient

    from migcap.web import create_app
    from migcap.web.settings import WebSettings

    tmp = tmp_path_factory.mktemp("web-revisions")
    app = create_app(WebSettings(report_dir=tmp / "no-report", report_build="never", warm=False,
                                 log_format="text", log_level="warning"))
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as c:
        yield c


def test_api_route(client: TestClient) -> None:
    r = client.get("/api/v1/revisions?year=2020")
    assert r.status_code == 200, r.text[:300]
    rows = r.json()["rows"]
    assert {x["edition"]: x["migrants"] for x in rows} == WORLD_2020
    r = client.get("/api/v1/revisions?by=country&area=KEN&year=2020&format=csv")
    assert r.status_code == 200 and r.text.startswith("area_code,area,year,edition")
    assert client.get("/api/v1/revisions?edition=2024").status_code == 404
    assert "revisions" in client.get("/api/v1/").json()["endpoints"]


def test_web_page(client: TestClient) -> None:
    r = client.get("/revisions?year=2020")
    assert r.status_code == 200
    assert "275,284,032" in r.text and "280,598,105" in r.text and "-5,314,073" in r.text
    r = client.get("/revisions?area=Kenya")
    assert r.status_code == 200 and "Revisions of the migrant stock: Kenya" in r.text
    assert "/api/v1/revisions?by=country&amp;area=KEN" in r.text
    r = client.get("/revisions?area=%3Cscript%3Ealert(1)%3C/script%3E")
    assert r.status_code == 404 and "<script>alert" not in r.text


def test_data_page_says_how_current_each_edition_is(client: TestClient) -> None:
    from migcap.store.catalog import months_since

    html = client.get("/data").text
    assert 'href="/revisions"' in html
    # IMS 2024, released 27 January 2025: its age in months, as data list computes it
    assert f"2025-01-27<br><span class=\"muted\">{months_since('2025-01-27')} months ago</span>" in html
