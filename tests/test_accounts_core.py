"""Accounts in the database, on SQLite and on PostgreSQL: passwords, roles, invitations, sessions, API
tokens; the migration of an existing assessments database; backup and restore (also from one kind of
database to the other); the command line to mount (``migcap users …``, ``migcap db backup|restore``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from migcap.accounts import core, sessions
from migcap.errors import (
    InputError,
    InvitationInvalid,
    MigcapError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from tests.assess_fixtures import PASSWORD, Backend, backend, pg_cluster
from tests.conftest import _clear_caches
from tests.postgres import PostgresCluster

FIXTURES = (backend, pg_cluster)  # used by the tests below, by name


def test_passwords_are_argon2id_and_checked() -> None:
    from migcap.accounts.passwords import (
        check_password,
        hash_password,
        needs_rehash,
        verify_password,
    )

    h = hash_password(PASSWORD)
    assert h.startswith("$argon2id$v=19$m=65536,t=3,p=4$") and PASSWORD not in h
    assert verify_password(h, PASSWORD) and not verify_password(h, PASSWORD + " ")
    assert not verify_password("not a hash", PASSWORD) and not needs_rehash(h)
    assert needs_rehash("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo")
    for bad, words in (("short", "too short"), (" " * 12, "only spaces"), ("x" * 1025, "longer"),
                       ("ada@example.org", "email address")):
        with pytest.raises(InputError, match=words):
            check_password(bad, email="ada@example.org")


def test_roles_build_on_each_other() -> None:
    p = core.Principal(1, "u", "e@x.org", "E", False, {1: "viewer", 2: "editor", 3: "reviewer", 4: "admin"})
    table = {a: [p.can(a, org) for org in (1, 2, 3, 4, 5)]
             for a in ("view", "edit", "comment", "publish", "admin")}
    assert table == {"view": [True, True, True, True, False], "edit": [False, True, True, True, False],
                     "comment": [False, True, True, True, False],
                     "publish": [False, False, True, True, False],
                     "admin": [False, False, False, True, False]}


def test_invitations_sessions_and_tokens(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    from migcap import db

    admin, org = core.create_admin("boss@example.org", "Boss", PASSWORD, "Ministry of Labour of Ghana",
                                   iso3="GHA")
    boss = core.principal(admin.id)
    assert boss.site_admin and boss.roles == {org.id: "admin"} and org.iso3 == "GHA"
    with pytest.raises(InputError, match="already an account"):
        core.create_user("BOSS@example.org ", "Other", PASSWORD)
    for days in (31, 0.0001, 0.04, float("nan")):  # 0.0001 days (9 seconds) was accepted
        with pytest.raises(InputError, match="1 hour to 30 days"):
            core.invite(org.id, "x@example.org", "viewer", by=boss, days=days)
    assert core.invite(org.id, "hour@example.org", "viewer", by=boss, days=1 / 24)[0].state == "pending"
    with pytest.raises(InputError, match="unknown role"):
        core.invite(org.id, "x@example.org", "owner", by=boss)
    inv, token = core.invite(org.id, "Kofi@Example.org", "editor", by=boss, days=2)
    assert inv.email == "kofi@example.org" and inv.state == "pending" and len(token) >= 43
    info, has_account = core.invitation_info(token)
    assert info.organisation.name == org.name and not has_account
    kofi = core.accept_invitation(token, password=PASSWORD, name="Kofi")
    assert kofi.roles == {org.id: "editor"} and not kofi.site_admin
    with pytest.raises(InvitationInvalid, match="already been used"):
        core.accept_invitation(token, password=PASSWORD, name="Kofi again")
    with pytest.raises(InputError, match="already a member"):
        core.invite(org.id, "kofi@example.org", "viewer", by=boss)
    with pytest.raises(PermissionDenied, match="needs admin"):
        core.invite(org.id, "y@example.org", "viewer", by=kofi)
    # an organisation keeps an admin
    with pytest.raises(InputError, match="at least one admin"):
        core.set_role(org.id, admin.uid, "editor", by=boss)
    core.set_role(org.id, kofi.uid, "admin", by=boss)
    core.set_role(org.id, admin.uid, "reviewer", by=boss)
    assert {m.email: m.role for m in core.list_members(org.id, boss)} == {"boss@example.org": "reviewer",
                                                                        "kofi@example.org": "admin"}
    with pytest.raises(NotFound):
        core.list_members(org.id + 999, kofi)
    # sessions end when idle, and after seven days in any case
    sid = core.create_session(kofi.user_id, hours=1)
    assert core.principal_for_session(sid, hours=1) is not None
    assert core.principal_for_session(sid + "x") is None and core.principal_for_session(None) is None
    start = db.now()
    monkeypatch.setattr(db, "now", lambda: start + timedelta(minutes=50))
    assert core.principal_for_session(sid, hours=1) is not None  # used: extended
    monkeypatch.setattr(db, "now", lambda: start + timedelta(minutes=100))
    assert core.principal_for_session(sid, hours=1) is not None
    monkeypatch.setattr(db, "now", lambda: start + timedelta(minutes=170))
    assert core.principal_for_session(sid, hours=1) is None  # idle for over an hour
    monkeypatch.undo()
    sid = core.create_session(kofi.user_id, hours=200)
    monkeypatch.setattr(db, "now", lambda: start + timedelta(days=8))
    assert core.principal_for_session(sid, hours=200) is None
    monkeypatch.undo()
    core.end_session(sid)
    # API tokens: shown once, stored as a digest; revoked and expired tokens stop working
    tok, secret = core.create_api_token(kofi.user_id, "script", days=30)
    assert (secret.startswith(f"mcp_{tok.prefix}_")
            and core.principal_for_token(secret).uid == kofi.uid)  # type: ignore[union-attr]
    assert core.list_api_tokens(kofi.user_id)[0].last_used_at is not None
    assert core.principal_for_token(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    monkeypatch.setattr(db, "now", lambda: start + timedelta(days=31))
    assert core.principal_for_token(secret) is None
    monkeypatch.undo()
    with pytest.raises(NotFound):
        core.revoke_api_token(admin.id, tok.uid)  # not someone else's
    core.revoke_api_token(kofi.user_id, tok.uid)
    assert core.principal_for_token(secret) is None
    from sqlalchemy import text

    with db.get_engine().connect() as conn:  # no secret in the database
        dump = " ".join(str(r)
                        for t in ("accounts_api_token", "accounts_session", "accounts_invitation",
                                  "accounts_user")
                        for r in conn.execute(text(f"SELECT * FROM {t}")).all())
    assert secret not in dump and token not in dump and PASSWORD not in dump
    # password change ends the other sessions
    keep, other = core.create_session(kofi.user_id), core.create_session(kofi.user_id)
    with pytest.raises(NotAuthenticated):
        core.change_password(kofi.user_id, "wrong old password", "a new pass phrase")
    core.change_password(kofi.user_id, PASSWORD, "a new pass phrase", keep_session=keep)
    assert core.principal_for_session(keep) is not None and core.principal_for_session(other) is None
    assert core.login("kofi@example.org", "a new pass phrase").uid == kofi.uid


def test_login_limits(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    # 30 in production; fewer guesses to wait for here
    monkeypatch.setattr(sessions, "LOGIN_MAX_PER_CLIENT", 8)
    core.create_user("limit@example.org", "Limit", PASSWORD)
    for _ in range(5):
        with pytest.raises(NotAuthenticated, match="wrong email or password"):
            core.login("limit@example.org", "nope nope nope", client="10.0.0.1")
    with pytest.raises(RateLimited) as info:
        core.login("limit@example.org", PASSWORD, client="10.0.0.2")
    assert 800 < info.value.retry_after <= 901
    for i in range(8):  # one client guessing many accounts
        with pytest.raises((NotAuthenticated, RateLimited)):
            core.login(f"nobody{i}@example.org", "nope nope nope", client="10.0.0.9")
    with pytest.raises(RateLimited):
        core.login("other@example.org", "whatever whatever", client="10.0.0.9")


def test_a_stranger_cannot_lock_the_owner_out(backend: Backend) -> None:
    """As found: five wrong passwords from anyone locked the account for 15 minutes, its owner too. Now the
    lock holds only for browsers that never logged in to the account; a login from one that did lifts it."""
    owner = core.create_user("owner@example.org", "Owner", PASSWORD)
    mine = (owner.uid, "the owner's browser")
    core.login("owner@example.org", PASSWORD, client="10.0.1.1", device=mine)  # she logged in there before
    for _ in range(5):
        with pytest.raises(NotAuthenticated):
            core.login("owner@example.org", "a wrong guess!", client="10.6.6.6")
    with pytest.raises(RateLimited):  # a browser that never logged in waits
        core.login("owner@example.org", PASSWORD, client="10.0.1.2")
    for device in (("someone else's uid", "the owner's browser"), (owner.uid, "")):
        with pytest.raises(RateLimited):  # a device of another account, or no id, is no known browser
            core.login("owner@example.org", PASSWORD, client="10.0.1.2", device=device)
    assert core.login("owner@example.org", PASSWORD, client="10.0.1.1", device=mine).uid == owner.uid
    assert core.login("owner@example.org", PASSWORD, client="10.0.1.2").uid == owner.uid  # the lock is lifted
    # guesses from a known browser count for that browser alone
    for _ in range(5):
        with pytest.raises(NotAuthenticated):
            core.login("owner@example.org", "a wrong guess!", client="10.0.1.1", device=mine)
    with pytest.raises(RateLimited):
        core.login("owner@example.org", PASSWORD, client="10.0.1.1", device=mine)
    assert core.login("owner@example.org", PASSWORD, client="10.0.1.3").uid == owner.uid
    # the site administrator lifts a lock at the command line
    for _ in range(5):
        with pytest.raises(NotAuthenticated):
            core.login("owner@example.org", "a wrong guess!", client="10.6.6.7")
    with pytest.raises(RateLimited):
        core.login("owner@example.org", PASSWORD, client="10.0.1.4")
    assert core.unlock("Owner@Example.org ") == 5
    assert core.login("owner@example.org", PASSWORD, client="10.0.1.4").uid == owner.uid
    with pytest.raises(NotFound):
        core.unlock("nobody@example.org")


def test_password_reset_links(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    """An admin hands over a single-use, expiring link.

    It needs the right over every organisation of the user.
    """
    from migcap import db

    admin, org = core.create_admin("reset.root@example.org", "Root", PASSWORD, "Reset team")
    boss = core.principal(admin.id)
    other = core.create_organisation("Another team")
    ann = core.create_user("ann@example.org", "Ann", PASSWORD)
    both = core.create_user("both@example.org", "Both", PASSWORD)
    core.add_member(org.id, ann.id, "editor")
    core.add_member(org.id, both.id, "editor")
    core.add_member(other.id, both.id, "admin")
    keep = core.create_session(ann.id)
    for _ in range(5):
        with pytest.raises(NotAuthenticated):
            core.login("ann@example.org", "forgotten it!!", client="10.0.2.1")
    inv, token = core.reset_link(ann.uid, by=boss, organisation_id=org.id)
    assert (inv.is_reset and inv.email == "ann@example.org"
            and inv.expires_at - inv.created_at == timedelta(days=1))
    assert [i.uid for i in core.list_invitations(org.id, boss) if i.state == "pending"] == [inv.uid]
    info, has_account = core.invitation_info(token)
    assert info.is_reset and has_account
    with pytest.raises(InputError, match="too short"):
        core.accept_invitation(token, password="short")
    p = core.accept_invitation(token, password="a brand new pass phrase")
    assert p.uid == ann.uid and p.roles == {org.id: "editor"}
    assert core.principal_for_session(keep) is None  # every session ended
    # unlocked
    assert core.login("ann@example.org", "a brand new pass phrase", client="10.0.2.2").uid == ann.uid
    with pytest.raises(NotAuthenticated):
        core.login("ann@example.org", PASSWORD, client="10.0.2.2")
    with pytest.raises(InvitationInvalid, match="already been used"):
        core.accept_invitation(token, password="yet another pass phrase")
    # a new link withdraws the older one; an expired one is refused
    _old, old_token = core.reset_link(ann.uid, by=boss, organisation_id=org.id)
    _new, new_token = core.reset_link("ann@example.org", by=None, days=1 / 24)
    with pytest.raises(InvitationInvalid, match="withdrawn"):
        core.invitation_info(old_token)
    start = db.now()
    monkeypatch.setattr(db, "now", lambda: start + timedelta(hours=2))
    with pytest.raises(InvitationInvalid, match="expired"):
        core.accept_invitation(new_token, password="a late pass phrase")
    monkeypatch.undo()
    # an admin of one organisation never takes over an account that also works in another
    with pytest.raises(PermissionDenied, match="also a member"):
        core.reset_link(both.uid, by=boss, organisation_id=org.id)
    deputy = core.create_user("deputy@example.org", "Deputy", PASSWORD)
    core.add_member(org.id, deputy.id, "admin")
    with pytest.raises(PermissionDenied, match="command line"):
        core.reset_link(admin.uid, by=core.principal(deputy.id), organisation_id=org.id)
    with pytest.raises(PermissionDenied, match="needs admin"):
        core.reset_link(both.uid, by=core.principal(ann.id), organisation_id=org.id)
    with pytest.raises(NotFound):  # not a member of that organisation
        core.reset_link(ann.uid, by=core.principal(both.id), organisation_id=other.id)
    for days in (0.0001, 8):
        with pytest.raises(InputError, match="1 hour to 7 days"):
            core.reset_link(ann.uid, by=boss, organisation_id=org.id, days=days)
    lone = core.create_user("lone@example.org", "Lone", PASSWORD)
    with pytest.raises(InputError, match="belongs to no organisation"):
        core.reset_link(lone.email, by=None)
    # a link made by an admin who is no longer one does not work
    _r, token2 = core.reset_link(ann.uid, by=boss, organisation_id=org.id)
    core.set_role(org.id, ann.uid, "admin", by=boss)
    core.set_role(org.id, admin.uid, "viewer", by=core.principal(ann.id))
    with pytest.raises(InvitationInvalid, match="no longer works"):
        core.accept_invitation(token2, password="a brand new pass phrase 2")


# ------------------------------------------------------------------------------- migration


@pytest.fixture()
def fresh(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An empty database of the kind the test is parametrised with, in a private data folder."""
    from migcap import db

    monkeypatch.setenv("MIGCAP_DATA_DIR", str(tmp_path))
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_cluster").new_database()
    else:
        url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    monkeypatch.setenv("MIGCAP_DATABASE_URL", url)
    _clear_caches()
    yield url
    db.dispose_engines()
    _clear_caches()


