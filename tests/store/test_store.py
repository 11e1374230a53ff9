"""Store: migrations match the models, keys are hashed, credits never overdraw,
artifacts appear only when written completely. Database tests run on SQLite and
PostgreSQL alike (the ``database_url`` fixture, tests/pg.py)."""

from __future__ import annotations

import multiprocessing
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select

from mvgen.errors import InputError
from mvgen.settings import Settings
from mvgen.store import billing, repo, tokens
from mvgen.store.artifacts import LocalArtifactStore
from mvgen.store.db import Database, open_database
from mvgen.store.models import ApiKey, Base, Task


@pytest.fixture
def db(tmp_path: Path, database_url: str | None) -> Iterator[Database]:
    settings = Settings(home=tmp_path, database_url=database_url)
    database = open_database(settings, run_migrations=True)
    yield database
    database.dispose()


def _together(n: int, work: Callable[[], Any]) -> list[Any]:
    """Run ``work`` in ``n`` threads released at once; their results (or exceptions)."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work()
        except Exception as exc:  # reported by the caller's assertions
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_migrations_create_exactly_the_models_schema(db: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        tables = set(inspect(conn).get_table_names())
    assert diff == []
    assert {"api_keys", "tasks", "jobs", "credit_ledger", "alembic_version"} <= tables


def test_migrations_are_idempotent(db: Database) -> None:
    from mvgen.store.db import migrate

    migrate(db)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").all() == [("0002",)]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_wal_is_on(db: Database) -> None:
    from mvgen.store.db import migrate

    migrate(db)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def _open_and_migrate(settings: Settings) -> str:
    open_database(settings, run_migrations=True).dispose()
    return "ok"


def test_servers_starting_together_migrate_once(tmp_path: Path, database_url: str | None) -> None:
    """Replicas (processes: Alembic is not thread-safe) migrating one database at once."""
    settings = Settings(home=tmp_path, database_url=database_url)
    with ProcessPoolExecutor(3, mp_context=multiprocessing.get_context("spawn")) as pool:
        assert list(pool.map(_open_and_migrate, [settings] * 3)) == ["ok"] * 3
    db = open_database(settings)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").all() == [("0002",)]
    db.dispose()


def test_missing_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg now fails
    with pytest.raises(RuntimeError, match=r"mvgen\[postgres\]"):
        Database("postgresql+psycopg://u@127.0.0.1:1/none")


def test_plain_postgresql_url_uses_psycopg() -> None:
    db = Database("postgresql://u@127.0.0.1:1/none")  # no connection is made yet
    assert (db.engine.dialect.name, db.engine.dialect.driver) == ("postgresql", "psycopg")
    db.dispose()


def test_times_come_back_aware_utc_and_equal(db: Database) -> None:
    with db.write() as session:
        key, _ = repo.create_key(session=session, name="a", credits=0, secret_key="k" * 32)
        written = key.created_at
    with db.read() as session:
        read = session.scalar(select(ApiKey.created_at).where(ApiKey.id == key.id))
    assert read is not None and read.tzinfo is not None
    assert read.utcoffset() == written.utcoffset() and read == written
    assert datetime.now(UTC) >= read


def test_tokens_are_stored_hashed_and_rederivable(db: Database) -> None:
    secret = "s" * 32
    with db.write() as session:
        key, token = repo.create_key(session=session, name="a", credits=5, secret_key=secret)
    with db.read() as session:
        row = session.get(ApiKey, key.id)
        assert row is not None and token not in (row.token_hash, row.token_salt)
        assert row.token_hash == tokens.hash_token(token)
        assert tokens.derive_token(secret, row.token_salt) == token
        assert tokens.derive_token("x" * 32, row.token_salt) != token
        assert repo.get_key_by_token(session=session, token=token).id == key.id
        assert repo.get_key_by_token(session=session, token=token + "x") is None


def _task(db: Database, key_id: str) -> Task:
    with db.write() as session:
        return repo.insert_task(
            session=session, task=Task(id="100000000000000001", key_id=key_id, options_json="{}")
        )


def test_charge_never_overdraws_and_refunds_only_lip_sync(db: Database) -> None:
    with db.write() as session:
        key, _ = repo.create_key(session=session, name="a", credits=70, secret_key="k" * 32)
    task = _task(db, key.id)
    with db.write() as session:
        task = session.merge(task)
        with pytest.raises(InputError) as err:  # 15 + 60 > 70
            billing.charge_task(session=session, task=task, seconds=14.5, lip_sync=True)
        assert err.value.err_code == "CreditInsufficient" and task.charged == 0
    with db.write() as session:
        task = session.merge(task)
        billing.charge_task(session=session, task=task, seconds=12.0, lip_sync=True)  # 12+48
        assert task.charged == 60
        billing.charge_task(session=session, task=task, seconds=12.0, lip_sync=True)  # no-op
        assert billing.refund_lip_sync(session=session, task=task) == 48
        assert billing.refund_lip_sync(session=session, task=task) == 0
    with db.read() as session:
        assert session.get(ApiKey, key.id).credits == 70 - 60 + 48
        assert [e.delta for e in repo.ledger(session=session, key_id=key.id)] == [70, -60, 48]


def test_concurrent_charges_never_overdraw(db: Database) -> None:
    with db.write() as session:
        key, _ = repo.create_key(session=session, name="a", credits=50, secret_key="k" * 32)

    def charge() -> bool:
        with db.write() as session:
            return repo.try_charge(session=session, key_id=key.id, amount=10, reason="task")

    assert sorted(_together(8, charge)) == [False] * 3 + [True] * 5
    with db.read() as session:
        assert session.get(ApiKey, key.id).credits == 0
        assert sum(e.delta for e in repo.ledger(session=session, key_id=key.id)) == 0


def test_cost_rounds_seconds_up() -> None:
    assert billing.cost(12.0, False) == 12
    assert billing.cost(12.0004, False) == 12
    assert billing.cost(12.01, False) == 13
    assert billing.cost(10.0, True) == 50


def test_artifacts_publish_only_complete_files(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path)
    with pytest.raises(RuntimeError), store.writing("tasks/1/a.mp4") as path:
        path.write_bytes(b"half")
        raise RuntimeError("crash")
    assert not store.exists("tasks/1/a.mp4")
    assert list((tmp_path / "tasks" / "1").iterdir()) == []
    store.write_bytes("tasks/1/a.mp4", b"whole")
    assert store.read_bytes("tasks/1/a.mp4") == b"whole"
    for bad in ("../x", "/etc/passwd", "a//b", "a/./b", ""):
        with pytest.raises(ValueError):
            store.exists(bad)
