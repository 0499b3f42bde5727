"""Users, organisations, roles, invitations, sessions and API tokens.

Roles, per organisation, each with the rights of the one before:

========  ==============================================================
viewer    reads the organisation's assessments (drafts included)
editor    creates assessments, fills them in, attaches files, comments
reviewer  also publishes an assessment (then it is read-only for everyone)
admin     also invites people, changes roles and removes members
========  ==============================================================

A *site administrator* (``migcap users create-admin``) may also create organisations and invite
their first admin; that gives no right to any organisation's assessments or members (see
:func:`standing`, the one rule of who manages an organisation's membership).

Secrets: session ids, invitation links and API tokens are 256-bit random strings; the database
keeps their SHA-256 digests only. Passwords are argon2id hashes (:mod:`migcap.accounts.passwords`).

Examples
--------
>>> org = create_organisation("Kenya national team", kind="state", iso3="KEN")      # doctest: +SKIP
>>> admin = create_user("ada@example.org", "Ada", "a long pass phrase")            # doctest: +SKIP
>>> add_member(org.id, admin.id, "admin")                                          # doctest: +SKIP
>>> inv, link_token = invite(org.id, "bo@example.org", "editor", by=principal(admin.id))  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Update, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from migcap import db
from migcap.errors import (
    InputError,
    InvitationInvalid,
    MigcapError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
)

from .models import (
    ApiTokenRow,
    InvitationRow,
    LoginAttemptRow,
    MembershipRow,
    OrganisationRow,
    SessionRow,
    UserRow,
)
from .passwords import check_password, dummy_verify, hash_password, needs_rehash, verify_password

__all__ = [
    "KINDS",
    "RESET",
    "ROLES",
    "ApiToken",
    "Invitation",
    "Member",
    "Organisation",
    "Principal",
    "Standing",
    "accept_invitation",
    "add_member",
    "change_password",
    "check_role",
    "create_admin",
    "create_api_token",
    "create_organisation",
    "create_session",
    "create_user",
    "end_session",
    "get_organisation",
    "invitation_info",
    "invite",
    "list_api_tokens",
    "list_invitations",
    "list_members",
    "list_organisations",
    "login",
    "normalize_email",
    "principal",
    "principal_for_session",
    "principal_for_token",
    "remove_member",
    "reset_link",
    "revoke_api_token",
    "revoke_invitation",
    "set_role",
    "standing",
    "unlock",
]

ROLES: tuple[str, ...] = ("viewer", "editor", "reviewer", "admin")
RANK = {r: i for i, r in enumerate(ROLES)}
KINDS: dict[str, str] = {"state": "a state's team", "international": "an international organization",
                         "ngo": "a non-governmental organization", "research": "a research institute",
                         "other": "another kind of organisation"}
#: What each action needs (the lowest role that may do it).
NEEDS: dict[str, str] = {"view": "viewer", "edit": "editor", "comment": "editor", "import": "editor",
                         "create": "editor", "publish": "reviewer", "admin": "admin"}

LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_MAX_PER_ACCOUNT = 5
LOGIN_MAX_PER_DEVICE = 5
LOGIN_MAX_PER_CLIENT = 30
SESSION_MAX = timedelta(days=7)
SESSION_TOUCH = timedelta(minutes=5)
TOKEN_TOUCH = timedelta(minutes=1)
MAX_INVITATION_DAYS = 30
MAX_RESET_DAYS = 7
MIN_LINK_DAYS = 1 / 24
#: The "role" of a password-reset link: an invitation row that sets a new password instead of a membership.
RESET = "reset"
_EMAIL = re.compile(r"^[^@\s<>\"'\\]+@[^@\s<>\"'\\]+\.[^@\s<>\"'\\]+$")
_SLUG = re.compile(r"[^a-z0-9]+")
_TOKEN = re.compile(r"^mcp_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{20,100})$")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _uid() -> str:
    return uuid.uuid4().hex


# --------------------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Organisation:
    id: int
    uid: str
    slug: str
    name: str
    kind: str
    iso3: str | None


@dataclass(frozen=True)
class Member:
    user_uid: str
    email: str
    name: str
    role: str
    active: bool
    since: datetime


@dataclass(frozen=True)
class Invitation:
    uid: str
    organisation: Organisation
    email: str
    role: str
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None

    @property
    def is_reset(self) -> bool:
        """A password-reset link (made by an admin or at the command line), not an invitation to join."""
        return self.role == RESET

    @property
    def state(self) -> str:
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= db.now():
            return "expired"
        return "pending"


@dataclass(frozen=True)
class ApiToken:
    uid: str
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class Principal:
    """Who is asking: the user and their role in each organisation (by organisation id)."""

    user_id: int
    uid: str
    email: str
    name: str
    site_admin: bool
    roles: Mapping[int, str] = field(default_factory=dict)
    organisations: Mapping[int, Organisation] = field(default_factory=dict)

    @property
    def display(self) -> str:
        """How the history names this user."""
        return f"{self.name} <{self.email}>"[:200]

    def role_in(self, organisation_id: int | None) -> str | None:
        return self.roles.get(organisation_id) if organisation_id is not None else None

    def can(self, action: str, organisation_id: int | None) -> bool:
        """Whether the user's role in the organisation allows the action (see :data:`NEEDS`)."""
        role = self.role_in(organisation_id)
        return role is not None and RANK[role] >= RANK[NEEDS[action]]

    def orgs_where(self, action: str) -> list[Organisation]:
        return [o for oid, o in sorted(self.organisations.items(), key=lambda x: x[1].name)
                if self.can(action, oid)]


