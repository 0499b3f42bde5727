"""The remittance endpoints and page (``/api/v1/remittances/...``, ``/remittances``) through the in-process
client, with real values of the bundled KNOMAD matrices and UN DESA stocks."""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx in its test client
    from fastapi.testclient import TestClient

from migcap.web.settings import WebSettings

USA_MEX_2021 = 52595.342546182175   # KNOMAD BRM 2021, United States → Mexico, US$ million
MEX_IN_USA_2020 = 11_177_052        # UN DESA IMS 2024, born in Mexico living in the United States, 2020
WORLD_2021 = 781075.7065100862      # KNOMAD BRM 2021, the sum of the cells (= the published WORLD total)


@pytest.fixture(scope="module")
def client(model_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from migcap.web import create_app

    tmp = tmp_path_factory.mktemp("web-rem")
    app = create_app(WebSettings(report_dir=tmp / "no-report", report_build="never", warm=False,
                                 log_format="text", log_level="warning"))
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as c:
        yield c


def _ok(r: Any) -> Any:
    assert r.status_code == 200, (r.status_code, r.text[:500])
    return r


def test_corridors_per_migrant(client: TestClient) -> None:
    body = _ok(client.get("/api/v1/remittances/corridors?area=Mexico&role=receiver&per_migrant=true&top=2")
               ).json()
    first = body["rows"][0]
    assert (first["origin_code"], first["remittances_usd_m"], first["migrants"], first["stock_year"]) == (
        "USA", pytest.approx(USA_MEX_2021), MEX_IN_USA_2020, 2020)
    assert first["usd_per_migrant"] == pytest.approx(USA_MEX_2021 * 1e6 / MEX_IN_USA_2020)
    assert body["total_rows"] == 2 and body["units"]["usd_per_migrant"] == "US$ per migrant"
    assert any("not recorded flows" in n for n in body["notes"])
    assert any("circular" in n for n in body["notes"])
    plain = _ok(client.get("/api/v1/remittances/corridors?top=1")).json()
    assert "usd_per_migrant" not in plain["columns"]


def test_matrix_json_csv_xlsx(client: TestClient) -> None:
    doc = _ok(client.get("/api/v1/remittances/matrix?scheme=wmr2010")).json()
    assert doc["years"] == [2021] and doc["scheme"] == "wmr2010"
    assert sum(r["remittances_usd_m"] for r in doc["matrix"]["rows"]) == pytest.approx(WORLD_2021)
    r = _ok(client.get("/api/v1/remittances/matrix?scheme=un-geo&edition=2017&format=csv"))
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert list(rows[0]) == ["year", "origin", "destination", "remittances_usd_m"]
    assert rows[0]["year"] == "2017"
    r = _ok(client.get("/api/v1/remittances/matrix?table=shares&format=xlsx"))
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    assert [c.value for c in ws[1]][:3] == ["year", "region", "within_region"]


def test_change(client: TestClient) -> None:
    body = _ok(client.get("/api/v1/remittances/change?top=1")).json()
    assert body["editions"] == ["2017", "2021"] and body["by"] == "corridor"
    (row,) = body["rows"]
    assert (row["origin_code"], row["destination_code"]) == ("USA", "MEX")
    assert row["remittances_2021_usd_m"] == pytest.approx(USA_MEX_2021)
    assert any("not a measured growth" in n for n in body["notes"])
    region = _ok(client.get("/api/v1/remittances/change?by=region&table=totals&format=csv")).text
    world = next(csv.DictReader(io.StringIO(region)))
    assert world["scope"] == "World" and float(world["remittances_2021_usd_m"]) == pytest.approx(WORLD_2021)


@pytest.mark.parametrize(("url", "status", "word"), [
    ("/api/v1/remittances/corridors?area=Atlantis", 404, "Atlantis"),
    ("/api/v1/remittances/corridors?role=sideways", 422, "role"),
    ("/api/v1/remittances/corridors?min_migrants=5", 400, "per-migrant"),
    ("/api/v1/remittances/corridors?per_migrant=true&stock_edition=1999", 404, "1999"),
    ("/api/v1/remittances/corridors?top=0", 422, "top"),
    ("/api/v1/remittances/matrix?edition=1999", 404, "1999"),
    ("/api/v1/remittances/matrix?scheme=../../etc/passwd", 404, "unknown scheme"),
    ("/api/v1/remittances/change?from=2021&to=2021", 400, "both editions"),
    ("/api/v1/remittances/change?by=country", 422, "by"),
])
def test_bad_parameters(client: TestClient, url: str, status: int, word: str) -> None:
    r = client.get(url)
    assert r.status_code == status, (r.status_code, r.text[:300])
    assert word.lower() in r.json()["error"]["message"].lower()


def test_index_lists_the_endpoints(client: TestClient) -> None:
    index = _ok(client.get("/api/v1/")).json()
    assert {"remittances/corridors", "remittances/matrix", "remittances/change"} <= set(index["endpoints"])
    spec = _ok(client.get("/api/v1/openapi.json")).json()
    params = {p["name"] for p in spec["paths"]["/api/v1/remittances/change"]["get"]["parameters"]}
    assert {"by", "area", "role", "scheme", "from", "to", "top", "sort", "table", "format"} <= params


@pytest.mark.parametrize("url", ["/remittances", "/remittances?scheme=un-geo&edition=2017",
                                 "/remittances?area=India&role=receiver",
                                 "/remittances?area=AFR&role=sender"])
def test_page(client: TestClient, url: str) -> None:
    r = _ok(client.get(url))
    html = r.text
    assert "<h1>Remittances within and between regions" in html and "Traceback" not in html
    assert "These are model estimates, not recorded flows" in html
    assert 'href="/remittances"' in html   # in the navigation


def test_page_holds_the_figures_and_downloads(client: TestClient) -> None:
    html = _ok(client.get("/remittances?area=MEX&role=receiver")).text
    assert "781,076" in html                       # the world total of the 2021 matrix
    assert "11,177,052" in html and "4,706" in html   # USA → Mexico: migrants, US$ per migrant
    assert "/api/v1/remittances/corridors?scheme=wmr2010&amp;area=MEX&amp;role=receiver" in html
    assert "/api/v1/remittances/change?by=region&amp;scheme=wmr2010&amp;table=totals&amp;format=csv" in html
    assert client.get("/remittances?area=Narnia").status_code == 404
