"""The warehouse as the web app sees it: read-only connections per thread, and a result cache
keyed by the warehouse's identity.

A process opens the warehouse once (:func:`migcap.warehouse.connect`, which builds it if it is
missing or stale) and gives each worker thread its own cursor (DuckDB connections are not
shared between threads). When ``migcap data build`` or an import replaces the file, the next
request notices it (the file is looked at every :data:`RECHECK_SECONDS`), opens the new file
and starts a new cache generation: cached results never outlive the data they came from.

The cache key starts with :attr:`Store.token`, made of the warehouse's build fingerprint, which
changes with every edition added or removed — so the cache is keyed by edition.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import duckdb

__all__ = ["RECHECK_SECONDS", "Cache", "Store"]

RECHECK_SECONDS = 2.0
T = TypeVar("T")


MAX_IDLE = 16


class _Generation:
    """One opened warehouse file: the base connection, its identity and a pool of idle cursors."""

    def __init__(self, path: Path) -> None:
        from migcap.warehouse import connect

        self.base = connect()
        st = path.stat()
        self.stat = (st.st_ino, st.st_mtime_ns, st.st_size)
        meta = dict(self.base.execute("SELECT key, value FROM meta").fetchall())
        self.built_at = meta.get("built_at", "")
        self.fingerprint = meta.get("fingerprint", "")
        self.token = hashlib.sha256(f"{self.fingerprint}|{self.built_at}".encode()).hexdigest()[:16]
        self.latest = {d: e for d, e in self.base.execute(
            "SELECT dataset, arg_max(edition, sort_date) FROM editions GROUP BY dataset ORDER BY dataset"
        ).fetchall()}
        self.idle: list[duckdb.DuckDBPyConnection] = []
        self.lock = threading.Lock()
        self.closed = False

    def close(self) -> None:
        with self.lock:
            self.closed = True
            idle, self.idle = self.idle, []
        for cur in idle:
            cur.close()
        self.base.close()


class Store:
    """Per-process access to the warehouse.

    Cursors are pooled rather than kept per thread, so that they are closed by :meth:`close` (at
    shutdown) and never by a worker thread that exits while the interpreter finalizes.

    Examples
    --------
    >>> store = Store()                                               # doctest: +SKIP
    >>> with store.connection() as con:                               # doctest: +SKIP
    ...     con.execute("select 1").fetchone()
    (1,)
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._gen: _Generation | None = None
        self._checked = 0.0

    @property
    def path(self) -> Path:
        from migcap.config import get_settings

        return get_settings().store_path

    def _current(self) -> _Generation:
        now = time.monotonic()
        gen = self._gen
        if gen is not None and now - self._checked < RECHECK_SECONDS:
            return gen
        with self._lock:
            gen = self._gen
            if gen is not None and time.monotonic() - self._checked < RECHECK_SECONDS:
                return gen
            try:
                st = self.path.stat()
                same = gen is not None and (st.st_ino, st.st_mtime_ns, st.st_size) == gen.stat
            except OSError:
                same = False
            if not same:
                old, self._gen = gen, _Generation(self.path)
                if old is not None:
                    with old.lock:  # cursors in use are closed when they come back
                        old.closed = True
                        idle, old.idle = old.idle, []
                    for cur in idle:
                        cur.close()
                gen = self._gen
            self._checked = time.monotonic()
            assert gen is not None
            return gen

    def open(self) -> None:
        """Open (or build) the warehouse now rather than on the first request."""
        self._current()

    def close(self) -> None:
        """Close every connection (at shutdown)."""
        with self._lock:
            gen, self._gen = self._gen, None
        if gen is not None:
            gen.close()

    @property
    def token(self) -> str:
        """Identity of the warehouse contents (changes when any edition is added or removed)."""
        return self._current().token

    @property
    def built_at(self) -> str:
        return self._current().built_at

    @property
    def latest_editions(self) -> dict[str, str]:
        """Dataset → its latest edition."""
        return dict(self._current().latest)

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the current warehouse for this thread, for the time of a ``with`` block."""
        gen = self._current()
        with gen.lock:
            cur = gen.idle.pop() if gen.idle else None
        if cur is None:
            cur = gen.base.cursor()
        try:
            yield cur
        finally:
            with gen.lock:
                keep = not gen.closed and len(gen.idle) < MAX_IDLE
                if keep:
                    gen.idle.append(cur)
            if not keep:
                cur.close()


class Cache:
    """A thread-safe least-recently-used cache that computes each missing key once.

    When several threads ask for the same missing key at once, one computes it and the others
    wait for its result (errors are not cached: each waiter then tries itself).

    >>> c = Cache(2)
    >>> c.get(("a",), lambda: 1), c.get(("a",), lambda: 2)
    (1, 1)
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._pending: dict[Hashable, threading.Event] = {}
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The cached value of ``key``, computed by ``make()`` if missing."""
        if self.size <= 0:
            return make()
        while True:
            with self._lock:
                if key in self._data:
                    self._data.move_to_end(key)
                    self.hits += 1
                    value: T = self._data[key]
                    return value
                event = self._pending.get(key)
                if event is None:
                    event = self._pending[key] = threading.Event()
                    mine = True
                else:
                    mine = False
            if not mine:
                event.wait(timeout=120)
                with self._lock:
                    if key in self._data:
                        self.hits += 1
                        value = self._data[key]
                        return value
                if self._pending.get(key) is event:
                    continue
                # the computation failed: compute it ourselves (and raise its error)
                return make()
            try:
                self.misses += 1
                value = make()
                with self._lock:
                    self._data[key] = value
                    self._data.move_to_end(key)
                    while len(self._data) > self.size:
                        self._data.popitem(last=False)
                return value
            finally:
                with self._lock:
                    self._pending.pop(key, None)
                event.set()

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)
