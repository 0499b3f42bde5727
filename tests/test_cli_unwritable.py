"""Every command of ``migcap``, with a data folder that cannot be written: a one-line error, never a
traceback.

The commands are read from the command-line app itself, so that a new command cannot be left out:
it fails :func:`test_every_command_has_arguments` until it is given arguments here. Two folders
that cannot be written (tests run as root, where ``chmod`` proves nothing):

* a data folder below a regular file (``<tmp>/file/data``): nothing can be created there;
* a read-only data folder that holds a warehouse, an imported edition and an assessments
  database (:func:`tests.readonly.read_only`): reading works, writing fails.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from migcap.cli import app, main
from tests import layouts
from tests.cli import invoke
from tests.conftest import _clear_caches
from tests.readonly import read_only


def _commands() -> list[str]:
    import typer.main

    out: list[str] = []

    def walk(command: Any, prefix: list[str]) -> None:
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, [*prefix, name])
        else:
            out.append(" ".join(prefix))

    walk(typer.main.get_command(app), [])
    return sorted(out)


COMMANDS = _commands()

#: Commands that write to the prepared data folder (given the arguments below): they must fail (exit 1) when
#: it cannot be written. The others may succeed (they only read, or find nothing to do: 'assess example' when
#: the example is loaded, 'db upgrade' when the database is up to date) or fail with one line.
WRITERS = {"data build", "data import", "data remove", "data update", "assess new", "assess import",
           "db restore", "users create-admin", "users create-org", "users assign", "project fit",
           "assess publish", "assess unpublish", "users reset-password"}


#: a small, quick fit (the model is not looked at, only where it is written)
FIT = ["--iterations", "20", "--burnin", "10", "--chains", "1", "--thin", "2"]


def _arguments(files: dict[str, str], data: Path) -> dict[str, list[str]]:
    """Arguments that make each command do its work (and so write where it writes)."""
    out = Path(files["out"])
    return {
        "stocks": ["--year", "2020"], "revisions": ["--year", "2020"],
        "overview": ["--area", "KEN"], "matrix": [], "crisis": [],
        "facts": ["--area", "KEN"], "remittances corridors": ["--area", "KEN"], "remittances matrix": [],
        "remittances change": ["--area", "KEN"],
        "irregular deaths": ["--area", "MEX", "--years", "2023"],
        "irregular displacement": ["--area", "KEN"], "irregular asylum": ["--area", "SYR"],
        "irregular encounters": ["--area", "MEX", "--fiscal"], "review": ["XHY"], "recommend": ["XHY"],
        "profile": ["KEN"],
        "report": ["--out", str(data / "report"), "--area", "KEN"], "serve": [],
        "flows estimate": ["--period", "2015-2019", "--method", "diff"],
        "project net-migration": ["--area", "KEN", "--draws", "10"],
        "project stock": ["--area", "KEN", "--draws", "10"], "project compare": ["--draws", "10"],
        "project backtest": ["--iterations", "20", "--burnin", "10", "--draws", "10"],
        "project fit": FIT,
        "inventory list": [], "inventory show": ["A1"], "inventory export": [],
        "inventory validate": [files["inventory"]],
        "assess new": ["KEN", "--label", "read-only round"], "assess import": [files["assessment"]],
        "assess export": ["XHY", "--out", str(out / "xhy.xlsx")], "assess history": ["XHY"],
        "assess list": [],
        "assess example": [],
        "data build": [], "data list": [], "data show": ["wdi"], "data aggregates": [],
        "data export": ["wdi", "--out", str(out / "w.csv")],
        "data import": [files["wdi"], "--source", "wdi", "--edition", "readonly"],
        "data remove": ["wdi", "imported"], "data update": ["--source", "wdi"], "data schema": [],
        "countries resolve": ["Kenya"], "countries list": [], "schemes list": [], "schemes show": ["wmr2010"],
        "db upgrade": [], "db backup": [str(out / "backup.zip")],
        "db restore": [files["backup"], "--replace"],
        "users create-admin": ["admin2@example.org", "--org", "Read-only team"],
        "users create-org": ["Another team"], "users orgs": [],
        "users assign": [files["assessment_id"], "--org", "kenya-team"],
        "assess publish": [files["draft_id"], "--by", "Focal point"],
        "assess unpublish": [files["published_id"], "--by", "Focal point"],
        "users unlock": ["admin@example.org"], "users reset-password": ["admin@example.org"],
    }


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], data: Path, command: str,
         args: list[str]) -> tuple[int, str, str]:
    import logging

    import uvicorn

    from migcap import db
    from migcap.store import fetch as update
    from migcap.web import logs

    monkeypatch.setenv("MIGCAP_DATA_DIR", str(data))
    monkeypatch.setenv("MIGCAP_ADMIN_PASSWORD", "a long enough password")
    monkeypatch.delenv("MIGCAP_DATABASE_URL", raising=False)
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, *a, **k: None)  # serve: start, do not listen
    real_fetch = update.fetch
    monkeypatch.setattr(update, "fetch", lambda source, folder, http_get=None: real_fetch(
        source, folder, http_get=_recorded_wdi))
    monkeypatch.setattr(logs, "_CONFIGURED", {})  # serve logs to this test's standard error …
    loggers = {name: (list(logging.getLogger(name).handlers), logging.getLogger(name).propagate)
               for name in ("migcap.web", "uvicorn", "uvicorn.error")}
    db.dispose_engines()
    _clear_caches()
    try:
        return invoke(main, capsys, *command.split(), *args)
    finally:
        db.dispose_engines()
        _clear_caches()
        for name, (handlers, propagate) in loggers.items():  # … and no longer once it is closed
            logging.getLogger(name).handlers[:] = handlers
            logging.getLogger(name).propagate = propagate


def _recorded_wdi(url: str) -> bytes:
    import json

    code = url.split("/indicator/")[1].split("?")[0]
    recorded = Path(__file__).parent / "data" / "recorded" / f"wdi_{code}.json"
    if not recorded.exists():
        return json.dumps([{"page": 1, "pages": 1, "lastupdated": "2025-07-01"}, []]).encode()
    return recorded.read_bytes()


def _one_line_error(code: int, err: str) -> None:
    assert "Traceback" not in err and code in (0, 1), err
    if code == 1:
        errors = [line for line in err.splitlines() if line.strip()]
        assert errors and errors[-1].startswith("error: "), err
        assert sum(line.startswith("error: ") for line in errors) == 1, err


@pytest.fixture(scope="module")
def prepared(session_store: Path,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """A data folder with a warehouse, an imported WDI edition and an assessments database, and input
    files."""
    from migcap import db

    base = tmp_path_factory.mktemp("unwritable")
    data, files_dir = base / "data", base / "files"
    data.mkdir()
    files_dir.mkdir()
    shutil.copy(session_store / "warehouse.duckdb", data / "warehouse.duckdb")
    files = {"out": str(base / "out"), "wdi": str(layouts.wdi_xlsx(files_dir / "wdi.xlsx"))}
    (base / "out").mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MIGCAP_DATA_DIR", str(data))
        mp.setenv("MIGCAP_ADMIN_PASSWORD", "a long enough password")
        mp.delenv("MIGCAP_DATABASE_URL", raising=False)
        _clear_caches()
        for args in (["data", "import", files["wdi"], "--source", "wdi", "--edition", "imported"],
                     ["assess", "example"],
                     ["project", "fit", *FIT],
                     ["users", "create-org", "Kenya team", "--iso3", "KEN"],
                     ["users", "create-admin", "admin@example.org", "--org", "Kenya team"],
                     ["assess", "export", "XHY", "--format", "yaml", "--out", str(files_dir / "xhy.yaml")],
                     ["inventory", "export", "--format", "yaml", "--out", str(files_dir / "inventory.yaml")],
                     ["db", "backup", str(files_dir / "backup.zip")]):
            code, _, err = _quiet(args)
            assert code == 0, (args, err)
        from migcap.capacity.assessments import find_assessments

        files["assessment_id"] = find_assessments("XHY")[0].uid
        # a draft of the organisation (to publish) and a published assessment (to unpublish)
        for label in ("draft round", "published round"):
            assert _quiet(["assess", "new", "KEN", "--label", label])[0] == 0
        draft, published = (a.uid for a in find_assessments("KEN")[-2:])
        for args in (["users", "assign", draft, "--org", "kenya-team"],
                     ["users", "assign", published, "--org", "kenya-team"],
                     ["assess", "publish", published, "--by", "Focal point"]):
            code, _, err = _quiet(args)
            assert code == 0, (args, err)
        files.update(draft_id=draft, published_id=published)
        db.dispose_engines()
    _clear_caches()
    exported = files_dir / "xhy.yaml"
    exported.write_text(exported.read_text().replace("  notes: ''",
                                                     "  notes: 'written on a read-only folder'", 1))
    files.update(assessment=str(exported), inventory=str(files_dir / "inventory.yaml"),
                 backup=str(files_dir / "backup.zip"))
    yield data, files


def _quiet(args: list[str]) -> tuple[int, str, str]:
    """Exit status, standard output and error of ``migcap args`` (a module fixture has no capsys)."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(args)
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def _listing(folder: Path) -> dict[str, tuple[int, int]]:
    """Size and time of every file, but SQLite's shared-memory index (``-shm``) and an empty log (``-wal``),
    which SQLite itself makes when it opens a database (the simulation cannot stop it; nothing is written)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        st = p.stat()
        if p.is_file() and not p.name.endswith("-shm") and not (p.name.endswith("-wal") and st.st_size == 0):
            out[str(p.relative_to(folder))] = (st.st_size, st.st_mtime_ns)
    return out


def test_every_command_has_arguments(prepared: tuple[Path, dict[str, str]]) -> None:
    data, files = prepared
    table = _arguments(files, data)
    assert set(COMMANDS) - set(table) == set(), "give the new command(s) arguments in _arguments"
    assert set(COMMANDS) >= WRITERS


@pytest.mark.parametrize("command", COMMANDS)
def test_data_folder_below_a_file(command: str, prepared: tuple[Path, dict[str, str]], tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    _, files = prepared
    (tmp_path / "file").write_text("a regular file")
    data = tmp_path / "file" / "data"
    code, _, err = _run(monkeypatch, capsys, data, command, _arguments(files, data)[command])
    _one_line_error(code, err)
    if command in WRITERS:
        assert code == 1, err


@pytest.mark.parametrize("command", COMMANDS)
def test_read_only_data_folder(command: str, prepared: tuple[Path, dict[str, str]],
                               monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    data, files = prepared
    before = _listing(data)
    read_only(data, monkeypatch)
    code, _, err = _run(monkeypatch, capsys, data, command, _arguments(files, data)[command])
    _one_line_error(code, err)
    if command in WRITERS:
        assert code == 1, err
    assert _listing(data) == before


@pytest.mark.parametrize("command", ["data build", "data import", "assess example", "users create-admin"])
def test_read_only_data_folder_on_first_use(command: str, prepared: tuple[Path, dict[str, str]],
                                            tmp_path: Path, session_store: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """A read-only folder with a warehouse and no assessments database yet: the commands of the report."""
    _, files = prepared
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(session_store / "warehouse.duckdb", data / "warehouse.duckdb")
    before = _listing(data)
    read_only(data, monkeypatch)
    code, _, err = _run(monkeypatch, capsys, data, command, _arguments(files, data)[command])
    _one_line_error(code, err)
    assert code == 1 and str(data) in err, err
    assert _listing(data) == before
