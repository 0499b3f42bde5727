"""Alembic environment of the assessments database (run by migcap.db.upgrade).

It migrates the connection given in ``config.attributes["connection"]``; with the
``alembic`` command line, set ``sqlalchemy.url`` in an alembic.ini whose
``script_location`` points here. Importing this file outside an Alembic run does nothing.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import migcap.capacity.models  # noqa: F401  (the tables of assessments and, through them, of accounts)
from migcap.db import VERSION_TABLE, Base


def _run(connection: object) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata,  # type: ignore[arg-type]
                      version_table=VERSION_TABLE, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    elif context.is_offline_mode():
        context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=Base.metadata,
                          version_table=VERSION_TABLE, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    else:
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as conn:
            _run(conn)


try:
    context.config  # noqa: B018  (exists only inside an Alembic run)
except AttributeError:
    pass
else:
    main()
