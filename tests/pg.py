"""A throwaway PostgreSQL server for the test session, and the ``database_url`` fixture
that runs store and job tests over every database backend."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

if TYPE_CHECKING:
    from sqlalchemy import Engine

# Store and job tests run over every backend, like dramatiq's brokers: the ``database_url``
# fixture is parametrized over SQLite (a file under the test's MVGEN_HOME) and PostgreSQL.
# For PostgreSQL one throwaway server is started per session from the Debian ``postgresql``
# package (/usr/lib/postgresql/*/bin): initdb into a temporary folder (as the ``postgres``
# user when we are root, which postgres refuses to run as), listening on 127.0.0.1 at a free
# port with trust auth and fsync off, stopped and removed at the end. Each test gets a
# database of its own (CREATE DATABASE takes milliseconds). Without the server binaries or
# the driver (``pip install -e '.[postgres]'``) the PostgreSQL cases skip locally and fail
# in CI (CI=true), so CI can never go green without having tested PostgreSQL.

BACKENDS = ["sqlite", "postgresql"]


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL backend unavailable in CI: {reason}")
    pytest.skip(f"PostgreSQL backend unavailable: {reason}")


@dataclass
class PgServer:
    """A running throwaway server; ``new_database()`` gives each test a fresh database."""

    port: int
    admin: Engine
    count: int = 0

    def url(self, name: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def new_database(self) -> str:
        self.count += 1
        name = f"t{self.count}"
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        return name

    def drop_database(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _pg_bin() -> Path | None:
    """The newest installed server's bin folder (Debian puts it off the PATH)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


def _as_postgres(args: list[str]) -> list[str]:
    """Root may not run the server: drop to the ``postgres`` user (Debian creates it)."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _pg_run(args: list[str]) -> None:
    done = subprocess.run(_as_postgres(args), capture_output=True, text=True, timeout=120)
    if done.returncode:
        raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr or done.stdout}")


def _start(bindir: Path, root: Path, port: int) -> None:
    """initdb into ``root/data`` and start on 127.0.0.1:``port``; durability off (tests)."""
    data = str(root / "data")
    opts = f"-k {root} -p {port} -c listen_addresses=127.0.0.1 -c max_connections=200"
    opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    initdb = [str(bindir / "initdb"), "-D", data, "-U", "postgres", "-A", "trust"]
    _pg_run([*initdb, "-E", "UTF8", "--no-locale", "--no-sync"])
    pg_ctl = [str(bindir / "pg_ctl"), "-D", data, "-l", str(root / "log"), "-o", opts]
    _pg_run([*pg_ctl, "-w", "-t", "60", "start"])


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """initdb + pg_ctl start once per session; stopped and deleted at the end."""
    bindir = _pg_bin()
    if bindir is None:
        _unavailable("no server binaries under /usr/lib/postgresql (apt-get install postgresql)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("driver missing: pip install -e '.[postgres]'")
    from sqlalchemy import create_engine

    root = Path(tempfile.mkdtemp(prefix="mvgen-pg-"))  # not under pytest's 0700 tmp
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = _free_port()
    try:
        _start(bindir, root, port)
    except RuntimeError as exc:
        shutil.rmtree(root, ignore_errors=True)
        _unavailable(str(exc))
    admin = create_engine(
        f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", isolation_level="AUTOCOMMIT"
    )
    try:
        yield PgServer(port, admin)
    finally:
        admin.dispose()
        _pg_run([str(bindir / "pg_ctl"), "-D", str(root / "data"), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(root, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """``Settings.database_url`` per backend: None (SQLite under MVGEN_HOME) or a fresh
    PostgreSQL database, dropped after the test."""
    if request.param == "sqlite":
        yield None
        return
    server: PgServer = request.getfixturevalue("pg_server")
    name = server.new_database()
    yield server.url(name)
    server.drop_database(name)
