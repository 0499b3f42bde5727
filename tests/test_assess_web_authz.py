"""Authorization of every assessment route (pages and API) for every role, on SQLite and on PostgreSQL.

A member of organisation A can neither read nor change B's draft — by page, API or guessed ids; a viewer
cannot edit; only a reviewer (or an admin) publishes; a published assessment is read-only for everyone and
readable by everyone; without a token the API answers 401.
"""

from __future__ import annotations

import io
import uuid
from typing import Any

import pytest

from tests.assess_fixtures import (
    Clients,
    World,
    api,
    backend,
    counts,
    pg_cluster,
    web,
    world,
)

FIXTURES = (backend, pg_cluster, web, world)  # used by the tests below, by name

WHO = ("anon", "a_viewer", "a_editor", "a_reviewer", "a_admin", "b_editor")
READ_PAGES = ("", "/area/LAB", "/review", "/recommendations", "/export?format=xlsx")
MEMBER_PAGES = ("/history", "/items/LAB-01/diff")
API_READ = ("", "/items/LAB-01", "/review", "/recommendations", "/status")


def _get(web: Clients, who: str, path: str) -> Any:
    return web(who).get(path)


def _readable(who: str, target: str) -> bool:
    if target == "b_published":
        return True
    owner = "a" if target.startswith("a_") else "b"
    return who != "anon" and who.startswith(owner + "_")


@pytest.mark.parametrize("target", ["a_draft", "b_draft", "b_published"])
def test_reading_pages_and_api_by_role(web: Clients, world: World, target: str) -> None:
    uid = getattr(world, target)
    for who in WHO:
        ok = _readable(who, target)
        for page in READ_PAGES:
            r = _get(web, who, f"/assess/{uid}{page}")
            if ok:
                assert r.status_code == 200, (who, target, page, r.status_code, r.text[:200])
                assert r.headers["cache-control"] == "no-store"
            elif who == "anon":
                assert r.status_code == 303 and "/login?next=" in r.headers["location"], (who, target, page)
            else:
                assert r.status_code == 404, (who, target, page, r.status_code)
                assert "secret" not in r.text and "B draft" not in r.text
        member = who != "anon" and who.startswith("a_" if target.startswith("a_") else "b_")
        for page in MEMBER_PAGES:
            r = _get(web, who, f"/assess/{uid}{page}")
            expected = 200 if member else 303 if who == "anon" else 404
            assert r.status_code == expected, (who, target, page, r.status_code)
        # the API: a token per user, nothing without one
        token = world.tokens.get(who)
        for path in API_READ:
            r = web.anon().get(f"/api/v1/assessments/{uid}{path}", headers=api(token))
            expected = 401 if who == "anon" else 200 if ok else 404
            assert r.status_code == expected, (who, target, path, r.status_code, r.text[:200])
            if expected == 401:
                assert r.headers["www-authenticate"].startswith("Bearer")
        r = web.anon().get(f"/api/v1/assessments/{uid}/history", headers=api(token))
        assert r.status_code == (401 if who == "anon" else 200 if member else 404), (who, target)


def test_listing_shows_only_what_each_may_see(web: Clients, world: World) -> None:
    for who in WHO:
        text = web(who).get("/assess").text
        assert world.b_published in text
        assert (world.a_draft in text) == who.startswith("a_"), who
        assert (world.b_draft in text) == (who == "b_editor"), who
        if who == "anon":
            continue
        ids = {x["id"] for x in web.anon().get("/api/v1/assessments", headers=api(world.tokens[who])).json()[
            "assessments"]}
        assert world.b_published in ids
        assert ((world.a_draft in ids) == who.startswith("a_")
                and (world.b_draft in ids) == (who == "b_editor"))
    assert web.anon().get("/api/v1/assessments").status_code == 401
    assert web.anon().get("/api/v1/assessments", headers=api("mcp_12345678_" + "x" * 43)).status_code == 401
    assert web.anon().get("/api/v1/me", headers={"Authorization": "Basic YTpi"}).status_code == 401