@pytest.mark.parametrize("fresh", ["sqlite", "postgresql"], indirect=True)
def test_existing_assessments_survive_the_migration(fresh: str) -> None:
    from alembic import command
    from sqlalchemy.orm import Session

    from migcap import db
    from migcap.capacity import models, teamwork
    from migcap.capacity.assessments import create_assessment, get_assessment, history, set_item

    engine = db._engine(fresh)
    with engine.begin() as conn:
        command.upgrade(db._alembic_config(conn), "0001_capacity")
    assert db.current_revision(fresh) == "0001_capacity"
    with Session(engine) as s, s.begin():  # data written by the previous migcap
        row = models.AssessmentRow(uid="0f0e0d0c-0000-4000-8000-000000000001", iso3="KEN", state_name="Kenya",
                               hypothetical=False, label="2024 round", inventory_id="migcap-wmr2010",
                               inventory_version="1.0.0", declared_tags=["transit"], declared_figures={},
                               created_at=db.now(), created_by="cli user", revision=1)
        s.add(row)
        s.flush()
        s.add(models.EntryRow(assessment_id=row.id, item_id="LAB-01", level="partial",
                              evidence="old <evidence>", notes="", assessor="", assessed_on=None, version=1,
                              updated_at=db.now(), updated_by="cli"))
        s.add(models.ChangeRow(assessment_id=row.id, item_id="LAB-01", action="set", field="level", old=None,
                           new="partial", version=1, changed_at=db.now(), changed_by="cli", source="cli"))
    assert db.upgrade() == "0002_accounts"  # what 'migcap db upgrade' and the app's start-up run
    a = get_assessment("0f0e0d0c-0000-4000-8000-000000000001")
    assert a.entry("LAB-01").evidence == "old <evidence>" and a.declared_tags == ("transit",)
    assert [c.new for c in history(a.uid)] == ["partial"]
    assert teamwork.listing([]) == [] and teamwork.ownership(a.uid) is None  # on no organisation's page yet
    org = core.create_organisation("Kenya team", iso3="KEN")
    assert teamwork.assign(a.uid, org.slug).status == "draft"
    with pytest.raises(MigcapError, match="already belongs"):
        teamwork.assign(a.uid, org.slug)
    set_item(a.uid, "LAB-01", level="established", by="web user", expected_version=1)
    assert [x.uid for x in teamwork.listing([org.id])] == [a.uid]
    create_assessment("Ghana", by="cli")  # the command line still works, unowned
    assert len(teamwork.listing([org.id])) == 1


