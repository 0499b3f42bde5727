"""Capacities for change: the inventory, assessments, the review of gaps and best practice, and
recommendations (see ``docs/capacity.md``).

The public API is imported lazily::

    >>> from migcap import capacity
    >>> capacity.load_inventory().id
    'migcap-wmr2010'
"""

from __future__ import annotations

from migcap.lazy import lazy_api

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
    "review": "migcap.capacity.reviewing",
    "recommend": "migcap.capacity.recommendations",
    "load_example": "migcap.capacity.example",
    "upgrade": "migcap.db",
    "ConflictError": "migcap.errors",
    "ImportRejected": "migcap.errors",
}

__all__ = list(_API)


__getattr__, __dir__ = lazy_api(__name__, _API)
