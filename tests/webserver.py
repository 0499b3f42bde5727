"""Helpers of the tests that need a real web server on loopback or a real browser."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

__all__ = ["CHROMIUM", "FLAGS", "chromium", "free_port", "web_server"]

CHROMIUM = "/usr/bin/chromium"  # Debian's package: never a browser downloaded by a test tool
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def web_server(env: dict[str, str], log: Path, *args: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``migcap.cli.serve`` on a free loopback port with extra ``args``; yields ``(base URL, process)``.

    Waits for ``/healthz`` (failing the test with the server's log if it does not come up within a minute)
    and stops the server's whole process group at the end, unless the test already killed it.
    """
    port = free_port()
    with log.open("ab") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "migcap.cli.serve", "--host", "127.0.0.1",
                                 "--port", str(port), *args],
                                env={**os.environ, **env}, stdout=fh, stderr=subprocess.STDOUT,
                                start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the web server did not start:\n" + log.read_text())
            time.sleep(0.15)
        yield base, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@contextmanager
def chromium() -> Iterator[Any]:
    """A Playwright browser on Debian's chromium; fails (never skips) if it is not installed."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: the browser tests need Debian's chromium "
                    "(apt-get install chromium; 'make test' installs it).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()