def check_role(role: str) -> str:
    r = role.strip().lower()
    if r not in RANK:
        raise InputError(f"unknown role {role!r}", hint=f"use one of {', '.join(ROLES)}")
    return r


def normalize_email(email: str) -> str:
    """An email address as stored: trimmed, lower case; refused if it does not look like one."""
    e = unicodedata.normalize("NFKC", str(email)).strip().lower()
    if len(e) > 254 or not _EMAIL.match(e):
        raise InputError("not an email address", value=email[:80], hint="e.g. name@ministry.example")
    return e


def _clean_text(label: str, text: str, max_len: int, *, required: bool = True) -> str:
    t = unicodedata.normalize("NFC", str(text)).strip()
    if required and not t:
        raise InputError(f"the {label} is missing")
    if len(t) > max_len:
        raise InputError(f"the {label} is longer than {max_len} characters")
    if any(unicodedata.category(c) == "Cc" for c in t):
        raise InputError(f"the {label} contains control characters")
    return t


def _org(row: OrganisationRow) -> Organisation:
    return Organisation(row.id, row.uid, row.slug, row.name, row.kind, row.iso3)


def _load_principal(s: Session, user: UserRow) -> Principal:
    rows = s.execute(select(MembershipRow.role, OrganisationRow)
                     .join(OrganisationRow, OrganisationRow.id == MembershipRow.organisation_id)
                     .where(MembershipRow.user_id == user.id)).all()
    return Principal(user.id, user.uid, user.email, user.name, user.site_admin,
                     {o.id: role for role, o in rows}, {o.id: _org(o) for _, o in rows})


def principal(user_id: int) -> Principal:
    """The principal of a user by id (for the command line and tests)."""
    with db.session_scope() as s:
        user = s.get(UserRow, user_id)
        if user is None or not user.active:
            raise NotFound("no such user")
        return _load_principal(s, user)


# ------------------------------------------------------------------------------- organisations


def _slug(name: str) -> str:
    base = _SLUG.sub("-", unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()).strip("-")
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
        while s.scalars(select(OrganisationRow.id).where(OrganisationRow.slug == candidate)).first() is not None:
            if slug:
                raise InputError(f"an organisation with the short name {candidate!r} already exists")
            n += 1
            candidate = f"{wanted}-{n}"
        row = OrganisationRow(uid=_uid(), slug=candidate, name=name, kind=kind, iso3=code, created_at=db.now())
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
        row = UserRow(uid=_uid(), email=email, name=name, password_hash=hashed, site_admin=site_admin, active=True,
                      created_at=db.now())
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
            s.add(MembershipRow(user_id=user_id, organisation_id=organisation_id, role=role, created_at=db.now()))
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
        existing = s.scalars(select(OrganisationRow).where(OrganisationRow.slug == _slug(organisation))).first()
        org = _org(existing) if existing else create_organisation(organisation, kind=kind, iso3=iso3, session=s)
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


