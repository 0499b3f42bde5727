"""Password hashing (argon2id) and the password rules.

Hashes use argon2-cffi's defaults (argon2id, RFC 9106's low-memory profile: 3 passes over 64 MiB,
4 lanes), about 0.2 s per hash; a hash made with weaker parameters is replaced at the next login.

>>> h = hash_password("correct horse battery staple")
>>> h.startswith("$argon2id$"), verify_password(h, "correct horse battery staple"), verify_password(h, "x")
(True, True, False)
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from migcap.errors import InputError

if TYPE_CHECKING:
    from argon2 import PasswordHasher

__all__ = ["MAX_LENGTH", "MIN_LENGTH", "check_password", "dummy_verify", "hash_password", "needs_rehash",
           "verify_password"]

MIN_LENGTH = 10
MAX_LENGTH = 1024


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher

    return PasswordHasher()


def check_password(password: str, *, email: str = "", name: str = "") -> None:
    """Refuse a password that is too short or too long, or that is the email address or the name."""
    if len(password) < MIN_LENGTH:
        raise InputError(f"the password is too short: use at least {MIN_LENGTH} characters "
                         "(a few words make a good one)")
    if len(password) > MAX_LENGTH:
        raise InputError(f"the password is longer than {MAX_LENGTH} characters")
    if not password.strip():
        raise InputError("the password cannot be only spaces")
    low = password.strip().lower()
    if low in {email.strip().lower(), name.strip().lower(), email.split("@")[0].lower()}:
        raise InputError("the password cannot be your email address or your name")


def hash_password(password: str) -> str:
    """The argon2id hash of a password (with its own random salt)."""
    return _hasher().hash(password)


def verify_password(hashed: str, password: str) -> bool:
    """Whether the password matches the hash (never raises for a wrong password or a damaged hash)."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        return bool(_hasher().verify(hashed, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(hashed: str) -> bool:
    """Whether a hash was made with other (older, weaker) parameters than today's."""
    try:
        return bool(_hasher().check_needs_rehash(hashed))
    except Exception:
        return True


@lru_cache(maxsize=1)
def _dummy() -> str:
    return hash_password("not a password of anyone: only spends the time of a real check")


def dummy_verify(password: str) -> None:
    """Spend the time of a password check, so that a login with an unknown email takes as long as one with
    a known email and a wrong password (no account enumeration by timing)."""
    verify_password(_dummy(), password)
