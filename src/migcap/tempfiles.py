"""Temporary files in the data folder that carry the id of the process writing them, and their cleanup.

A process killed while it writes (``kill -9``, the machine's out-of-memory killer, a power cut) cannot
remove its temporary files: a warehouse build leaves ``.warehouse.duckdb.<pid>.building`` and its
``.wal``, the web application an uploaded workbook in ``<data>/tmp``. Their names hold the writer's
process id, so that the next build or start removes the files of processes that are gone
(:func:`remove_stale`), and never those of a process still at work.

The rule assumes that the processes using a data folder run on one machine (process ids are not
unique across machines).

Examples
--------
>>> import os
>>> tagged("upload", ".xlsx").startswith(f"upload.{os.getpid()}.")
True
>>> pid_alive(os.getpid())
True
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from collections.abc import Iterable
from pathlib import Path

__all__ = ["pid_alive", "remove_stale", "tagged"]


def tagged(stem: str, suffix: str = "") -> str:
    """A unique file name ``<stem>.<pid>.<random><suffix>`` that says which process writes it."""
    return f"{stem}.{os.getpid()}.{secrets.token_hex(8)}{suffix}"


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (of any user)."""
    if pid <= 0:
        return True  # not a process id: never taken as gone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, under another user
        return True
    return True


def remove_stale(paths: Iterable[Path], pattern: re.Pattern[str], *, legacy: re.Pattern[str] | None = None,
                 legacy_age: float = 86_400.0) -> list[Path]:
    """Remove the files among ``paths`` whose name matches ``pattern`` and whose writer is gone.

    Parameters
    ----------
    paths
        Candidate files (e.g. a folder's ``glob``).
    pattern
        Matches the names of temporary files, with the writer's process id in the group ``pid``.
    legacy
        Matches names written before they carried a process id: removed when older than
        ``legacy_age`` seconds (no writer holds a temporary file that long).

    Returns
    -------
    list of pathlib.Path
        The files removed. Files that cannot be removed (a read-only folder) are left, silently.
    """
    removed = []
    now = time.time()
    for path in paths:
        m = pattern.fullmatch(path.name)
        if m:
            stale = not pid_alive(int(m.group("pid")))
        elif legacy is not None and legacy.fullmatch(path.name):
            try:
                stale = now - path.stat().st_mtime > legacy_age
            except OSError:
                stale = False
        else:
            continue
        if stale and path.is_file():
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed
