"""The embedded DuckDB warehouse: build, editions, connections.

The warehouse is one DuckDB file in the user's data folder, built from the
snapshots shipped in the package plus those the user imported. A build writes a
new file beside the old one and swaps it in with an atomic rename, so an
interrupted or failed build leaves the previous store as it was.

Schema (see ``docs/schema.md``, written by ``migcap data schema``):

* ``meta(key, value)`` — schema version, build time, fingerprint of the inputs;
* ``editions`` — one row per dataset edition with its provenance record;
* ``countries`` — the country table; ``schemes`` and ``scheme_members`` — the
  bundled region schemes;
* one table per dataset (:mod:`migcap.datasets`) with an ``edition`` column, and
  ``<dataset>_published`` for the source's own aggregates.

Examples
--------
>>> from migcap.store.warehouse import connect
>>> con = connect()                                     # doctest: +SKIP
>>> con.execute("select count(*) from migrant_stock").fetchone()  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migcap.config import Settings, get_settings, package_data_dir
from migcap.datasets import DATASETS, Dataset
from migcap.errors import EditionError, StoreError
from migcap.provenance import Provenance, edition_date
from migcap.store.snapshots import bundled_dir, iter_snapshots

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "SCHEMA_VERSION",
    "BuildReport",
    "Edition",
    "build",
    "connect",
    "cursor",
    "editions",
    "remove_leftovers",
    "resolve_edition",
    "years_of",
]

SCHEMA_VERSION = "1"
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Edition:
    """One edition of a dataset, as recorded in the warehouse."""

    dataset: str
    edition: str
    released: str | None
    bundled: bool
    rows: int
    provenance: Provenance


@dataclass(frozen=True)
class BuildReport:
    """What a build did."""

    path: Path
    editions: int
    rows: int
    seconds: float


def _inputs(settings: Settings) -> list[tuple[Provenance, Path]]:
    found = list(iter_snapshots(bundled_dir())) + list(iter_snapshots(settings.imports_dir))
    seen: dict[tuple[str, str], Path] = {}
    for prov, path in found:
        key = (prov.dataset, prov.edition)
        if key in seen:
            raise StoreError(
                f"edition {prov.edition} of {prov.dataset} exists twice ({seen[key]} and {path})",
                hint="remove one of the imported copies from the imports folder",
            )
        if prov.dataset not in DATASETS:
            raise StoreError(f"snapshot of an unknown dataset {prov.dataset!r}", file=str(path))
        seen[key] = path
    return found


def _fingerprint(settings: Settings) -> str:
    """A hash of everything a build reads (file names, sizes, modification times)."""
    from migcap import __version__

    h = hashlib.sha256(f"{SCHEMA_VERSION}|{__version__}".encode())
    roots = [bundled_dir(), package_data_dir() / "classifications", settings.imports_dir]
    for root in roots:
        if not root.is_dir():
            continue
        for p in sorted(root.rglob("*")):
            if p.is_file() and not p.name.startswith("."):
                st = p.stat()
                h.update(f"{p.relative_to(root)}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _ddl(name: str, columns: Iterable[Any], keys: list[str]) -> str:
    cols = ", ".join(f'"{c.name}" {c.type}' for c in columns)
    pk = ", ".join(f'"{k}"' for k in ["edition", *keys])
    return f'CREATE TABLE "{name}" (edition VARCHAR NOT NULL, {cols}, PRIMARY KEY ({pk}))'


def _load_snapshot(con: duckdb.DuckDBPyConnection, spec: Dataset, prov: Provenance, parquet: Path) -> int:
    names = ", ".join(f'"{c.name}"' for c in spec.columns)
    con.execute(
        f'INSERT INTO "{spec.name}" (edition, {names}) SELECT ?, {names} FROM read_parquet(?)',
        [prov.edition, str(parquet)],
    )
    published = parquet.with_name(parquet.name.replace(".parquet", ".published.parquet"))
    if spec.published and published.exists():
        pnames = ", ".join(f'"{c.name}"' for c in spec.published_columns)
        con.execute(
            f'INSERT INTO "{spec.published}" (edition, {pnames}) SELECT ?, {pnames} FROM read_parquet(?)',
            [prov.edition, str(published)],
        )
    return prov.rows


def _create_reference_tables(con: duckdb.DuckDBPyConnection) -> None:
    from migcap.geo.countries import country_table
    from migcap.geo.schemes import builtin_schemes, load_scheme

    con.execute(
        "CREATE TABLE countries (iso3 VARCHAR PRIMARY KEY, iso2 VARCHAR, iso_numeric INTEGER, m49 INTEGER, "
        "name VARCHAR, short_name VARCHAR, official_name VARCHAR, un_area BOOLEAN, wb_economy BOOLEAN)"
    )
    con.executemany(
        "INSERT INTO countries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(c.iso3, c.iso2, c.iso_numeric, c.m49, c.name, c.short_name, c.official_name, c.un_area,
          c.wb_economy)
         for c in country_table()],
    )
    con.execute("CREATE TABLE schemes (scheme VARCHAR PRIMARY KEY, title VARCHAR, source VARCHAR, "
                "complete BOOLEAN)")
    con.execute("CREATE TABLE scheme_members (scheme VARCHAR, iso3 VARCHAR, code VARCHAR, name VARCHAR, "
                "PRIMARY KEY (scheme, iso3, code))")
    for name in builtin_schemes():
        s = load_scheme(name)
        con.execute("INSERT INTO schemes VALUES (?, ?, ?, ?)", [s.id, s.title, s.source, s.complete])
        con.executemany("INSERT INTO scheme_members VALUES (?, ?, ?, ?)",
                        [(s.id, iso3, code, s.regions[code]) for iso3, code in s.members])


def build(settings: Settings | None = None, *, progress: Progress | None = None,
          extra: Iterable[tuple[Provenance, Path]] = ()) -> BuildReport:
    """Build the warehouse from the bundled snapshots and the user's imports.

    Parameters
    ----------
    settings
        Where to build (default: :func:`migcap.config.get_settings`).
    progress
        Called as ``progress(step, done, total)``.
    extra
        More snapshots to include (``(provenance, parquet)``), used by imports
        to build with a new edition before committing it.

    Returns
    -------
    BuildReport

    Raises
    ------
    StoreError
        If the data folder cannot be written or an input is inconsistent. The
        previous warehouse, if any, is left as it was.
    """
    import duckdb

    settings = settings or get_settings()
    start = time.perf_counter()
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the data folder ({exc.strerror})",
                         file=str(settings.data_dir)) from None
    inputs = _inputs(settings) + list(extra)
    target = settings.store_path
    remove_leftovers(settings)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.building")
    _remove(tmp)
    total_rows = 0
    try:
        con = duckdb.connect(str(tmp))
        try:
            con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
            con.execute(
                "CREATE TABLE editions (dataset VARCHAR, edition VARCHAR, released DATE, accessed DATE, "
                "sort_date DATE, bundled BOOLEAN, rows BIGINT, title VARCHAR, publisher VARCHAR, licence "
                "VARCHAR, url VARCHAR, provenance JSON, PRIMARY KEY (dataset, edition))"
            )
            _create_reference_tables(con)
            for spec in DATASETS.values():
                con.execute(_ddl(spec.name, spec.columns, spec.key_names))
                if spec.published:
                    con.execute(_ddl(spec.published, spec.published_columns,
                                     [c.name for c in spec.published_keys]))
            for i, (prov, parquet) in enumerate(inputs):
                if progress:
                    progress(f"{prov.dataset} {prov.edition}", i, len(inputs))
                total_rows += _load_snapshot(con, DATASETS[prov.dataset], prov, parquet)
                con.execute(
                    "INSERT INTO editions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [prov.dataset, prov.edition, prov.released, prov.accessed, edition_date(prov),
                     prov.bundled, prov.rows, prov.title,
                     prov.publisher, prov.licence, prov.url, prov.model_dump_json()],
                )
            con.executemany("INSERT INTO meta VALUES (?, ?)", [
                ("schema_version", SCHEMA_VERSION),
                ("built_at", datetime.now(UTC).isoformat(timespec="seconds")),
                ("fingerprint", _fingerprint(settings)),
            ])
            con.execute("CHECKPOINT")
        finally:
            con.close()
        if progress:
            progress("done", len(inputs), len(inputs))
        os.replace(tmp, target)
    except duckdb.Error as exc:
        raise StoreError(f"building the warehouse failed: {exc}", file=str(tmp)) from None
    except OSError as exc:
        raise StoreError(f"cannot write the warehouse ({exc.strerror})", file=str(target)) from None
    finally:
        _remove(tmp)
        _remove(Path(str(tmp) + ".wal"))
    return BuildReport(target, len(inputs), total_rows, time.perf_counter() - start)


def _remove(path: Path) -> None:
    """Remove a file if it is there (and the folder lets us: a read-only one does not)."""
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def remove_leftovers(settings: Settings | None = None) -> list[Path]:
    """Remove the temporary files that killed builds and imports left in the data folder.

    Only files of processes that are gone (:mod:`migcap.tempfiles`): a build's
    ``.warehouse.duckdb.<pid>.building`` and ``.wal``, and the half-written snapshot files
    ``.<name>.<pid>.<random>.tmp`` of an import (older ones without a process id when a day old).
    Every build calls it first.

    Returns
    -------
    list of pathlib.Path
        The files removed.
    """
    from migcap.tempfiles import remove_stale

    settings = settings or get_settings()
    name = re.escape(settings.store_path.name)
    removed = remove_stale(settings.data_dir.glob(f".{settings.store_path.name}.*.building*"),
                           re.compile(rf"\.{name}\.(?P<pid>\d+)\.building(?:\.wal)?"))
    if settings.imports_dir.is_dir():
        removed += remove_stale(settings.imports_dir.glob("*/.*.tmp"),
                                re.compile(r"\..+\.(?P<pid>\d+)\.[a-z0-9_]{8}\.tmp"),
                                legacy=re.compile(r"\..+\.[a-z0-9_]{8}\.tmp"))
    return removed


def _meta(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT key, value FROM meta").fetchall())


_PRIVATE_ALIAS = "warehouse"


def _open(path: Path, private: bool) -> duckdb.DuckDBPyConnection:
    import duckdb

    if not private:
        return duckdb.connect(str(path), read_only=True)
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH ? AS {_PRIVATE_ALIAS} (READ_ONLY)", [str(path)])
        con.execute(f"USE {_PRIVATE_ALIAS}")
    except duckdb.Error:
        con.close()
        raise
    return con


def connect(settings: Settings | None = None, *, rebuild_if_stale: bool = True,
            private: bool = False) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse, building it first if it is missing or out of date.

    "Out of date" means the bundled snapshots, classifications or imports differ
    from those it was built from (e.g. after upgrading migcap).

    Parameters
    ----------
    settings
        Where the warehouse is (default: :func:`migcap.config.get_settings`).
    rebuild_if_stale
        Rebuild a warehouse whose inputs changed since it was built.
    private
        Open the file in a database of this connection's own. ``duckdb.connect(path)`` returns
        the database already open in this process for the same path, as long as any connection
        to it is open — the *old* file, after a build replaced it. A long-lived process that must
        see the new file while connections to the old one are still in use (the web app) opens
        each file privately, and takes cursors with :func:`cursor`.

    Raises
    ------
    StoreError
        If the store cannot be opened or built.
    """
    import duckdb

    settings = settings or get_settings()
    path = settings.store_path
    if not path.exists():
        print("migcap: building the data warehouse (first use)…", file=sys.stderr)
        build(settings)
    try:
        con = _open(path, private)
    except duckdb.Error as exc:
        raise StoreError(f"cannot open the warehouse ({exc})", file=str(path),
                         hint="run 'migcap data build' to rebuild it") from None
    try:
        meta = _meta(con)
    except duckdb.Error:
        meta = {}
    stale = meta.get("schema_version") != SCHEMA_VERSION or (
        rebuild_if_stale and meta.get("fingerprint") != _fingerprint(settings)
    )
    if stale:
        con.close()
        print("migcap: the data changed since the warehouse was built; rebuilding…", file=sys.stderr)
        build(settings)
        con = _open(path, private)
    return con


def cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Another connection to the same database as ``con`` (one per thread), reading the same catalog
    (also for a ``private`` connection of :func:`connect`)."""
    cur = con.cursor()
    row = cur.execute("SELECT current_database()").fetchone()
    # a private connection's cursor starts in its own empty database
    if row is not None and row[0] == "memory":
        cur.execute(f"USE {_PRIVATE_ALIAS}")
    return cur


#: the editions of each open connection's warehouse, read once: a warehouse file is never changed after its
#: build (a rebuild replaces the file, and new connections open the new one)
_EDITIONS: weakref.WeakKeyDictionary[Any, tuple[Edition, ...]] = weakref.WeakKeyDictionary()


def editions(con: duckdb.DuckDBPyConnection, dataset: str | None = None) -> list[Edition]:
    """Editions in the warehouse, newest first within each dataset (read once per connection)."""
    every = _EDITIONS.get(con)
    if every is None:
        rows = con.execute("SELECT dataset, edition, CAST(released AS VARCHAR), bundled, rows, provenance "
                           "FROM editions ORDER BY dataset, sort_date DESC, edition DESC").fetchall()
        every = tuple(Edition(d, e, r, b, n, Provenance.model_validate(json.loads(p)))
                      for d, e, r, b, n, p in rows)
        _EDITIONS[con] = every
    return [e for e in every if dataset is None or e.dataset == dataset]


def resolve_edition(con: duckdb.DuckDBPyConnection, dataset: str, edition: str | None = None, *,
                    indicator: str | None = None) -> str:
    """The edition to use: the one asked for (checked), else the one pinned, else the latest.

    A user pins an edition with ``MIGCAP_EDITION_<DATASET>`` or ``editions.toml`` in the data
    folder (:func:`migcap.config.pinned_edition`). For ``wdi`` with an ``indicator``, the latest
    edition that has that indicator (a pinned one if it has it).

    Raises
    ------
    EditionError
        If the edition does not exist (the message lists those that do).
    """
    eds = editions(con, dataset)
    names = [e.edition for e in eds]
    if not eds:
        raise EditionError(f"no edition of {dataset} in the warehouse", hint="run 'migcap data build'")
    if edition is not None:
        if edition not in names:
            raise EditionError(f"no edition {edition!r} of {dataset}", hint=f"editions: {', '.join(names)}")
        return edition
    from migcap.config import pinned_edition

    pinned = pinned_edition(dataset)
    if pinned is not None and pinned not in names:
        raise EditionError(f"the pinned edition {pinned!r} of {dataset} is not in the warehouse",
                           hint=f"editions: {', '.join(names)}; change MIGCAP_EDITION_{dataset.upper()} or "
                           "editions.toml in the data folder")
    if indicator is not None:
        have = {r[0] for r in con.execute(
            f'SELECT DISTINCT edition FROM "{dataset}" WHERE indicator = ?', [indicator]).fetchall()}
        if pinned in have:
            return str(pinned)
        for e in eds:
            if e.edition in have:
                return e.edition
        raise EditionError(f"no edition of {dataset} has the indicator {indicator}")
    return pinned or names[0]


def matching_edition(con: duckdb.DuckDBPyConnection, dataset: str, edition: str) -> str:
    """The edition of ``dataset`` that goes with ``edition`` of another dataset of the same source: the
    one of the same name if there is one (IMS 2020 stocks with IMS 2020 bilateral stocks), else the default
    (:func:`resolve_edition`)."""
    names = {e.edition for e in editions(con, dataset)}
    return edition if edition in names else resolve_edition(con, dataset)


def years_of(con: duckdb.DuckDBPyConnection, dataset: str, edition: str) -> list[int]:
    """The years of an edition of a dataset (one of :data:`migcap.datasets.DATASETS`), in order."""
    from migcap.datasets import DATASETS

    if dataset not in DATASETS:
        raise EditionError(f"no dataset {dataset!r}")
    sql = f'SELECT DISTINCT year FROM "{dataset}" WHERE edition = ? ORDER BY year'
    return [r[0] for r in con.execute(sql, [edition]).fetchall()]


def source_line(con: duckdb.DuckDBPyConnection, dataset: str, edition: str) -> str:
    """A one-line citation of a dataset edition, for tables and text."""
    found = next((e for e in editions(con, dataset) if e.edition == edition), None)
    if found is None:
        raise EditionError(f"no edition {edition!r} of {dataset}")
    prov = found.provenance
    text = f"{prov.publisher}, {prov.title} ({prov.revision})"
    derived = [t for t in prov.transformation if "derived" in t]
    return text + ("; includes values derived by migcap" if derived else "")
