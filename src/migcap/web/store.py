"""The warehouse as the web app sees it: read-only connections per thread, and a result cache
keyed by the warehouse's identity.

A process opens the warehouse once (:func:`migcap.store.warehouse.connect`, which builds it if it is
missing or stale) and gives each worker thread its own cursor (DuckDB connections are not
shared between threads). When ``migcap data build`` or an import replaces the file, the process
notices it — a watcher thread looks at the file every :data:`RECHECK_SECONDS`, and so does the
first request after that time — opens the new file and starts a new cache generation: cached
results never outlive the data they came from.

Each file is opened in a DuckDB database of its own (``connect(private=True)``): DuckDB hands
out the database already open for a path while any connection to it lives, so an ordinary
``duckdb.connect(path)`` would go on reading the replaced (deleted) file. The old generation is
closed when the last cursor in use comes back, which releases the old file and its disk space.

The cache key starts with :attr:`Store.token`, made of the warehouse's build fingerprint, which
changes with every edition added or removed — so the cache is keyed by edition.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from migcap.errors import MigcapError

if TYPE_CHECKING:
    import duckdb

__all__ = ["RECHECK_SECONDS", "Cache", "Store"]

RECHECK_SECONDS = 1.0
T = TypeVar("T")

log = logging.getLogger("migcap.web")

MAX_IDLE = 16


def _identity(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return st.st_ino, st.st_mtime_ns, st.st_size


class _Generation:
    """One opened warehouse file: the base connection, its identity and a pool of idle cursors.

    Once :meth:`retire` is called the generation hands out no more cursors; its base connection (and
    with it the file) is closed when the last cursor in use comes back.
    """

    def __init__(self, path: Path) -> None:
        from migcap.store.warehouse import connect

        self.base = connect(private=True)
        self.stat = _identity(path)
        meta = dict(self.base.execute("SELECT key, value FROM meta").fetchall())
        self.built_at = meta.get("built_at", "")
        self.fingerprint = meta.get("fingerprint", "")
        self.token = hashlib.sha256(f"{self.fingerprint}|{self.built_at}".encode()).hexdigest()[:16]
        self.latest = {d: e for d, e in self.base.execute(
            "SELECT dataset, arg_max(edition, sort_date) FROM editions GROUP BY dataset ORDER BY dataset"
        ).fetchall()}
        self.idle: list[duckdb.DuckDBPyConnection] = []
        self.in_use = 0
        self.lock = threading.Lock()
        self.closed = False

    def take(self) -> duckdb.DuckDBPyConnection | None:
        """A cursor for this thread (from the pool, or new); ``None`` once retired."""
        from migcap.store.warehouse import cursor

        with self.lock:
            if self.closed:
                return None
            self.in_use += 1
            cur = self.idle.pop() if self.idle else None
        if cur is None:
            try:
                cur = cursor(self.base)
            except BaseException:
                self.give_back(None)
                raise
        return cur

    def give_back(self, cur: duckdb.DuckDBPyConnection | None) -> None:
        """Return a cursor; the last one back after :meth:`retire` closes the generation."""
        with self.lock:
            self.in_use -= 1
            keep = cur is not None and not self.closed and len(self.idle) < MAX_IDLE
            if keep:
                self.idle.append(cur)  # type: ignore[arg-type]
            last = self.closed and self.in_use == 0
        if cur is not None and not keep:
            cur.close()
        if last:
            self._close_base()

    def retire(self) -> None:
        """No more cursors from here: close the idle ones now, the base when the last in use is back."""
        with self.lock:
            self.closed = True
            idle, self.idle = self.idle, []
            last = self.in_use == 0
        for cur in idle:
            cur.close()
        if last:
            self._close_base()

    def _close_base(self) -> None:
        with contextlib.suppress(Exception):  # closed already
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
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    @property
    def path(self) -> Path:
        from migcap.config import get_settings

        return get_settings().store_path

    def _current(self, *, force: bool = False) -> _Generation:
        now = time.monotonic()
        gen = self._gen
        if not force and gen is not None and now - self._checked < RECHECK_SECONDS:
            return gen
        with self._lock:
            gen = self._gen
            if not force and gen is not None and time.monotonic() - self._checked < RECHECK_SECONDS:
                return gen
            try:
                same = gen is not None and _identity(self.path) == gen.stat
            except OSError:
                same = False
            if not same:
                old, self._gen = gen, _Generation(self.path)
                if old is not None:
                    old.retire()  # cursors in use are closed when they come back, then the file
                    log.info("new warehouse opened", extra={"fields": {"token": self._gen.token,
                                                                        "built_at": self._gen.built_at}})
                gen = self._gen
            self._checked = time.monotonic()
            assert gen is not None
            return gen

    def _watch(self) -> None:
        while not self._stop.wait(RECHECK_SECONDS):
            try:
                self._current(force=True)
            except MigcapError as exc:
                log.error("the new warehouse cannot be opened", extra={"fields": {"error": str(exc)}})
            except Exception:
                log.exception("looking for a new warehouse failed")

    def open(self, *, watch: bool = False) -> None:
        """Open (or build) the warehouse now rather than on the first request.

        Parameters
        ----------
        watch
            Also start a thread that opens a new warehouse file within :data:`RECHECK_SECONDS` of its
            arrival, whether or not requests come (so that the old file is released); :meth:`close`
            stops it.
        """
        if watch and self._watcher is None:
            self._stop.clear()
            self._watcher = threading.Thread(target=self._watch, name="migcap-store-watch", daemon=True)
            self._watcher.start()
        self._current()

    def close(self) -> None:
        """Stop the watcher and close every connection (at shutdown)."""
        self._stop.set()
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.join(timeout=10)
        with self._lock:
            gen, self._gen = self._gen, None
        if gen is not None:
            gen.retire()

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
        while True:
            gen = self._current()
            cur = gen.take()
            if cur is not None:
                break  # else a new file came between the two lines: take from the new generation
        try:
            yield cur
        finally:
            gen.give_back(cur)


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
