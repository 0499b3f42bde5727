"""Invitations into an organisation and password-reset links: single-use links ``/invite/<token>`` of which
the database keeps the digest, made by those who manage the organisation's membership
(:func:`migcap.accounts.organisations.standing`) or, for a reset, at the command line."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from migcap import db
from migcap.errors import (
    InputError,
    InvitationInvalid,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
)

from .models import (
    InvitationRow,
    LoginAttemptRow,
    MembershipRow,
    OrganisationRow,
    SessionRow,
    UserRow,
)
from .organisations import _require_manager, _standing, add_member, create_user
from .passwords import check_password, hash_password, verify_password
from .principals import (
    RANK,
    Organisation,
    Principal,
    _digest,
    _load_principal,
    _org,
    _uid,
    check_role,
    normalize_email,
)
from .sessions import _account_key, _check_rate, _device_of, _login_keys, _record_failure

__all__ = [
    "RESET",
    "Invitation",
    "accept_invitation",
    "invitation_info",
    "invite",
    "list_invitations",
    "reset_link",
    "revoke_invitation",
]

MAX_INVITATION_DAYS = 30
MAX_RESET_DAYS = 7
MIN_LINK_DAYS = 1 / 24
#: The "role" of a password-reset link: an invitation row that sets a new password instead of a membership.
RESET = "reset"


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


def _invitation(row: InvitationRow, org: OrganisationRow) -> Invitation:
    return Invitation(row.uid, _org(org), row.email, row.role, row.created_at, row.expires_at,
                      row.accepted_at, row.revoked_at)


def invite(organisation_id: int, email: str, role: str, *, by: Principal,
           days: float = 7) -> tuple[Invitation, str]:
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
            raise PermissionDenied("this organisation has no admin yet: the site administrator invites its "
                                   "first admin (role admin), who then invites the others")
        org = s.get(OrganisationRow, organisation_id)
        if org is None:
            raise NotFound("no such organisation")
        member = s.execute(select(MembershipRow.id).join(UserRow, UserRow.id == MembershipRow.user_id)
                           .where(MembershipRow.organisation_id == organisation_id,
                                  UserRow.email == email)).first()
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
        return ("the site administrator's password is reset at the command line "
                "('migcap users reset-password')")
    orgs = s.scalars(select(MembershipRow.organisation_id).where(MembershipRow.user_id == target.id)).all()
    if not orgs:
        return f"{target.email} belongs to no organisation"
    others = [o for o in orgs if _standing(s, by_user_id, o).manage != "admin"]
    if others:
        return (f"{target.email} is also a member of an organisation you are not an admin of; its admin or "
                "the site administrator ('migcap users reset-password') can make the link")
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
        raise InvitationInvalid("this invitation link is not valid",
                                hint="ask your organisation's admin for a new one")
    found = s.execute(select(InvitationRow, OrganisationRow)
                      .join(OrganisationRow, OrganisationRow.id == InvitationRow.organisation_id)
                      .where(InvitationRow.token_hash == _digest(token))).first()
    if found is None:
        raise InvitationInvalid("this invitation link is not valid",
                                hint="ask your organisation's admin for a new one")
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
            raise InvitationInvalid("this password-reset link is not valid",
                                    hint="ask your organisation's admin")
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
            raise InvitationInvalid("this password-reset link is not valid",
                                    hint="ask your organisation's admin")
        else:
            created = create_user(inv.email, name or "", password, session=s)
            user_id = created.id
        # used once: the UPDATE matches only an invitation nobody accepted in the meantime
        done = s.execute(update(InvitationRow).where(InvitationRow.id == inv.id,
                                                     InvitationRow.accepted_at.is_(None),
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
    """A single-use link ``/invite/<token>`` with which a user chooses a new password (there is no email
    server: whoever makes it hands it over). Returns its record and token (shown once; the database keeps
    its digest).

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
                                              InvitationRow.accepted_at.is_(None),
                                              InvitationRow.revoked_at.is_(None))
                  .values(revoked_at=now))
        row = InvitationRow(uid=_uid(), organisation_id=org.id, email=address, role=RESET,
                            token_hash=_digest(token),
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
                         .where(InvitationRow.uid == invitation_uid,
                                InvitationRow.organisation_id == organisation_id,
                                InvitationRow.accepted_at.is_(None), InvitationRow.revoked_at.is_(None))
                         .values(revoked_at=db.now()))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise NotFound("no pending invitation with this id")
