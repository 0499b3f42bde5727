"""migcap: migration evidence, flows, projections and capacity assessments.

The public API is imported lazily, so ``import migcap`` stays fast::

    >>> import migcap
    >>> migcap.resolve("Ivory Coast")
    'CIV'
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_API = {
    "resolve": "migcap.countries",
    "country": "migcap.countries",
    "load_scheme": "migcap.schemes",
    "list_schemes": "migcap.schemes",
    "connect": "migcap.warehouse",
    "build": "migcap.warehouse",
    "stocks": "migcap.stocks",
    "aggregate": "migcap.aggregate",
    "import_files": "migcap.imports",
    "MigcapError": "migcap.errors",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'migcap' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