def _require_manager(s: Session, by: Principal, organisation_id: int, *, first_admin: bool = False) -> Standing:
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
            raise PermissionDenied("this organisation has no admin yet: the site administrator may only invite "
                                   "its first admin")
        raise PermissionDenied("the site administrator creates organisations and invites their first admin; in an "
                               "organisation that has an admin, only its admins manage the members")
    raise PermissionDenied(f"your role ({st.role}) does not allow this; it needs admin")


def list_members(organisation_id: int, by: Principal) -> list[Member]:
    """The members of an organisation (for its members only: not for the site administrator as such)."""
    with db.session_scope() as s:
        if _standing(s, by.user_id, organisation_id).role is None:
            raise NotFound("no such organisation")
        rows = s.execute(select(MembershipRow, UserRow).join(UserRow, UserRow.id == MembershipRow.user_id)
                         .where(MembershipRow.organisation_id == organisation_id).order_by(UserRow.name)).all()
        return [Member(u.uid, u.email, u.name, m.role, u.active, m.created_at) for m, u in rows]


def _admins_left(s: Session, organisation_id: int, without_user: int) -> int:
    return int(s.scalar(select(func.count()).select_from(MembershipRow)
                        .where(MembershipRow.organisation_id == organisation_id, MembershipRow.role == "admin",
                               MembershipRow.user_id != without_user)) or 0)


def set_role(organisation_id: int, user_uid: str, role: str, *, by: Principal) -> None:
    """Change a member's role (admins only; an organisation always keeps one admin)."""
    role = check_role(role)
    with db.session_scope(write=True) as s:
        _require_manager(s, by, organisation_id)
        row = s.execute(select(MembershipRow).join(UserRow, UserRow.id == MembershipRow.user_id)
                        .where(MembershipRow.organisation_id == organisation_id, UserRow.uid == user_uid)).scalar()
        if row is None:
            raise NotFound("no such member")
        if row.role == "admin" and role != "admin" and _admins_left(s, organisation_id, row.user_id) == 0:
            raise InputError("an organisation needs at least one admin: make someone else admin first")
        row.role = role


def remove_member(organisation_id: int, user_uid: str, *, by: Principal) -> None:
    """Remove a member from an organisation (admins only; not the last admin)."""
    with db.session_scope(write=True) as s:
        _require_manager(s, by, organisation_id)
        row = s.execute(select(MembershipRow).join(UserRow, UserRow.id == MembershipRow.user_id)
                        .where(MembershipRow.organisation_id == organisation_id, UserRow.uid == user_uid)).scalar()
        if row is None:
            raise NotFound("no such member")
        if row.role == "admin" and _admins_left(s, organisation_id, row.user_id) == 0:
            raise InputError("an organisation needs at least one admin: make someone else admin first")
        s.delete(row)


# ----------------------------------------------------------------------------- invitations


def _invitation(row: InvitationRow, org: OrganisationRow) -> Invitation:
    return Invitation(row.uid, _org(org), row.email, row.role, row.created_at, row.expires_at, row.accepted_at,
                      row.revoked_at)


def invite(organisation_id: int, email: str, role: str, *, by: Principal, days: float = 7) -> tuple[Invitation, str]:
    """Invite someone into an organisation with a role; returns the invitation and its secret token.

    The token goes into the link ``/invite/<token>`` that the admin sends; it is shown once (the
    database keeps its digest), works once, and expires after ``days`` (1 hour to 30 days). An admin
    of the organisation invites with any role; the site administrator only its first admin, while it has
    none (:func:`standing`).
    """
    email = normalize_email(email)
    role = check_role(role)
    _check_validity(days, MAX_INVITATION_DAYS, "an invitation")
    token = secrets.token_urlsafe(32)
    now = db.now()
    with db.session_scope(write=True) as s:
        st = _require_manager(s, by, organisation_id, first_admin=True)
        if st.manage == "first-admin" and role != "admin":
            raise PermissionDenied("this organisation has no admin yet: the site administrator invites its first "
                                   "admin (role admin), who then invites the others")
        org = s.get(OrganisationRow, organisation_id)
        if org is None:
            raise NotFound("no such organisation")
        member = s.execute(select(MembershipRow.id).join(UserRow, UserRow.id == MembershipRow.user_id)
                           .where(MembershipRow.organisation_id == organisation_id, UserRow.email == email)).first()
        if member is not None:
            raise InputError(f"{email} is already a member of {org.name}")
        row = InvitationRow(uid=_uid(), organisation_id=organisation_id, email=email, role=role,
                            token_hash=_digest(token), created_by=by.user_id, created_at=now,
                            expires_at=now + timedelta(days=days))
        s.add(row)
        s.flush()
        return _invitation(row, org), token


