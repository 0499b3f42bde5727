"""Fixtures of the accounts and assessment tests: a database on SQLite or PostgreSQL, two organisations with a
member of every role, their assessments, and logged-in clients of the web app.

``backend`` is parametrised over ``sqlite`` and ``postgresql`` (a throwaway cluster, :mod:`tests.postgres`); a
test module that imports it runs its tests on both.
"""

from __future__ import annotations

import re
import shutil
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import _clear_caches
from tests.postgres import PostgresCluster, pg_cluster

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PASSWORD = "correct horse battery staple"
ROLES_A = ("admin", "reviewer", "editor", "viewer")


@dataclass
class Backend:
    name: str
    url: str
    data_dir: Path


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, session_store: Path,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    """A private data folder (with the session's warehouse) and an empty assessments database of either
    kind."""
    from migcap import db

    data_dir = tmp_path_factory.mktemp(f"assess-{request.param}")
    shutil.copy(session_store / "warehouse.duckdb", data_dir / "warehouse.duckdb")
    if request.param == "postgresql":
        cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
        url = cluster.new_database()
    else:
        url = f"sqlite:///{data_dir / 'assessments.sqlite'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MIGCAP_DATA_DIR", str(data_dir))
        mp.setenv("MIGCAP_DATABASE_URL", url)
        _clear_caches()
        db.upgrade()
        yield Backend(request.param, url, data_dir)
        db.dispose_engines()
    _clear_caches()


@dataclass
class World:
    """Organisations A and B, a user of every role in A, an editor and an admin in B, and their
    assessments."""

    backend: Backend
    orgs: dict[str, Any]
    users: dict[str, Any]
    principals: dict[str, Any] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    a_draft: str = ""
    a_work: str = ""
    b_draft: str = ""
    b_published: str = ""
    b_attachment: str = ""
    a_attachment: str = ""


def make_world(backend: Backend) -> World:
    from migcap.accounts import core
    from migcap.capacity import assessments as am
    from migcap.capacity import teamwork, uploads

    a = core.create_organisation("Team A of Kenya", kind="state", iso3="KEN")
    b = core.create_organisation("Team B of Uganda", kind="state", iso3="UGA")
    users: dict[str, Any] = {}
    for role in ROLES_A:
        users[f"a_{role}"] = u = core.create_user(f"a.{role}@example.org", f"A {role}", PASSWORD)
        core.add_member(a.id, u.id, role)
    for role in ("admin", "editor"):
        users[f"b_{role}"] = u = core.create_user(f"b.{role}@example.org", f"B {role}", PASSWORD)
        core.add_member(b.id, u.id, role)
    w = World(backend, {"A": a, "B": b}, users)
    w.principals = {k: core.principal(u.id) for k, u in users.items()}
    w.tokens = {k: core.create_api_token(u.id, f"token of {k}")[1] for k, u in users.items()}
    by = w.principals["a_editor"].display
    w.a_draft = teamwork.create_for(a.id, "KEN", by=by, label="A draft").uid
    w.a_work = teamwork.create_for(a.id, "KEN", by=by, label="A work").uid
    am.set_item(w.a_draft, "LAB-01", level="partial", evidence="A's evidence", by=by, expected_version=0)
    w.a_attachment = uploads.add_attachment(w.a_draft, "LAB-01", "a.pdf", b"%PDF-1.4 A", by=by,
                                            max_bytes=10**6).uid
    bby = w.principals["b_editor"].display
    w.b_draft = teamwork.create_for(b.id, "UGA", by=bby, label="B draft").uid
    am.set_item(w.b_draft, "LAB-01", level="planned", evidence="B's secret evidence", by=bby,
                expected_version=0)
    w.b_attachment = uploads.add_attachment(w.b_draft, "LAB-01", "b.pdf", b"%PDF-1.4 B", by=bby,
                                            max_bytes=10**6).uid
    teamwork.add_comment(w.b_draft, "B's internal comment", item_id=None, author_id=users["b_editor"].id,
                         author=bby)
    w.b_published = teamwork.create_for(b.id, "UGA", by=bby, label="B published").uid
    am.set_item(w.b_published, "LAB-01", level="established", evidence="B's published evidence", by=bby,
                expected_version=0)
    teamwork.add_comment(w.b_published, "B's note on the published round", item_id=None,
                         author_id=users["b_editor"].id, author=bby)
    teamwork.publish(w.b_published, by=w.principals["b_admin"].display)
    return w


def settings(tmp: Path, **kw: Any) -> Any:
    from migcap.web.settings import WebSettings

    base: dict[str, Any] = dict(report_dir=tmp / "no-report", report_build="never", warm=False,
                                log_format="text", log_level="warning",
                                secret_key="test-secret-key-" + "x" * 32)
    base.update(kw)
    return WebSettings(**base)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


class Clients:
    """A TestClient per user (logged in once), sharing one app."""

    def __init__(self, app: Any, world: World) -> None:
        self.app = app
        self.world = world
        self._clients: dict[str, TestClient] = {}

    def anon(self) -> TestClient:
        return TestClient(self.app, raise_server_exceptions=False, follow_redirects=False)

    def __call__(self, who: str) -> TestClient:
        if who == "anon":
            return self.anon()
        if who not in self._clients:
            c = self.anon()
            token = csrf_of(c.get("/login").text)
            r = c.post("/login", data={"email": self.world.users[who].email, "password": PASSWORD,
                                       "csrf_token": token, "next": "/assess"})
            assert r.status_code == 303, (r.status_code, r.text[:300])
            self._clients[who] = c
        return self._clients[who]

    def csrf(self, who: str, path: str = "/account") -> str:
        return csrf_of(self(who).get(path).text)


def api(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


@pytest.fixture(scope="module")
def world(backend: Backend) -> World:
    return make_world(backend)


@pytest.fixture(scope="module")
def web(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clients]:
    from migcap.web import create_app

    app = create_app(settings(tmp_path_factory.mktemp("web")))
    with TestClient(app, raise_server_exceptions=False):
        yield Clients(app, world)


def table_count(table: str) -> int:
    from sqlalchemy import text

    from migcap import db

    with db.get_engine().connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() or 0)


def counts() -> dict[str, int]:
    """Rows in every table that an attack could add to."""
    return {t: table_count(t) for t in ("capacity_entry", "capacity_change", "capacity_comment",
                                        "capacity_attachment", "capacity_assessment", "accounts_user",
                                        "accounts_membership",
                                        "accounts_api_token", "accounts_invitation")}


def files_in(folder: Path) -> list[str]:
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


__all__ = ["PASSWORD", "Backend", "Clients", "World", "api", "backend", "counts", "csrf_of", "files_in",
           "make_world", "pg_cluster", "settings", "table_count", "web", "world"]
