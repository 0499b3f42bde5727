"""A read-only data folder, for tests that run as root (where ``chmod`` does not stop writing).

:func:`read_only` makes every write below a folder fail as on a read-only file system: the Python
calls that create, change or remove files raise ``OSError(EROFS)``; SQLite opens databases there
read-only (``mode=ro``), so that a write fails inside SQLite; DuckDB refuses to open a database
there for writing. Reading goes on as before.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def read_only(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``folder`` (and everything below it) read-only for this test."""
    import duckdb

    root = os.path.abspath(folder)

    def inside(path: Any) -> bool:
        if isinstance(path, int):
            return False
        full = os.path.abspath(os.fsdecode(os.fspath(path)))
        return full == root or full.startswith(root + os.sep)

    def refuse(path: Any) -> OSError:
        return OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(os.fspath(path)))

    def guard(name: str, *, paths: int = 1) -> None:
        real = getattr(os, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if any(inside(a) for a in args[:paths]):
                raise refuse(args[0])
            return real(*args, **kwargs)

        monkeypatch.setattr(os, name, wrapper)

    real_open = os.open

    def os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & _WRITE_FLAGS and inside(path):
            raise refuse(path)
        return real_open(path, flags, *args, **kwargs)

    real_io_open = io.open

    def io_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if any(c in mode for c in "wax+") and inside(file):
            raise refuse(file)
        return real_io_open(file, mode, *args, **kwargs)

    real_mkdir = os.mkdir

    def mkdir(path: Any, *args: Any, **kwargs: Any) -> None:
        if inside(path):
            if os.path.exists(path):
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), os.fsdecode(os.fspath(path)))
            raise refuse(path)
        real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(os, "mkdir", mkdir)
    monkeypatch.setattr(io, "open", io_open)
    monkeypatch.setattr(builtins, "open", io_open)
    for name in ("unlink", "remove", "rmdir", "chmod", "utime", "truncate"):
        guard(name)
    for name in ("rename", "replace", "link", "symlink"):
        guard(name, paths=2)

    real_sqlite = sqlite3.connect

    def sqlite_connect(database: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        if (isinstance(database, str | os.PathLike) and not str(database).startswith("file:")
                and inside(database)):
            kwargs["uri"] = True
            database = f"file:{os.path.abspath(os.fspath(database))}?mode=ro"
        return real_sqlite(database, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", sqlite_connect)
    monkeypatch.setattr(sqlite3.dbapi2, "connect", sqlite_connect)

    real_duckdb = duckdb.connect

    def duckdb_connect(database: Any = ":memory:", read_only: bool = False, *args: Any, **kwargs: Any) -> Any:
        if not read_only and inside(database):
            raise duckdb.IOException(f'IO Error: Cannot open file "{database}": Read-only file system')
        return real_duckdb(database, read_only, *args, **kwargs)

    monkeypatch.setattr(duckdb, "connect", duckdb_connect)
