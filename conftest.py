"""Collection of the package's docstring examples (``--doctest-modules`` on ``src/migcap``).

An example block whose every line is marked ``# doctest: +SKIP`` illustrates a call on the real data
warehouse; it is documentation, not a test, so it is left out of the run rather than reported as a
skipped test. Every other example runs and must print what the docstring says.
"""

from __future__ import annotations

import doctest

import pytest
from _pytest.doctest import DoctestItem


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    illustrations = [item for item in items if isinstance(item, DoctestItem) and item.dtest is not None
                     and all(ex.options.get(doctest.SKIP) for ex in item.dtest.examples)]
    if illustrations:
        config.hook.pytest_deselected(items=illustrations)
        items[:] = [item for item in items if item not in illustrations]
