"""The callback outbox: rows written with the change survive a restart (the next server
sends what the last one left pending), and ``deliver_row`` (the Celery ``callbacks``
queue) keeps the contract's order and retry rules. Real database, real HTTP receiver."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from mvgen.client import verify_callback
from mvgen.settings import Settings
from mvgen.store import outbox, repo
from mvgen.store.db import Database, open_database
from mvgen.store.models import Task
from tests.api.helpers import Receiver, free_port, make_settings, running_server

TASK = "100000000000000003"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    hook = Receiver()
    yield hook
    hook.close()


def _seed(db: Database, settings: Settings, url: str, states: list[str]) -> tuple[str, list[int]]:
    """A task of key "alice" and one pending outbox row per state; (token, row ids)."""
    with db.write() as session:
        key, token = repo.create_key(
            session=session, name="alice", credits=0, secret_key=settings.secret_key
        )
        repo.insert_task(session=session, task=Task(id=TASK, key_id=key.id, options_json="{}"))
        ids = [
            outbox.add(
                session=session,
                task_id=TASK,
                seq=i + 1,
                url=url,
                final=state in ("success", "failed"),
                body=json.dumps({"id": TASK, "state": state}),
            ).id
            for i, state in enumerate(states)
        ]
    return token, ids


def _states(db: Database) -> list[tuple[str, int]]:
    with db.read() as session:
        rows = session.query(outbox.CallbackRow).order_by(outbox.CallbackRow.id).all()
        return [(r.state, r.attempts) for r in rows]


def test_a_restarted_server_sends_the_callbacks_left_pending(
    tmp_path: Path, receiver: Receiver
) -> None:
    settings = make_settings(tmp_path, free_port(), workers=0)
    db = open_database(settings, run_migrations=True)
    token, ids = _seed(db, settings, receiver.url, ["processing", "success"])
    with running_server(settings, {}):
        import time

        deadline = time.monotonic() + 20
        while len(receiver.calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert [body["state"] for _, _, body in receiver.calls] == ["processing", "success"]
    for (headers, url, _), row_id in zip(receiver.calls, ids, strict=True):
        assert verify_callback(headers, url, token)
        assert headers["webhook-id"] == f"msg_cb{row_id}"  # stable: receivers dedupe
    assert _states(db) == [("delivered", 1), ("delivered", 1)]
    db.dispose()


def test_deliver_row_keeps_order_and_retries_final_states(
    tmp_path: Path, receiver: Receiver
) -> None:
    from mvgen.webhooks.outbox import deliver_row
    from mvgen.webhooks.sender import guarded_client

    settings = make_settings(tmp_path, free_port())
    db = open_database(settings, run_migrations=True)
    _, (first, second) = _seed(db, settings, receiver.url, ["processing", "failed"])
    with guarded_client(settings, 5.0) as client:
        assert deliver_row(settings, db, second, client) == 1.0  # waits for the older row
        assert receiver.calls == []
        receiver.status = 500
        assert deliver_row(settings, db, first, client) is None  # not final: sent once
        delays = [deliver_row(settings, db, second, client) for _ in range(4)]
    assert delays == [2.0, 4.0, 8.0, None]  # a final state: three retries, backoff
    assert _states(db) == [("gave_up", 1), ("gave_up", 4)]
    assert [body["state"] for _, _, body in receiver.calls] == ["processing", *["failed"] * 4]
    db.dispose()
