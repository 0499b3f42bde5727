"""`migcap data update`, offline: recorded (small, synthetic) publisher responses are replayed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from migcap.errors import MigcapError
from migcap.store.fetch import update
from migcap.store.warehouse import connect, resolve_edition

RECORDED = Path(__file__).parent / "data" / "recorded"


def replay(responses: dict[str, Any]) -> Any:
    """An http_get that answers from a dict (URL prefix → JSON payload) and records the calls."""
    calls: list[str] = []

    def get(url: str) -> bytes:
        calls.append(url)
        for prefix, payload in responses.items():
            if url.startswith(prefix):
                return json.dumps(payload).encode()
        raise MigcapError(f"cannot download {url} (offline test)")

    get.calls = calls  # type: ignore[attr-defined]
    return get


def _wdi_payload(code: str) -> Any:
    return json.loads((RECORDED / f"wdi_{code}.json").read_text())


def test_update_wdi_from_recorded_api(private_store: Path) -> None:
    from migcap.store.fetch import _config

    codes = _config()["wdi"]["indicators"]
    responses = {f"https://api.worldbank.org/v2/country/all/indicator/{c}": _wdi_payload("BX.TRF.PWKR.CD.DT")
                 for c in codes}
    # every indicator answers with the recorded remittances page, relabelled (shares in % scaled to 0-100:
    # an unemployment rate of 4e9 % would be refused)
    for c in codes:
        payload = json.loads(json.dumps(responses[f"https://api.worldbank.org/v2/country/all/indicator/{c}"]))
        for rec in payload[1]:
            rec["indicator"]["id"] = c
            if c.endswith(".ZS"):
                rec["value"] = rec["value"] / 1e10
        responses[f"https://api.worldbank.org/v2/country/all/indicator/{c}"] = payload
    get = replay(responses)
    lines = list(update(["wdi"], http_get=get))
    # 7 indicators × 5 economies × 2 years (WLD and LMY go to the published aggregates)
    assert lines == ["wdi: imported wdi edition 2025-07 (70 rows)"]
    con = connect()
    assert resolve_edition(con, "wdi", indicator="BX.TRF.PWKR.CD.DT") == "2025-07"
    value = con.execute("SELECT value FROM wdi WHERE edition='2025-07' AND indicator='BX.TRF.PWKR.CD.DT' "
                        "AND iso3='KEN' AND year=2024").fetchone()
    assert value == (4_900_000_000.0,)
    con.close()
    # a second run finds the same edition and skips it
    assert list(update(["wdi"], http_get=replay(responses))) == [
        "wdi: up to date (edition '2025-07' of wdi exists already (imported))"]


def test_update_unhcr_pages(private_store: Path) -> None:
    pages = json.loads((RECORDED / "unhcr_pages.json").read_text())
    base = "https://api.unhcr.org/population/v1/population/"
    calls: list[str] = []

    def get(url: str) -> bytes:
        calls.append(url)
        page = int(url.split("page=")[1].split("&")[0])
        return json.dumps(pages[page - 1]).encode()

    lines = list(update(["unhcr"], http_get=get))
    assert lines == ["unhcr: imported unhcr edition 2026 (3 rows)"]
    assert len(calls) == 2 and all(c.startswith(base) for c in calls)
    con = connect()
    assert con.execute("SELECT refugees FROM unhcr WHERE edition='2026' AND origin='SOM' AND asylum='KEN' "
                       "AND year=2026").fetchone() == (290_000.0,)


def test_update_offline_is_a_clear_error(private_store: Path) -> None:
    with pytest.raises(MigcapError, match=r"cannot download https://api\.worldbank\.org/v2/country/all/indicator/"):
        list(update(["wdi"], http_get=replay({})))