def _check_validity(days: float, max_days: int, what: str) -> None:
    if not MIN_LINK_DAYS <= days <= max_days:  # NaN fails both
        raise InputError(f"{what} is valid for 1 hour to {max_days} days", value=days)


def _may_reset(s: Session, by_user_id: int, target: UserRow) -> str | None:
    """Why ``by`` may not make a password-reset link for ``target`` (``None``: they may).

    Only an admin of *every* organisation the target belongs to may: an admin of one organisation never
    takes over an account that also works in another. The site administrator's own account is reset at
    the command line only.
    """
    if target.site_admin and target.id != by_user_id:
        return "the site administrator's password is reset at the command line ('migcap users reset-password')"
    orgs = s.scalars(select(MembershipRow.organisation_id).where(MembershipRow.user_id == target.id)).all()
    if not orgs:
        return f"{target.email} belongs to no organisation"
    others = [o for o in orgs if _standing(s, by_user_id, o).manage != "admin"]
    if others:
        return (f"{target.email} is also a member of an organisation you are not an admin of; its admin or the "
                "site administrator ('migcap users reset-password') can make the link")
    return None


def _maker_may(s: Session, inv: InvitationRow) -> bool:
    """Whether the user who made an invitation may still make it (links made at the command line: always)."""
    if inv.created_by is None:
        return True
    if inv.role == RESET:
        target = s.scalars(select(UserRow).where(UserRow.email == inv.email)).first()
        return target is not None and _may_reset(s, inv.created_by, target) is None
    manage = _standing(s, inv.created_by, inv.organisation_id).manage
    return manage == "admin" or (manage == "first-admin" and inv.role == "admin")


def _find_invitation(s: Session, token: str) -> tuple[InvitationRow, OrganisationRow]:
    if not token or len(token) > 200:
        raise InvitationInvalid("this invitation link is not valid", hint="ask your organisation's admin for a new one")
    found = s.execute(select(InvitationRow, OrganisationRow)
                      .join(OrganisationRow, OrganisationRow.id == InvitationRow.organisation_id)
                      .where(InvitationRow.token_hash == _digest(token))).first()
    if found is None:
        raise InvitationInvalid("this invitation link is not valid", hint="ask your organisation's admin for a new one")
    inv, org = found
    if inv.accepted_at is not None:
        raise InvitationInvalid("this invitation has already been used",
                                hint="log in with your account, or ask the admin for a new invitation")
    if inv.revoked_at is not None:
        raise InvitationInvalid("this invitation was withdrawn by the organisation's admin")
    if inv.expires_at <= db.now():
        raise InvitationInvalid(f"this invitation expired on {inv.expires_at:%Y-%m-%d %H:%M} UTC",
                                hint="ask your organisation's admin for a new one")
    if not _maker_may(s, inv):
        raise InvitationInvalid("this invitation no longer works: the person who made it may no longer do so "
                                f"for {org.name}", hint="ask the organisation's admin for a new one")
    return inv, org


def invitation_info(token: str) -> tuple[Invitation, bool]:
    """The invitation of a link (refused if unknown, used, withdrawn or expired) and whether its email
    already has an account."""
    with db.session_scope() as s:
        inv, org = _find_invitation(s, token)
        has_account = s.scalars(select(UserRow.id).where(UserRow.email == inv.email)).first() is not None
        return _invitation(inv, org), has_account


