"""Projections on the web while the model is not fitted yet: parameters are checked first, the fit runs once
in the background (a child process, one lock for every process of the data folder), and requests get 503 with
``Retry-After`` until it is ready — then the projection itself. The sampler settings of the background fit are
the app's to choose (``Service.fit_settings``), so the tests fit a small model in seconds."""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from migcap.projections.model import SamplerSettings
from migcap.web.settings import WebSettings
from tests.processes import lock_held_elsewhere

SMALL = SamplerSettings(chains=2, burnin=100, iterations=200, thin=2, seed=3)
DEADLINE = 120.0


def _unavailable(r: Any, *words: str) -> str:
    assert r.status_code == 503, (r.status_code, r.text[:300])
    assert r.headers["retry-after"] == "10"
    is_json = r.headers["content-type"].startswith("application/json")
    message = r.json()["error"]["message"] if is_json else r.text
    for w in words:
        assert w in message, message
    return str(message)


def test_projections_wait_for_one_background_fit(private_store: Path, tmp_path: Path) -> None:
    from migcap.web import create_app

    app = create_app(WebSettings(report_dir=tmp_path / "no-report", report_build="never", warm=False,
                                 log_format="text", log_level="warning"))
    service = app.state.service
    service.fit_settings = SMALL
    with TestClient(app, raise_server_exceptions=False) as c:
        assert c.get("/healthz").json()["projections"] == {"state": "not started", "edition": "2024",
                                                           "since": None, "message": "", "done": 0,
                                                           "total": 0}
        # bad parameters are refused at once, without a fit and without starting one
        r = c.get("/api/v1/projections?measure=migrant_stock&area=Atlantis")
        assert r.status_code == 404 and "unknown area 'Atlantis'" in r.json()["error"]["message"]
        r = c.get("/api/v1/projections?to=2033")
        assert r.status_code == 404 and "does not end a 5-year period" in r.json()["error"]["message"]
        assert c.get("/projections?area=Atlantis").status_code == 404
        assert c.get("/healthz").json()["projections"]["state"] == "not started" and service._fits == []

        # another process is fitting: wait for it, start nothing
        with lock_held_elsewhere(private_store / "projections" / ".net-migration-wpp2024.lock"):
            _unavailable(c.get("/api/v1/projections?area=KEN"), "is being fitted")
            page = c.get("/projections?area=KEN")
            _unavailable(page, "is being fitted")
            assert page.headers["content-type"].startswith("text/html")
            assert c.get("/healthz").json()["projections"]["state"] == "running" and service._fits == []

        # nobody is fitting any more (that process ended without a model): the next request starts the fit
        _unavailable(c.get("/api/v1/projections?area=KEN"), "being fitted")
        assert len(service._fits) == 1
        state = c.get("/healthz").json()["projections"]
        assert state["state"] == "running"
        deadline = time.monotonic() + DEADLINE
        while (r := c.get("/api/v1/projections?area=KEN&draws=100")).status_code == 503:
            assert time.monotonic() < deadline, r.text
            time.sleep(0.5)
        assert r.status_code == 200, r.text
        rows = r.json()["rows"]
        assert ([x["year"] for x in rows] == [2025, 2030, 2035, 2040, 2045, 2050]
                and rows[0]["area_code"] == "KEN")
        page = c.get("/projections?area=Kenya")
        assert page.status_code == 200
        # the page leads with the median and the 80% range in words, the figures of the same projection
        from migcap.evidence.facts import format_count

        last = c.get("/api/v1/projections?area=KEN&draws=1000&seed=1").json()["rows"][-1]
        lead = (f"In 2050, the median projection is {format_count(last['median'])} international migrants "
                "in Kenya; in 8 of 10 futures consistent with the past, between "
                f"{format_count(last['lower80'])} and {format_count(last['upper80'])}.")
        assert lead in page.text
        assert ("In 8 of 10 futures consistent with the past, the number stays inside the darker band"
                in page.text)
        state = c.get("/healthz").json()["projections"]
        assert state["state"] == "ready" and state["since"]
        assert service._fits[0].wait(10) == 0 and len(service._fits) == 1  # one fit, and it ended

    from migcap.projections.data import load_rates
    from migcap.projections.store import load_current
    from migcap.store.warehouse import connect

    con = connect()
    model = load_current(load_rates(con))
    con.close()
    assert model is not None and model.posterior.settings == SMALL  # the settings the app chose
