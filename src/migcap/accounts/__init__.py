"""Accounts, organisations and roles: who may read, edit, review and publish which assessment.

Users belong to organisations (a state's team, an international organization, an NGO) with a
role in each: ``viewer``, ``editor``, ``reviewer`` or ``admin``. Passwords are hashed with
argon2id; browser sessions, invitation links and API tokens are long random secrets of which
the database keeps only a digest. See ``docs/accounts.md``.

The public API is imported lazily::

    >>> from migcap import accounts
    >>> accounts.ROLES
    ('viewer', 'editor', 'reviewer', 'admin')
"""

from __future__ import annotations

from migcap.lazy import lazy_api

_API = {
    "ROLES": "migcap.accounts.principals",
    "Principal": "migcap.accounts.principals",
    "create_user": "migcap.accounts.organisations",
    "create_organisation": "migcap.accounts.organisations",
    "create_admin": "migcap.accounts.organisations",
    "add_member": "migcap.accounts.organisations",
    "invite": "migcap.accounts.invitations",
    "accept_invitation": "migcap.accounts.invitations",
    "login": "migcap.accounts.sessions",
    "principal_for_session": "migcap.accounts.sessions",
    "create_api_token": "migcap.accounts.tokens",
    "principal_for_token": "migcap.accounts.tokens",
}

__all__ = list(_API)


__getattr__, __dir__ = lazy_api(__name__, _API)