def _post_item(web: Clients, who: str, uid: str, item: str, version: int, level: str = "planned") -> Any:
    c = web(who)
    token = (web.csrf(who) if who != "anon"
             else __import__("tests.assess_fixtures", fromlist=["csrf_of"]).csrf_of(c.get("/login").text))
    return c.post(f"/assess/{uid}/items/{item}",
                  data={"csrf_token": token, "version": str(version), "level": level, "evidence": "x",
                        "notes": "", "assessor": "", "assessed_on": ""},
                  headers={"Accept": "application/json"})


def test_only_editors_and_above_of_the_owner_change_items(web: Clients, world: World) -> None:
    from migcap.capacity.assessments import get_assessment

    before = counts()
    expect = {"anon": 401, "a_viewer": 403, "b_editor": 404}
    for who, status in expect.items():
        r = _post_item(web, who, world.a_work, "LAB-02", 0)
        assert r.status_code == status, (who, r.status_code, r.text[:200])
        r = web.anon().put(f"/api/v1/assessments/{world.a_work}/items/LAB-02",
                           json={"version": 0, "level": "planned"},
                           headers=api(world.tokens.get(who)))
        assert r.status_code == status, (who, r.status_code, r.text[:200])
    assert counts() == before
    version = 0
    for who in ("a_editor", "a_reviewer", "a_admin"):
        r = _post_item(web, who, world.a_work, "LAB-02", version,
                       level="partial" if version % 2 else "planned")
        assert r.status_code == 200, (who, r.text[:200])
        version = r.json()["entry"]["version"]
        assert r.json()["entry"]["updated_by"].startswith("A ")
    r = web.anon().put(f"/api/v1/assessments/{world.a_work}/items/LAB-02", json={"version": version,
                                                                                  "level": "established"},
                       headers=api(world.tokens["a_editor"]))
    assert r.status_code == 200 and r.json()["version"] == version + 1
    assert get_assessment(world.a_work).entry("LAB-02").level == "established"
    # B's draft: not by A's admin, by page or API, whatever the version
    r = _post_item(web, "a_admin", world.b_draft, "LAB-01", 1)
    assert r.status_code == 404
    r = web.anon().put(f"/api/v1/assessments/{world.b_draft}/items/LAB-01",
                       json={"version": 1, "level": "absent"},
                       headers=api(world.tokens["a_admin"]))
    assert r.status_code == 404
    assert get_assessment(world.b_draft).entry("LAB-01").level == "planned"


def test_published_is_read_only_for_everyone(web: Clients, world: World) -> None:
    from migcap.capacity.assessments import get_assessment

    before = counts()
    for who, status in {"anon": 401, "a_editor": 403, "b_editor": 409}.items():
        r = _post_item(web, who, world.b_published, "LAB-01", 1, level="absent")
        assert r.status_code == status, (who, r.status_code, r.text[:200])
        if who != "anon":
            r = web.anon().put(f"/api/v1/assessments/{world.b_published}/items/LAB-01",
                               json={"version": 1, "level": "absent"}, headers=api(world.tokens[who]))
            assert r.status_code == status, (who, r.status_code)
            r = web.anon().put(f"/api/v1/assessments/{world.b_published}/status",
                               json={"status": "published"},
                               headers=api(world.tokens[who]))
            assert r.status_code in (403, 409), (who, r.status_code)
    assert "published" in (_post_item(web, "b_editor", world.b_published, "LAB-01", 1)
                           .json()["error"]["message"])
    c = web("b_admin")
    r = c.post(f"/assess/{world.b_published}/comments",
               data={"csrf_token": web.csrf("b_admin"), "body": "late"})
    assert r.status_code == 409
    assert counts() == before
    assert get_assessment(world.b_published).entry("LAB-01").level == "established"


