"""Old import paths of modules that moved when the package took its layers (release 0.2): they keep
working for one release, with a :class:`DeprecationWarning` that names the new place.

>>> import sys, warnings
>>> _ = sys.modules.pop("migcap.stocks", None)  # the warning comes on the first import only
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     from migcap.stocks import stocks
>>> stocks.__module__, caught[0].category.__name__
('migcap.evidence.stocks', 'DeprecationWarning')
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings
from typing import Any

__all__ = ["MOVED", "install"]

# old module -> the module(s) its names now live in (several where a module was split by concern)
MOVED: dict[str, tuple[str, ...]] = {
    "migcap.countries": ("migcap.geo.countries",),
    "migcap.schemes": ("migcap.geo.schemes",),
    "migcap.aggregate": ("migcap.geo.aggregate",),
    "migcap.warehouse": ("migcap.store.warehouse",),
    "migcap.catalog": ("migcap.store.catalog",),
    "migcap.imports": ("migcap.store.editions",),
    "migcap.update": ("migcap.store.fetch",),
    "migcap.snapshots": ("migcap.store.snapshots", "migcap.ingest.snapshot", "migcap.provenance"),
    "migcap.stocks": ("migcap.evidence.stocks",),
    "migcap.indicators": ("migcap.evidence.indicators",),
    "migcap.matrix": ("migcap.evidence.matrix",),
    "migcap.overview": ("migcap.evidence.overview",),
    "migcap.crisis": ("migcap.evidence.crisis",),
    "migcap.facts": ("migcap.evidence.facts", "migcap.evidence.overview"),
    "migcap.output": ("migcap.cli.output", "migcap.files", "migcap.sheets"),
    "migcap.clitools": ("migcap.cli.tools",),
    "migcap.flows.cli": ("migcap.cli.flows",),
    "migcap.projections.cli": ("migcap.cli.project",),
    "migcap.accounts.cli": ("migcap.cli.accounts",),
    "migcap.accounts.access": ("migcap.capacity.access",),
    "migcap.accounts.core": ("migcap.accounts.principals", "migcap.accounts.organisations",
                             "migcap.accounts.invitations", "migcap.accounts.sessions",
                             "migcap.accounts.tokens"),
    "migcap.capacity.cli": ("migcap.cli.capacity",),
    "migcap.capacity.db": ("migcap.db", "migcap.capacity.models"),
    "migcap.web.cli": ("migcap.cli.serve",),
    "migcap.web.pages": ("migcap.web.routes.pages",),
    "migcap.web.api": ("migcap.web.routes.api",),
    "migcap.web.assess_api": ("migcap.web.routes.assess_api",),
    "migcap.web.assess_pages": ("migcap.web.routes.assess_pages",),
    "migcap.web.accounts_pages": ("migcap.web.routes.accounts",),
    "migcap.web.private": ("migcap.web.routes.private",),
    "migcap.web.report": ("migcap.web.routes.report",),
}


class _Forward(types.ModuleType):
    """An old module: each name is looked up in the new module(s)."""

    _targets: tuple[str, ...]

    def __getattr__(self, name: str) -> Any:
        for target in self._targets:
            module = importlib.import_module(target)
            if hasattr(module, name):
                return getattr(module, name)
        raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")

    def __dir__(self) -> list[str]:
        return sorted({n for t in self._targets for n in dir(importlib.import_module(t))})


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname: str, path: Any = None,
                  target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = _Forward(spec.name)
        module._targets = MOVED[spec.name]
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        new = " and ".join(MOVED[module.__name__])
        warnings.warn(f"{module.__name__} moved to {new}; the old path goes in the next release",
                      DeprecationWarning, stacklevel=2)


_FINDER = _Finder()


def install() -> None:
    """Make the old paths importable (done once by ``import migcap``)."""
    if _FINDER not in sys.meta_path:
        sys.meta_path.append(_FINDER)
