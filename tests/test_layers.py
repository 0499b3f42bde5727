"""The house by layers: the command line stays light to import, the old import paths still work for one
release (with a DeprecationWarning), and the import rules of pyproject.toml hold."""

from __future__ import annotations

import importlib
import pkgutil
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import migcap.cli
from migcap._moved import MOVED

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numpy", "pandas", "duckdb")
COMMAND_MODULES = sorted(m.name for m in pkgutil.iter_modules(migcap.cli.__path__, "migcap.cli.")
                         if m.name not in ("migcap.cli.__main__",))


@pytest.mark.parametrize("module", ["migcap.cli", *COMMAND_MODULES])
def test_importing_a_command_module_loads_no_numpy_pandas_or_duckdb(module: str) -> None:
    code = f"import sys, {module}; print(*[m in sys.modules for m in {HEAVY!r}])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False"] * len(HEAVY), (module, out)


def test_the_command_modules_are_the_groups_of_the_command_line() -> None:
    assert COMMAND_MODULES == ["migcap.cli.accounts", "migcap.cli.app", "migcap.cli.capacity",
                               "migcap.cli.data", "migcap.cli.evidence", "migcap.cli.flows", "migcap.cli.geo",
                               "migcap.cli.irregular", "migcap.cli.options", "migcap.cli.output",
                               "migcap.cli.project", "migcap.cli.remittances", "migcap.cli.reports",
                               "migcap.cli.serve", "migcap.cli.tools"]


@pytest.mark.parametrize("old", sorted(MOVED))
def test_an_old_import_path_works_with_a_deprecation_warning(old: str) -> None:
    sys.modules.pop(old, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(old)
    assert [w.category for w in caught if old in str(w.message)] == [DeprecationWarning]
    assert all(t in str(caught[0].message) for t in MOVED[old])
    # every public name of the new module(s) is reachable through the old one
    for target in MOVED[old]:
        new = importlib.import_module(target)
        for name in getattr(new, "__all__", ()):
            assert getattr(module, name) is getattr(new, name), (old, name)
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        _ = module.nothing_here
    sys.modules.pop(old, None)


def test_the_old_names_of_the_public_api_are_the_new_functions() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from migcap.facts import key_facts
        from migcap.stocks import stocks
        from migcap.warehouse import connect
    from migcap.evidence.overview import key_facts as new_key_facts
    from migcap.evidence.stocks import stocks as new_stocks
    from migcap.store.warehouse import connect as new_connect

    assert (key_facts, stocks, connect) == (new_key_facts, new_stocks, new_connect)
    import migcap

    assert migcap.key_facts is new_key_facts and migcap.connect is new_connect


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("lint-imports")
    return subprocess.run([str(exe), str(tree / "pyproject.toml")], capture_output=True, text=True, cwd=tree,
                          env={"PYTHONPATH": str(tree / "src"), "PATH": str(exe.parent)})


@pytest.mark.parametrize(("module", "line", "contract"), [
    ("evidence/stocks.py", "import migcap.web.service", "Layers"),
    ("flows/apply.py", "import rich", "no screen"),
    ("ingest/wpp.py", "import migcap.store.warehouse", "Readers import only"),
    ("table.py", "import migcap.geo.countries", "Base modules"),
])
def test_breaking_a_rule_of_the_house_fails_the_check(tmp_path: Path, module: str, line: str,
                                                      contract: str) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "src", tree / "src",
                    ignore=shutil.ignore_patterns("data", "__pycache__", "*.egg-info"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    assert _lint_imports(tree).returncode == 0
    path = tree / "src" / "migcap" / module
    path.write_text(path.read_text() + f"\n{line}  # a rule broken on purpose\n")
    result = _lint_imports(tree)
    assert result.returncode == 1
    assert f"{contract}" in result.stdout and "BROKEN" in result.stdout


def test_the_architecture_page_names_files_that_exist() -> None:
    import re

    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:src/migcap/|tools/|tests/|web/|cli/|store/|ingest/|evidence/|reports/"
                           r"|capacity/|geo/)[\w/]*\.(?:py|html))", text))
    assert len(named) > 20
    package = ROOT / "src" / "migcap"
    missing = [n for n in sorted(named)
               if not any((base / n).exists() for base in (ROOT, package, package / "web" / "templates"))]
    assert missing == []
    # and each package of the layers has its row in the table
    for layer in ("cli", "migrations", "web", "reports", "capacity", "accounts", "projections", "flows",
                  "evidence", "store", "ingest", "geo"):
        assert f"| `{layer}/` |" in text, layer