def accept_invitation(token: str, *, password: str, name: str | None = None, client: str = "",
                      device: tuple[str, str] | None = None) -> Principal:
    """Accept an invitation: create the account (name and password) or, if the email already has one,
    check its password (rate-limited like a login, ``client`` and ``device`` as for :func:`login`); then
    join the organisation. A password-reset link (:func:`reset_link`) instead sets the new ``password``.
    All in one transaction: a refused invitation (expired, used, withdrawn, made by someone who lost the
    right to make it, wrong password) stores nothing."""
    with db.session_scope() as s:
        inv0 = _find_invitation(s, token)[0]
        email, is_reset = inv0.email, inv0.role == RESET
        existing = s.scalars(select(UserRow).where(UserRow.email == email)).first()
        if is_reset and (existing is None or not existing.active):
            raise InvitationInvalid("this password-reset link is not valid", hint="ask your organisation's admin")
        wrong = False
        if existing is not None and not is_reset:
            keys = _login_keys(email, client, _device_of(existing, device))
            _check_rate(keys)
            wrong = not existing.active or not verify_password(existing.password_hash, password)
    if wrong:
        _record_failure(keys)
        raise NotAuthenticated(f"wrong password for {email}",
                               hint="this email already has an account: enter its password")
    new_hash = None
    if is_reset:
        assert existing is not None
        check_password(password, email=existing.email, name=existing.name)
        new_hash = hash_password(password)
    with db.session_scope(write=True) as s:
        inv, org = _find_invitation(s, token)
        user = s.scalars(select(UserRow).where(UserRow.email == inv.email)).first()
        if user is not None:
            if existing is None or user.id != existing.id:  # made in between: its password was not checked
                raise InvitationInvalid("an account for this email was just created; open the link again")
            user_id = user.id
        elif is_reset:
            raise InvitationInvalid("this password-reset link is not valid", hint="ask your organisation's admin")
        else:
            created = create_user(inv.email, name or "", password, session=s)
            user_id = created.id
        # used once: the UPDATE matches only an invitation nobody accepted in the meantime
        done = s.execute(update(InvitationRow).where(InvitationRow.id == inv.id, InvitationRow.accepted_at.is_(None),
                                                     InvitationRow.revoked_at.is_(None))
                         .values(accepted_at=db.now(), accepted_by=user_id))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise InvitationInvalid("this invitation has already been used")
        if new_hash is not None:  # a reset: the new password, every session ended, the login lock lifted
            s.execute(update(UserRow).where(UserRow.id == user_id).values(password_hash=new_hash))
            s.execute(delete(SessionRow).where(SessionRow.user_id == user_id))
            s.execute(delete(LoginAttemptRow).where(LoginAttemptRow.key == _account_key(inv.email)))
        else:
            current = s.scalars(select(MembershipRow).where(MembershipRow.user_id == user_id,
                                                            MembershipRow.organisation_id == org.id)).first()
            if current is None or RANK[current.role] < RANK[inv.role]:
                add_member(org.id, user_id, inv.role, session=s)
        s.flush()
        row = s.get(UserRow, user_id)
        assert row is not None
        return _load_principal(s, row)


def reset_link(user: str, *, by: Principal | None, organisation_id: int | None = None,
               days: float = 1) -> tuple[Invitation, str]:
    """A single-use link ``/invite/<token>`` with which a user chooses a new password (there is no email server:
    whoever makes it hands it over). Returns its record and token (shown once; the database keeps its digest).

    ``user`` is the email address or the uid of the account.

    ``by=None`` is the site administrator at the command line (``migcap users reset-password``), for any
    account that belongs to an organisation. Otherwise ``by`` must be an admin of every organisation the user
    belongs to (made from ``organisation_id``'s page). Valid for ``days`` (1 hour to 7 days, default 1); a new
    link withdraws the user's earlier ones. Using it sets the password, ends every session of the user and
    lifts the login lock (the API tokens stay; revoke them on the account page).
    """
    by_uid = "@" not in user
    who = UserRow.uid == user if by_uid else UserRow.email == normalize_email(user)
    _check_validity(days, MAX_RESET_DAYS, "a password-reset link")
    token = secrets.token_urlsafe(32)
    now = db.now()
    with db.session_scope(write=True) as s:
        if by is not None:
            if organisation_id is None:
                raise NotFound("no such organisation")
            _require_manager(s, by, organisation_id)
        target = s.scalars(select(UserRow).where(who)).first()
        orgs = [] if target is None else list(s.scalars(
            select(OrganisationRow).join(MembershipRow, MembershipRow.organisation_id == OrganisationRow.id)
            .where(MembershipRow.user_id == target.id).order_by(OrganisationRow.name)).all())
        if by is not None and not any(o.id == organisation_id for o in orgs):
            raise NotFound("no such member")
        if target is None or not target.active:
            raise NotFound("no such user" if by_uid else f"no account for {user.strip().lower()[:254]}")
        address = target.email
        if by is not None:
            why = _may_reset(s, by.user_id, target)
            if why:
                raise PermissionDenied(why)
        if not orgs:
            raise InputError(f"{address} belongs to no organisation", hint="invite them into one instead")
        org = next((o for o in orgs if o.id == organisation_id), orgs[0])
        s.execute(update(InvitationRow).where(InvitationRow.email == address, InvitationRow.role == RESET,
                                              InvitationRow.accepted_at.is_(None), InvitationRow.revoked_at.is_(None))
                  .values(revoked_at=now))
        row = InvitationRow(uid=_uid(), organisation_id=org.id, email=address, role=RESET, token_hash=_digest(token),
                            created_by=by.user_id if by is not None else None, created_at=now,
                            expires_at=now + timedelta(days=days))
        s.add(row)
        s.flush()
        return _invitation(row, org), token


