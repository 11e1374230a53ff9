"""Alembic environment: runs on the connection ``store.db.migrate`` hands over.

Run from the command line too (``alembic -c src/mvgen/store/alembic.ini
upgrade head`` with ``MVGEN_DATABASE_URL`` set or ``-x url=...``).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from mvgen.store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: batch mode copies tables
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from mvgen.settings import Settings
    from mvgen.store.db import database_url

    url = context.get_x_argument(as_dictionary=True).get("url") or database_url(Settings())
    engine = create_engine(url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run them online")
run_migrations_online()
