"""The curated public API of the packages resolves every name it lists."""

from __future__ import annotations

import importlib
import pkgutil

import pytest


@pytest.mark.parametrize("package", ["migcap", "migcap.flows", "migcap.capacity", "migcap.projections",
                                     "migcap.accounts", "migcap.web"])
def test_every_public_name_resolves(package: str) -> None:
    mod = importlib.import_module(package)
    # Importing a submodule binds its name on the package; import them all first so that a name shadowed by
    # a submodule of the same name fails here whatever order the other tests ran in.
    for sub in pkgutil.iter_modules(mod.__path__):
        importlib.import_module(f"{package}.{sub.name}")
    for name in mod.__all__:
        if name == "__version__":
            continue
        value = getattr(mod, name)
        assert not isinstance(value, type(importlib)), f"{package}.{name} is a module, not the API object"
    assert set(dir(mod)) >= set(mod.__all__) - {"__version__"}