def list_invitations(organisation_id: int, by: Principal) -> list[Invitation]:
    """The invitations and password-reset links of an organisation (for those who manage its membership)."""
    with db.session_scope() as s:
        _require_manager(s, by, organisation_id, first_admin=True)
        rows = s.execute(select(InvitationRow, OrganisationRow)
                         .join(OrganisationRow, OrganisationRow.id == InvitationRow.organisation_id)
                         .where(InvitationRow.organisation_id == organisation_id)
                         .order_by(InvitationRow.created_at.desc())).all()
        return [_invitation(i, o) for i, o in rows]


def revoke_invitation(organisation_id: int, invitation_uid: str, *, by: Principal) -> None:
    """Withdraw a pending invitation or password-reset link."""
    with db.session_scope(write=True) as s:
        _require_manager(s, by, organisation_id, first_admin=True)
        done = s.execute(update(InvitationRow)
                         .where(InvitationRow.uid == invitation_uid, InvitationRow.organisation_id == organisation_id,
                                InvitationRow.accepted_at.is_(None), InvitationRow.revoked_at.is_(None))
                         .values(revoked_at=db.now()))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise NotFound("no pending invitation with this id")


# ------------------------------------------------------------------------------------ login


def _count_failures(s: Session, key: str, since: datetime) -> tuple[int, datetime | None]:
    n, first = s.execute(select(func.count(), func.min(LoginAttemptRow.at))
                         .where(LoginAttemptRow.key == key, LoginAttemptRow.at > since)).one()
    return int(n or 0), first


def _check_rate(keys: list[tuple[str, int]]) -> None:
    now = db.now()
    with db.session_scope() as s:
        for key, limit in keys:
            n, first = _count_failures(s, key, now - LOGIN_WINDOW)
            if n >= limit:
                wait = max(1, int(((first or now) + LOGIN_WINDOW - now).total_seconds()) + 1)
                raise RateLimited("too many failed logins; wait a few minutes before trying again",
                                  retry_after=wait, hint=f"try again in {wait // 60 + 1} minute(s)")


def _record_failure(keys: list[tuple[str, int]]) -> None:
    now = db.now()
    with db.session_scope(write=True) as s:
        s.add_all([LoginAttemptRow(key=k, at=now) for k, _ in keys])
        s.execute(delete(LoginAttemptRow).where(LoginAttemptRow.at < now - timedelta(days=1)))


def _account_key(address: str) -> str:
    return ("account:" + address)[:300]


def _device_of(user: UserRow | None, device: tuple[str, str] | None) -> str | None:
    """The id of a browser that logged in to this user's account before (the web's signed device cookie holds
    ``(user uid, device id)``), or ``None``."""
    if user is None or device is None or device[0] != user.uid or not device[1]:
        return None
    return device[1]


def _login_keys(address: str, client: str, device: str | None) -> list[tuple[str, int]]:
    """What failures are counted against: the account (or, from a browser that logged in to it before, that
    browser), and the client address."""
    first = (("device:" + device)[:300], LOGIN_MAX_PER_DEVICE) if device else (_account_key(address),
                                                                              LOGIN_MAX_PER_ACCOUNT)
    return [first, (("client:" + client)[:300], LOGIN_MAX_PER_CLIENT)]


