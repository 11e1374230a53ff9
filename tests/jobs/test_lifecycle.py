"""Job/task state machine (contract section 5) and crash recovery, on a real database:
SQLite and PostgreSQL alike (the ``database_url`` fixture, tests/pg.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from mvgen.jobs import lifecycle
from mvgen.jobs.worker import parse_worker, pid_alive, worker_name
from mvgen.settings import Settings
from mvgen.store import repo
from mvgen.store.db import Database, open_database
from mvgen.store.models import Job, Task

TASK = "100000000000000001"


@pytest.fixture
def env(tmp_path: Path, database_url: str | None) -> Iterator[tuple[Database, Settings, str]]:
    settings = Settings(home=tmp_path, job_max_attempts=2, database_url=database_url)
    db = open_database(settings, run_migrations=True)
    with db.write() as session:
        key, _ = repo.create_key(session=session, name="a", credits=0, secret_key="k" * 32)
        repo.insert_task(
            session=session,
            task=Task(
                id=TASK, key_id=key.id, options_json="{}", callback_url="http://cb.example/x"
            ),
        )
        prepare = repo.insert_job(session=session, task_id=TASK, type="prepare")
    yield db, settings, prepare.id
    db.dispose()


def _state(db: Database) -> tuple[str, list[tuple[str, int, str]]]:
    with db.read() as session:
        task = repo.get_task(session=session, task_id=TASK)
        jobs = [(j.type, j.index, j.state) for j in repo.task_jobs(session=session, task_id=TASK)]
        return task.state, jobs


def _run(db: Database, settings: Settings, job_id: str, **result: object) -> list:
    with db.write() as session:
        job, events = lifecycle.start_job(session, job_id, "h:1:n", settings)
        assert job is not None
    with db.write() as session:
        if "fail" in result:
            changes = lifecycle.fail_job(session, job_id, "ImageDownloadFailure", "x", settings)
        else:
            changes = lifecycle.succeed_job(session, job_id, settings, **result)
    return events + changes.events


def _ids(db: Database, type_: str) -> list[str]:
    with db.read() as session:
        return [j.id for j in repo.task_jobs(session=session, task_id=TASK) if j.type == type_]


def test_short_song_goes_prepare_shots_compose_success(env) -> None:
    db, settings, prepare = env
    assert _state(db)[0] == "created"
    shots = [
        {"index": i, "duration": 4.0, "prompt": "p", "lyric_text": "l", "image_keys": []}
        for i in range(2)
    ]
    events = _run(db, settings, prepare, shots=shots)
    assert [json.loads(e.body)["state"] for e in events] == ["processing"]
    first, second = _ids(db, "generate_video")
    _run(db, settings, first, output="a.mp4")
    assert _ids(db, "compose") == []  # not before the last shot
    _run(db, settings, second, output="b.mp4")
    (compose,) = _ids(db, "compose")
    events = _run(db, settings, compose, output="mv.mp4")
    state, jobs = _state(db)
    assert state == "success" and all(s == "success" for _, _, s in jobs)
    body = json.loads(events[-1].body)
    assert events[-1].final and body["state"] == "success" and body["signed_url"]
    seqs = [e.seq for e in events]
    assert seqs == sorted(seqs)


def test_failed_shot_fails_the_task_with_its_error(env) -> None:
    db, settings, prepare = env
    _run(db, settings, prepare, shots=[{"index": 0, "duration": 4.0}])
    (shot,) = _ids(db, "generate_video")
    events = _run(db, settings, shot, fail=True)
    with db.read() as session:
        task = repo.get_task(session=session, task_id=TASK)
        assert (task.state, task.err_code) == ("failed", "ImageDownloadFailure")
    assert events[-1].final


def test_two_failed_shots_fail_the_task_with_the_newest_error(env) -> None:
    db, settings, prepare = env
    _run(db, settings, prepare, shots=[{"index": 0, "duration": 4.0}, {"index": 1}])
    first, second = _ids(db, "generate_video")
    _run(db, settings, first, fail=True)
    with db.write() as session:  # the newer failure: compared with one read back
        assert lifecycle.start_job(session, second, "h:1:n", settings)[0] is not None
    with db.write() as session:
        lifecycle.fail_job(session, second, "LipSyncFailure", "newest", settings)
    with db.read() as session:
        task = repo.get_task(session=session, task_id=TASK)
        assert (task.state, task.err_code, task.err_msg) == ("failed", "LipSyncFailure", "newest")


def test_only_one_of_many_workers_claims_a_job(env) -> None:
    db, settings, prepare = env
    barrier = threading.Barrier(6)
    won: list[str] = []

    def claim(worker: str) -> None:
        barrier.wait()
        with db.write() as session:
            job, _ = lifecycle.start_job(session, prepare, worker, settings)
            if job is not None:
                won.append(job.claimed_by)

    threads = [threading.Thread(target=claim, args=(f"h:{i}:n",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(won) == 1
    with db.read() as session:
        job = session.get(Job, prepare)
        assert (job.state, job.attempts, job.claimed_by) == ("processing", 1, won[0])


def test_recover_requeues_then_fails_after_max_attempts(env) -> None:
    db, settings, prepare = env
    for attempt in (1, 2):
        with db.write() as session:
            job, _ = lifecycle.start_job(session, prepare, "h:1:n", settings)
            assert job is not None and job.attempts == attempt
        with db.write() as session:
            lifecycle.recover(session, settings, lambda claimant: True)
    state, jobs = _state(db)
    assert state == "failed" and jobs == [("prepare", 0, "failed")]
    with db.read() as session:
        job = session.get(Job, prepare)
        assert job.err_code == "InternalServiceFailure" and "interrupted" in job.err_msg


def test_recover_leaves_live_workers_alone(env) -> None:
    db, settings, prepare = env
    with db.write() as session:
        lifecycle.start_job(session, prepare, "h:1:n", settings)
        changes = lifecycle.recover(session, settings, lambda claimant: False)
        assert changes.events == [] and changes.job_ids == []
    assert _state(db)[1] == [("prepare", 0, "processing")]


def test_worker_names_and_pid_liveness() -> None:
    import os

    host, pid, nonce = parse_worker(worker_name())
    assert pid == os.getpid() and nonce and pid_alive(pid)
    assert parse_worker("garbage") is None
    assert not pid_alive(2**22 + 12345)


def test_finishing_returns_the_jobs_it_made_ready(env) -> None:
    """The job graph is explicit: prepare returns its shots, the last shot the compose."""
    db, settings, prepare = env
    shots = [{"index": i, "duration": 4.0} for i in range(2)]
    with db.write() as session:
        lifecycle.start_job(session, prepare, "h:1:n", settings)
    with db.write() as session:
        changes = lifecycle.succeed_job(session, prepare, settings, shots=shots)
    assert changes.job_ids == _ids(db, "generate_video") and len(changes.job_ids) == 2
    first, second = changes.job_ids
    for job_id, expected in ((first, []), (second, "compose")):
        with db.write() as session:
            lifecycle.start_job(session, job_id, "h:1:n", settings)
        with db.write() as session:
            ready = lifecycle.succeed_job(session, job_id, settings, output="x.mp4").job_ids
        assert ready == (_ids(db, "compose") if expected else [])
    assert len(_ids(db, "compose")) == 1


def test_a_job_delivered_twice_is_claimed_once_until_its_heartbeat_is_stale(env) -> None:
    db, settings, prepare = env
    with db.write() as session:
        assert lifecycle.start_job(session, prepare, "a:1:n", settings)[0] is not None
    with db.write() as session:  # redelivered while the first worker is alive
        assert lifecycle.start_job(session, prepare, "b:2:n", settings)[0] is None
    _age_heartbeat(db, prepare, settings.job_stale_s + 1)
    with db.write() as session:  # the first worker stopped beating: the second takes over
        job, _ = lifecycle.start_job(session, prepare, "b:2:n", settings)
        assert job is not None and job.claimed_by == "b:2:n" and job.attempts == 2
    with db.write() as session:  # the old worker comes back: its result is not recorded
        changes = lifecycle.succeed_job(session, prepare, settings, shots=[], worker="a:1:n")
        assert changes.events == [] and changes.job_ids == []
    assert _state(db)[1] == [("prepare", 0, "processing")]
    _age_heartbeat(db, prepare, settings.job_stale_s + 1)
    with db.write() as session:  # job_max_attempts (2) reached: no third claim
        assert lifecycle.start_job(session, prepare, "c:3:n", settings)[0] is None


def _age_heartbeat(db: Database, job_id: str, seconds: float) -> None:
    from datetime import timedelta

    from mvgen.ids import utc_now

    with db.write() as session:
        job = session.get(Job, job_id)
        job.heartbeat_at = utc_now() - timedelta(seconds=seconds)


def test_requeue_stale_requeues_then_fails_with_a_clear_error(env) -> None:
    db, settings, prepare = env
    for attempt in (1, 2):
        with db.write() as session:
            assert lifecycle.start_job(session, prepare, f"h:{attempt}:n", settings)[0]
        with db.write() as session:  # fresh heartbeat: left alone
            assert lifecycle.requeue_stale(session, settings).job_ids == []
        _age_heartbeat(db, prepare, settings.job_stale_s + 1)
        with db.write() as session:
            changes = lifecycle.requeue_stale(session, settings)
        assert changes.job_ids == ([prepare] if attempt == 1 else [])
    with db.read() as session:
        job = session.get(Job, prepare)
        assert job.state == "failed" and job.err_code == "InternalServiceFailure"
        assert "heartbeat" in job.err_msg
    assert _state(db)[0] == "failed"


def test_every_callback_is_an_outbox_row_written_with_its_change(env) -> None:
    from mvgen.store import outbox

    db, settings, prepare = env
    events = _run(db, settings, prepare, shots=[{"index": 0, "duration": 4.0}])
    (shot,) = _ids(db, "generate_video")
    events += _run(db, settings, shot, fail=True)
    with db.read() as session:
        rows = outbox.pending(session=session)
        assert [r.id for r in rows] == [e.outbox_id for e in events]
        assert [r.seq for r in rows] == [e.seq for e in events]
        assert [json.loads(r.body)["state"] for r in rows] == ["processing", "failed"]
        assert rows[-1].final and not rows[0].final
        assert outbox.earlier_pending(session=session, row=rows[1])
