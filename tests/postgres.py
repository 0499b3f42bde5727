"""A throwaway PostgreSQL cluster for the tests: initdb in a temporary folder, a server on a free loopback
port (no Unix socket), a new database per test, everything removed at the end.

PostgreSQL refuses to run as root: when the tests run as root, the cluster belongs to the ``postgres`` user
and its programs run through ``runuser``. The server binaries are looked up on the PATH, then in
``/usr/lib/postgresql/*/bin`` (Debian's ``postgresql`` package; ``make test`` installs it with
``tools/ensure-postgres.sh``). If the cluster cannot be started the tests that need it fail and say why — they
are never skipped.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.webserver import free_port

__all__ = ["PostgresCluster", "pg_cluster"]

INSTALL_HINT = ("install Debian's postgresql package (sh tools/ensure-postgres.sh, which 'make test' runs), "
                "or put initdb and pg_ctl on the PATH")


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for path in sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True):
        if os.access(path, os.X_OK):
            return path
    return None


class PostgresCluster:
    """One PostgreSQL server on 127.0.0.1, owned by this test session."""

    def __init__(self) -> None:
        self.initdb = _binary("initdb")
        self.pg_ctl = _binary("pg_ctl")
        if not self.initdb or not self.pg_ctl:
            raise RuntimeError(f"PostgreSQL's initdb/pg_ctl were not found: {INSTALL_HINT}")
        self.as_root = os.geteuid() == 0
        self.folder = Path(tempfile.mkdtemp(prefix="migcap-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = free_port()
        self.user = "migcap"
        self.password = secrets.token_hex(16)
        self.started = False
        self._databases = 0

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if self.as_root:
            runuser = shutil.which("runuser")
            if runuser is None:
                raise RuntimeError("the tests run as root and PostgreSQL refuses root, but runuser is "
                                   "missing")
            cmd = [runuser, "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)

    def start(self) -> None:
        if self.as_root:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError("the tests run as root and there is no 'postgres' user: "
                                   f"{INSTALL_HINT}") from None
            os.chown(self.folder, pw.pw_uid, pw.pw_gid)
        pwfile = self.folder / "pw"
        pwfile.write_text(self.password + "\n")
        if self.as_root:
            os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
        pwfile.chmod(0o600)
        r = self._run(str(self.initdb), "-D", str(self.data), "-U", self.user, "--auth=scram-sha-256",
                      f"--pwfile={pwfile}", "--encoding=UTF8", "--locale=C", "--no-sync")
        pwfile.unlink()
        if r.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{r.stdout}\n{r.stderr}")
        opts = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories='' "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
                "-c shared_buffers=64MB")
        r = self._run(str(self.pg_ctl), "-D", str(self.data), "-l", str(self.log), "-o", opts,
                      "-w", "-t", "60", "start")
        if r.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"the PostgreSQL server did not start:\n{r.stdout}\n{r.stderr}\n{log}")
        self.started = True
        deadline = time.monotonic() + 30
        while True:
            try:
                self._admin("SELECT 1")
                break
            except Exception as exc:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the PostgreSQL server does not answer: {exc}") from None
                time.sleep(0.2)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}:{self.password}@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=self.user, password=self.password,
                             dbname="postgres", autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def new_database(self) -> str:
        """A new, empty database; returns its SQLAlchemy URL."""
        self._databases += 1
        name = f"t{self._databases}_{secrets.token_hex(3)}"
        self._admin(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        if self.started:
            self._run(str(self.pg_ctl), "-D", str(self.data), "-m", "immediate", "-w", "stop")
            self.started = False
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    """The session's PostgreSQL server (started on first use; a failure to start fails the test, never
    skips)."""
    try:
        cluster = PostgresCluster()
    except RuntimeError as exc:
        pytest.fail(f"PostgreSQL is needed for these tests: {exc}")
    try:
        cluster.start()
    except RuntimeError as exc:
        cluster.stop()
        pytest.fail(f"PostgreSQL is needed for these tests and could not be started: {exc}")
    yield cluster
    cluster.stop()