def test_only_a_reviewer_or_admin_publishes(web: Clients, world: World) -> None:
    from migcap.capacity import teamwork

    a = world.orgs["A"]
    for who, status in {"anon": 401, "a_viewer": 403, "a_editor": 403, "b_editor": 404}.items():
        uid = teamwork.create_for(a.id, "KEN", by="test", label=f"publish attempt by {who}").uid
        token = web.csrf(who) if who != "anon" else None
        if token:
            r = web(who).post(f"/assess/{uid}/publish", data={"csrf_token": token, "confirm": "yes"})
            assert r.status_code == status, (who, r.status_code, r.text[:300])
            r = web.anon().put(f"/api/v1/assessments/{uid}/status", json={"status": "published"},
                               headers=api(world.tokens[who]))
            assert r.status_code == status, (who, r.status_code)
        else:
            assert web.anon().put(f"/api/v1/assessments/{uid}/status",
                                  json={"status": "published"}).status_code == 401
        assert teamwork.ownership(uid)[1].status == "draft"  # type: ignore[index]
    for who in ("a_reviewer", "a_admin"):
        uid = teamwork.create_for(a.id, "KEN", by="test", label=f"published by {who}").uid
        r = web(who).post(f"/assess/{uid}/publish", data={"csrf_token": web.csrf(who), "confirm": "yes"})
        assert r.status_code == 303, (who, r.status_code, r.text[:300])
        own = teamwork.ownership(uid)[1]  # type: ignore[index]
        assert own.status == "published" and own.published_by.startswith(f"A {who[2:]}")
    uid = teamwork.create_for(a.id, "KEN", by="test", label="published by API").uid
    r = web.anon().put(f"/api/v1/assessments/{uid}/status", json={"status": "published"},
                       headers=api(world.tokens["a_reviewer"]))
    assert r.status_code == 200 and r.json()["status"] == "published"


def test_uploads_imports_and_comments_need_the_right_role(web: Clients, world: World) -> None:
    before = counts()
    pdf = ("evidence.pdf", io.BytesIO(b"%PDF-1.4 test"), "application/pdf")
    for who, status in {"a_viewer": 403, "b_editor": 404}.items():
        token = web.csrf(who)
        c = web(who)
        r = c.post(f"/assess/{world.a_draft}/items/LAB-01/attachments", data={"csrf_token": token},
                   files={"file": pdf})
        assert r.status_code == status, (who, r.status_code)
        r = c.post(f"/assess/{world.a_draft}/attachments/{world.a_attachment}/remove",
                   data={"csrf_token": token})
        assert r.status_code == status, (who, r.status_code)
        r = c.post(f"/assess/{world.a_draft}/import", data={"csrf_token": token}, files={"file": pdf})
        assert r.status_code == status, (who, r.status_code)
        assert c.get(f"/assess/{world.a_draft}/import").status_code == status
        r = c.post(f"/assess/{world.a_draft}/comments", data={"csrf_token": token, "body": "hello"})
        assert r.status_code == status, (who, r.status_code)
    assert counts() == before
    # what B's comments and history say never reaches A, even for B's published assessment
    assert "internal comment" not in web("a_admin").get(f"/assess/{world.b_draft}").text
    assert "note on the published round" not in web("a_admin").get(f"/assess/{world.b_published}").text
    assert "note on the published round" in web("b_editor").get(f"/assess/{world.b_published}").text


