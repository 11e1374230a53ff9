"""Engines and sessions: SQLite (WAL) by default, PostgreSQL by URL.

SQLite needs care when several processes write (the API and the pool
workers): a deferred transaction that reads and then writes fails with
``SQLITE_BUSY`` when another writer committed in between. So there are two
engines on the same file: ``read()`` sessions begin a plain (snapshot)
transaction, ``write()`` sessions begin ``IMMEDIATE`` and so take the write
lock first and wait for it (``busy_timeout``). On PostgreSQL (psycopg 3,
``postgresql+psycopg://``, extra ``mvgen[postgres]``) both share one pool:
writers run at READ COMMITTED and lock the rows they change
(``with_for_update``, conditional ``UPDATE``s), readers run at REPEATABLE
READ so a task and its jobs are read from one snapshot, as on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from mvgen.settings import Settings

MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK = 0x6D7667656E  # PostgreSQL advisory lock key ("mvgen"), held while migrating


def database_url(settings: Settings) -> str:
    """The configured URL, or a SQLite file under ``MVGEN_HOME``."""
    if settings.database_url:
        return settings.database_url
    home = Path(settings.home).resolve()
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{home / 'mvgen.db'}"


def _sqlite_engine(url: str, *, begin: str) -> Engine:
    """A SQLite engine whose transactions start with ``begin`` (pysqlite's own is off)."""
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


def _server_engine(url: str) -> Engine:
    """A PostgreSQL engine; names the extra to install when the driver is missing."""
    if url.startswith("postgresql://"):  # SQLAlchemy's default driver would be psycopg2
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    try:
        return create_engine(url, pool_pre_ping=True)
    except ModuleNotFoundError as exc:
        if not url.startswith("postgresql"):
            raise
        raise RuntimeError(
            f"PostgreSQL needs the psycopg driver ({exc.name} is missing): "
            "pip install 'mvgen[postgres]'"
        ) from exc


class Database:
    """The engines of one process; ``read()`` / ``write()`` hand out sessions."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.engine = _sqlite_engine(url, begin="BEGIN")
            self.write_engine = _sqlite_engine(url, begin="BEGIN IMMEDIATE")
            read_engine = self.engine
        else:
            self.engine = self.write_engine = _server_engine(url)
            read_engine = self.engine.execution_options(isolation_level="REPEATABLE READ")
        self._read = sessionmaker(read_engine, expire_on_commit=False)
        self._write = sessionmaker(self.write_engine, expire_on_commit=False)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries; rolled back at the end (it never writes)."""
        with self._read() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session holding the write lock; commits on success, rolls back on error."""
        with self._write() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
        if self.write_engine is not self.engine:
            self.write_engine.dispose()


def migrate(db: Database) -> None:
    """Bring the schema to the newest Alembic revision (run at start-up)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with db.write_engine.connect() as connection:
        if not db.is_sqlite:  # replicas starting together must not both create the tables
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.commit()


def open_database(settings: Settings, *, run_migrations: bool = False) -> Database:
    """Open (and optionally migrate) the database the settings name."""
    db = Database(database_url(settings))
    if run_migrations:
        migrate(db)
    return db