# ---------------------------------------------------------------------------------- backups


def _populate() -> dict[str, object]:
    from migcap.capacity import assessments as am
    from migcap.capacity import teamwork, uploads

    user, org = core.create_admin("keeper@example.org", "Keeper", PASSWORD, "Backup team", iso3="KEN")
    p = core.principal(user.id)
    a = teamwork.create_for(org.id, "KEN", by=p.display, label="to keep")
    am.set_item(a.uid, "LAB-01", level="partial", evidence="ünïcödé & <b>", by=p.display,
                expected_version=0)
    att = uploads.add_attachment(a.uid, "LAB-01", "proof.pdf", b"%PDF-1.4 keep me", by=p.display,
                                 max_bytes=10**6)
    teamwork.add_comment(a.uid, "a comment", item_id="LAB-01", author_id=user.id, author=p.display)
    teamwork.publish(a.uid, by=p.display)
    _tok, secret = core.create_api_token(user.id, "kept")
    return {"uid": a.uid, "att": att.uid, "secret": secret}


def _check(kept: dict[str, object]) -> None:
    from migcap.capacity import teamwork, uploads
    from migcap.capacity.assessments import get_assessment, history

    uid = str(kept["uid"])
    assert get_assessment(uid).entry("LAB-01").evidence == "ünïcödé & <b>"
    assert [c.action for c in history(uid)] == ["create", "set", "set", "attach", "publish"]
    assert teamwork.ownership(uid)[1].published  # type: ignore[index]
    assert [c.body for c in teamwork.comments(uid)] == ["a comment"]
    _meta, path = uploads.attachment_file(uid, str(kept["att"]))
    assert path.read_bytes() == b"%PDF-1.4 keep me"
    p = core.login("keeper@example.org", PASSWORD)
    assert core.principal_for_token(str(kept["secret"])).uid == p.uid  # type: ignore[union-attr]
    # ids keep counting after a restore (PostgreSQL sequences are set)
    assert core.create_organisation("After the restore").id > 1


