"""Personal API tokens: ``mcp_<8 characters>_<secret>``, shown once; the database keeps the digest."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Update, select, update

from migcap import db
from migcap.errors import InputError, NotFound

from .models import ApiTokenRow
from .principals import Principal, _clean_text, _digest, _uid, principal_for_secret

__all__ = [
    "ApiToken",
    "create_api_token",
    "list_api_tokens",
    "principal_for_token",
    "revoke_api_token",
]

TOKEN_TOUCH = timedelta(minutes=1)
_TOKEN = re.compile(r"^mcp_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{20,100})$")


@dataclass(frozen=True)
class ApiToken:
    uid: str
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


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
        done = s.execute(update(ApiTokenRow).where(ApiTokenRow.uid == token_uid,
                                                   ApiTokenRow.user_id == user_id,
                                                   ApiTokenRow.revoked_at.is_(None))
                         .values(revoked_at=db.now()))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise NotFound("no such token")


def principal_for_token(token: str | None) -> Principal | None:
    """The user of an API token, or ``None`` (malformed, unknown, revoked, expired, user deactivated)."""
    if not token or not _TOKEN.match(token):
        return None

    def alive(tok: ApiTokenRow, now: datetime) -> bool:
        return tok.revoked_at is None and (tok.expires_at is None or tok.expires_at > now)

    def touch(tok: ApiTokenRow, now: datetime) -> Update | None:
        if tok.last_used_at is not None and now - tok.last_used_at <= TOKEN_TOUCH:
            return None
        return update(ApiTokenRow).where(ApiTokenRow.id == tok.id).values(last_used_at=now)

    return principal_for_secret(ApiTokenRow, token, alive=alive, touch=touch)