def login(email: str, password: str, *, client: str = "", device: tuple[str, str] | None = None) -> Principal:
    """Check an email and password; refused after too many failures (per account and per client address).

    Five failures lock the account for 15 minutes — but only for browsers that never logged in to it:
    ``device`` (the ``(user uid, device id)`` of the web's signed device cookie) marks a browser that did, and
    its failures are counted for that browser alone, so that a stranger's guesses cannot lock the owner out.
    A successful login from it lifts the lock; so do ``migcap users unlock`` and a password-reset link.

    Raises
    ------
    RateLimited
        After 5 failed attempts for the account (or that browser), or 30 from the client address, within
        15 minutes (the time to wait is in ``retry_after``).
    NotAuthenticated
        For a wrong email or password (the message does not say which).
    """
    try:
        address = normalize_email(email)
    except InputError:
        address = str(email).strip().lower()[:254]
    with db.session_scope() as s:
        user = s.scalars(select(UserRow).where(UserRow.email == address)).first()
        user_id = user.id if user is not None and user.active else None
        hashed = user.password_hash if user is not None else None
        known = _device_of(user, device)
    keys = _login_keys(address, client, known)
    _check_rate(keys)
    ok = False
    if hashed is None or user_id is None:
        dummy_verify(password)
    else:
        ok = verify_password(hashed, password)
    if not ok:
        _record_failure(keys)
        raise NotAuthenticated("wrong email or password")
    with db.session_scope(write=True) as s:
        s.execute(delete(LoginAttemptRow).where(LoginAttemptRow.key.in_({_account_key(address), keys[0][0]})))
        row = s.get(UserRow, user_id)
        assert row is not None
        row.last_login_at = db.now()
        if needs_rehash(row.password_hash):
            row.password_hash = hash_password(password)
        return _load_principal(s, row)


def unlock(email: str) -> int:
    """Lift the login lock of an account (``migcap users unlock``): forget its failed logins; returns how many."""
    address = normalize_email(email)
    with db.session_scope(write=True) as s:
        if s.scalars(select(UserRow.id).where(UserRow.email == address)).first() is None:
            raise NotFound(f"no account for {address}")
        done = s.execute(delete(LoginAttemptRow).where(LoginAttemptRow.key == _account_key(address)))
        return int(done.rowcount or 0)  # type: ignore[attr-defined]


def change_password(user_id: int, old: str, new: str, *, keep_session: str | None = None) -> None:
    """Change a password (the old one is checked); every other session of the user ends."""
    with db.session_scope() as s:
        row = s.get(UserRow, user_id)
        if row is None:
            raise NotFound("no such user")
        hashed, email, name = row.password_hash, row.email, row.name
    if not verify_password(hashed, old):
        raise NotAuthenticated("the current password is wrong")
    check_password(new, email=email, name=name)
    new_hash = hash_password(new)
    with db.session_scope(write=True) as s:
        s.execute(update(UserRow).where(UserRow.id == user_id).values(password_hash=new_hash))
        q = delete(SessionRow).where(SessionRow.user_id == user_id)
        if keep_session:
            q = q.where(SessionRow.token_hash != _digest(keep_session))
        s.execute(q)


# ---------------------------------------------------------------------------------- sessions


def create_session(user_id: int, *, hours: float = 12, client: str = "") -> str:
    """A new session of the user; returns its id (for the cookie; the database keeps its digest)."""
    token = secrets.token_urlsafe(32)
    now = db.now()
    with db.session_scope(write=True) as s:
        s.add(SessionRow(token_hash=_digest(token), user_id=user_id, created_at=now,
                         expires_at=now + min(timedelta(hours=hours), SESSION_MAX), last_seen_at=now,
                         client=client[:200]))
        s.execute(delete(SessionRow).where(SessionRow.expires_at < now))
    return token


