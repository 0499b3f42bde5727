"""Assessments as team work: which organisation owns an assessment, publication, and comments.

An assessment made in the web application belongs to the organisation it was made in
(``capacity_owner``). It is a *draft* — seen only by the organisation's members — until a
reviewer *publishes* it; from then on it is read-only (:class:`~migcap.capacity.assessments.ReadOnlyError`
for any change, whoever makes it) and appears in other states' peer comparisons. Assessments
made with the command line belong to no organisation (and are not on the web) until
:func:`assign` gives them one.

Who may do what is decided by :mod:`migcap.capacity.access`; the functions here do what they are
asked and only keep the data consistent.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from migcap import db
from migcap.accounts.models import OrganisationRow
from migcap.capacity import models
from migcap.errors import InputError, MigcapError

from .assessments import (
    Assessment,
    ReadOnlyError,
    _assessment_row,
    _load,
    create_assessment,
    unfit_text,
)

__all__ = [
    "MAX_COMMENT",
    "Comment",
    "Listed",
    "Ownership",
    "Shown",
    "add_comment",
    "assign",
    "comments",
    "create_for",
    "latest_shown",
    "listing",
    "ownership",
    "publish",
    "published_latest",
    "unpublish",
]

MAX_COMMENT = 5_000


@dataclass(frozen=True)
class Ownership:
    """The organisation an assessment belongs to and its state (``draft`` or ``published``)."""

    organisation_id: int
    organisation: str
    slug: str
    status: str
    published_at: datetime | None
    published_by: str | None

    @property
    def published(self) -> bool:
        return self.status == "published"


@dataclass(frozen=True)
class Listed:
    """An assessment as listed: enough to show and link it."""

    uid: str
    iso3: str
    state_name: str
    hypothetical: bool
    label: str
    created_at: datetime
    revision: int
    answered: int
    ownership: Ownership


@dataclass(frozen=True)
class Comment:
    uid: str
    item_id: str | None
    author: str
    body: str
    created_at: datetime


def _ownership(owner: models.OwnerRow, org: OrganisationRow) -> Ownership:
    return Ownership(owner.organisation_id, org.name, org.slug, owner.status, owner.published_at,
                     owner.published_by)


def create_for(organisation_id: int, state: str, *, by: str, label: str | None = None,
               tags: Iterable[str] = ()) -> Assessment:
    """A new draft assessment of a state owned by an organisation (in one transaction)."""
    label = _text("label", label or "", 200, required=False) or None
    with db.session_scope(write=True) as s:
        a = create_assessment(state, by=by, label=label, tags=tags, source="web", session=s)
        row = s.scalars(select(models.AssessmentRow.id).where(models.AssessmentRow.uid == a.uid)).one()
        s.add(models.OwnerRow(assessment_id=row, organisation_id=organisation_id, status="draft"))
        return a


def assign(uid: str, organisation_slug: str, *, force: bool = False) -> Ownership:
    """Give an assessment made outside the web (the command line, a file) to an organisation.

    Refused if it already belongs to one, unless ``force`` (then it moves, published or not).
    """
    with db.session_scope(write=True) as s:
        arow = _assessment_row(s, uid)
        org = s.scalars(select(OrganisationRow).where(OrganisationRow.slug == organisation_slug)).first()
        if org is None:
            raise MigcapError(f"no organisation {organisation_slug!r}", hint="see 'migcap users orgs'")
        owner = s.get(models.OwnerRow, arow.id)
        if owner is not None and not force:
            raise MigcapError(f"assessment {uid} already belongs to an organisation",
                              hint="use --force to move it")
        if owner is None:
            owner = models.OwnerRow(assessment_id=arow.id, organisation_id=org.id, status="draft")
            s.add(owner)
        else:
            owner.organisation_id = org.id
        s.flush()
        return _ownership(owner, org)


def ownership(uid: str) -> tuple[int, Ownership] | None:
    """``(row id, ownership)`` of an assessment by id; ``None`` if there is no such assessment or it
    belongs to no organisation."""
    with db.session_scope() as s:
        found = s.execute(select(models.AssessmentRow.id, models.OwnerRow, OrganisationRow)
                          .join(models.OwnerRow, models.OwnerRow.assessment_id == models.AssessmentRow.id)
                          .join(OrganisationRow, OrganisationRow.id == models.OwnerRow.organisation_id)
                          .where(models.AssessmentRow.uid == uid)).first()
        if found is None:
            return None
        rid, owner, org = found
        return rid, _ownership(owner, org)


def listing(organisation_ids: Iterable[int], *, published: bool = True) -> list[Listed]:
    """The assessments of these organisations (drafts and published) and, with ``published``, every
    published assessment; newest first."""
    ids = list(set(organisation_ids))
    with db.session_scope() as s:
        answered = (select(models.EntryRow.assessment_id, func.count().label("n"))
                    .where(models.EntryRow.level.is_not(None)).group_by(models.EntryRow.assessment_id).subquery())
        cond: Any = (models.OwnerRow.organisation_id.in_(ids) if ids
                     else models.OwnerRow.organisation_id.is_(None))
        if published:
            cond = cond | (models.OwnerRow.status == "published")
        rows = s.execute(select(models.AssessmentRow, models.OwnerRow, OrganisationRow, answered.c.n)
                         .join(models.OwnerRow, models.OwnerRow.assessment_id == models.AssessmentRow.id)
                         .join(OrganisationRow, OrganisationRow.id == models.OwnerRow.organisation_id)
                         .outerjoin(answered, answered.c.assessment_id == models.AssessmentRow.id)
                         .where(cond)
                         .order_by(models.AssessmentRow.created_at.desc(),
                                   models.AssessmentRow.id.desc())).all()
        return [Listed(a.uid, a.iso3, a.state_name, a.hypothetical, a.label, a.created_at, a.revision,
                       int(n or 0), _ownership(o, g)) for a, o, g, n in rows]


def _set_status(uid: str, *, by: str, source: str, old: str, new: str) -> Ownership:
    """Move an assessment from status ``old`` to ``new`` inside the UPDATE (so two people publishing at once
    cannot both succeed), with a row in the history: who, when, from where."""
    published = new == "published"
    with db.session_scope(write=True) as s:
        arow = _assessment_row(s, uid)
        owner = s.get(models.OwnerRow, arow.id)
        if owner is None and published:
            raise MigcapError(f"the assessment '{arow.label}' ({arow.uid}) belongs to no organisation, so it "
                              "cannot be published",
                              hint=f"give it to one first: migcap users assign {arow.uid} --org SLUG")
        if owner is None:
            raise MigcapError(f"the assessment '{arow.label}' is not published (it belongs to no "
                              "organisation)")
        now = db.now()
        values = {"status": new, "published_at": now if published else None,
                  "published_by": by if published else None}
        done = s.execute(update(models.OwnerRow)
                         .where(models.OwnerRow.assessment_id == arow.id, models.OwnerRow.status == old)
                         .values(**values))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            if published:
                raise ReadOnlyError(f"the assessment '{arow.label}' is already published")
            raise MigcapError(f"the assessment '{arow.label}' is not published (it is a draft)")
        action = "publish" if published else "unpublish"
        s.add(models.ChangeRow(assessment_id=arow.id, item_id=None, action=action, field=None,
                           old=old, new=new, version=None, changed_at=now, changed_by=by, source=source))
        s.refresh(owner)
        org = s.get(OrganisationRow, owner.organisation_id)
        assert org is not None
        return _ownership(owner, org)


@dataclass(frozen=True)
class Shown:
    """An assessment that may be shown, and whether it is a draft (shown only in its team's own report)."""

    assessment: Assessment
    draft: bool


def latest_shown(*, drafts_of: str | None = None, exclude_iso3: str | None = None) -> list[Shown]:
    """The latest assessment of every state that may be shown: the *published* ones — what everyone sees
    (the report, peer comparisons, pages without an account) — and, with ``drafts_of`` (an organisation's
    slug), that organisation's drafts too, for its own use. Assessments of no organisation (made with the
    command line and not assigned) are never shown.

    Raises
    ------
    MigcapError
        If ``drafts_of`` names no organisation.
    """
    with db.session_scope() as s:
        cond: Any = models.OwnerRow.status == "published"
        if drafts_of is not None:
            org = s.scalars(select(OrganisationRow).where(OrganisationRow.slug == drafts_of)).first()
            if org is None:
                raise MigcapError(f"no organisation {drafts_of!r}", hint="see 'migcap users orgs'")
            cond = cond | (models.OwnerRow.organisation_id == org.id)
        rows = s.execute(select(models.AssessmentRow, models.OwnerRow.status)
                         .join(models.OwnerRow, models.OwnerRow.assessment_id == models.AssessmentRow.id)
                         .where(cond)
                         .order_by(models.AssessmentRow.created_at, models.AssessmentRow.id)).all()
        latest: dict[str, tuple[models.AssessmentRow, str]] = {}
        for r, status in rows:
            if r.iso3 != exclude_iso3:
                latest[r.iso3] = (r, status)
        return [Shown(_load(s, r), status != "published") for r, status in latest.values()]



def publish(uid: str, *, by: str, source: str = "web") -> Ownership:
    """Publish a draft: from now on it is read-only and visible to everyone. Records who published and when
    (in the ownership and in the history, with ``source``: ``web`` or ``cli``).

    Raises
    ------
    ReadOnlyError
        If it is published already.
    MigcapError
        If the assessment belongs to no organisation (give it one with :func:`assign`).
    """
    return _set_status(uid, by=by, source=source, old="draft", new="published")


def unpublish(uid: str, *, by: str, source: str = "cli") -> Ownership:
    """Withdraw a publication: the assessment is a draft of its organisation again (editable, seen only by its
    members, out of the report and the peer comparisons). The history records who did it and when."""
    return _set_status(uid, by=by, source=source, old="published", new="draft")


def published_latest(*, exclude_iso3: str | None = None) -> list[Assessment]:
    """The latest published assessment of every state (the candidates for peer comparisons)."""
    return [x.assessment for x in latest_shown(exclude_iso3=exclude_iso3)]


def _text(label: str, text: str, max_len: int, *, required: bool = True) -> str:
    t = unicodedata.normalize("NFC", str(text)).strip()
    if required and not t:
        raise InputError(f"the {label} is empty")
    if len(t) > max_len:
        raise InputError(f"the {label} is longer than {max_len:,} characters (it has {len(t):,})")
    problem = unfit_text(t)
    if problem:
        raise InputError(f"the {label} {problem}")
    return t


def add_comment(uid: str, body: str, *, item_id: str | None, author_id: int | None,
                author: str) -> Comment:
    """A comment on an assessment (or one of its items) for the reviewer or the team; not on a published
    one."""
    text = _text("comment", body, MAX_COMMENT)
    with db.session_scope(write=True) as s:
        arow = _assessment_row(s, uid, write=True)
        if item_id is not None:
            from .inventory import load_inventory

            item_id = load_inventory(arow.inventory_id).item(item_id).id
        row = models.CommentRow(uid=uuid.uuid4().hex, assessment_id=arow.id, item_id=item_id,
                                author_id=author_id, author=author[:200], body=text, created_at=db.now())
        s.add(row)
        s.flush()
        return Comment(row.uid, row.item_id, row.author, row.body, row.created_at)


def comments(uid: str) -> list[Comment]:
    """The comments on an assessment, oldest first."""
    with db.session_scope() as s:
        arow = _assessment_row(s, uid)
        rows = s.scalars(select(models.CommentRow).where(models.CommentRow.assessment_id == arow.id)
                         .order_by(models.CommentRow.created_at, models.CommentRow.id)).all()
        return [Comment(r.uid, r.item_id, r.author, r.body, r.created_at) for r in rows]
