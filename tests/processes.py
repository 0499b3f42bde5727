"""What the server and fit tests (and ``bench/bench_switch.py``) look at in other processes: a process's
descendants, the warehouse files it holds open, and a process that holds a file lock."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["descendants", "lock_held_elsewhere", "warehouse_files"]


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, their children …), read from ``/proc``."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                continue
            out += kids
            todo += kids
    return out


def warehouse_files(pid: int) -> list[str]:
    """What the warehouse file descriptors of a process point to (``… (deleted)`` for a replaced file)."""
    found = []
    for fd in Path(f"/proc/{pid}/fd").glob("*"):
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if "warehouse.duckdb" in target:
            found.append(target)
    return found


@contextmanager
def lock_held_elsewhere(lock: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process that holds an exclusive ``flock`` on ``lock`` for the block (as a fitting worker
    would)."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    code = ("import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); "
            "fcntl.flock(fd, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(120)")
    holder = subprocess.Popen([sys.executable, "-c", code, str(lock)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield holder
    finally:
        holder.kill()
        holder.wait()
