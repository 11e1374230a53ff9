"""A full disk is told apart from bugs (``jobs.faults``) and refunds the task; writers
leave nothing behind when they fail. The drill on a really full volume is in
tests/api/test_faults.py."""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from mvgen.errors import InputError, MediaError
from mvgen.jobs import lifecycle
from mvgen.jobs.faults import STORAGE_INSUFFICIENT, describe, disk_full
from mvgen.settings import Settings
from mvgen.store import billing, repo
from mvgen.store.artifacts import LocalArtifactStore
from mvgen.store.db import Database, open_database
from mvgen.store.models import Task

TASK = "100000000000000001"


def _raised(make: type[BaseException], *args: object, cause: BaseException) -> BaseException:
    try:
        try:
            raise cause
        except BaseException as exc:
            raise make(*args) from exc
    except BaseException as outer:
        return outer


def test_disk_full_is_recognised_however_it_surfaces() -> None:
    enospc = OSError(errno.ENOSPC, "No space left on device")
    ffmpeg = MediaError("ffmpeg encoder stopped: [out#0/mp4] Error writing trailer: No space left")
    ffmpeg_enospc = MediaError(
        "ffmpeg failed (1): av_interleaved_write_frame(): No space left on device"
    )
    full = sqlite3.OperationalError("database or disk is full")
    sqlite_full = _raised(OperationalError, "UPDATE jobs", {}, cause=full)
    for exc in (enospc, ffmpeg_enospc, sqlite_full, _raised(RuntimeError, "x", cause=enospc)):
        assert disk_full(exc), exc
        code, msg = describe(exc, "generate_video")
        assert code == STORAGE_INSUFFICIENT and "disk space" in msg and "refunded" in msg
    for exc in (ffmpeg, OSError(errno.EACCES, "denied"), ValueError("no space for you")):
        assert not disk_full(exc), exc
    assert describe(InputError("audio_url", "bad"), "prepare") == ("FieldInvalid", "audio_url: bad")
    assert describe(KeyError("k"), "compose") == ("InternalServiceFailure", "KeyError: 'k'")


def test_failed_writer_leaves_no_temporaries(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path)
    with pytest.raises(OSError), store.writing("tasks/1/shots/000/2.mp4") as out:
        out.write_bytes(b"half")
        out.with_name(out.stem + ".part.mp4").write_bytes(b"half")  # as compose's mux does
        out.with_suffix(".ass").write_text("subs")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert list((tmp_path / "tasks" / "1" / "shots" / "000").iterdir()) == []
    with store.writing("tasks/1/shots/000/2.mp4") as out:
        out.write_bytes(b"whole")
        out.with_suffix(".srt").write_text("subs")
    assert [p.name for p in (tmp_path / "tasks/1/shots/000").iterdir()] == ["2.mp4"]


@pytest.fixture
def env(tmp_path: Path, database_url: str | None) -> Iterator[tuple[Database, Settings, str]]:
    settings = Settings(home=tmp_path, database_url=database_url)
    db = open_database(settings, run_migrations=True)
    with db.write() as session:
        key, _ = repo.create_key(session=session, name="a", credits=100, secret_key="k" * 32)
        task = repo.insert_task(
            session=session, task=Task(id=TASK, key_id=key.id, options_json="{}")
        )
        billing.charge_task(session=session, task=task, seconds=12.0, lip_sync=False)
        prepare = repo.insert_job(session=session, task_id=TASK, type="prepare")
    yield db, settings, prepare.id
    db.dispose()


@pytest.mark.parametrize(
    ("err_code", "credits"), [(STORAGE_INSUFFICIENT, 100), ("ImageDownloadFailure", 88)]
)
def test_server_fault_refunds_the_task_once(env, err_code: str, credits: int) -> None:
    db, settings, prepare = env
    with db.write() as session:
        lifecycle.start_job(session, prepare, "h:1:n", settings)
    with db.write() as session:
        lifecycle.fail_job(session, prepare, err_code, "x", settings)
    with db.write() as session:  # settling again must not refund twice
        task = repo.get_task(session=session, task_id=TASK)
        assert task is not None
        lifecycle.settle(session, task, settings)
    with db.read() as session:
        task = repo.get_task(session=session, task_id=TASK)
        assert task is not None and task.state == "failed" and task.err_code == err_code
        key = repo.get_key(session=session, key_id=task.key_id)
        assert key is not None and key.credits == credits
        reasons = [e.reason for e in repo.ledger(session=session, key_id=key.id)]
    refund = [f"refund:{STORAGE_INSUFFICIENT}"] if err_code == STORAGE_INSUFFICIENT else []
    assert reasons == ["grant", "task", *refund]
