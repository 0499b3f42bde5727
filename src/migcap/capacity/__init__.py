"""Capacities for change: the inventory, assessments, the review of gaps and best practice, and
recommendations (see ``docs/capacity.md``).

The public API is imported lazily::

    >>> from migcap import capacity
    >>> capacity.load_inventory().id
    'migcap-wmr2010'
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_API = {
    "load_inventory": "migcap.capacity.inventory",
    "practice_examples": "migcap.capacity.inventory",
    "create_assessment": "migcap.capacity.assessments",
    "get_assessment": "migcap.capacity.assessments",
    "set_item": "migcap.capacity.assessments",
    "history": "migcap.capacity.assessments",
    "import_file": "migcap.capacity.exchange",
    "export_assessment": "migcap.capacity.exchange",
    "migration_profile": "migcap.capacity.profile",
    "review": "migcap.capacity.review",
    "recommend": "migcap.capacity.recommend",
    "load_example": "migcap.capacity.example",
    "upgrade": "migcap.capacity.db",
    "ConflictError": "migcap.errors",
    "ImportRejected": "migcap.errors",
}

__all__ = list(_API)


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'migcap.capacity' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
