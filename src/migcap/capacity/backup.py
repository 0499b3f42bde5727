"""Backup and restore of the assessments database and its attachments (``migcap db backup``/``restore``).

A backup is one zip file, the same whatever the database (SQLite or PostgreSQL), so it also moves an
installation from one to the other:

``manifest.json``
    ``format`` (``migcap-backup/1``), the schema ``revision``, when it was made, the number of rows
    of every table and the attachments.
``tables/<table>.jsonl``
    Every row of every table as a JSON object (timestamps in ISO 8601, UTC).
``attachments/<assessment id>/<stored name>``
    The attached files.

The rows are read in one transaction, so the backup is a consistent snapshot even while people
work. Restore is all or nothing: in one transaction the schema is rebuilt at the backup's revision,
the rows are loaded and the schema is upgraded to this migcap's newest revision; the attachments
folder is replaced only after that succeeded. Restoring over a database that holds data needs
``replace=True`` (``--replace``).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from migcap import db
from migcap.errors import InputError, MigcapError

__all__ = ["FORMAT", "BackupReport", "backup", "restore"]

FORMAT = "migcap-backup/1"
_MEMBER = re.compile(r"^attachments/([0-9A-Za-z-]{8,36})/([0-9a-f]{32})$")
_TABLE = re.compile(r"^tables/([a-z_]{1,64})\.jsonl$")


@dataclass(frozen=True)
class BackupReport:
    file: str
    revision: str
    tables: dict[str, int]
    attachments: int

    def text(self, verb: str) -> str:
        rows = sum(self.tables.values())
        return (f"{verb} {self.file}: schema {self.revision}, {rows:,} rows in {len(self.tables)} tables "
                f"({self.tables.get('capacity_assessment', 0)} assessments, "
                f"{self.tables.get('accounts_user', 0)} users), {self.attachments} attachment file(s)")


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        if "$dt" in value:
            return datetime.fromisoformat(value["$dt"])
        if "$date" in value:
            return date.fromisoformat(value["$date"])
    return value


def _tables(conn: sa.Connection) -> list[sa.Table]:
    meta = sa.MetaData()
    meta.reflect(conn)
    return [t for t in meta.sorted_tables if t.name != db.VERSION_TABLE]


def _rows(conn: sa.Connection, table: sa.Table) -> Iterator[dict[str, Any]]:
    order = list(table.primary_key.columns) or list(table.columns)[:1]
    for row in conn.execute(sa.select(table).order_by(*order)).mappings():
        yield dict(row)


def backup(target: Path | str, url: str | None = None) -> BackupReport:
    """Write a backup of the assessments database (and the attachments) to ``target`` (a new zip file)."""
    from .uploads import attachments_dir

    target = Path(target)
    engine = db.get_engine(url)
    revision = db.current_revision(url)
    counts: dict[str, int] = {}
    files: list[tuple[str, str]] = []
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
            with engine.connect().execution_options(**options) as conn, conn.begin():
                for table in _tables(conn):
                    n = 0
                    with zf.open(f"tables/{table.name}.jsonl", "w") as fh:
                        for row in _rows(conn, table):
                            fh.write((json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False)
                                      + "\n").encode("utf-8"))
                            n += 1
                            if table.name == "capacity_attachment":
                                files.append((row["stored_name"], str(row["assessment_id"])))
                    counts[table.name] = n
                uids: dict[int, str] = dict(conn.execute(sa.text("SELECT id, uid FROM capacity_assessment"))
                                            .all())
            base = attachments_dir()
            copied = 0
            for stored, aid in files:
                auid = uids.get(int(aid))
                src = base / str(auid) / stored
                if auid and src.is_file():
                    zf.write(src, f"attachments/{auid}/{stored}")
                    copied += 1
            manifest = {"format": FORMAT, "revision": revision, "created": db.now().isoformat(),
                        "dialect": engine.dialect.name, "tables": counts, "attachments": copied}
            zf.writestr("manifest.json", json.dumps(manifest, indent=2))
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return BackupReport(str(target), str(revision), counts, copied)


def _has_data(conn: sa.Connection) -> bool:
    names = set(sa.inspect(conn).get_table_names())
    for t in ("capacity_assessment", "accounts_user", "accounts_organisation"):
        if t in names and conn.execute(sa.text(f"SELECT 1 FROM {t} LIMIT 1")).first() is not None:
            return True
    return False


def _known_revisions() -> set[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS))
    return {s.revision for s in ScriptDirectory.from_config(cfg).walk_revisions()}


def _load(conn: sa.Connection, zf: zipfile.ZipFile, members: list[str], revision: str, replace: bool,
          counts: dict[str, int], source: str) -> None:
    from alembic import command

    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(4711001)")
    if _has_data(conn) and not replace:
        raise MigcapError("the database already holds assessments or accounts; nothing was restored",
                          hint="use --replace to replace everything in it with the backup")
    cfg = db._alembic_config(conn)
    command.downgrade(cfg, "base")
    command.upgrade(cfg, revision)
    tables = {t.name: t for t in _tables(conn)}
    unknown = {m for m in members if _TABLE.match(m)} - {f"tables/{n}.jsonl" for n in tables}
    if unknown:
        raise InputError("the backup has tables this schema does not know", file=source,
                         value=sorted(unknown)[:3])
    for name, table in tables.items():
        member = f"tables/{name}.jsonl"
        if member not in members:
            counts[name] = 0
            continue
        rows: list[dict[str, Any]] = []
        with zf.open(member) as fh:
            for line in io.TextIOWrapper(fh, encoding="utf-8"):
                if line.strip():
                    row = json.loads(line)
                    rows.append({k: _decode(v) for k, v in row.items() if k in table.c})
        for i in range(0, len(rows), 500):
            conn.execute(table.insert(), rows[i:i + 500])
        counts[name] = len(rows)
        if conn.dialect.name == "postgresql" and rows and "id" in table.c and table.c.id.primary_key \
                and isinstance(table.c.id.type, sa.Integer):
            conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                 f"(SELECT max(id) FROM {name}))")
    command.upgrade(cfg, "head")


def restore(source: Path | str, url: str | None = None, *, replace: bool = False) -> BackupReport:
    """Restore a backup made by :func:`backup` (all or nothing; see the module's notes).

    Raises
    ------
    InputError
        If the file is not a migcap backup, or comes from a newer migcap (unknown schema revision).
    MigcapError
        If the database holds data and ``replace`` is not given.
    """
    from .uploads import attachments_dir

    source = Path(source)
    try:
        zf = zipfile.ZipFile(source)
        manifest = json.loads(zf.read("manifest.json"))
    except (OSError, zipfile.BadZipFile, KeyError, ValueError):
        raise InputError("not a migcap backup (no readable manifest.json)", file=str(source)) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError("not a migcap backup", file=str(source), value=manifest.get("format")
                         if isinstance(manifest, dict) else None)
    revision = str(manifest.get("revision"))
    if revision not in _known_revisions():
        raise InputError(f"the backup has schema revision {revision!r}, unknown to this migcap",
                         file=str(source),
                         hint="restore it with the migcap version that made it, or a newer one")
    members = zf.namelist()
    # the attachments first, unpacked beside the folder; swapped in only when the database is done
    base = attachments_dir()
    staging = base.with_name(f"attachments.restore-{uuid.uuid4().hex[:8]}")
    staging.mkdir(parents=True)
    n_files = 0
    counts: dict[str, int] = {}
    try:
        for m in members:
            found = _MEMBER.match(m)
            if found is None:
                continue
            dest = staging / found.group(1) / found.group(2)
            dest.parent.mkdir(exist_ok=True)
            with zf.open(m) as src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out)
            os.chmod(dest, 0o600)
            n_files += 1
        engine = db.get_engine(url)
        with engine.execution_options(migcap_write=True).begin() as conn:
            _load(conn, zf, members, revision, replace, counts, str(source))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = base.with_name(f"attachments.old-{uuid.uuid4().hex[:8]}")
    if base.exists():
        os.replace(base, old)
    os.replace(staging, base)
    shutil.rmtree(old, ignore_errors=True)
    db.dispose_engines()
    return BackupReport(str(source), revision, counts, n_files)
