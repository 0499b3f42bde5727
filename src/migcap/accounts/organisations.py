"""Organisations, users, their memberships and roles, and the one rule of who manages an organisation's
membership (:func:`standing`).

A *site administrator* (``migcap users create-admin``) may also create organisations and invite
their first admin; that gives no right to any organisation's assessments or members (see
:func:`standing`). Passwords are argon2id hashes (:mod:`migcap.accounts.passwords`).

Examples
--------
>>> org = create_organisation("Kenya national team", kind="state", iso3="KEN")      # doctest: +SKIP
>>> admin = create_user("ada@example.org", "Ada", "a long pass phrase")            # doctest: +SKIP
>>> add_member(org.id, admin.id, "admin")                                          # doctest: +SKIP
>>> inv, link_token = invite(org.id, "bo@example.org", "editor", by=principal(admin.id))  # doctest: +SKIP
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from migcap import db
from migcap.errors import InputError, NotFound, PermissionDenied

from .models import MembershipRow, OrganisationRow, UserRow
from .passwords import check_password, hash_password
from .principals import (
    Organisation,
    Principal,
    _clean_text,
    _org,
    _uid,
    check_role,
    normalize_email,
)

__all__ = [
    "KINDS",
    "Member",
    "Standing",
    "User",
    "add_member",
    "create_admin",
    "create_organisation",
    "create_user",
    "get_organisation",
    "list_members",
    "list_organisations",
    "remove_member",
    "set_role",
    "standing",
]

KINDS: dict[str, str] = {"state": "a state's team", "international": "an international organization",
                         "ngo": "a non-governmental organization", "research": "a research institute",
                         "other": "another kind of organisation"}
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Member:
    user_uid: str
    email: str
    name: str
    role: str
    active: bool
    since: datetime


# ------------------------------------------------------------------------------- organisations


def _slug(name: str) -> str:
    base = _SLUG.sub("-", unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
                     .lower()).strip("-")
    return (base or "org")[:48]


def create_organisation(name: str, *, kind: str = "state", iso3: str | None = None, slug: str | None = None,
                        session: Session | None = None) -> Organisation:
    """A new organisation; its slug (used in links) is made from the name unless given."""
    name = _clean_text("organisation name", name, 200)
    if kind not in KINDS:
        raise InputError(f"unknown kind of organisation {kind!r}", hint=f"use one of {', '.join(KINDS)}")
    code = None
    if iso3:
        from migcap.geo.countries import country

        code = country(iso3).iso3
    wanted = _slug(slug or name)

    def _do(s: Session) -> Organisation:
        candidate, n = wanted, 1
        while s.scalars(select(OrganisationRow.id)
                        .where(OrganisationRow.slug == candidate)).first() is not None:
            if slug:
                raise InputError(f"an organisation with the short name {candidate!r} already exists")
            n += 1
            candidate = f"{wanted}-{n}"
        row = OrganisationRow(uid=_uid(), slug=candidate, name=name, kind=kind, iso3=code,
                              created_at=db.now())
        s.add(row)
        s.flush()
        return _org(row)

    if session is not None:
        return _do(session)
    with db.session_scope(write=True) as s:
        return _do(s)


def get_organisation(slug: str) -> Organisation:
    with db.session_scope() as s:
        row = s.scalars(select(OrganisationRow).where(OrganisationRow.slug == slug)).first()
        if row is None:
            raise NotFound(f"no organisation {slug!r}")
        return _org(row)


def list_organisations() -> list[Organisation]:
    with db.session_scope() as s:
        return [_org(r) for r in s.scalars(select(OrganisationRow).order_by(OrganisationRow.name)).all()]


# ----------------------------------------------------------------------------------- users


@dataclass(frozen=True)
class User:
    id: int
    uid: str
    email: str
    name: str
    site_admin: bool


def create_user(email: str, name: str, password: str, *, site_admin: bool = False,
                session: Session | None = None) -> User:
    """A new user (the email must not be taken); the password is checked and hashed."""
    email = normalize_email(email)
    name = _clean_text("name", name, 200)
    check_password(password, email=email, name=name)
    hashed = hash_password(password)

    def _do(s: Session) -> User:
        if s.scalars(select(UserRow.id).where(UserRow.email == email)).first() is not None:
            raise InputError(f"there is already an account for {email}")
        row = UserRow(uid=_uid(), email=email, name=name, password_hash=hashed, site_admin=site_admin,
                      active=True, created_at=db.now())
        s.add(row)
        try:
            with s.begin_nested():
                s.flush()
        except IntegrityError:
            raise InputError(f"there is already an account for {email}") from None
        return User(row.id, row.uid, row.email, row.name, row.site_admin)

    if session is not None:
        return _do(session)
    with db.session_scope(write=True) as s:
        return _do(s)


def add_member(organisation_id: int, user_id: int, role: str, *, session: Session | None = None) -> None:
    """Give a user a role in an organisation (or change it)."""
    role = check_role(role)

    def _do(s: Session) -> None:
        row = s.scalars(select(MembershipRow).where(MembershipRow.user_id == user_id,
                                                    MembershipRow.organisation_id == organisation_id)).first()
        if row is None:
            s.add(MembershipRow(user_id=user_id, organisation_id=organisation_id, role=role,
                                created_at=db.now()))
        else:
            row.role = role
        s.flush()

    if session is not None:
        _do(session)
        return
    with db.session_scope(write=True) as s:
        _do(s)


def create_admin(email: str, name: str, password: str, organisation: str, *, kind: str = "state",
                 iso3: str | None = None) -> tuple[User, Organisation]:
    """Bootstrap: a site administrator who is the admin of an organisation (created if its name is new).

    This is what ``migcap users create-admin`` runs.
    """
    with db.session_scope(write=True) as s:
        existing = s.scalars(select(OrganisationRow)
                             .where(OrganisationRow.slug == _slug(organisation))).first()
        org = (_org(existing) if existing
               else create_organisation(organisation, kind=kind, iso3=iso3, session=s))
        user = create_user(email, name, password, site_admin=True, session=s)
        add_member(org.id, user.id, "admin", session=s)
        return user, org


# ------------------------------------------------------------- who manages an organisation's membership


@dataclass(frozen=True)
class Standing:
    """A user's standing in an organisation (:func:`standing`).

    Attributes
    ----------
    role
        Their role in it (``None``: not a member).
    manage
        What they may do with its membership: ``"admin"`` (an admin of the organisation: invite with any
        role, change roles, remove members, make password-reset links, withdraw invitations),
        ``"first-admin"`` (the site administrator, while the organisation has no admin: invite its first
        admin, see and withdraw those invitations) or ``None`` (nothing).
    admins, members
        How many admins and members it has.
    """

    role: str | None
    manage: str | None
    admins: int
    members: int


def _standing(s: Session, user_id: int | None, organisation_id: int) -> Standing:
    """The one rule of who manages an organisation's membership (see :class:`Standing`), from the database.

    The site administrator's right ends where an organisation has an admin: joins, invitations, role
    changes and removals inside it need an admin *of that organisation*. A deactivated user has no right.
    """
    counts = s.execute(select(func.count(), func.count().filter(MembershipRow.role == "admin"))
                       .where(MembershipRow.organisation_id == organisation_id)).one()
    members, admins = int(counts[0] or 0), int(counts[1] or 0)
    user = s.get(UserRow, user_id) if user_id is not None else None
    if user is None or not user.active:
        return Standing(None, None, admins, members)
    role = s.scalar(select(MembershipRow.role).where(MembershipRow.user_id == user.id,
                                                     MembershipRow.organisation_id == organisation_id))
    if role == "admin":
        manage: str | None = "admin"
    elif user.site_admin and admins == 0:
        manage = "first-admin"
    else:
        manage = None
    return Standing(role, manage, admins, members)


def standing(organisation_id: int, by: Principal) -> Standing:
    """What ``by`` may do with the organisation's membership (for the pages; every change checks it again)."""
    with db.session_scope() as s:
        return _standing(s, by.user_id, organisation_id)


