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
    "ROLES": "migcap.accounts.core",
    "Principal": "migcap.accounts.core",
    "create_user": "migcap.accounts.core",
    "create_organisation": "migcap.accounts.core",
    "create_admin": "migcap.accounts.core",
    "add_member": "migcap.accounts.core",
    "invite": "migcap.accounts.core",
    "accept_invitation": "migcap.accounts.core",
    "login": "migcap.accounts.core",
    "principal_for_session": "migcap.accounts.core",
    "create_api_token": "migcap.accounts.core",
    "principal_for_token": "migcap.accounts.core",
}

__all__ = list(_API)


__getattr__, __dir__ = lazy_api(__name__, _API)
