"""Which queue a job goes to: shots whose task's quality picks a generative renderer go to
``gpu`` (MVGEN_RENDERER_HIGH=diffusers for quality=high), others to ``render``. Real
database; the last case sends through Celery to a real Redis and counts its queues."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from mvgen.jobs.celery import queue_for, queues_of
from mvgen.settings import Settings
from mvgen.store import repo
from mvgen.store.db import Database, open_database
from mvgen.store.models import Task
from tests.redis import RedisServer

HIGH_ON_GPU = {"renderer": "procedural", "renderer_high": "diffusers"}


def _task(db: Database, task_id: str, quality: str | None) -> dict[str, str]:
    """A task of ``quality`` (None: absent from its options) with one job of each type."""
    options = {"quality": quality} if quality is not None else {}
    with db.write() as session:
        key, _ = repo.create_key(
            session=session, name=task_id, credits=0, secret_key=task_id[-1] * 32
        )
        task = Task(id=task_id, key_id=key.id, options_json=json.dumps(options))
        repo.insert_task(session=session, task=task)
        return {
            t: repo.insert_job(session=session, task_id=task_id, type=t).id
            for t in ("prepare", "generate_video", "compose")
        }


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(Settings(home=tmp_path), run_migrations=True)
    yield database
    database.dispose()


def test_queue_for_follows_the_renderer_the_quality_picks() -> None:
    high = Settings(**HIGH_ON_GPU)
    assert queue_for("generate_video", high, "high") == "gpu"
    assert queue_for("generate_video", high, "standard") == "render"
    assert queue_for("prepare", high, "high") == "render"
    assert queue_for("compose", high, "high") == "compose"
    everything = Settings(renderer="diffusers")
    assert queue_for("generate_video", everything, "standard") == "gpu"
    assert queue_for("generate_video", everything, "high") == "gpu"  # no RENDERER_HIGH
    cpu = Settings(renderer="procedural", renderer_high="procedural")
    assert queue_for("generate_video", cpu, "high") == "render"


def test_shots_of_high_quality_tasks_route_to_gpu(db: Database) -> None:
    high = _task(db, "100000000000000011", "high")
    standard = _task(db, "100000000000000012", "standard")
    default = _task(db, "100000000000000013", None)
    ids = [*high.values(), *standard.values(), *default.values(), "999"]
    queues = queues_of(db, ids, Settings(**HIGH_ON_GPU))
    assert queues[high["generate_video"]] == "gpu"
    assert queues[standard["generate_video"]] == queues[default["generate_video"]] == "render"
    assert {queues[j["prepare"]] for j in (high, standard, default)} == {"render"}
    assert {queues[j["compose"]] for j in (high, standard, default)} == {"compose"}
    assert queues["999"] == "render"  # an unknown id still goes somewhere


def test_celery_queue_sends_high_quality_shots_to_the_gpu_queue(
    db: Database, tmp_path: Path, redis_server: RedisServer
) -> None:
    import redis

    from mvgen.jobs.celery import CeleryQueue

    url = redis_server.new_url()
    settings = Settings(home=tmp_path, broker_url=url, **HIGH_ON_GPU)
    high = _task(db, "100000000000000021", "high")
    standard = _task(db, "100000000000000022", "standard")
    CeleryQueue(settings, db).submit([high["generate_video"], standard["generate_video"]])
    client = redis.Redis.from_url(url)
    waiting = {q: client.llen(q) for q in ("gpu", "render", "compose")}
    assert waiting == {"gpu": 1, "render": 1, "compose": 0}, waiting
    (body,) = client.lrange("gpu", 0, -1)
    assert high["generate_video"] in body.decode()