def _require_manager(s: Session, by: Principal, organisation_id: int, *,
                     first_admin: bool = False) -> Standing:
    """Raise unless ``by`` manages the organisation's membership (``first_admin``: the site administrator's
    right to invite the first admin is enough). A user who is neither a member nor the site administrator
    learns nothing: "no such organisation"."""
    st = _standing(s, by.user_id, organisation_id)
    if st.manage == "admin" or (first_admin and st.manage == "first-admin"):
        return st
    if st.role is None and not by.site_admin:
        raise NotFound("no such organisation")
    if st.role is None:
        if st.manage == "first-admin":
            raise PermissionDenied("this organisation has no admin yet: the site administrator may only "
                                   "invite its first admin")
        raise PermissionDenied("the site administrator creates organisations and invites their first admin; "
                               "in an organisation that has an admin, only its admins manage the members")
    raise PermissionDenied(f"your role ({st.role}) does not allow this; it needs admin")


def list_members(organisation_id: int, by: Principal) -> list[Member]:
    """The members of an organisation (for its members only: not for the site administrator as such)."""
    with db.session_scope() as s:
        if _standing(s, by.user_id, organisation_id).role is None:
            raise NotFound("no such organisation")
        rows = s.execute(select(MembershipRow, UserRow).join(UserRow, UserRow.id == MembershipRow.user_id)
                         .where(MembershipRow.organisation_id == organisation_id)
                         .order_by(UserRow.name)).all()
        return [Member(u.uid, u.email, u.name, m.role, u.active, m.created_at) for m, u in rows]


def _admins_left(s: Session, organisation_id: int, without_user: int) -> int:
    return int(s.scalar(select(func.count()).select_from(MembershipRow)
                        .where(MembershipRow.organisation_id == organisation_id,
                               MembershipRow.role == "admin",
                               MembershipRow.user_id != without_user)) or 0)


def _membership(s: Session, organisation_id: int, user_uid: str) -> MembershipRow:
    """The membership of the user ``user_uid`` in an organisation.

    Raises
    ------
    NotFound
        If the user is not a member.
    """
    row = s.execute(select(MembershipRow).join(UserRow, UserRow.id == MembershipRow.user_id)
                    .where(MembershipRow.organisation_id == organisation_id,
                           UserRow.uid == user_uid)).scalar()
    if row is None:
        raise NotFound("no such member")
    return row


def set_role(organisation_id: int, user_uid: str, role: str, *, by: Principal) -> None:
    """Change a member's role (admins only; an organisation always keeps one admin)."""
    role = check_role(role)
    with db.session_scope(write=True) as s:
        _require_manager(s, by, organisation_id)
        row = _membership(s, organisation_id, user_uid)
        if row.role == "admin" and role != "admin" and _admins_left(s, organisation_id, row.user_id) == 0:
            raise InputError("an organisation needs at least one admin: make someone else admin first")
        row.role = role


def remove_member(organisation_id: int, user_uid: str, *, by: Principal) -> None:
    """Remove a member from an organisation (admins only; not the last admin)."""
    with db.session_scope(write=True) as s:
        _require_manager(s, by, organisation_id)
        row = _membership(s, organisation_id, user_uid)
        if row.role == "admin" and _admins_left(s, organisation_id, row.user_id) == 0:
            raise InputError("an organisation needs at least one admin: make someone else admin first")
        s.delete(row)
