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

# every command group's help, and the commands that print evidence or inventories
HELP = ["", "data", "data build", "data list", "data show", "data export", "data import", "data remove",
        "data update", "data schema", "overview", "stocks", "matrix", "corridors", "indicators", "crisis",
        "report", "serve", "countries", "countries resolve", "countries list", "schemes", "schemes list",
        "schemes show", "db", "db upgrade", "db backup", "db restore", "users", "flows", "flows estimate",
        "flows demo", "project", "project fit", "project backtest", "inventory", "assess"]
COMMANDS = [
    "overview --area WLD", "overview --area KEN --format json", "overview --area Africa --format markdown",
    "stocks --by region", "stocks --by region --format csv", "stocks --area KEN --format json",
    "matrix --format csv", "corridors --top 15", "indicators --area PHL --format csv",
    "crisis --format csv", "data list", "data show migrant_stock", "countries resolve 'Ivory Coast'",
    "countries list --format csv", "schemes list", "schemes show wmr2010 --format csv",
    "inventory list --format csv", "flows estimate --help", "flows demo --format csv",
]
ROUTES = ["/healthz", "/api/openapi.json", "/api/datasets", "/api/areas", "/api/overview?area=WLD",
          "/api/stocks?by=region", "/api/matrix", "/api/corridors", "/api/crisis",
          "/api/indicators?area=PHL", "/api/inventory", "/", "/explore", "/area/KEN", "/regions",
          "/countries", "/corridors", "/matrix", "/crisis", "/flows", "/capacity", "/data", "/search?q=ken",
          "/api/docs", "/login"]

_NORMALISE = [
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?"), "<TIME>"),
    (re.compile(r"\b\d+(\.\d+)? ?(ms|s|seconds)\b"), "<DURATION>"),
    (re.compile(r"/tmp/[^\s\"'<>)]+"), "<TMP>"),
    (re.compile(r"\b[0-9a-f]{32,64}\b"), "<HASH>"),
    (re.compile(r"W/\"[^\"]+\""), "<ETAG>"),
]


def normalise(text: str) -> str:
    """Replace what differs from run to run (times, durations, temporary paths, digests)."""
    for pattern, repl in _NORMALISE:
        text = pattern.sub(repl, text)
    return text


def _name(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", s).strip("_") or "root"


def _run(cmd: str, env: dict[str, str], out: Path) -> None:
    p = subprocess.run(f"migcap {cmd}", shell=True, env=env, capture_output=True, text=True, timeout=600)
    (out / f"{_name(cmd)}.txt").write_text(normalise(f"$ migcap {cmd}\nexit {p.returncode}\n{p.stdout}\n{p.stderr}"))


def capture(out: Path) -> None:
    """Write every golden output into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    data = Path(tempfile.mkdtemp(prefix="golden-"))
    env = {**os.environ, "MIGCAP_DATA_DIR": str(data), "COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env["PATH"]
    subprocess.run("migcap data build", shell=True, env=env, check=True, capture_output=True)
    cli = out / "cli"
    cli.mkdir(exist_ok=True)
    jobs = [f"{h} --help".strip() for h in HELP] + COMMANDS
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
    with TestClient(create_app(settings), raise_server_exceptions=False, follow_redirects=False) as client:
        for route in ROUTES:
            r = client.get(route)
            body = r.text
            if "json" in r.headers.get("content-type", ""):
                body = json.dumps(r.json(), indent=1, sort_keys=True)
            (web / f"{_name(route)}.txt").write_text(normalise(f"GET {route}\n{r.status_code}\n{body}"))
    shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tools/golden.py OUT_DIR")
    capture(Path(sys.argv[1]))
