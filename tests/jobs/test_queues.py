"""The job graph through the in-memory ``StubQueue`` (as dramatiq's StubBroker): finishing
a job submits the jobs it made ready, so prepare → shots → compose runs with nobody
polling the database. Real database (SQLite and PostgreSQL), real ``steps.execute``;
the step bodies are replaced by trivial ones (the media is tested elsewhere)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mvgen.jobs import steps
from mvgen.jobs.steps import Outcome, WorkerContext
from mvgen.jobs.stub import StubQueue
from mvgen.settings import Settings
from mvgen.store import repo
from mvgen.store.artifacts import open_artifacts
from mvgen.store.db import Database, open_database
from mvgen.store.models import Job, Task

TASK = "100000000000000002"


@pytest.fixture
def ctx(
    tmp_path: Path, database_url: str | None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[WorkerContext]:
    settings = Settings(home=tmp_path, database_url=database_url)
    db = open_database(settings, run_migrations=True)
    shots = [{"index": i, "duration": 4.0} for i in range(3)]
    monkeypatch.setitem(steps.STEPS, "prepare", lambda c, s: Outcome(shots=shots))
    monkeypatch.setitem(
        steps.STEPS, "generate_video", lambda c, s: Outcome(output=f"shot-{s.index}.mp4")
    )
    monkeypatch.setitem(steps.STEPS, "compose", lambda c, s: Outcome(output="mv.mp4"))
    queue = StubQueue()
    yield WorkerContext(settings, db, open_artifacts(tmp_path), lambda e: None, "h:1:n", queue)
    db.dispose()


def _new_task(db: Database) -> str:
    with db.write() as session:
        key, _ = repo.create_key(session=session, name="a", credits=0, secret_key="k" * 32)
        repo.insert_task(session=session, task=Task(id=TASK, key_id=key.id, options_json="{}"))
        return repo.insert_job(session=session, task_id=TASK, type="prepare").id


def test_finishing_jobs_submit_the_next_ones(ctx: WorkerContext) -> None:
    queue = ctx.queue
    assert isinstance(queue, StubQueue)
    prepare = _new_task(ctx.db)
    queue.submit([prepare])
    assert queue.drain(ctx) == 5  # prepare, three shots, compose
    with ctx.db.read() as session:
        jobs = repo.task_jobs(session=session, task_id=TASK)
        task = repo.get_task(session=session, task_id=TASK)
        assert task is not None and task.state == "success"
    assert [j.type for j in jobs] == ["prepare", *["generate_video"] * 3, "compose"]
    assert queue.submitted == [j.id for j in jobs]  # each submitted once, in graph order
    assert all(j.state == "success" and j.attempts == 1 for j in jobs)


def test_a_job_submitted_twice_runs_once(ctx: WorkerContext) -> None:
    queue = ctx.queue
    assert isinstance(queue, StubQueue)
    prepare = _new_task(ctx.db)
    queue.submit([prepare, prepare])
    queue.drain(ctx)
    with ctx.db.read() as session:
        job = session.get(Job, prepare)
        assert job is not None and job.attempts == 1
        assert len(repo.task_jobs(session=session, task_id=TASK)) == 5
