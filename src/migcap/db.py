"""The database of assessments and accounts: the SQLAlchemy base, engine, session scope and Alembic
migrations.

The tables themselves are defined where they belong: :mod:`migcap.capacity.models` (assessments) and
:mod:`migcap.accounts.models` (users, organisations); both build on :class:`Base` here.

The database is SQLite in the user's data folder by default
(``<data dir>/assessments.sqlite``, in WAL mode) or any SQLAlchemy URL in ``MIGCAP_DATABASE_URL``
(e.g. ``postgresql+psycopg://user@host/migcap``; the driver must be installed).
Its schema is created and upgraded by the Alembic migrations shipped in
``migcap/migrations``: automatically on first use, or explicitly by
:func:`upgrade` (``migcap db upgrade``). Alembic keeps its revision in the table
``capacity_alembic_version`` so that other parts of migcap may use the same database.

Tables
------
``capacity_assessment``
    One assessment (a round) of one state: inventory id and version, declared profile,
    ``revision`` (number of changes so far).
``capacity_entry``
    The current answer per item: level, evidence, notes, assessor, date, and ``version``,
    the optimistic-lock counter: an update must name the version it was based on, and
    fails if the row changed in between (no change is ever lost silently).
``capacity_change``
    The history: one row per changed field (who, when, item, field, old and new value,
    the entry version it produced, and the source — CLI, import file, API).
``capacity_owner``
    Which organisation an assessment belongs to and whether a reviewer has published it
    (``draft`` or ``published``; published assessments are read-only). An assessment without
    a row (made with the command line) belongs to no organisation and is not shown on the web.
``capacity_comment``
    Comments of the team and its reviewer, on the assessment or on one item.
``capacity_attachment``
    Files attached to an item as evidence (stored under ``<data dir>/attachments``).

The accounts tables (users, organisations, memberships, invitations, sessions, API tokens) are
defined in :mod:`migcap.accounts.models` on the same metadata.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    DateTime,
    MetaData,
    TypeDecorator,
    create_engine,
    event,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Session,
    sessionmaker,
)

from migcap.config import get_settings
from migcap.errors import StoreError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

__all__ = [
    "VERSION_TABLE",
    "Base",
    "UTCDateTime",
    "current_revision",
    "database_url",
    "dispose_engines",
    "get_engine",
    "head_revision",
    "now",
    "session_scope",
    "upgrade",
]

VERSION_TABLE = "capacity_alembic_version"
MIGRATIONS = Path(__file__).parent / "migrations"


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always returned timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })


# ------------------------------------------------------------------------------------------ engine

_ENGINES: dict[str, Engine] = {}
_UPGRADED: set[str] = set()
_LOCK = threading.Lock()


def database_url() -> str:
    """The SQLAlchemy URL of the assessments database (``MIGCAP_DATABASE_URL`` or SQLite in the data dir)."""
    settings = get_settings()
    if settings.database_url:
        return settings.database_url
    return f"sqlite:///{settings.data_dir / 'assessments.sqlite'}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling is off; the "begin" event below issues BEGIN. A writing
    # session begins IMMEDIATE: it takes the write lock at the start of its transaction, so two
    # concurrent writers queue (busy timeout) instead of failing half-way; readers never wait.
    # WAL: readers never block the writer nor the writer the readers, and a commit is one append to the
    # log (a process killed at any moment leaves the last committed state). synchronous=NORMAL is safe
    # with WAL: a crash of the process loses nothing committed (a power cut may lose the last commits).
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    if cur.execute("PRAGMA journal_mode").fetchone()[0].lower() not in ("wal", "memory"):
        cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("migcap_write") else "BEGIN")


def _make_engine(url: str) -> Engine:
    is_sqlite = url.startswith("sqlite")
    if is_sqlite and url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        folder = Path(url.removeprefix("sqlite:///")).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder of the assessments database ({exc.strerror})",
                             file=str(folder)) from None
    try:
        engine = create_engine(url, connect_args={"timeout": 30} if is_sqlite else {})
    except Exception as exc:  # unknown dialect, missing driver
        raise StoreError(f"cannot use the assessments database URL ({exc})",
                         hint="check MIGCAP_DATABASE_URL; PostgreSQL needs a driver "
                              "such as psycopg") from None
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest migration shipped with this migcap."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def current_revision(url: str | None = None) -> str | None:
    """The migration the database is at (``None`` for a new, empty database)."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy.exc import SQLAlchemyError

    url = url or database_url()
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn,
                                              opts={"version_table": VERSION_TABLE}).get_current_revision()
    # e.g. SQLite in a folder that cannot be written: "unable to open database file"
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise StoreError(f"cannot open the assessments database ({reason})", file=_display(url)) from None


def _engine(url: str) -> Engine:
    with _LOCK:
        if url not in _ENGINES:
            _ENGINES[url] = _make_engine(url)
        return _ENGINES[url]


def upgrade(url: str | None = None) -> str:
    """Create or upgrade the assessments database to the newest schema; return its revision.

    Safe to call at any time (does nothing when the database is up to date). This is what
    ``migcap db upgrade`` runs.

    Raises
    ------
    StoreError
        If the database cannot be reached or migrated.
    """
    from alembic import command
    from sqlalchemy.exc import SQLAlchemyError

    url = url or database_url()
    engine = _engine(url)
    try:
        with engine.execution_options(migcap_write=True).begin() as conn:
            if conn.dialect.name == "postgresql":  # several processes starting at once migrate one by one
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(4711001)")
            command.upgrade(_alembic_config(conn), "head")
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot migrate the assessments database ({exc.__class__.__name__}: "
                         f"{str(exc).splitlines()[0]})", file=_display(url)) from None
    _UPGRADED.add(url)
    rev = current_revision(url)
    assert rev is not None
    return rev


def _display(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "the database"


def get_engine(url: str | None = None) -> Engine:
    """The engine of the assessments database, migrated to the newest schema on first use."""
    url = url or database_url()
    engine = _engine(url)
    if url not in _UPGRADED:
        if current_revision(url) != head_revision():
            upgrade(url)
        _UPGRADED.add(url)
    return engine


@contextmanager
def session_scope(url: str | None = None, *, write: bool = False) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on any error.

    ``write=True`` for sessions that change data (on SQLite they take the write lock at once).
    ``database is locked`` and connection failures become :class:`~migcap.errors.StoreError`.
    """
    from sqlalchemy.exc import OperationalError

    engine = get_engine(url)
    factory = sessionmaker(engine.execution_options(migcap_write=True) if write else engine,
                           expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except OperationalError as exc:
        session.rollback()
        raise StoreError(f"the assessments database is not available ({str(exc.orig).splitlines()[0]})",
                         file=_display(url or database_url()), hint="try again in a moment") from None
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def dispose_engines() -> None:
    """Close every pooled connection (tests, and processes that switch databases)."""
    with _LOCK:
        for engine in _ENGINES.values():
            engine.dispose()
        _ENGINES.clear()
        _UPGRADED.clear()


def now() -> datetime:
    """The current time in UTC (one place, so that tests may patch it)."""
    return datetime.now(UTC)


