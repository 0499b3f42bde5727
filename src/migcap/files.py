"""Atomic file writing: a temporary file beside the target, renamed into place on success, so that an
interrupted write never leaves half a file (the temporary file's name carries the writer's process id, so
:mod:`migcap.tempfiles` can tell what a killed process left)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from migcap.errors import MigcapError

__all__ = ["atomic_target", "write_atomic"]


@contextmanager
def atomic_target(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; moved onto ``path`` (with the usual file mode) on
    success, removed on failure, so that ``path`` is never half-written."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # the writer's process id in the name: what a killed process leaves can be told (migcap.tempfiles)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp")
        os.close(fd)
    except OSError as exc:
        raise MigcapError(f"cannot write ({exc.strerror})", file=str(path)) from None
    tmp = Path(tmp_name)
    try:
        yield tmp
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # mkstemp makes 0600; a written file gets the usual mode
        os.replace(tmp, path)
    except OSError as exc:
        raise MigcapError(f"cannot write ({exc.strerror})", file=str(path)) from None
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Write bytes to ``path`` through a temporary file in the same folder."""
    with atomic_target(path) as tmp:
        tmp.write_bytes(data)