@pytest.mark.parametrize(("source", "target"), [("sqlite", "postgresql"), ("postgresql", "sqlite")])
def test_backup_and_restore_between_databases(source: str, target: str, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              pg_cluster: PostgresCluster) -> None:
    from migcap import db
    from migcap.capacity.backup import backup, restore

    def use(kind: str, folder: Path) -> None:
        db.dispose_engines()
        folder.mkdir(exist_ok=True)
        monkeypatch.setenv("MIGCAP_DATA_DIR", str(folder))
        monkeypatch.setenv("MIGCAP_DATABASE_URL", pg_cluster.new_database() if kind == "postgresql"
                           else f"sqlite:///{folder / 'a.sqlite'}")
        _clear_caches()

    use(source, tmp_path / "one")
    kept = _populate()
    report = backup(tmp_path / "backup.zip")
    assert report.tables["capacity_assessment"] == 1 and report.attachments == 1
    use(target, tmp_path / "two")
    restored = restore(tmp_path / "backup.zip")
    assert restored.tables == report.tables
    _check(kept)
    with pytest.raises(MigcapError, match="already holds"):
        restore(tmp_path / "backup.zip")
    assert restore(tmp_path / "backup.zip", replace=True).attachments == 1
    _check(kept)
    db.dispose_engines()
    _clear_caches()


