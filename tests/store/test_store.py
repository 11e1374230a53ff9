"""Store: migrations match the models, keys are hashed, credits never overdraw,
artifacts appear only when written completely."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from mvgen.errors import InputError
from mvgen.settings import Settings
from mvgen.store import billing, repo, tokens
from mvgen.store.artifacts import LocalArtifactStore
from mvgen.store.db import Database, open_database
from mvgen.store.models import ApiKey, Base, Task


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = open_database(Settings(home=tmp_path), run_migrations=True)
    yield database
    database.dispose()


def test_migrations_create_exactly_the_models_schema(db: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        tables = set(inspect(conn).get_table_names())
    assert diff == []
    assert {"api_keys", "tasks", "jobs", "credit_ledger", "alembic_version"} <= tables


def test_migrations_are_idempotent_and_wal_is_on(db: Database) -> None:
    from mvgen.store.db import migrate

    migrate(db)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


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
