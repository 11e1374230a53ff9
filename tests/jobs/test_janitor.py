"""The janitor (``jobs.janitor.sweep_once``) on a real database and a real artifact folder:
what killed processes and failed jobs leave is removed, stuck tasks end, live work is kept."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from mvgen.ids import utc_now
from mvgen.jobs.janitor import SweepReport, sweep_once
from mvgen.settings import Settings
from mvgen.store import repo
from mvgen.store.artifacts import open_artifacts
from mvgen.store.db import Database, open_database
from mvgen.store.models import Job, Task

OLD = time.time() - 3600  # older than the grace (600 s here)
DONE, LIVE, STUCK, STALE = (f"10000000000000000{i}" for i in range(1, 5))
NO_ROW_OLD, NO_ROW_NEW = "200000000000000001", "200000000000000002"


def _file(path: Path, *, old: bool = True, size: int = 100) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    if old:
        os.utime(path, (OLD, OLD))
    return path


def _job(session, task_id: str, type_: str, state: str, index: int = 0) -> Job:
    job = repo.insert_job(session=session, task_id=task_id, type=type_, index=index)
    job.state = state
    if state == "processing":
        job.claimed_by, job.attempts, job.heartbeat_at = "elsewhere:1:n", 1, utc_now()
    return job


@pytest.fixture
def env(tmp_path: Path, database_url: str | None) -> Iterator[tuple[Settings, Database, Path]]:
    settings = Settings(home=tmp_path, database_url=database_url, orphan_grace_s=600)
    db = open_database(settings, run_migrations=True)
    yield settings, db, open_artifacts(settings.home).root
    db.dispose()


def _rows(db: Database) -> dict[str, str]:
    """Job ids by role, for the four tasks the folder holds."""
    ids = {}
    with db.write() as session:
        key, _ = repo.create_key(session=session, name="a", credits=0, secret_key="k" * 32)
        for task_id, state in ((DONE, "success"), (LIVE, "processing"), (STUCK, "processing"),
                               (STALE, "processing")):  # fmt: skip
            task = Task(id=task_id, key_id=key.id, options_json="{}", state=state, shot_count=1)
            repo.insert_task(session=session, task=task)
            _job(session, task_id, "prepare", "success")
        ids["done_shot"] = _job(session, DONE, "generate_video", "success").id
        ids["done_bad"] = _job(session, DONE, "generate_video", "failed").id
        ids["done_mv"] = _job(session, DONE, "compose", "success").id
        ids["live_bad"] = _job(session, LIVE, "generate_video", "failed").id
        ids["live_run"] = _job(session, LIVE, "generate_video", "processing").id
        ids["stuck_bad"] = _job(session, STUCK, "generate_video", "failed").id
        stale = _job(session, STALE, "generate_video", "processing")
        stale.heartbeat_at = utc_now() - timedelta(minutes=10)  # its worker died
        ids["stale"] = stale.id
    return ids


def _tree(root: Path, ids: dict[str, str]) -> tuple[list[Path], list[Path]]:
    """(files the sweep must remove, files it must keep)."""
    done, live = root / "tasks" / DONE, root / "tasks" / LIVE
    keep = [
        _file(done / "sources.json"),
        _file(done / "inputs" / "audio.wav"),
        _file(done / "storyboard.json"),
        _file(done / "shots" / "000" / f"{ids['done_shot']}.mp4"),
        _file(done / "compose" / f"{ids['done_mv']}.mp4"),
        _file(done / "compose" / f"{ids['done_mv']}.srt"),
        _file(done / "compose" / "windows" / ("1" * 32 + ".mp4")),  # the window cache
        _file(done / "shots" / "000" / ".tmp-fresh.mp4", old=False),  # a writer just began
        _file(live / "shots" / "000" / ".tmp-writing.mp4"),  # its task still runs
        _file(live / "compose" / ".compose-x" / "piece.mp4"),
        _file(root / "tasks" / NO_ROW_NEW / "sources.json", old=False),  # row not yet in
        _file(root / "elsewhere.txt"),  # not the janitor's
    ]
    gone = [
        _file(done / "shots" / "000" / f"{ids['done_bad']}.mp4"),  # a failed job's output
        _file(done / "shots" / "000" / ".tmp-killed.mp4"),  # a killed writer's
        _file(done / "shots" / "000" / ".tmp-killed.part.mp4"),
        _file(done / "compose" / ".compose-killed" / "windows" / "a.mp4"),
        _file(done / "compose" / "windows" / ".part-killed.mp4"),
        _file(live / "shots" / "001" / f"{ids['live_bad']}.mp4"),  # failed is final
        _file(root / "tasks" / NO_ROW_OLD / "sources.json"),  # the server died before the row
    ]
    for folder in (done / "compose" / ".compose-killed", root / "tasks" / NO_ROW_OLD):
        for path in [*folder.rglob("*"), folder]:
            os.utime(path, (OLD, OLD))
    return gone, keep


def _state(db: Database, task_id: str) -> tuple[str, list[tuple[str, str]]]:
    with db.read() as session:
        task = repo.get_task(session=session, task_id=task_id)
        assert task is not None
        jobs = repo.task_jobs(session=session, task_id=task_id)
        return task.state, [(j.id, j.state) for j in jobs]


def test_sweep_removes_orphans_and_ends_stuck_tasks_keeping_live_work(env) -> None:
    settings, db, root = env
    ids = _rows(db)
    gone, keep = _tree(root, ids)
    sizes = sum(p.stat().st_size for p in gone)
    events, submitted = [], []
    report = sweep_once(settings, db, root, events.append, submitted.extend)

    left = [p for p in gone if p.exists()]
    assert not left, f"orphans left: {left}"
    lost = [p for p in keep if not p.exists()]
    assert not lost, f"live files removed: {lost}"
    assert not (root / "tasks" / NO_ROW_OLD).exists()
    assert not (root / "tasks" / DONE / "compose" / ".compose-killed").exists()
    # folders count once: the row-less task folder and the killed compose's folder
    assert report == SweepReport(jobs_requeued=1, tasks_settled=1, files_removed=7,
                                 bytes_freed=sizes)  # fmt: skip
    assert submitted == [ids["stale"]]  # the dead worker's job goes back to the queue
    assert _state(db, STALE)[0] == "processing"
    assert dict(_state(db, STALE)[1])[ids["stale"]] == "created"
    state, jobs = _state(db, STUCK)  # no job waits or runs: it must end
    assert state == "failed" and dict(jobs)[ids["stuck_bad"]] == "failed"
    assert _state(db, LIVE)[0] == "processing" and _state(db, DONE)[0] == "success"

    again = sweep_once(settings, db, root, events.append, submitted.extend)
    assert again == SweepReport(), "a second round finds nothing"


def test_stuck_task_settles_with_its_callback(env) -> None:
    settings, db, root = env
    ids = _rows(db)
    with db.write() as session:
        task = repo.get_task(session=session, task_id=STUCK)
        assert task is not None
        task.callback_url = "http://cb.example/x"
    events: list = []
    report = sweep_once(settings, db, root, events.append, lambda _ids: None)
    assert report.tasks_settled == 1
    (event,) = events
    assert event.task_id == STUCK and event.final and b'"failed"' in event.body
    assert ids["stuck_bad"]