def test_a_bad_backup_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      session_store: Path) -> None:
    import json
    import zipfile

    from migcap import db
    from migcap.capacity.backup import backup, restore

    monkeypatch.setenv("MIGCAP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("MIGCAP_DATABASE_URL", raising=False)
    _clear_caches()
    try:
        kept = _populate()
        good = backup(tmp_path / "good.zip")
        (tmp_path / "junk.zip").write_bytes(b"not a zip")
        with pytest.raises(InputError, match="not a migcap backup"):
            restore(tmp_path / "junk.zip", replace=True)
        with zipfile.ZipFile(tmp_path / "good.zip") as src, zipfile.ZipFile(tmp_path / "bad.zip", "w") as dst:
            for name in src.namelist():
                data = src.read(name)
                if name == "tables/capacity_entry.jsonl":  # a row that breaks a constraint, late in the load
                    data += data
                if name == "manifest.json":
                    data = json.dumps({**json.loads(data)}).encode()
                dst.writestr(name, data)
        with pytest.raises(Exception):  # noqa: B017  (the database's own integrity error)
            restore(tmp_path / "bad.zip", replace=True)
        db.dispose_engines()
        _check(kept)  # everything as before, attachments included
        assert good.revision == "0002_accounts"
        with zipfile.ZipFile(tmp_path / "good.zip") as src, \
                zipfile.ZipFile(tmp_path / "future.zip", "w") as dst:
            for name in src.namelist():
                data = src.read(name)
                if name == "manifest.json":
                    data = json.dumps({**json.loads(data), "revision": "9999_future"}).encode()
                dst.writestr(name, data)
        with pytest.raises(InputError, match="unknown to this migcap"):
            restore(tmp_path / "future.zip", replace=True)
    finally:
        db.dispose_engines()
        _clear_caches()


def test_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from migcap import db
    from migcap.capacity.assessments import create_assessment
    from migcap.cli.accounts import app

    monkeypatch.setenv("MIGCAP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("MIGCAP_DATABASE_URL", raising=False)
    monkeypatch.setenv("MIGCAP_ADMIN_PASSWORD", PASSWORD)
    _clear_caches()
    try:
        run = CliRunner().invoke
        r = run(app, ["users", "create-admin", "root@example.org", "--org", "National team of Kenya",
                      "--iso3", "KEN"])
        assert r.exit_code == 0 and "site administrator, admin of National team of Kenya" in r.output
        r = run(app, ["users", "create-admin", "root@example.org", "--org", "Another"])
        assert r.exit_code == 1 and "error: there is already an account" in r.output
        r = run(app, ["users", "orgs"])
        assert "national-team-of-kenya\tstate\tKEN\tNational team of Kenya" in r.output
        a = create_assessment("KEN", by="cli")
        r = run(app, ["users", "assign", a.uid, "--org", "national-team-of-kenya"])
        assert r.exit_code == 0 and "(draft)" in r.output
        # a locked or forgotten account: unlock it, or hand over a reset link (no email server)
        for _ in range(5):
            with pytest.raises(NotAuthenticated):
                core.login("root@example.org", "wrong password!", client="10.0.3.1")
        with pytest.raises(RateLimited):
            core.login("root@example.org", PASSWORD, client="10.0.3.2")
        r = run(app, ["users", "unlock", "root@example.org"])
        assert r.exit_code == 0 and "Unlocked root@example.org: 5 failed login(s) forgotten" in r.output
        assert core.login("root@example.org", PASSWORD, client="10.0.3.2").site_admin
        assert run(app, ["users", "unlock", "nobody@example.org"]).output.startswith("error: no account")
        monkeypatch.setenv("MIGCAP_WEB_PUBLIC_URL", "https://migcap.example.org/site")
        r = run(app, ["users", "reset-password", "root@example.org", "--hours", "2"])
        assert r.exit_code == 0 and "Password-reset link for root@example.org (works once, until" in r.output
        link = r.output.strip().splitlines()[-1]
        assert link.startswith("https://migcap.example.org/site/invite/")
        inv, _ = core.invitation_info(link.rsplit("/", 1)[1])
        assert inv.is_reset and round((inv.expires_at - inv.created_at).total_seconds()) == 7200
        core.accept_invitation(link.rsplit("/", 1)[1], password="the root's new pass phrase")
        assert core.login("root@example.org", "the root's new pass phrase").site_admin
        r = run(app, ["users", "reset-password", "nobody@example.org"])
        assert r.exit_code == 1 and "error: no account for nobody@example.org" in r.output
        r = run(app, ["db", "backup", str(tmp_path / "b.zip")])
        assert r.exit_code == 0 and "1 assessments, 1 users" in r.output
        r = run(app, ["db", "restore", str(tmp_path / "b.zip")])
        assert r.exit_code == 1 and "--replace" in r.output
        r = run(app, ["db", "restore", str(tmp_path / "b.zip"), "--replace"])
        assert r.exit_code == 0 and "Restored" in r.output
        assert core.login("root@example.org", "the root's new pass phrase").site_admin
    finally:
        db.dispose_engines()
        _clear_caches()