def test_guessed_ids_reach_nothing(web: Clients, world: World) -> None:
    c = web("a_admin")
    att = world.b_attachment
    paths = [f"/assess/{world.b_draft}/attachments/{att}",         # B's file by its own assessment
             f"/assess/{world.a_draft}/attachments/{att}",         # B's file through A's assessment
             f"/assess/{world.b_published}/attachments/{att}",     # B's file through B's published one
             f"/assess/{uuid.uuid4()}", f"/assess/{uuid.uuid4()}/review",
             f"/assess/{world.b_draft}/items/LAB-01/diff?from=0&to=1",
             "/orgs/team-b-of-uganda"]
    for path in paths:
        r = c.get(path)
        assert r.status_code == 404, (path, r.status_code)
        assert r.text.count("b.pdf") == 0 and "secret" not in r.text
    r = web.anon().get(f"/api/v1/assessments/{world.b_draft}", headers=api(world.tokens["a_admin"]))
    assert r.status_code == 404 and r.json()["error"]["message"] == "no such assessment"
    r = web.anon().get(f"/api/v1/assessments/{uuid.uuid4()}", headers=api(world.tokens["a_admin"]))
    assert r.status_code == 404 and r.json()["error"]["message"] == "no such assessment"  # indistinguishable
    # short or malformed ids are refused before any lookup (a trailing slash is only redirected away)
    for bad in ("1", "2", "%2e%2e%2f", "' OR 1=1 --", "x" * 65):
        assert c.get(f"/assess/{bad}").status_code in (307, 404, 422), bad
    # an admin of A cannot manage B's members or invitations
    from migcap.accounts import core

    b = world.orgs["B"]
    inv, _ = core.invite(b.id, "someone@example.org", "viewer", by=world.principals["b_admin"])
    token = web.csrf("a_admin")
    for path in (f"/orgs/{b.slug}/invitations", f"/orgs/{b.slug}/invitations/{inv.uid}/revoke",
                 f"/orgs/{b.slug}/members/{world.users['b_editor'].uid}/role",
                 f"/orgs/{b.slug}/members/{world.users['b_editor'].uid}/remove"):
        r = c.post(path, data={"csrf_token": token, "email": "x@example.org", "role": "admin"})
        assert r.status_code == 404, (path, r.status_code)
    a = world.orgs["A"]
    r = c.post(f"/orgs/{a.slug}/invitations/{inv.uid}/revoke", data={"csrf_token": token})
    assert r.status_code == 404  # B's invitation through A's page
    r = c.post(f"/orgs/{a.slug}/members/{world.users['b_editor'].uid}/role", data={"csrf_token": token,
                                                                                   "role": "viewer"})
    assert r.status_code == 404  # B's member through A's page
    assert core.list_invitations(b.id, world.principals["b_admin"])[0].state == "pending"
    assert world.principals["b_editor"].roles == core.principal(world.users["b_editor"].id).roles


def test_organisation_pages_by_role(web: Clients, world: World) -> None:
    a = world.orgs["A"]
    for who in ("a_viewer", "a_editor", "a_reviewer"):
        r = web(who).get(f"/orgs/{a.slug}")
        assert r.status_code == 200 and "Invite someone" not in r.text
        r = web(who).post(f"/orgs/{a.slug}/invitations", data={"csrf_token": web.csrf(who),
                                                              "email": "new@example.org", "role": "admin"})
        assert r.status_code == 403, (who, r.status_code)
    r = web("a_admin").get(f"/orgs/{a.slug}")
    assert "Invite someone" in r.text
    assert web("a_admin").get("/admin").status_code == 404  # not a site administrator
    assert web("anon").get(f"/orgs/{a.slug}").status_code == 303


def test_outsiders_see_names_without_email_addresses(web: Clients, world: World) -> None:
    from openpyxl import load_workbook

    body = web.anon().get(f"/api/v1/assessments/{world.b_published}",
                          headers=api(world.tokens["a_viewer"])).json()
    assert "@" not in body["created_by"] and all("@" not in e["updated_by"] for e in body["entries"])
    own = web.anon().get(f"/api/v1/assessments/{world.b_published}",
                         headers=api(world.tokens["b_editor"])).json()
    assert own["created_by"].endswith("<b.editor@example.org>")
    wb = load_workbook(io.BytesIO(web.anon().get(f"/assess/{world.b_published}/export?format=xlsx").content))
    meta = {r[0]: r[1] for r in wb["_meta"].iter_rows(values_only=True)}
    assert meta["assessment.created_by"] == "B editor"
    assert "@" not in web.anon().get(f"/assess/{world.b_published}/area/LAB").text.split("<main")[1]


