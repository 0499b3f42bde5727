"""Golden outputs for behaviour-preserving changes: run a list of commands, API routes and pages on a fresh
data folder and write what they print, with dates, times, durations and temporary paths normalised.

Usage::

    python tools/golden.py OUT_DIR            # capture (builds a warehouse in a temporary folder)
    diff -r BEFORE_DIR AFTER_DIR              # compare two captures

A capture takes a few minutes: every command runs in its own process, as a user runs it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# commands that print evidence, inventories and estimates (every command's --help is added by walking the
# tree)
COMMANDS = [
    "overview --area WLD", "overview --area KEN --format json",
    "overview --area 'Middle East' --scheme wmr2010",
    "overview --area Philippines --format md", "facts --area KEN", "stocks --by region",
    "stocks --by region --format csv", "stocks --by region --scheme un-geo --year 2020 --format json",
    "stocks --by country --year 2019 --edition 2019 --format csv",
    "matrix --scheme wmr2010 --year 2019 --format csv",
    "crisis --indicator remittances_received --shock 2009 --by region --scheme wmr2010",
    "crisis --indicator remittances_received --shock 2020 --by country --format csv",
    "data list", "data show migrant_stock 2020", "countries resolve 'Ivory Coast' 384 CIV",
    "countries list --format csv", "schemes list", "schemes show wmr2010 --format csv", "inventory list",
    "inventory show LAB-02", "flows estimate --scheme wmr2010", "flows estimate --totals",
    "flows estimate --period 2015-2019 --method diff --scheme un-geo --format json", "stocks --by nowhere",
    "overview --area Atlantis", "matrix --year 1800",
]
# pages and API routes with path parameters, filled in; every other GET route is taken from the app itself
FILLED = {"/area/{code}": ["/area/KEN", "/area/AFR"], "/capacity/{item_id}": ["/capacity/LAB-02"],
          "/api/v1/inventory/{item_id}": ["/api/v1/inventory/LAB-02"]}
SKIP = {"/report/{path:path}", "/projections", "/api/v1/projections"}

_NORMALISE = [
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?"), "<TIME>"),
    (re.compile(r"\b\d+(\.\d+)? ?(ms|s|seconds)\b"), "<DURATION>"),
    (re.compile(r"/tmp/[^\s\"'<>)]+"), "<TMP>"),
    (re.compile(r"\b[0-9a-f]{32,64}\b"), "<HASH>"),
    (re.compile(r"W/\"[^\"]+\""), "<ETAG>"),
    (re.compile(r"/static/[0-9a-f]{10}/"), "/static/<ASSETS>/"),
    (re.compile(r"(csrf[-_]token\"? (content|value)=\")[^\"]+"), r"\1<CSRF>"),  # signed per session
    (re.compile(r"(\"token\": \")[0-9a-f]+"), r"\1<TOKEN>"),  # from the static files' modification times
]
# DuckDB sums in parallel, so the last digits of a float may differ from run to run: compare 10 significant
# digits
_FLOAT = re.compile(r"-?\d+\.\d+(e[-+]?\d+)?")


def normalise(text: str) -> str:
    """Replace what differs from run to run (times, durations, temporary paths, digests)."""
    for pattern, repl in _NORMALISE:
        text = pattern.sub(repl, text)
    return _FLOAT.sub(_ten_digits, text)


def _ten_digits(m: re.Match[str]) -> str:
    digits = sum(c.isdigit() for c in m.group(0).split("e")[0])
    return f"{float(m.group(0)):.10g}" if digits > 10 else m.group(0)


def _name(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", s).strip("_") or "root"


def _run(cmd: str, env: dict[str, str], out: Path) -> None:
    p = subprocess.run(f"migcap {cmd}", shell=True, env=env, capture_output=True, text=True, timeout=600)
    (out / f"{_name(cmd)}.txt").write_text(
        normalise(f"$ migcap {cmd}\nexit {p.returncode}\n{p.stdout}\n{p.stderr}"))


def _command_paths() -> list[str]:
    """Every command and command group of ``migcap``, as the words a user types."""
    import click
    import typer

    from migcap.cli import app

    def walk(cmd: click.Command, words: list[str]) -> list[str]:
        found = [" ".join(words)]
        if isinstance(cmd, click.Group) or hasattr(cmd, "commands"):
            for name, sub in sorted(cmd.commands.items()):
                found += walk(sub, [*words, name])
        return found

    return walk(typer.main.get_command(app), [])


def _get_paths(routes: list) -> list[str]:
    """The paths of every GET route, also of included routers."""
    found = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            found += _get_paths(inner.routes)
        elif "GET" in (getattr(route, "methods", None) or ()):
            found.append(route.path)
    return found


def capture(out: Path) -> None:
    """Write every golden output into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    data = Path(tempfile.mkdtemp(prefix="golden-"))
    env = {**os.environ, "MIGCAP_DATA_DIR": str(data), "COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env["PATH"]
    subprocess.run("migcap data build", shell=True, env=env, check=True, capture_output=True)
    cli = out / "cli"
    cli.mkdir(exist_ok=True)
    jobs = [f"{h} --help".strip() for h in _command_paths()] + COMMANDS
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda c: _run(c, env, cli), jobs))
    os.environ.update({"MIGCAP_DATA_DIR": str(data)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from migcap.web import create_app
    from migcap.web.settings import WebSettings

    settings = WebSettings(report_dir=data / "no-report", report_build="never", warm=False, log_format="text",
                           log_level="warning")
    web = out / "web"
    web.mkdir(exist_ok=True)
    app = create_app(settings)
    routes = sorted({r for path in _get_paths(app.routes) if path not in SKIP
                     for r in FILLED.get(path, [path] if "{" not in path else [])})
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        for route in routes:
            r = client.get(route)
            body = r.text
            if "json" in r.headers.get("content-type", ""):
                body = json.dumps(r.json(), indent=1, sort_keys=True)
            (web / f"{_name(route)}.txt").write_text(normalise(f"GET {route}\n{r.status_code}\n{body}"))
    shutil.rmtree(data, ignore_errors=True)


def renormalise(folder: Path) -> None:
    """Apply :func:`normalise` again to a capture (after its rules changed)."""
    for f in folder.rglob("*.txt"):
        f.write_text(normalise(f.read_text()))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--renormalise":
        renormalise(Path(sys.argv[2]))
    elif len(sys.argv) == 2:
        capture(Path(sys.argv[1]))
    else:
        sys.exit("usage: python tools/golden.py OUT_DIR | --renormalise OUT_DIR")
