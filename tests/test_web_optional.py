"""Optional parts of the web app: a missing one is logged once, a broken one is not hidden."""

from __future__ import annotations

import importlib
import logging
import sys
import types

import pytest

from migcap.web import service


def _broken(name: str) -> types.ModuleType:
    raise RuntimeError(f"{name} is broken")


@pytest.fixture()
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "_missing", set())


def test_a_broken_optional_module_is_not_hidden(fresh: None, monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.import_module

    def fake(name: str, package: str | None = None) -> types.ModuleType:
        if name in ("migcap.projections", "migcap.capacity.inventory"):
            return _broken(name)
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", fake)
    with pytest.raises(RuntimeError, match=r"migcap\.projections is broken"):
        service.detect_optional("auto", "off")
    with pytest.raises(RuntimeError, match=r"migcap\.capacity\.inventory is broken"):
        service.detect_optional("off", "auto")


def test_a_missing_optional_module_is_logged_once(fresh: None, monkeypatch: pytest.MonkeyPatch,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setitem(sys.modules, "migcap.projections", None)  # import raises ModuleNotFoundError
    with caplog.at_level(logging.INFO, logger="migcap.web"):
        first = service.detect_optional("auto", "off")
        second = service.detect_optional("auto", "off")
    assert first.projections is None and second.projections is None
    lines = [r.getMessage() for r in caplog.records if r.name == "migcap.web"]
    assert len(lines) == 1 and lines[0].startswith("optional part migcap.projections not available: ")


def test_present_optional_parts_load_silently(fresh: None, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="migcap.web"):
        found = service.detect_optional()
    assert found.projections is not None and found.capacity is not None
    assert not [r for r in caplog.records if "optional part" in r.getMessage()]