def principal_for_session(token: str | None, *, hours: float = 12) -> Principal | None:
    """The user of a session id, or ``None`` (unknown, expired, user deactivated).

    A session lasts ``hours`` after its last use (extended at most every five minutes), and never
    longer than seven days after the login.
    """
    if not token or len(token) > 100:
        return None
    now = db.now()
    with db.session_scope() as s:
        found = s.execute(select(SessionRow, UserRow).join(UserRow, UserRow.id == SessionRow.user_id)
                          .where(SessionRow.token_hash == _digest(token))).first()
        if found is None:
            return None
        sess, user = found
        if sess.expires_at <= now or sess.created_at + SESSION_MAX <= now or not user.active:
            return None
        result = _load_principal(s, user)
        touch = now - sess.last_seen_at > SESSION_TOUCH
        sid, created = sess.id, sess.created_at
    if touch:
        _bookkeeping(update(SessionRow).where(SessionRow.id == sid).values(
            last_seen_at=now, expires_at=min(now + timedelta(hours=hours), created + SESSION_MAX)))
    return result


def _bookkeeping(statement: Update) -> None:
    """A write that records use (last seen, last used): a busy database must not refuse the request for it."""
    try:
        with db.session_scope(write=True) as s:
            s.execute(statement)
    except MigcapError:
        pass


def end_session(token: str | None, *, everywhere: bool = False) -> None:
    """Log out: end this session (or, ``everywhere``, every session of its user)."""
    if not token:
        return
    with db.session_scope(write=True) as s:
        row = s.scalars(select(SessionRow).where(SessionRow.token_hash == _digest(token))).first()
        if row is None:
            return
        if everywhere:
            s.execute(delete(SessionRow).where(SessionRow.user_id == row.user_id))
        else:
            s.delete(row)


# ---------------------------------------------------------------------------------- API tokens


def create_api_token(user_id: int, name: str, *, days: float | None = None) -> tuple[ApiToken, str]:
    """A personal API token: ``mcp_<8 characters>_<secret>``, shown once; returns it with its record."""
    name = _clean_text("token name", name, 100)
    if days is not None and not 0 < days <= 3650:
        raise InputError("a token is valid for up to ten years", value=days)
    prefix = secrets.token_hex(4)
    token = f"mcp_{prefix}_{secrets.token_urlsafe(32)}"
    now = db.now()
    with db.session_scope(write=True) as s:
        row = ApiTokenRow(uid=_uid(), user_id=user_id, name=name, prefix=prefix, token_hash=_digest(token),
                          created_at=now, expires_at=now + timedelta(days=days) if days else None)
        s.add(row)
        s.flush()
        return ApiToken(row.uid, row.name, row.prefix, row.created_at, row.expires_at, None, None), token


def list_api_tokens(user_id: int) -> list[ApiToken]:
    with db.session_scope() as s:
        rows = s.scalars(select(ApiTokenRow).where(ApiTokenRow.user_id == user_id)
                         .order_by(ApiTokenRow.created_at.desc())).all()
        return [ApiToken(r.uid, r.name, r.prefix, r.created_at, r.expires_at, r.last_used_at, r.revoked_at)
                for r in rows]


def revoke_api_token(user_id: int, token_uid: str) -> None:
    with db.session_scope(write=True) as s:
        done = s.execute(update(ApiTokenRow).where(ApiTokenRow.uid == token_uid, ApiTokenRow.user_id == user_id,
                                                   ApiTokenRow.revoked_at.is_(None)).values(revoked_at=db.now()))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise NotFound("no such token")


def principal_for_token(token: str | None) -> Principal | None:
    """The user of an API token, or ``None`` (malformed, unknown, revoked, expired, user deactivated)."""
    if not token or not _TOKEN.match(token):
        return None
    now = db.now()
    with db.session_scope() as s:
        found = s.execute(select(ApiTokenRow, UserRow).join(UserRow, UserRow.id == ApiTokenRow.user_id)
                          .where(ApiTokenRow.token_hash == _digest(token))).first()
        if found is None:
            return None
        tok, user = found
        if tok.revoked_at is not None or (tok.expires_at is not None and tok.expires_at <= now) or not user.active:
            return None
        result = _load_principal(s, user)
        touch = tok.last_used_at is None or now - tok.last_used_at > TOKEN_TOUCH
        tid = tok.id
    if touch:
        _bookkeeping(update(ApiTokenRow).where(ApiTokenRow.id == tid).values(last_used_at=now))
    return result
