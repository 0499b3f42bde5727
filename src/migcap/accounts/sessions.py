"""Logging in (with its limits on failed attempts and the lock they set), browser sessions and changing a
password. A session id is a random secret of which the database keeps the digest."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import Update, delete, func, select, update
from sqlalchemy.orm import Session

from migcap import db
from migcap.errors import InputError, NotAuthenticated, NotFound, RateLimited

from .models import LoginAttemptRow, SessionRow, UserRow
from .passwords import check_password, dummy_verify, hash_password, needs_rehash, verify_password
from .principals import Principal, _digest, _load_principal, normalize_email, principal_for_secret

__all__ = [
    "change_password",
    "create_session",
    "end_session",
    "login",
    "principal_for_session",
    "unlock",
]

LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_MAX_PER_ACCOUNT = 5
LOGIN_MAX_PER_DEVICE = 5
LOGIN_MAX_PER_CLIENT = 30
SESSION_MAX = timedelta(days=7)
SESSION_TOUCH = timedelta(minutes=5)


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
    """Lift the login lock of an account (``migcap users unlock``): forget its failed logins; returns how
    many."""
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

    def alive(sess: SessionRow, now: datetime) -> bool:
        return sess.expires_at > now and sess.created_at + SESSION_MAX > now

    def touch(sess: SessionRow, now: datetime) -> Update | None:
        if now - sess.last_seen_at <= SESSION_TOUCH:
            return None
        return update(SessionRow).where(SessionRow.id == sess.id).values(
            last_seen_at=now, expires_at=min(now + timedelta(hours=hours), sess.created_at + SESSION_MAX))

    return principal_for_secret(SessionRow, token, alive=alive, touch=touch)


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
