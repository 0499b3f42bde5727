"""The web application through the in-process client: every endpoint and page, with real values, and bad
parameters answered with a 4xx and a clear message — never a 500."""

from __future__ import annotations

import io
import json
import logging
import re
import types
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx in its test client
    from fastapi.testclient import TestClient

from migcap.web.settings import WebSettings

WORLD_2020 = 275_284_032  # UN DESA IMS 2024 (the default edition), world total in 2020, as revised
KENYA_2020 = 1_050_147  # UN DESA IMS 2024, Kenya, 2020 (the same as in IMS 2020)
MEX_USA_2024 = 11_279_561  # UN DESA IMS 2024, Mexico → United States of America, 2024


def _settings(tmp: Path, **kw: Any) -> WebSettings:
    base: dict[str, Any] = dict(report_dir=tmp / "no-report", report_build="never", warm=False,
                                log_format="text", log_level="warning")
    base.update(kw)
    return WebSettings(**base)


@pytest.fixture(scope="module")
def client(model_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from migcap.web import create_app

    app = create_app(_settings(tmp_path_factory.mktemp("web")))
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as c:
        yield c


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, (r.status_code, r.text[:500])
    return r


def _error(r: Any, status: int, *words: str) -> dict[str, Any]:
    assert r.status_code == status, (r.status_code, r.text[:500])
    body = r.json()["error"]
    assert body["status"] == status and body["type"] and body["message"]
    for w in words:
        assert w.lower() in body["message"].lower(), body["message"]
    return dict(body)


# ------------------------------------------------------------------------------------- tables


def test_stocks_by_country_for_one_year(client: TestClient) -> None:
    body = _ok(client.get("/api/v1/stocks?by=country&area=KEN&year=2020")).json()
    assert body["columns"][:4] == ["area_code", "area", "year", "migrants"]
    assert body["rows"] == [pytest.approx(body["rows"][0])]
    row = body["rows"][0]
    assert (row["area_code"], row["year"], row["migrants"]) == ("KEN", 2020, KENYA_2020)
    assert body["total_rows"] == 1 and body["pages"] == 1 and body["links"]["next"] is None
    assert "International Migrant Stock 2024" in body["sources"][0]


def test_stocks_world_and_any_name_or_code(client: TestClient) -> None:
    world = _ok(client.get("/api/v1/stocks?year=2020")).json()["rows"]
    assert [r["migrants"] for r in world] == [WORLD_2020]
    for name in ("Kenya", "ke", "404", "KEN"):
        rows = _ok(client.get("/api/v1/stocks",
                              params={"by": "country", "area": name, "year": 2020})).json()["rows"]
        assert [r["area_code"] for r in rows] == ["KEN"], name
    regions = _ok(client.get("/api/v1/stocks?by=region&scheme=wmr2010&year=2020&area=AFR&area=Europe")).json()
    assert sorted(r["area_code"] for r in regions["rows"]) == ["AFR", "EUR"]


def test_pagination_links_and_headers(client: TestClient) -> None:
    r = _ok(client.get("/api/v1/stocks?by=country&year=2020&per_page=10"))
    body = r.json()
    assert len(body["rows"]) == 10 and body["page"] == 1 and body["total_rows"] > 200
    assert body["pages"] == -(-body["total_rows"] // 10)
    assert r.headers["X-Total-Count"] == str(body["total_rows"])
    assert 'rel="next"' in r.headers["Link"]
    nxt = _ok(client.get(body["links"]["next"])).json()
    assert nxt["page"] == 2 and nxt["rows"][0] != body["rows"][0]
    last = _ok(client.get(f"/api/v1/stocks?by=country&year=2020&per_page=10&page={body['pages']}")).json()
    assert last["links"]["next"] is None and last["links"]["prev"]
    _error(client.get(f"/api/v1/stocks?by=country&year=2020&per_page=10&page={body['pages'] + 1}"),
           404, "past the last")
    _error(client.get("/api/v1/stocks?per_page=0"), 422, "per_page")
    _error(client.get("/api/v1/stocks?per_page=100000"), 422, "per_page")


def test_csv_by_format_and_by_accept_header(client: TestClient) -> None:
    for r in (client.get("/api/v1/stocks?by=country&area=KEN&format=csv"),
              client.get("/api/v1/stocks?by=country&area=KEN", headers={"Accept": "text/csv"})):
        _ok(r)
        assert r.headers["content-type"].startswith("text/csv")
        assert "attachment" in r.headers["content-disposition"] and ".csv" in r.headers["content-disposition"]
        lines = r.text.splitlines()
        assert lines[0] == ("area_code,area,year,migrants,migrants_male,migrants_female,population,"
                            "migrants_pct,female_pct,refugees,coverage")
        assert any(line.startswith(f"KEN,Kenya,2020,{KENYA_2020},") for line in lines)
        assert len(lines) == 1 + 8  # the whole table, not a page: 1990, 1995 … 2020, 2024


def test_excel_download(client: TestClient) -> None:
    from openpyxl import load_workbook

    r = _ok(client.get("/api/v1/series?indicator=migrant_stock&by=world&format=xlsx"))
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    rows = list(wb["data"].iter_rows(values_only=True))
    assert rows[0] == ("area_code", "area", "year", "value", "coverage")
    assert ("WLD", "World", 2020, WORLD_2020, 1) in [tuple(x) for x in rows[1:]]
    about = dict((k, v) for k, v in wb["about"].iter_rows(values_only=True) if k != "source")
    assert "International migrant stock" in about["title"]


def test_series_and_indicators(client: TestClient) -> None:
    names = [i["name"] for i in _ok(client.get("/api/v1/indicators")).json()]
    assert {"remittances_received", "migrant_stock", "net_migration", "unemployment",
            "migrants_pct"} <= set(names)
    body = _ok(client.get(
        "/api/v1/series?indicator=remittances_received&by=world&year=2008&year=2009")).json()
    values = {r["year"]: r["value"] for r in body["rows"]}
    assert values[2009] < values[2008]  # the 2009 fall
    assert body["units"]["value"] == "current US$"
    share = _ok(client.get(
        "/api/v1/series?indicator=migrants_pct&by=country&area=KEN&year=2020")).json()["rows"]
    assert share[0]["value"] == pytest.approx(2.0, abs=0.05)
    for name in names:  # every indicator answers for the world
        assert _ok(client.get(
            f"/api/v1/series?indicator={name}&by=world&per_page=1")).json()["total_rows"] > 0


# ------------------------------------------------------------------------------- documents


def test_overview_facts_and_sections(client: TestClient) -> None:
    body = _ok(client.get("/api/v1/overview?area=Kenya&year=2020")).json()
    assert body["area"] == {"kind": "country", "code": "KEN", "name": "Kenya"} and body["year"] == 2020
    assert body["facts"][0]["text"].startswith("In 2020 1.1 million international migrants lived in Kenya")
    assert {"stock_trend", "top_origins", "top_corridors", "remittances_trend",
            "crisis"} <= set(body["sections"])
    csv = _ok(client.get("/api/v1/overview?area=KEN&section=top_origins&format=csv")).text.splitlines()
    assert (csv[0] == "rank,origin_code,origin,migrants,share_of_immigrants_pct"
            and csv[1].startswith("1,SOM,Somalia,"))
    _error(client.get("/api/v1/overview?area=KEN&section=nope&format=csv"), 404, "section")
    facts = _ok(client.get("/api/v1/facts?area=WLD&year=2020")).json()
    assert facts[0]["text"] == ("In 2020 there were 275.3 million international migrants, "
                                "3.5% of the world's population.")
    assert facts[0]["figures"]["migrants"] == WORLD_2020 and facts[0]["sources"]


def test_corridors_matrix_crisis_flows_map(client: TestClient) -> None:
    top = _ok(client.get("/api/v1/corridors")).json()["rows"][0]
    assert (top["origin_code"], top["destination_code"], top["migrants"]) == ("MEX", "USA", MEX_USA_2024)
    m = _ok(client.get("/api/v1/matrix?scheme=wmr2010&year=2019&edition=2019")).json()
    assert m["scheme"] == "wmr2010" and 2019 in m["years"]
    total = sum(r["migrants"] for r in m["matrix"]["rows"])
    assert total == pytest.approx(271_642_105, rel=1e-6)  # IMS 2019 world total, 2019
    shares = _ok(client.get("/api/v1/matrix?table=shares&format=csv")).text
    assert shares.startswith("year,region,within_region")
    crisis = _ok(client.get("/api/v1/crisis?indicator=remittances_received&shock=2009&by=world")).json()
    assert crisis["shock"] == 2009 and crisis["baseline"] == [2003, 2008] and "OLS" in crisis["model"]
    assert crisis["rows"][0]["yoy_pct"] == pytest.approx(-4.1, abs=0.05)
    assert crisis["decomposition"]["rows"][-1]["area_code"] == "WLD"
    regions = _ok(client.get("/api/v1/crisis?by=region&area=AFR")).json()
    assert [r["area_code"] for r in regions["rows"]] == ["AFR"]
    flows = _ok(client.get("/api/v1/flows?period=2020-2024&scheme=wmr2010&per_page=100")).json()
    assert flows["columns"] == ["period", "orig", "dest", "flow"] and len(flows["rows"]) == 36
    totals = _ok(client.get("/api/v1/flows?period=2020-2024&scheme=wmr2010&totals=true")).json()["rows"][0]
    assert sum(r["flow"] for r in flows["rows"]) == pytest.approx(totals["flow"], rel=1e-9)
    rows = _ok(client.get("/api/v1/map?year=2020&per_page=1000")).json()["rows"]
    ken = next(r for r in rows if r["iso3"] == "KEN")
    assert ken["migrants_pct"] == pytest.approx(2.0, abs=0.05) and ken["remittances_pct_gdp"] > 0


def test_countries_schemes_data(client: TestClient) -> None:
    hits = _ok(client.get("/api/v1/countries?q=ivory")).json()["rows"]
    assert [h["iso3"] for h in hits] == ["CIV"]
    assert _ok(client.get("/api/v1/countries/Côte d'Ivoire")).json()["iso3"] == "CIV"
    assert _ok(client.get("/api/v1/countries/384")).json()["iso3"] == "CIV"
    e = _error(client.get("/api/v1/countries/Kenia"), 404, "Kenia")
    assert "Kenya" in e["message"]  # a suggestion
    schemes = _ok(client.get("/api/v1/schemes")).json()
    assert "wmr2010" in [s["scheme"] for s in schemes]
    wmr = _ok(client.get("/api/v1/schemes/wmr2010")).json()
    assert wmr["regions"]["MEA"] == "Middle East" and "EGY" in wmr["members"]["MEA"]
    data = _ok(client.get("/api/v1/data")).json()
    assert {"migrant_stock", "wdi", "bilateral_stock"} <= {r["dataset"] for r in data["rows"]}
    prov = _ok(client.get("/api/v1/data/migrant_stock?edition=2019")).json()
    assert prov["edition"] == "2019" and prov["licence"]


def test_index_and_openapi(client: TestClient) -> None:
    index = _ok(client.get("/api/v1/")).json()
    assert index["editions"]["migrant_stock"] == "2024" and "stocks" in index["endpoints"]
    spec = _ok(client.get("/api/v1/openapi.json")).json()
    assert spec["openapi"].startswith("3.") and "/api/v1/stocks" in spec["paths"]
    params = {p["name"] for p in spec["paths"]["/api/v1/stocks"]["get"]["parameters"]}
    assert {"by", "scheme", "year", "edition", "coverage", "area", "format", "page", "per_page"} <= params


# ------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(("url", "status", "words"), [
    ("/api/v1/stocks?by=country&area=Atlantis", 404, ["Atlantis"]),
    ("/api/v1/stocks?by=country&area=AFR", 404, ["region", "by=region"]),
    ("/api/v1/stocks?year=1950", 404, ["1950", "years available"]),
    ("/api/v1/stocks?year=3000", 422, ["year"]),
    ("/api/v1/stocks?year=twenty", 422, ["year"]),
    ("/api/v1/stocks?scheme=nope", 404, ["nope", "wmr2010"]),
    ("/api/v1/stocks?by=region&scheme=../../../../etc/passwd", 404, ["unknown scheme"]),
    ("/api/v1/stocks?scheme=/etc/passwd", 404, ["unknown scheme"]),
    ("/api/v1/stocks?by=galaxy", 422, ["by"]),
    ("/api/v1/stocks?edition=1999", 404, ["1999", "editions"]),
    ("/api/v1/stocks?coverage=most", 422, ["coverage"]),
    ("/api/v1/stocks?format=pdf", 422, ["format"]),
    ("/api/v1/series?indicator=happiness", 400, ["happiness", "remittances_received"]),
    ("/api/v1/series?indicator=gdp&year=1800", 404, ["1800"]),
    ("/api/v1/overview?area=Narnia", 404, ["Narnia"]),
    ("/api/v1/overview?area=KEN&year=2021", 404, ["2021", "years available"]),
    ("/api/v1/facts?area=ZZZ", 404, ["ZZZ"]),
    ("/api/v1/corridors?area=", 422, ["area"]),
    ("/api/v1/matrix?year=2022", 404, ["2022", "years available"]),
    ("/api/v1/matrix?scheme=nope", 404, ["nope"]),
    ("/api/v1/crisis?shock=2030", 400, ["2030"]),
    ("/api/v1/crisis?baseline=2008-2003", 400, ["2008-2003"]),
    ("/api/v1/crisis?baseline=soon", 422, ["baseline"]),
    ("/api/v1/crisis?level=1.5", 422, ["level"]),
    ("/api/v1/crisis?indicator=migrants_pct", 400, ["share"]),
    ("/api/v1/flows?period=2019-2015", 400, ["2019-2015"]),
    ("/api/v1/flows?period=1980-1985", 404, ["1980"]),
    ("/api/v1/flows?period=yesterday", 422, ["period"]),
    ("/api/v1/flows?method=guess", 422, ["method"]),
    ("/api/v1/flows?total=-5&method=rates", 422, ["total"]),
    ("/api/v1/map?year=2021", 404, ["2021"]),
    ("/api/v1/countries/Atlantis", 404, ["Atlantis"]),
    ("/api/v1/schemes/nope", 404, ["nope"]),
    ("/api/v1/data/nope", 404, ["nope"]),  # as docs/web.md says (it was 400)
    ("/api/v1/data/wdi?edition=1900", 404, ["1900"]),
    ("/api/v1/inventory/XYZ-99", 404, ["XYZ-99"]),
    ("/api/v1/inventory/lab-99", 404, ["LAB-99"]),
    ("/api/v1/nothing-here", 404, ["/api/v1/nothing-here"]),
])
def test_bad_parameters_are_4xx_with_a_clear_message(client: TestClient, url: str, status: int,
                                                     words: list[str]) -> None:
    _error(client.get(url), status, *words)


