"""The assessment pages: list and create, work area by area with autosave, attachments, comments, history
with differences between versions, workbook import and export, review and recommendations (printable),
and publication.

Every handler opens the assessment through :func:`migcap.capacity.access.open_assessment` (an
assessment the visitor may not see is "not found", whatever its id) and asks the returned
:class:`~migcap.capacity.access.Access` whether the action is allowed; every ``POST`` checks the CSRF
token before anything else. Handlers are thin: the work is done by :mod:`migcap.capacity`.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from starlette.responses import FileResponse, HTMLResponse, Response

from migcap.accounts.principals import NEEDS
from migcap.capacity import teamwork, uploads
from migcap.capacity.access import Access, open_assessment
from migcap.capacity.assessments import (
    FIELDS,
    Assessment,
    Entry,
    history,
    set_item,
    values_by_version,
)
from migcap.capacity.values import EARLIEST
from migcap.capacity.vocab import LEVEL_LABELS, LEVEL_MEANINGS, LEVELS, NOT_APPLICABLE, level_label
from migcap.errors import (
    ConflictError,
    ImportRejected,
    InputError,
    MigcapError,
    NotAuthenticated,
    NotFound,
)
from migcap.web.assess_charts import gap_chart, linkify, score_chart, svg, urls, word_diff
from migcap.web.routes.private import json_error, page, redirect, require_user, wants_json
from migcap.web.security import check_csrf, private_headers, visitor

__all__ = ["entry_json", "make_assess_pages", "profile_for", "public_name", "review_for"]

UidP = Annotated[str, Path(max_length=64, pattern=r"^[0-9A-Za-z-]{8,64}$")]
ItemP = Annotated[str, Path(max_length=20, pattern=r"^[A-Za-z]{2,8}-[0-9]{1,3}$")]
AreaP = Annotated[str, Path(max_length=12, pattern=r"^[A-Za-z]{2,8}$")]
AttP = Annotated[str, Path(max_length=64, pattern=r"^[0-9a-f]{32}$")]
Csrf = Annotated[str, Form(max_length=500)]
LONG = Annotated[str, Form(max_length=20_000)]
SHORT = Annotated[str, Form(max_length=400)]
LEVEL_CHOICES = [("", "— not answered —")] + [(c, LEVEL_LABELS[c]) for c in (*LEVELS, NOT_APPLICABLE)]


# ---------------------------------------------------------------------------------- helpers


def _open(request: Request, uid: str) -> Access:
    who = visitor(request).principal
    try:
        return open_assessment(who, uid)
    except NotFound:
        if who is None:  # the same answer whether it exists or not: log in first
            raise NotAuthenticated("log in to see this assessment") from None
        raise


def public_name(who: str) -> str:
    """A user as named outside their organisation: the name without the email address.

    >>> public_name("Ada Admin <ada@example.org>")
    'Ada Admin'
    """
    return re.sub(r"\s*<[^<>]*>$", "", who or "")


def entry_json(e: Entry, *, member: bool = True) -> dict[str, Any]:
    return {"item": e.item_id, "level": e.level, "level_label": level_label(e.level) if e.level else "",
            "evidence": e.evidence, "notes": e.notes, "assessor": e.assessor,
            "assessed_on": e.assessed_on.isoformat() if e.assessed_on else "", "version": e.version,
            "updated_by": e.updated_by if member else public_name(e.updated_by),
            "updated_at": e.updated_at.isoformat() if e.updated_at else None}


def _size(n: int) -> str:
    return f"{n} bytes" if n < 1000 else f"{n / 1000:.0f} kB" if n < 1_000_000 else f"{n / 1_000_000:.1f} MB"


def _progress(a: Assessment) -> dict[str, tuple[int, int]]:
    inv = a.inventory()
    out = {}
    for area in inv.areas:
        ids = [it.id for it in inv.items if it.area == area.id]
        out[area.id] = (sum(1 for i in ids if a.entry(i).answered), len(ids))
    return out


def profile_for(request: Request, a: Assessment) -> Any:
    """The migration profile of an assessment (cached per warehouse and declared inputs)."""
    from migcap.capacity.reviewing import profile_of

    svc = request.app.state.service
    key = ("assess-profile", a.iso3, a.hypothetical, a.state_name, tuple(a.declared_tags),
           json.dumps(a.declared_figures, sort_keys=True, default=str))
    return svc._cached(key, lambda con: profile_of(a, con))


def review_for(request: Request, a: Assessment, *, peers: bool = True) -> Any:
    """The review of an assessment; peers only among *published* assessments of other states."""
    from dataclasses import replace

    from migcap.capacity.reviewing import find_peers, review_assessment

    profile = profile_for(request, a)
    result = review_assessment(a, a.inventory(), profile)
    if peers:
        found = find_peers(a, profile, profiles=lambda x: profile_for(request, x))
        result = replace(result, peers=tuple(found))
    return result


def _common(request: Request, acc: Access, **extra: Any) -> dict[str, Any]:
    a = acc.assessment
    return {"acc": acc, "a": a, "inv": a.inventory(), "own": acc.ownership, "uid": a.uid,
            "can": {k: acc.can(k) for k in ("edit", "comment", "import", "publish", "history")},
            "role": acc.role, "linkify": linkify, "urls": urls, "level_label": level_label, "size": _size,
            "who": (lambda name: name) if acc.member else public_name, **extra}


# ----------------------------------------------------------------------------------- listing


def assess_list(request: Request) -> Response:
    user = visitor(request).principal
    orgs = list(user.roles) if user is not None else []
    listed = teamwork.listing(orgs)
    mine = [x for x in listed if x.ownership.organisation_id in orgs]
    public = [x for x in listed if x.ownership.organisation_id not in orgs]
    return page(request, "assess_list.html", title="Assessments", mine=mine, public=public,
                can_create=user.orgs_where("create") if user else [], error=None)


def assess_create(request: Request, csrf_token: Csrf = "", org: SHORT = "", state: SHORT = "",
                  label: SHORT = "") -> Response:
    check_csrf(request, csrf_token)
    user = require_user(request)
    target = next((o for o in user.orgs_where("create") if o.slug == org), None)
    if target is None:
        from migcap.errors import PermissionDenied

        raise PermissionDenied("you may create assessments only in an organisation where you are editor "
                               "or above")
    try:
        a = teamwork.create_for(target.id, state or (target.iso3 or ""), by=user.display, label=label or None)
    except MigcapError as exc:
        orgs = list(user.roles)
        listed = teamwork.listing(orgs)
        return page(request, "assess_list.html", title="Assessments", status=400,
                    mine=[x for x in listed if x.ownership.organisation_id in orgs],
                    public=[x for x in listed if x.ownership.organisation_id not in orgs],
                    can_create=user.orgs_where("create"), error=str(exc))
    return redirect(request, f"/assess/{a.uid}", {"msg": "created"})


# ---------------------------------------------------------------------------------- overview


def assess_overview(request: Request, uid: UidP) -> Response:
    acc = _open(request, uid)
    comments = teamwork.comments(uid) if acc.member else []
    return page(request, "assess_overview.html", title=acc.assessment.label,
                **_common(request, acc, progress=_progress(acc.assessment),
                          comments=[c for c in comments if c.item_id is None], n_comments=len(comments),
                          publish_needs=NEEDS["publish"]))


# -------------------------------------------------------------------------------------- area


def _area_page(request: Request, acc: Access, area_id: str, *, status: int = 200,
               errors: dict[str, str] | None = None,
               values: dict[str, dict[str, Any]] | None = None) -> Response:
    a = acc.assessment
    inv = a.inventory()
    area = next((x for x in inv.areas if x.id == area_id.upper()), None)
    if area is None:
        raise NotFound(f"no area {area_id!r} in the inventory")
    items = [it for it in inv.items if it.area == area.id]
    files: dict[str, list[Any]] = {}
    for f in uploads.attachments(a.uid):
        files.setdefault(f.item_id, []).append(f)
    notes: dict[str, list[Any]] = {}
    if acc.member:
        for c in teamwork.comments(a.uid):
            if c.item_id:
                notes.setdefault(c.item_id, []).append(c)
    areas = list(inv.areas)
    i = areas.index(area)
    return page(request, "assess_area.html", title=f"{area.title} — {a.label}", status=status,
                **_common(request, acc, area=area, items=items, files=files, comments=notes,
                          errors=errors or {}, values=values or {}, levels=LEVEL_CHOICES,
                          meanings=LEVEL_MEANINGS, earliest=EARLIEST.isoformat(),
                          progress=_progress(a), prev=areas[i - 1] if i > 0 else None,
                          next=areas[i + 1] if i + 1 < len(areas) else None,
                          max_mb=request.app.state.settings.upload_max_mb, allowed=uploads.ALLOWED_TEXT))


def assess_area(request: Request, uid: UidP, area_id: AreaP) -> Response:
    return _area_page(request, _open(request, uid), area_id)


def save_item(request: Request, uid: UidP, item_id: ItemP, csrf_token: Csrf = "",
              version: Annotated[str, Form(max_length=12)] = "", level: SHORT = "", evidence: LONG = "",
              notes: LONG = "", assessor: SHORT = "", assessed_on: SHORT = "") -> Response:
    """Save one item (the form's Save button, or autosave with ``Accept: application/json``)."""
    check_csrf(request, csrf_token)
    user = require_user(request)
    acc = _open(request, uid)
    acc.require("edit")
    item = acc.assessment.inventory().item(item_id)
    mine = {"level": level.strip() or None, "evidence": evidence, "notes": notes, "assessor": assessor,
            "assessed_on": assessed_on.strip()}
    try:
        if not version.strip().isdigit():
            raise InputError("the form is damaged (no entry version); reload the page")
        e = set_item(uid, item.id, expected_version=int(version), by=user.display, source="web",
                     level=level, evidence=evidence, notes=notes, assessor=assessor,
                     assessed_on=assessed_on)
    except ConflictError as exc:
        from migcap.capacity.assessments import get_assessment

        theirs = get_assessment(uid).entry(item.id)
        conflict = {"item": item.id, "title": item.title, "message": str(exc), "yours": mine,
                    "theirs": entry_json(theirs), "version": theirs.version}
        if wants_json(request):
            return json_error(409, "ConflictError", str(exc), conflict=conflict)
        return page(request, "assess_conflict.html", title="Two changes to one item", status=409,
                    **_common(request, acc, item=item, conflict=conflict, levels=LEVEL_CHOICES))
    except InputError as exc:
        if wants_json(request):
            return json_error(400, "InputError", str(exc))
        return _area_page(request, acc, item.area, status=400, errors={item.id: str(exc)},
                          values={item.id: {**mine, "version": version}})
    if wants_json(request):
        return private_headers(_json({"ok": True, "entry": entry_json(e)}))
    return redirect(request, f"/assess/{uid}/area/{item.area}", {"msg": "saved"}, fragment=item.id)


def _json(body: Any, status: int = 200) -> Response:
    from starlette.responses import JSONResponse

    return JSONResponse(body, status_code=status)


# ------------------------------------------------------------------------------ attachments


def attach(request: Request, uid: UidP, item_id: ItemP, file: Annotated[UploadFile, File()],
           csrf_token: Csrf = "") -> Response:
    check_csrf(request, csrf_token)
    user = require_user(request)
    acc = _open(request, uid)
    acc.require("edit")
    item = acc.assessment.inventory().item(item_id)
    limit = int(request.app.state.settings.upload_max_mb * 1_000_000)
    data = file.file.read(limit + 1)
    try:
        uploads.add_attachment(uid, item.id, file.filename or "", data, by=user.display, max_bytes=limit)
    except InputError as exc:
        if wants_json(request):
            return json_error(400, "InputError", str(exc))
        return _area_page(request, acc, item.area, status=400, errors={item.id: str(exc)})
    return redirect(request, f"/assess/{uid}/area/{item.area}", {"msg": "attached"}, fragment=item.id)


def download(request: Request, uid: UidP, att: AttP) -> Response:
    _open(request, uid)
    meta, path = uploads.attachment_file(uid, att)
    from urllib.parse import quote

    ascii_name = "".join(c if (c.isascii() and c.isalnum()) or c in "._- " else "_"
                         for c in meta.filename) or "file"
    headers = {"Content-Disposition": (f"attachment; filename=\"{ascii_name}\"; "
                                       f"filename*=UTF-8''{quote(meta.filename)}"),
               "Cache-Control": "no-store", "Content-Security-Policy": "default-src 'none'; sandbox",
               "X-Content-Type-Options": "nosniff"}
    return FileResponse(path, media_type=meta.media_type, headers=headers)


def detach(request: Request, uid: UidP, att: AttP, csrf_token: Csrf = "") -> Response:
    check_csrf(request, csrf_token)
    user = require_user(request)
    acc = _open(request, uid)
    acc.require("edit")
    meta, _ = uploads.attachment_file(uid, att)
    uploads.remove_attachment(uid, att, by=user.display)
    area = acc.assessment.inventory().item(meta.item_id).area
    return redirect(request, f"/assess/{uid}/area/{area}", {"msg": "detached"}, fragment=meta.item_id)


# --------------------------------------------------------------------------------- comments


def comment(request: Request, uid: UidP, csrf_token: Csrf = "", body: LONG = "",
            item: Annotated[str, Form(max_length=20)] = "") -> Response:
    check_csrf(request, csrf_token)
    user = require_user(request)
    acc = _open(request, uid)
    acc.require("comment")
    item_id = item.strip() or None
    area = acc.assessment.inventory().item(item_id).area if item_id else None
    try:
        teamwork.add_comment(uid, body, item_id=item_id, author_id=user.user_id, author=user.display)
    except InputError as exc:
        if area is not None:
            return _area_page(request, acc, area, status=400, errors={str(item_id): str(exc)})
        return page(request, "assess_overview.html", title=acc.assessment.label, status=400,
                    **_common(request, acc, progress=_progress(acc.assessment), error=str(exc),
                              comments=[c for c in teamwork.comments(uid) if c.item_id is None], n_comments=0,
                              publish_needs=NEEDS["publish"]))
    if area is not None:
        return redirect(request, f"/assess/{uid}/area/{area}", {"msg": "comment"}, fragment=str(item_id))
    return redirect(request, f"/assess/{uid}", {"msg": "comment"}, fragment="comments")


# ---------------------------------------------------------------------------------- history


PER_PAGE = 100


def assess_history(request: Request, uid: UidP,
                   item: Annotated[str | None, Query(max_length=20)] = None,
                   page_no: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1) -> Response:
    acc = _open(request, uid)
    acc.require("history")
    changes = [c for c in history(uid) if item is None or c.item_id == item.upper()]
    changes.reverse()
    pages = max(1, -(-len(changes) // PER_PAGE))
    shown = changes[(page_no - 1) * PER_PAGE: page_no * PER_PAGE]
    rows = []
    for c in shown:
        if c.action == "create":
            change = None
        elif c.field == "level":
            change = word_diff(level_label(c.old) if c.old else "", level_label(c.new) if c.new else "")
        else:
            change = word_diff(c.old, c.new)
        rows.append({"c": c, "change": change})
    return page(request, "assess_history.html", title=f"History — {acc.assessment.label}",
                **_common(request, acc, rows=rows, item=item.upper() if item else None, page_no=page_no,
                          pages=pages, total=len(changes)))


def item_diff(request: Request, uid: UidP, item_id: ItemP,
              from_: Annotated[int | None, Query(alias="from", ge=0, le=1_000_000)] = None,
              to: Annotated[int | None, Query(ge=0, le=1_000_000)] = None) -> Response:
    acc = _open(request, uid)
    acc.require("history")
    item = acc.assessment.inventory().item(item_id)
    by_version = {v: vals for (i, v), vals in values_by_version(uid).items() if i == item.id}
    current = acc.assessment.entry(item.id).version
    versions = sorted(by_version)
    b = to if to is not None else current
    a_ = from_ if from_ is not None else max(0, b - 1)
    empty = {f: None for f in FIELDS}
    if (a_ and a_ not in by_version) or (b and b not in by_version):
        raise NotFound(f"item {item.id} has no version {a_ if a_ and a_ not in by_version else b}")
    old = by_version.get(a_, empty) if a_ else empty
    new = by_version.get(b, empty) if b else empty
    meta = {c.version: c for c in history(uid) if c.item_id == item.id and c.version is not None}

    def shown(f: str, v: Any) -> str:
        if v is None:
            return ""
        if f == "level":
            return level_label(v)
        return v.isoformat() if isinstance(v, date) else str(v)

    fields = [{"name": f, "diff": word_diff(shown(f, old.get(f)), shown(f, new.get(f))),
               "changed": old.get(f) != new.get(f)} for f in FIELDS]
    return page(request, "assess_diff.html", title=f"{item.id}: versions {a_} and {b}",
                **_common(request, acc, item=item, versions=versions, v_from=a_, v_to=b, fields=fields,
                          meta=meta))


# ------------------------------------------------------------------------------ import/export


def export(request: Request, uid: UidP,
           fmt: Annotated[str, Query(alias="format", pattern=r"^(xlsx|json|yaml)$")] = "xlsx") -> Response:
    from dataclasses import replace

    from migcap.capacity.exchange import export_bytes
    from migcap.web.responses import XLSX

    acc = _open(request, uid)
    a = (acc.assessment if acc.member
         else replace(acc.assessment, created_by=public_name(acc.assessment.created_by)))
    data = export_bytes(a, fmt)
    media = {"xlsx": XLSX, "json": "application/json", "yaml": "application/yaml"}[fmt]
    name = f"{acc.assessment.iso3}-assessment-{acc.assessment.uid[:8]}.{fmt}"
    return private_headers(Response(data, media_type=media,
                                    headers={"Content-Disposition": f'attachment; filename="{name}"'}))


def import_form(request: Request, uid: UidP) -> Response:
    acc = _open(request, uid)
    acc.require("import")
    return page(request, "assess_import.html", title=f"Import a workbook — {acc.assessment.label}",
                **_common(request, acc, report=None, problems=None, error=None,
                          max_mb=request.app.state.settings.upload_max_mb))


def import_submit(request: Request, uid: UidP, file: Annotated[UploadFile, File()], csrf_token: Csrf = "",
                  check: Annotated[str, Form(max_length=10)] = "") -> Response:
    from migcap.capacity.exchange import import_file

    check_csrf(request, csrf_token)
    user = require_user(request)
    acc = _open(request, uid)
    acc.require("import")
    limit = int(request.app.state.settings.upload_max_mb * 1_000_000)
    data = file.file.read(limit + 1)
    ctx = dict(report=None, problems=None, error=None, max_mb=request.app.state.settings.upload_max_mb)
    try:
        name, media = uploads.check_upload(data, file.filename or "workbook.xlsx", max_bytes=limit)
        if media != uploads.XLSX:
            raise InputError(f"{name}: import needs the Excel workbook exported from this assessment (.xlsx)")
        path = uploads.temporary_upload(data, ".xlsx")
        try:
            report = import_file(path, by=user.display, into=uid, name=name, dry_run=bool(check))
        finally:
            path.unlink(missing_ok=True)
    except ImportRejected as exc:
        return page(request, "assess_import.html", title=f"Import a workbook — {acc.assessment.label}",
                    status=400,
                    **_common(request, acc, **{**ctx, "problems": list(exc.problems),
                                               "error": str(exc).split(":")[0]}))
    except MigcapError as exc:
        return page(request, "assess_import.html", title=f"Import a workbook — {acc.assessment.label}",
                    status=400, **_common(request, acc, **{**ctx, "error": str(exc)}))
    fresh = open_assessment(user, uid)
    return page(request, "assess_import.html", title=f"Import a workbook — {acc.assessment.label}",
                **_common(request, fresh, **{**ctx, "report": report}))


# ---------------------------------------------------------------------------- review and more


def _source(acc: Access) -> str:
    a = acc.assessment
    state = "published" if acc.published else "draft"
    return f"migcap review of '{a.label}' ({state}, revision {a.revision}); inventory {a.inventory_id} " \
           f"{a.inventory_version}"


def assess_review(request: Request, uid: UidP) -> Response:
    acc = _open(request, uid)
    r = review_for(request, acc.assessment)
    src = _source(acc)
    charts = []
    if any(s.score is not None for s in r.areas):
        charts.append((score_chart(r, src), svg(score_chart(r, src))))
    if r.gaps:
        charts.append((gap_chart(r, src), svg(gap_chart(r, src))))
    return page(request, "assess_review.html", title=f"Review — {acc.assessment.label}",
                **_common(request, acc, r=r, svg_charts=charts))


ACTORS = {"state": "the state", "civil-society": "civil society",
          "international": "international organizations", "private-sector": "the private sector"}


def assess_recommendations(request: Request, uid: UidP,
                           actor: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    from migcap.capacity.recommendations import parse_actor, recommendations_for

    acc = _open(request, uid)
    chosen = [parse_actor(actor)] if actor else None
    recs = recommendations_for(review_for(request, acc.assessment, peers=False), chosen)
    by_actor: dict[str, list[Any]] = {}
    for rec in recs.items:
        by_actor.setdefault(rec.actor, []).append(rec)
    src = _source(acc)
    chart = gap_chart(recs.review, src) if recs.review.gaps else None
    return page(request, "assess_recommendations.html", title=f"Recommendations — {acc.assessment.label}",
                **_common(request, acc, recs=recs, by_actor=by_actor, actor=actor, actors=ACTORS,
                          chart=(chart, svg(chart)) if chart else None))


def publish(request: Request, uid: UidP, csrf_token: Csrf = "",
            confirm: Annotated[str, Form(max_length=10)] = "") -> Response:
    check_csrf(request, csrf_token)
    user = require_user(request)
    acc = _open(request, uid)
    acc.require("publish")
    if not confirm:
        return page(request, "assess_overview.html", title=acc.assessment.label, status=400,
                    **_common(request, acc, progress=_progress(acc.assessment), n_comments=0,
                              comments=[c for c in teamwork.comments(uid) if c.item_id is None],
                              error="tick the box to confirm that the assessment may be published",
                              publish_needs=NEEDS["publish"]))
    teamwork.publish(uid, by=user.display)
    return redirect(request, f"/assess/{uid}", {"msg": "published"})


def make_assess_pages() -> APIRouter:
    router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
    add = router.add_api_route
    add("/assess", assess_list, methods=["GET"], name="assess_list")
    add("/assess", assess_create, methods=["POST"])
    add("/assess/{uid}", assess_overview, methods=["GET"], name="assess")
    add("/assess/{uid}/area/{area_id}", assess_area, methods=["GET"], name="assess_area")
    add("/assess/{uid}/items/{item_id}", save_item, methods=["POST"], name="assess_item")
    add("/assess/{uid}/items/{item_id}/attachments", attach, methods=["POST"])
    add("/assess/{uid}/items/{item_id}/diff", item_diff, methods=["GET"], name="assess_diff")
    add("/assess/{uid}/attachments/{att}", download, methods=["GET"], name="assess_attachment")
    add("/assess/{uid}/attachments/{att}/remove", detach, methods=["POST"])
    add("/assess/{uid}/comments", comment, methods=["POST"])
    add("/assess/{uid}/history", assess_history, methods=["GET"], name="assess_history")
    add("/assess/{uid}/export", export, methods=["GET"], name="assess_export")
    add("/assess/{uid}/import", import_form, methods=["GET"], name="assess_import")
    add("/assess/{uid}/import", import_submit, methods=["POST"])
    add("/assess/{uid}/review", assess_review, methods=["GET"], name="assess_review")
    add("/assess/{uid}/recommendations", assess_recommendations, methods=["GET"],
        name="assess_recommendations")
    add("/assess/{uid}/publish", publish, methods=["POST"])
    return router