# ------------------------------------------------------------------ organisations' membership


def _org_with_team(world: World, name: str) -> Any:
    """A new organisation with an admin and an editor.

    Both are logged in through ``world.users`` (as ``x_admin``...).
    """
    from migcap.accounts import core
    from tests.assess_fixtures import PASSWORD

    org = core.create_organisation(name, kind="ngo")
    key = name.split()[-1].lower()
    for role in ("admin", "editor"):
        u = core.create_user(f"{key}.{role}@example.org", f"{key} {role}", PASSWORD)
        core.add_member(org.id, u.id, role)
        world.users[f"{key}_{role}"] = u
        world.principals[f"{key}_{role}"] = core.principal(u.id)
    return org


def _site_admin(world: World) -> str:
    from migcap.accounts import core
    from tests.assess_fixtures import PASSWORD

    if "site_admin" not in world.users:
        user, _org = core.create_admin("root@example.org", "Site Admin", PASSWORD, "Site operators")
        world.users["site_admin"] = user
        world.principals["site_admin"] = core.principal(user.id)
    return "site_admin"


def test_membership_of_an_organisation_by_who_asks(web: Clients, world: World) -> None:
    """The authorisation matrix of an organisation's membership: only its own admins invite, change roles,
    remove, withdraw and make reset links; the site administrator (not a member) and another organisation's
    admin do none of it, by page or by the domain functions."""
    from migcap.accounts import core
    from migcap.errors import NotFound, PermissionDenied

    org = _org_with_team(world, "Team of Delta")
    root = _site_admin(world)
    editor = world.users["delta_editor"]
    pending, _tok = core.invite(org.id, "pending@example.org", "viewer", by=world.principals["delta_admin"])
    # expected status per actor: site administrator, another organisation's admin, a member below admin
    refused = {root: 403, "a_admin": 404, "delta_editor": 403}
    actions = {
        "invite": (f"/orgs/{org.slug}/invitations", {"email": "root@example.org", "role": "admin"}),
        "role": (f"/orgs/{org.slug}/members/{editor.uid}/role", {"role": "admin"}),
        "remove": (f"/orgs/{org.slug}/members/{editor.uid}/remove", {}),
        "revoke": (f"/orgs/{org.slug}/invitations/{pending.uid}/revoke", {}),
        "reset": (f"/orgs/{org.slug}/members/{editor.uid}/reset", {}),
    }
    before = counts()
    for who, status in refused.items():
        for action, (path, data) in actions.items():
            r = web(who).post(path, data={"csrf_token": web.csrf(who), **data})
            assert r.status_code == status, (who, action, r.status_code)
            assert "/invite/" not in r.text, (who, action)  # no link made
    assert counts() == before
    assert core.list_invitations(org.id, world.principals["delta_admin"])[0].state == "pending"
    assert core.principal(editor.id).roles == {org.id: "editor"}
    # the same through the domain functions (what any other face would call)
    sa = core.principal(world.users[root].id)
    for call in (lambda: core.invite(org.id, sa.email, "admin", by=sa),
                 lambda: core.set_role(org.id, editor.uid, "admin", by=sa),
                 lambda: core.remove_member(org.id, editor.uid, by=sa),
                 lambda: core.revoke_invitation(org.id, pending.uid, by=sa),
                 lambda: core.list_invitations(org.id, sa),
                 lambda: core.reset_link(editor.uid, by=sa, organisation_id=org.id)):
        with pytest.raises(PermissionDenied):
            call()
    with pytest.raises(NotFound):
        core.list_members(org.id, sa)
    # the site administrator sees that the organisation exists, not who is in it
    page = web(root).get(f"/orgs/{org.slug}")
    assert page.status_code == 200 and "2 member(s), 1 of them" in page.text
    assert editor.email not in page.text and "pending@example.org" not in page.text
    assert editor.email in web("delta_admin").get(f"/orgs/{org.slug}").text
    # its own admin does all of it
    own = {"invite": 200, "role": 303, "remove": 303, "revoke": 303}
    for action, status in own.items():
        path, data = actions[action]
        data = {**data, "email": "new.delta@example.org"} if action == "invite" else data
        r = web("delta_admin").post(path, data={"csrf_token": web.csrf("delta_admin"), **data})
        assert r.status_code == status, (action, r.status_code, r.text[:300])
    assert core.list_members(org.id, world.principals["delta_admin"])[0].email == "delta.admin@example.org"


