"""Who is asking: the principal (a user and their role in each organisation), the roles and what each allows,
and the one lookup of a user by a secret of which the database keeps only a digest.

Roles, per organisation, each with the rights of the one before:

========  ==============================================================
viewer    reads the organisation's assessments (drafts included)
editor    creates assessments, fills them in, attaches files, comments
reviewer  also publishes an assessment (then it is read-only for everyone)
admin     also invites people, changes roles and removes members
========  ==============================================================

Secrets: session ids, invitation links and API tokens are 256-bit random strings; the database
keeps their SHA-256 digests only (:func:`principal_for_secret` finds a session's or a token's user by it).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Update, select
from sqlalchemy.orm import Session

from migcap import db
from migcap.errors import InputError, MigcapError, NotFound

from .models import ApiTokenRow, MembershipRow, OrganisationRow, SessionRow, UserRow

__all__ = [
    "NEEDS",
    "RANK",
    "ROLES",
    "Organisation",
    "Principal",
    "check_role",
    "normalize_email",
    "principal",
    "principal_for_secret",
]

ROLES: tuple[str, ...] = ("viewer", "editor", "reviewer", "admin")
RANK = {r: i for i, r in enumerate(ROLES)}
#: What each action needs (the lowest role that may do it).
NEEDS: dict[str, str] = {"view": "viewer", "edit": "editor", "comment": "editor", "import": "editor",
                         "create": "editor", "publish": "reviewer", "admin": "admin"}
_EMAIL = re.compile(r"^[^@\s<>\"'\\]+@[^@\s<>\"'\\]+\.[^@\s<>\"'\\]+$")


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


# ------------------------------------------------------------------------ users by their secrets

#: The rows that hold a user's secret as a digest.
_Secret = TypeVar("_Secret", SessionRow, ApiTokenRow)


def principal_for_secret(model: type[_Secret], secret: str, *, alive: Callable[[_Secret, datetime], bool],
                         touch: Callable[[_Secret, datetime], Update | None]) -> Principal | None:
    """The user of a secret that the database keeps as a digest (a session id, an API token), or ``None``.

    Parameters
    ----------
    model
        The table of the secrets (:class:`SessionRow` or :class:`ApiTokenRow`); its row is found by the
        SHA-256 digest of ``secret``.
    alive
        Whether the row still works at the time given (not expired, not revoked).
    touch
        The statement that records the use of the row at the time given, or ``None`` when there is nothing
        to record yet; it runs after the lookup, as bookkeeping a busy database may skip.

    Returns
    -------
    Principal or None
        ``None`` for an unknown secret, a row that is not ``alive`` or a deactivated user.
    """
    now = db.now()
    with db.session_scope() as s:
        found = s.execute(select(model, UserRow).join(UserRow, UserRow.id == model.user_id)
                          .where(model.token_hash == _digest(secret))).first()
        if found is None:
            return None
        row, user = found
        if not alive(row, now) or not user.active:
            return None
        result = _load_principal(s, user)
        statement = touch(row, now)
    if statement is not None:
        _bookkeeping(statement)
    return result


def _bookkeeping(statement: Update) -> None:
    """A write that records use (last seen, last used): a busy database must not refuse the request for it."""
    try:
        with db.session_scope(write=True) as s:
            s.execute(statement)
    except MigcapError:
        pass