def test_wrong_method_and_very_long_values(client: TestClient) -> None:
    r = client.post("/api/v1/stocks")
    _error(r, 405, "POST")
    assert r.headers["allow"] == "GET, OPTIONS"
    _error(client.get("/api/v1/stocks", params={"area": "x" * 500}), 422, "area")
    _error(client.get("/api/v1/countries/" + "x" * 200), 422)


def test_every_endpoint_answers_without_a_server_error(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    fill = {"code": "KEN", "name": "wmr2010", "dataset": "wdi", "item_id": "LAB-02"}
    for path, ops in spec["paths"].items():
        for method in ops:
            url = path
            for k, v in fill.items():
                url = url.replace("{" + k + "}", v)
            for variant in (url, url + ("&" if "?" in url else "?") + "format=csv"):
                r = client.request(method.upper(), variant)
                assert r.status_code < 500, (variant, r.status_code, r.text[:300])
                # operations that need a token (the assessments, docs/accounts.md) answer 401 without one
                allowed = (401, 422) if ops[method].get("security") else (200, 422)
                assert r.status_code in allowed, (variant, r.status_code, r.text[:300])


def test_options_and_allow_name_every_method_of_the_path(client: TestClient) -> None:
    """As found: OPTIONS answered 405 with ``Allow: GET`` on paths that also have PUT. Now OPTIONS
    answers 204 with every method of the path (the OpenAPI document's, and those of the pages), and so
    does a 405."""
    spec = client.get("/api/v1/openapi.json").json()
    assert "put" in spec["paths"]["/api/v1/assessments/{uid}/items/{item_id}"]
    fill = {"code": "KEN", "name": "wmr2010", "dataset": "wdi", "item_id": "LAB-02", "uid": "0" * 32}
    for path, ops in spec["paths"].items():
        url = path
        for k, v in fill.items():
            url = url.replace("{" + k + "}", v)
        expected = ", ".join(sorted({m.upper() for m in ops} | {"OPTIONS"}))
        r = client.options(url)
        assert (r.status_code, r.headers.get("allow"), r.content) == (204, expected, b""), \
            (url, r.status_code)
        r = client.delete(url)
        assert (r.status_code, r.headers.get("allow")) == (405, expected), url
    assert client.options("/login").headers["allow"] == "GET, OPTIONS, POST"
    assert client.options("/api/v1/no-such-thing").status_code == 404


def test_forwarded_headers_are_trusted_from_no_proxy_by_default(session_store: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """As found: X-Forwarded-For/-Proto were trusted from 127.0.0.1 unless configured otherwise. Now
    from no one, unless MIGCAP_WEB_FORWARDED_ALLOW_IPS names the proxy."""
    from migcap.web import server

    configs: list[Any] = []

    class Capture:
        def __init__(self, config: Any) -> None:
            configs.append(config)

        def run(self) -> None:
            pass

    monkeypatch.setattr(server.uvicorn, "Server", Capture)
    for name, value in (("ASSESSMENTS", "off"), ("WARM", "false"), ("REPORT_BUILD", "never"),
                        ("REPORT_DIR", str(tmp_path / "no-report")), ("LOG_LEVEL", "warning"),
                        ("LOG_FORMAT", "text")):
        monkeypatch.setenv(f"MIGCAP_WEB_{name}", value)
    monkeypatch.delenv("MIGCAP_WEB_FORWARDED_ALLOW_IPS", raising=False)
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)

    def scheme_seen(proxy: str | None) -> str:
        if proxy is not None:
            monkeypatch.setenv("MIGCAP_WEB_FORWARDED_ALLOW_IPS", proxy)
        server.serve()
        config = configs[-1]
        config.load()
        with TestClient(config.loaded_app, client=("127.0.0.1", 40000)) as c:
            r = c.get("/api/v1/", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
        return str(r.json()["endpoints"]["stocks"]).split(":", 1)[0]

    assert scheme_seen(None) == "http"  # a forged header from the same machine changes nothing
    assert scheme_seen("127.0.0.1") == "https"  # from the configured proxy it is trusted


# ------------------------------------------------------------------------------ pages


@pytest.mark.parametrize("url", [
    "/", "/?year=2010&map=remittances_pct_gdp", "/explore",
    "/explore?indicator=remittances_received&by=country&year=2020",
    "/explore?indicator=migrants_pct&by=country&area=KEN&area=Uganda",
    "/explore?indicator=gdp&by=region&scheme=un-geo",
    "/area/KEN", "/area/AFR", "/area/WLD?year=2000", "/area/935?scheme=un-geo", "/regions",
    "/regions?scheme=wb-income",
    "/countries", "/corridors", "/corridors?area=Philippines&year=2010", "/matrix?scheme=un-geo", "/crisis",
    "/crisis?by=country&indicator=unemployment", "/flows", "/flows?method=diff&scheme=", "/data", "/search",
    "/api/docs", "/capacity", "/capacity/LAB-02",
])
def test_pages(client: TestClient, url: str) -> None:
    r = _ok(client.get(url))
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert "<h1>" in html and 'lang="en"' in html and 'href="#content"' in html
    assert "<title>" in html and "Traceback" not in html
    assert "https://" not in html.split("<main")[0]  # nothing loaded from the internet in the head


def test_pages_hold_the_data_and_the_downloads(client: TestClient) -> None:
    html = client.get("/area/KEN?year=2020").text
    assert "Kenya: country profile" in html and "1,050,147" in html and "Kenya is outlined." in html
    # a sentence starts with a capital
    assert "The Philippines is outlined." in client.get("/area/PHL").text
    assert ("/api/v1/overview?area=KEN&amp;scheme=wmr2010&amp;year=2020&amp;section=stock_trend"
            "&amp;format=csv") in html
    explore = client.get("/explore?indicator=migrant_stock&by=country&area=KEN&year=2020").text
    assert "1,050,147" in explore and "/api/v1/series?indicator=migrant_stock&amp;by=country" in explore
    home = client.get("/?year=2010").text
    assert "In 2010 there were" in home and 'value="2010" selected' in home


def test_search_redirects_to_the_area(client: TestClient) -> None:
    for q, where in (("Kenya", "/area/KEN"), ("KEN", "/area/KEN"), ("404", "/area/KEN"),
                     ("ivory coast", "/area/CIV"), ("Middle East", "/area/MEA"), ("world", "/area/WLD")):
        r = client.get("/search", params={"q": q})
        assert r.status_code == 303 and r.headers["location"] == where, (q, r.headers.get("location"))
    r = client.get("/area/kenya")
    assert r.status_code == 308 and r.headers["location"] == "/area/KEN"
    assert client.get("/search?q=guinea").headers["location"] == "/area/GIN"  # an exact name wins
    many = _ok(client.get("/search?q=united"))
    assert "United Kingdom" in many.text and "United States of America" in many.text
    none = client.get("/search?q=Atlantis")
    assert none.status_code == 404 and "No country or area matches" in none.text


@pytest.mark.parametrize(("url", "status"), [
    ("/area/Narnia", 404), ("/area/KEN?year=1850", 404), ("/explore?indicator=happiness", 400),
    ("/explore?by=country&area=Africa", 404), ("/explore?year=abc", 422), ("/matrix?year=1900", 404),
    ("/crisis?shock=2040", 400), ("/flows?period=2030-2035", 404), ("/nowhere", 404),
    ("/capacity/NOPE-1", 404),
    ("/explore?page=999", 404), ("/regions?scheme=nope", 404),
])
def test_bad_page_parameters_are_html_errors(client: TestClient, url: str, status: int) -> None:
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code)
    assert r.headers["content-type"].startswith("text/html")
    assert 'role="alert"' in r.text and "Traceback" not in r.text


# ------------------------------------------------------------------------- production shape


def test_healthz_static_and_headers(client: TestClient) -> None:
    h = _ok(client.get("/healthz")).json()
    assert h["status"] == "ok" and h["editions"]["wdi"] and h["store"]["token"]
    assert h["parts"] == {"projections": True, "capacity": True}
    assert h["projections"]["state"] == "ready" and h["projections"]["edition"] == "2024"  # the fit, as saved
    assert client.head("/healthz").status_code == 200
    r = _ok(client.get("/api/v1/stocks", headers={"X-Request-ID": "abc-123"}))
    assert r.headers["x-request-id"] == "abc-123"
    assert r.headers["x-content-type-options"] == "nosniff" and "default-src 'self'" in r.headers[
        "content-security-policy"]
    assert "max-age" in r.headers["cache-control"] and r.headers["etag"]
    again = client.get("/api/v1/stocks", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and not again.content
    gz = client.get("/api/v1/stocks?by=country", headers={"Accept-Encoding": "gzip"})
    assert gz.headers.get("content-encoding") == "gzip" and gz.json()["total_rows"] > 200
    html = client.get("/").text
    static = html.split('<script src="')[-1].split('"')[0]
    js = _ok(client.get(static, headers={"Accept-Encoding": "identity"}))
    assert js.headers["cache-control"].endswith("immutable") and "chart-spec" in js.text
    vega = html.split('<script src="')[1].split('"')[0]
    assert vega.endswith("/vega.js") and len(_ok(client.get(vega)).content) > 100_000
    _ok(client.get(static.rsplit("/", 1)[0] + "/nope.js"), 404)


def test_server_socket_sends_small_answers_at_once() -> None:
    """With several workers uvicorn binds the socket itself; migcap's makes it TCP with TCP_NODELAY (no 40 ms
    Nagle/delayed-ACK stall per request)."""
    import socket

    from migcap.web.server import _Config

    sock = _Config("migcap.web.app:app_factory", factory=True, host="127.0.0.1", port=0,
                   workers=2).bind_socket()
    try:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        sock.close()


def test_access_log_is_json(client: TestClient) -> None:
    from migcap.web.logs import JsonFormatter

    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("migcap.web.access")
    handler = Keep()
    old = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        client.get("/api/v1/stocks?year=2020", headers={"X-Request-ID": "log-test"})
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)
    line = json.loads(JsonFormatter().format(records[-1]))
    assert (line["logger"] == "migcap.web.access" and line["status"] == 200
            and line["request_id"] == "log-test")
    assert line["path"] == "/api/v1/stocks" and line["query"] == "year=2020" and line["duration_ms"] >= 0


def test_report_missing_is_explained(client: TestClient) -> None:
    r = client.get("/report")
    assert r.status_code == 503 and r.headers["retry-after"] and "has not been built" in r.text


def test_report_is_served_from_its_folder(session_store: Path, tmp_path: Path) -> None:
    from migcap.web import create_app

    site = tmp_path / "report"
    (site / "countries").mkdir(parents=True)
    (site / "index.html").write_text("<h1>Summary</h1>", encoding="utf-8")
    (site / "countries" / "KEN.html").write_text("<h1>Kenya</h1>", encoding="utf-8")
    (site / "report.pdf").write_bytes(b"%PDF-1.7 tiny")
    (tmp_path / "secret.txt").write_text("no", encoding="utf-8")
    with TestClient(create_app(_settings(tmp_path, report_dir=site)), raise_server_exceptions=False) as c:
        home = _ok(c.get("/report"))
        assert "Read the report online" in home.text and "Download the PDF" in home.text
        assert _ok(c.get("/report/")).text == "<h1>Summary</h1>"
        assert _ok(c.get("/report/countries/KEN.html")).text == "<h1>Kenya</h1>"
        assert _ok(c.get("/report/report.pdf")).content.startswith(b"%PDF")
        assert c.get("/report/../secret.txt").status_code == 404
        assert c.get("/report/%2e%2e/secret.txt").status_code == 404
        assert c.get("/report/nope.html").status_code == 404


def test_report_is_built_on_demand(session_store: Path, tmp_path: Path) -> None:
    """The first visit starts a build in a child process; the page says so until the report is there."""
    import time

    from migcap.web import create_app

    site = tmp_path / "built" / "report"
    settings = _settings(tmp_path, report_dir=site, report_build="demand", report_pdf=False,
                         report_areas="KEN")
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        first = c.get("/report")
        assert first.status_code == 503 and "being built" in first.text
        deadline = time.monotonic() + 90
        while c.get("/healthz").json()["report"] != "ready":
            assert time.monotonic() < deadline, c.get("/report").text
            time.sleep(0.5)
        home = _ok(c.get("/report"))
        assert "Read the report online" in home.text and "PDF was not built" in home.text
        assert "Kenya: country profile" in _ok(c.get("/report/countries/KEN.html")).text
    assert not (site.parent / ".report.lock").read_text()  # the lock file is left, empty and unlocked


# ------------------------------------------------------------------------------ optional parts


def test_parts_left_out_when_off(session_store: Path, tmp_path: Path) -> None:
    from migcap.web import create_app

    with TestClient(create_app(_settings(tmp_path, capacity="off", projections="off")),
                    raise_server_exceptions=False) as c:
        assert c.get("/api/v1/inventory").status_code == 404
        assert c.get("/capacity").status_code == 404
        assert "/api/v1/inventory" not in c.get("/api/v1/openapi.json").json()["paths"]
        assert "/api/v1/projections" not in c.get("/api/v1/openapi.json").json()["paths"]
        assert ">Capacities<" not in c.get("/").text and ">Projections<" not in c.get("/").text


def test_projections_appear_when_the_module_provides_them(session_store: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """With a stand-in for migcap.projections, the page and endpoint pass the parameters through unchanged."""
    import numpy as np

    from migcap.table import Table
    from migcap.web import service

    calls: list[tuple[str, str, dict[str, Any]]] = []

    class Projection:
        def __init__(self, measure: str, area: str) -> None:
            self.measure, self.area, self.seed, self.unit = measure, area, 1, "persons"
            self.draws = np.zeros((3, 2))
            self.observed = ((2015, 0.8), (2020, 0.9))

        def to_table(self) -> Table:
            return Table(("area_code", "area", "year", "median", "lower80", "upper80", "lower95", "upper95"),
                         (("WLD", "World", 2025, 1.0, 0.5, 1.5, 0.2, 1.8),
                          ("WLD", "World", 2030, 2.0, 1.0, 3.0, 0.5, 3.5)),
                         title="Stand-in projection", sources=("test",))

        def in_words(self) -> str:
            return "Stand-in sentence: the median of 2030 is 2."

    def make(name: str) -> Any:
        def fn(area: str, **kw: Any) -> Projection:
            calls.append((name, area, kw))
            return Projection(name, area)
        return fn

    fake = types.ModuleType("migcap.projections")
    fake.__file__ = "stand-in"
    for n in ("net_migration", "stock", "population"):
        setattr(fake, n, make(n))
    monkeypatch.setattr(service, "_load_projections", lambda: fake)
    from migcap.web import create_app

    with TestClient(create_app(_settings(tmp_path)), raise_server_exceptions=False) as c:
        body = _ok(c.get("/api/v1/projections?measure=migrant_stock&area=WLD&to=2030&draws=10&seed=3")).json()
        assert body["rows"][1]["median"] == 2.0 and body["measure"] == "stock" and body["draws"] == 3
        name, area, kw = calls[-1]
        assert (name, area, kw["to"], kw["draws"], kw["seed"], kw["measure"]) == \
            ("stock", "WLD", 2030, 10, 3, "count")
        page = _ok(c.get("/projections?measure=net_migration_rate"))
        assert "Stand-in projection" in page.text and calls[-1][2]["measure"] == "rate"
        assert '<p class="lead">Stand-in sentence: the median of 2030 is 2.</p>' in page.text
        spec = json.loads(re.search(r'<script type="application/json" class="chart-spec"[^>]*>(.*?)</script>',
                                    page.text, re.S).group(1))                              # type: ignore[union-attr]
        # the past beside the future
        assert {"year": 2020, "observed": 0.9} in spec["data"]["values"]
        assert ">Projections<" in c.get("/").text
        _error(c.get("/api/v1/projections?draws=5000"), 422, "draws")
        _error(c.get("/api/v1/projections?measure=happiness"), 422, "measure")


def test_real_projections(client: TestClient) -> None:
    """The real migcap.projections behind the API (with the small model saved in the data folder)."""
    body = _ok(client.get(
        "/api/v1/projections?measure=migrant_stock&area=WLD&to=2050&draws=200&seed=2")).json()
    rows = body["rows"]
    assert [r["year"] for r in rows] == [2025, 2030, 2035, 2040, 2045, 2050]
    assert all(r["lower95"] <= r["lower80"] <= r["median"] <= r["upper80"] <= r["upper95"] for r in rows)
    assert rows[-1]["median"] > 280_000_000 * 0.9
    again = _ok(client.get(
        "/api/v1/projections?measure=migrant_stock&area=WLD&to=2050&draws=200&seed=2")).json()
    assert again["rows"] == rows  # same seed, same numbers
    page = _ok(client.get("/projections?measure=migrant_stock&area=WLD&to=2050")).text
    # every column in the same unit: said once, under the caption, not under each of the five headers
    assert (page.count('class="unit"') == 1
            and '<span class="unit">international migrants (1 July)</span></caption>' in page)


def test_row_notes_are_references_under_the_table(client: TestClient) -> None:
    """On a page a long note per row becomes [1], [2], … written out once under the table; files keep them."""
    # WDI 2023-05 (to 2022), where some regions were not yet back at their 2019 level: notes that differ
    rows = _ok(client.get("/api/v1/crisis?by=region&shock=2020&edition=2023-05")).json()["rows"]
    notes = list(dict.fromkeys(r["note"] for r in rows if r["note"]))
    assert len(notes) > 1 and any("not back at the 2019 level" in n for n in notes)
    html = client.get("/crisis?by=region&shock=2020&edition=2023-05").text
    for k, note in enumerate(notes, start=1):
        assert f'<p class="note">[{k}] {note}</p>' in html
        assert f"<td>[{k}]</td>" in html