def test_the_site_administrator_cannot_take_over_an_organisation(web: Clients, world: World) -> None:
    """As found: the site administrator invited itself into another organisation as admin, accepted, and
    read its draft. Now it may only invite the first admin of an organisation that has none."""
    from migcap.accounts import core
    from migcap.errors import InvitationInvalid, PermissionDenied
    from tests.assess_fixtures import PASSWORD, csrf_of

    root = _site_admin(world)
    b = world.orgs["B"]
    r = web(root).post(f"/orgs/{b.slug}/invitations", data={"csrf_token": web.csrf(root),
                                                          "email": "root@example.org", "role": "admin"})
    assert r.status_code == 403 and "/invite/" not in r.text
    assert web(root).get(f"/assess/{world.b_draft}").status_code == 404
    r = web.anon().get(f"/api/v1/assessments/{world.b_draft}",
                       headers=api(core.create_api_token(world.users[root].id, "root's token")[1]))
    assert r.status_code == 404
    # a new organisation: the site administrator invites its first admin (an admin, nobody else) ...
    r = web(root).post("/admin/orgs",
                       data={"csrf_token": web.csrf(root), "name": "Team of Echo", "kind": "ngo"})
    assert r.status_code == 303
    echo = core.get_organisation("team-of-echo")
    sa = core.principal(world.users[root].id)
    with pytest.raises(PermissionDenied, match="first admin"):
        core.invite(echo.id, "editor.echo@example.org", "editor", by=sa)
    r = web(root).post(f"/orgs/{echo.slug}/invitations",
                       data={"csrf_token": web.csrf(root), "email": "first.echo@example.org",
                             "role": "admin"})
    assert r.status_code == 200 and "/invite/" in r.text
    link = r.text.split("/invite/")[1].split("<")[0]
    _inv, own_link = core.invite(echo.id, "root@example.org", "admin", by=sa)  # held back for later
    c = web.anon()
    r = c.post(f"/invite/{link}", data={"csrf_token": csrf_of(c.get(f"/invite/{link}").text), "name": "First",
                                        "password": PASSWORD, "password2": PASSWORD})
    assert r.status_code == 303
    # ... and once it has one, the site administrator's pending invitation no longer works
    with pytest.raises(InvitationInvalid, match="no longer works"):
        core.accept_invitation(own_link, password=PASSWORD)
    c = web.anon()
    assert "no longer works" in c.get(f"/invite/{own_link}").text
    assert core.standing(echo.id, sa).manage is None
    with pytest.raises(PermissionDenied):
        core.invite(echo.id, "late@example.org", "admin", by=sa)


def test_an_invitation_of_a_removed_admin_no_longer_works(world: World) -> None:
    from migcap.accounts import core
    from migcap.errors import InvitationInvalid
    from tests.assess_fixtures import PASSWORD

    org = _org_with_team(world, "Team of Foxtrot")
    admin = world.principals["foxtrot_admin"]
    second = core.create_user("foxtrot.second@example.org", "Second", PASSWORD)
    core.add_member(org.id, second.id, "admin")
    _inv, token = core.invite(org.id, "friend@example.org", "editor", by=admin)
    core.remove_member(org.id, admin.uid, by=core.principal(second.id))
    with pytest.raises(InvitationInvalid, match="no longer works"):
        core.accept_invitation(token, password=PASSWORD, name="Friend")
