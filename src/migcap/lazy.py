"""Lazy public APIs: a package names what it exports and where it lives; nothing is imported until used.

Keeps ``import migcap`` and the command line's start-up fast while ``from migcap.flows import ffs_demo``
still works.

Examples
--------
>>> __getattr__, __dir__ = lazy_api(__name__, {"resolve": "migcap.geo.countries"})   # in a package __init__
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["lazy_api"]


def lazy_api(package: str, api: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for a package whose names ``api`` maps to the modules defining them."""

    def __getattr__(name: str) -> Any:
        if name in api:
            return getattr(import_module(api[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(api)

    return __getattr__, __dir__
