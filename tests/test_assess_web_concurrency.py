"""Many people editing one assessment at once, through a real server on loopback, on SQLite and on PostgreSQL.

* 16 clients change the same two items through the API of a server with two worker processes: every
  accepted change is in the history (with the version it made, in order, none twice), every refused change
  got a 409 with both values — nothing is lost silently.
* The server is killed (SIGKILL) while clients write: the database is consistent afterwards (entries match
  the history version by version, the revision counts every change, SQLite's integrity check passes), every
  change the server confirmed before dying is there, and the app serves it again after a restart.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.assess_fixtures import Backend, backend, pg_cluster
from tests.webserver import web_server

FIXTURES = (backend, pg_cluster)  # used by the tests below, by name

CLIENTS = 16
ROUNDS = 12
ITEMS = ("LAB-01", "LAB-02")


@contextmanager
def server(backend: Backend, workers: int, log: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    env = {"MIGCAP_DATA_DIR": str(backend.data_dir), "MIGCAP_DATABASE_URL": backend.url,
           "MIGCAP_WEB_WARM": "false", "MIGCAP_WEB_LOG_LEVEL": "warning", "MIGCAP_WEB_SECRET_KEY": "k" * 40}
    with web_server(env, log, "--workers", str(workers), "--build-report", "never") as running:
        yield running


def _setup(label: str) -> tuple[str, list[str]]:
    """An assessment and API tokens of its editors."""
    from migcap.accounts import core
    from migcap.capacity import teamwork

    org = core.create_organisation(f"Concurrent team {label}")
    tokens = []
    for i in range(4):
        u = core.create_user(f"{label}.editor{i}@example.org", f"Editor {i}", "correct horse battery staple")
        core.add_member(org.id, u.id, "editor")
        tokens.append(core.create_api_token(u.id, "load")[1])
    return teamwork.create_for(org.id, "KEN", by="setup", label=label).uid, tokens


def _consistent(uid: str) -> dict[str, Any]:
    """Check the database's own consistency; return the entries."""
    from sqlalchemy import text

    from migcap import db
    from migcap.capacity.assessments import get_assessment, history, values_by_version

    db.dispose_engines()
    engine = db.get_engine()
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    a = get_assessment(uid)
    changes = [c for c in history(uid) if c.action == "set"]
    by_version = values_by_version(uid)
    for item, e in a.entries.items():
        versions = sorted({c.version for c in changes if c.item_id == item})
        # none missing, none twice
        assert versions == list(range(1, e.version + 1)), (item, versions, e.version)
        assert by_version[(item, e.version)] == e.values()  # the entry is what the history says
    assert a.revision == sum(e.version for e in a.entries.values())
    return {"assessment": a, "changes": changes}


def test_many_clients_editing_one_assessment(backend: Backend, tmp_path: Path) -> None:
    uid, tokens = _setup(f"load-{backend.name}")
    accepted: list[tuple[str, int, str]] = []
    refused: list[dict[str, Any]] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def client(n: int, base: str) -> None:
        headers = {"Authorization": f"Bearer {tokens[n % len(tokens)]}"}
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
            start.wait()
            version = {i: 0 for i in ITEMS}
            for step in range(ROUNDS):
                item = ITEMS[(n + step) % 2]
                text = f"client {n} step {step}"
                r = http.put(f"/api/v1/assessments/{uid}/items/{item}",
                             json={"version": version[item], "evidence": text, "level": "partial"})
                with lock:
                    if r.status_code == 200:
                        accepted.append((item, r.json()["version"], text))
                        version[item] = r.json()["version"]
                    elif r.status_code == 409:
                        body = r.json()
                        refused.append(body)
                        version[item] = body["conflict"]["version"]  # re-read, as a person would
                    else:
                        errors.append(f"{r.status_code}: {r.text[:200]}")

    with server(backend, 2, tmp_path / "server.log") as (base, _proc):
        threads = [threading.Thread(target=client, args=(n, base)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    assert not errors, errors[:5]
    assert len(accepted) + len(refused) == CLIENTS * ROUNDS
    assert accepted and refused  # both happened: real contention
    for body in refused:  # each refusal said why and showed both values
        c = body["conflict"]
        assert body["error"]["type"] == "ConflictError" and c["yours"]["evidence"].startswith("client ")
        assert c["theirs"]["evidence"].startswith("client ") and c["theirs"]["version"] == c["version"]
    found = _consistent(uid)
    history = {(c.item_id, c.version): c.new for c in found["changes"] if c.field == "evidence"}
    for item, version, text in accepted:  # every accepted change, with the version it made
        assert history[(item, version)] == text
    assert len(history) == len(accepted)  # and nothing else
    assert {(i, v) for i, v, _ in accepted} == set(history)


def test_killing_the_server_mid_write_leaves_a_consistent_database(backend: Backend, tmp_path: Path) -> None:
    uid, tokens = _setup(f"kill-{backend.name}")
    confirmed: list[tuple[str, int, str]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(n: int, base: str) -> None:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {tokens[n % len(tokens)]}"},
                          timeout=10) as http:
            step = 0
            while not stop.is_set():
                item = ITEMS[n % 2] if n < 4 else f"CORE-0{n % 9 + 1}"
                try:
                    current = http.get(f"/api/v1/assessments/{uid}/items/{item}").json()["version"]
                    text = f"writer {n} step {step} " + "x" * (n * 200 + 1)
                    r = http.put(f"/api/v1/assessments/{uid}/items/{item}",
                                 json={"version": current, "evidence": text, "notes": f"note {step}",
                                       "level": ("planned", "partial", "established")[step % 3]})
                except (httpx.HTTPError, ValueError, KeyError):
                    return  # the server is gone
                if r.status_code == 200:
                    with lock:
                        confirmed.append((item, r.json()["version"], text))
                step += 1

    with server(backend, 1, tmp_path / "server.log") as (base, proc):
        threads = [threading.Thread(target=writer, args=(n, base)) for n in range(8)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 20
        while len(confirmed) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)  # mid-write: requests are in flight
        proc.wait()
        stop.set()
        for t in threads:
            t.join(30)
    assert len(confirmed) >= 40
    found = _consistent(uid)
    history = {(c.item_id, c.version): c.new for c in found["changes"] if c.field == "evidence"}
    for item, version, text in confirmed:  # the server said "saved": it is there
        assert history[(item, version)] == text
    # and the app opens the same database again and serves it
    with server(backend, 1, tmp_path / "server2.log") as (base, _proc):
        r = httpx.get(f"{base}/api/v1/assessments/{uid}", headers={"Authorization": f"Bearer {tokens[0]}"})
        assert r.status_code == 200 and r.json()["revision"] == found["assessment"].revision
