"""The assessments API: ``/api/v1/assessments/…`` with personal bearer tokens.

``Authorization: Bearer mcp_…`` (a token made on the *Your account* page). Without a valid token
every endpoint answers 401. The same rules as the pages apply: a token sees its user's
organisations' assessments and the published ones; anything else is 404. Cookies are ignored
here, so a web page of another site cannot make a signed-in browser call the API (no CSRF).

Changing an item needs the ``version`` it was based on; a change based on an older version is
refused with 409 and the body holds both values (``conflict.yours``, ``conflict.theirs``) and the
current version — send the change again with that version to keep yours.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from migcap.accounts.principals import Principal
from migcap.accounts.tokens import principal_for_token
from migcap.capacity import teamwork
from migcap.capacity.access import Access, open_assessment
from migcap.capacity.assessments import KEEP, get_assessment, history, set_item
from migcap.errors import ConflictError, InputError, NotAuthenticated
from migcap.web.responses import JsonResponse
from migcap.web.routes.api import ErrorBody
from migcap.web.routes.assess_pages import entry_json, public_name, review_for
from migcap.web.routes.private import json_error

__all__ = ["make_assess_api"]

bearer = HTTPBearer(auto_error=False,
                    description="A personal API token (mcp_…), made on the 'Your account' page.")

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Bad input (the message says which and why)."},
    401: {"model": ErrorBody, "description": "No token, or a token that is unknown, revoked or expired."},
    403: {"model": ErrorBody,
          "description": "Your role does not allow this (e.g. a viewer changing an item)."},
    404: {"model": ErrorBody, "description": "No such assessment or item — or one you may not see."},
    409: {"model": ErrorBody,
          "description": ("A conflict: the item changed since your version (both values in 'conflict'), "
                          "or the assessment is published (read-only).")},
    422: {"model": ErrorBody, "description": "A parameter of the wrong type or out of its range."},
    503: {"model": ErrorBody, "description": "The database is not available; try again."},
}

UidP = Annotated[str, Path(max_length=64, pattern=r"^[0-9A-Za-z-]{8,64}$",
                           description="The assessment id.")]
ItemP = Annotated[str, Path(max_length=20, pattern=r"^[A-Za-z]{2,8}-[0-9]{1,3}$",
                            description="An item, e.g. LAB-02.")]
LevelT = Literal["absent", "planned", "partial", "established", "good_practice", "not_applicable"]


def api_user(request: Request,
             credentials: Annotated[HTTPAuthorizationCredentials | None,
                                    Depends(bearer)] = None) -> Principal:
    """The user of the bearer token, or 401."""
    token = credentials.credentials if credentials is not None else None
    user = principal_for_token(token)
    if user is None:
        raise NotAuthenticated("a valid API token is needed: send 'Authorization: Bearer <token>' "
                               "(make one on the 'Your account' page)")
    return user


User = Annotated[Principal, Depends(api_user)]


class EntryBody(BaseModel):
    item: str
    level: str | None
    level_label: str
    evidence: str
    notes: str
    assessor: str
    assessed_on: str
    version: int
    updated_by: str
    updated_at: str | None


class EntryChange(BaseModel):
    """A change to one item: the fields given change, the others stay."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=0, le=10_000_000,
                         description=("The entry version your change is based on "
                                      "(0 for an item never answered)."))
    level: LevelT | None = Field(None, description="absent … good_practice, not_applicable; null clears it.")
    evidence: str | None = Field(None, max_length=10_000)
    notes: str | None = Field(None, max_length=10_000)
    assessor: str | None = Field(None, max_length=200)
    date: str | None = Field(None, max_length=10, pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD")


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["published"]


def _summary(acc_or_listed: Any) -> dict[str, Any]:
    x = acc_or_listed
    own = x.ownership
    return {"id": x.uid, "iso3": x.iso3, "state": x.state_name, "label": x.label,
            "organisation": {"slug": own.slug, "name": own.organisation}, "status": own.status,
            "published_at": own.published_at.isoformat() if own.published_at else None,
            "revision": x.revision, "answered": x.answered}


def _access(user: Principal, uid: str) -> Access:
    return open_assessment(user, uid)


def list_assessments(request: Request, user: User) -> Response:
    """The assessments you may see: your organisations' (drafts included) and every published one."""
    listed = teamwork.listing(list(user.roles))
    return JsonResponse({"assessments": [_summary(x) for x in listed]}, headers={"Cache-Control": "no-store"})


def get_one(request: Request, user: User, uid: UidP) -> Response:
    """One assessment with every answered item, its state and what your role allows."""
    acc = _access(user, uid)
    a = acc.assessment
    body = a.to_dict()
    body.update(organisation={"slug": acc.ownership.slug, "name": acc.ownership.organisation},
                status=acc.ownership.status, role=acc.role,
                allowed={k: acc.can(k) for k in ("edit", "comment", "import", "publish", "history")})
    body["entries"] = [entry_json(e, member=acc.member) for e in a.entries.values()]
    if not acc.member:  # outside the organisation, people are named without their email addresses
        body["created_by"] = public_name(a.created_by)
    return JsonResponse(body, headers={"Cache-Control": "no-store"})


def get_item(request: Request, user: User, uid: UidP, item_id: ItemP) -> Response:
    """One item's current answer (version 0 if nobody answered it)."""
    acc = _access(user, uid)
    item = acc.assessment.inventory().item(item_id)
    return JsonResponse(entry_json(acc.assessment.entry(item.id), member=acc.member),
                        headers={"Cache-Control": "no-store"})


def put_item(request: Request, user: User, uid: UidP, item_id: ItemP, change: EntryChange) -> Response:
    """Change one item (editor or above; not a published assessment). 409 with both values on a conflict."""
    acc = _access(user, uid)
    acc.require("edit")
    item = acc.assessment.inventory().item(item_id)
    given = change.model_dump(exclude_unset=True)
    values = {k: given.get(k, KEEP) for k in ("level", "evidence", "notes", "assessor")}
    if "date" in given:
        values["assessed_on"] = given["date"]  # checked by set_item (migcap.capacity.values)
    try:
        e = set_item(uid, item.id, expected_version=change.version, by=user.display, source="api", **values)
    except ConflictError as exc:
        theirs = get_assessment(uid).entry(item.id)
        conflict = {"item": item.id, "yours": {k: v for k, v in given.items() if k != "version"},
                    "theirs": entry_json(theirs), "version": theirs.version}
        return json_error(409, "ConflictError", str(exc), conflict=conflict)
    except InputError as exc:
        return json_error(400, "InputError", str(exc))
    return JsonResponse(entry_json(e), headers={"Cache-Control": "no-store"})


def get_history(request: Request, user: User, uid: UidP,
                item: Annotated[str | None,
                                Query(max_length=20, description="Only this item.")] = None) -> Response:
    """Every change: who, when, which item and field, old and new value, version, source (members only)."""
    acc = _access(user, uid)
    acc.require("history")
    rows = [{"at": c.changed_at.isoformat(), "by": c.changed_by, "item": c.item_id, "action": c.action,
             "field": c.field, "old": c.old, "new": c.new, "version": c.version, "source": c.source}
            for c in history(uid) if item is None or c.item_id == item.upper()]
    return JsonResponse({"changes": rows}, headers={"Cache-Control": "no-store"})


def get_review(request: Request, user: User, uid: UidP) -> Response:
    """The review: scores, gaps, strengths, profile and peers (published assessments only)."""
    acc = _access(user, uid)
    return JsonResponse(review_for(request, acc.assessment).to_dict(), headers={"Cache-Control": "no-store"})


def get_recommendations(request: Request, user: User, uid: UidP,
                        actor: Annotated[
                            Literal["state", "civil-society", "international", "private-sector"] | None,
                            Query(description="Only recommendations to this actor.")] = None) -> Response:
    """Recommendations for the gaps of the review, per actor."""
    from migcap.capacity.recommendations import parse_actor, recommendations_for

    acc = _access(user, uid)
    recs = recommendations_for(review_for(request, acc.assessment, peers=False),
                               [parse_actor(actor)] if actor else None)
    return JsonResponse({"recommendations": [r.to_dict() for r in recs.items]},
                        headers={"Cache-Control": "no-store"})


def get_status(request: Request, user: User, uid: UidP) -> Response:
    """The organisation, the state (draft or published) and your role."""
    acc = _access(user, uid)
    own = acc.ownership
    return JsonResponse({"status": own.status, "organisation": {"slug": own.slug, "name": own.organisation},
                         "published_at": own.published_at.isoformat() if own.published_at else None,
                         "published_by": own.published_by if acc.member else None, "role": acc.role},
                        headers={"Cache-Control": "no-store"})


def put_status(request: Request, user: User, uid: UidP, change: StatusChange) -> Response:
    """Publish a draft (reviewer or above): it becomes read-only and visible to everyone."""
    acc = _access(user, uid)
    acc.require("publish")
    own = teamwork.publish(uid, by=user.display)
    return JsonResponse({"status": own.status,
                         "published_at": own.published_at.isoformat() if own.published_at else None},
                        headers={"Cache-Control": "no-store"})


def me(request: Request, user: User) -> Response:
    """Who the token belongs to and their organisations and roles."""
    return JsonResponse({"email": user.email, "name": user.name,
                         "organisations": [{"slug": o.slug, "name": o.name, "role": user.roles[oid]}
                                           for oid, o in user.organisations.items()]},
                        headers={"Cache-Control": "no-store"})


def make_assess_api() -> APIRouter:
    router = APIRouter(prefix="/api/v1", responses=ERRORS, tags=["assessments"])
    add = router.add_api_route
    add("/me", me, methods=["GET"], response_model=None, summary="The token's user")
    add("/assessments", list_assessments, methods=["GET"], response_model=None,
        summary="Assessments you may see")
    add("/assessments/{uid}", get_one, methods=["GET"], response_model=None, summary="One assessment")
    add("/assessments/{uid}/items/{item_id}", get_item, methods=["GET"], response_model=None,
        responses={200: {"model": EntryBody}}, summary="One item's answer")
    add("/assessments/{uid}/items/{item_id}", put_item, methods=["PUT"], response_model=None,
        responses={200: {"model": EntryBody}}, summary="Change one item")
    add("/assessments/{uid}/history", get_history, methods=["GET"], response_model=None,
        summary="The history")
    add("/assessments/{uid}/review", get_review, methods=["GET"], response_model=None, summary="The review")
    add("/assessments/{uid}/recommendations", get_recommendations, methods=["GET"], response_model=None,
        summary="The recommendations")
    add("/assessments/{uid}/status", get_status, methods=["GET"], response_model=None,
        summary="Draft or published")
    add("/assessments/{uid}/status", put_status, methods=["PUT"], response_model=None, summary="Publish")
    return router
