"""Celery + Redis + PostgreSQL under faults, with real servers and ``mvgen worker``
processes: a job delivered twice runs once; a worker SIGKILLed mid-shot is replaced
within seconds (heartbeat lease); Redis down for 10 s; the API killed mid-render.
Each renders one 12 s song at 540p; the longer ones are ``slow``."""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from mvgen.store.db import open_database
from mvgen.store.models import Job
from tests.api.helpers import (
    MV,
    Server,
    add_key,
    data_uri,
    free_port,
    make_settings,
    poll,
    running_server,
    spawn_server,
    wait_healthy,
)
from tests.cluster import FAST, Workers, settings_env, workers
from tests.redis import RedisServer, started_redis


@pytest.fixture
def request_body(song_12s: Path, astronaut: Path) -> dict[str, Any]:
    return {
        "images": [data_uri(astronaut, "image/png")],
        "audio_url": data_uri(song_12s, "audio/wav"),
        "resolution": "540p",
    }


@pytest.fixture
def cluster_settings(tmp_path: Path, pg_server: Any, redis_server: RedisServer) -> Iterator[Any]:
    name = pg_server.new_database()
    yield make_settings(
        tmp_path / "home",
        free_port(),
        database_url=pg_server.url(name),
        broker_url=redis_server.new_url(),
        workers=0,
        **FAST,
    )
    pg_server.drop_database(name)


@contextmanager
def _cluster(settings: Any) -> Iterator[tuple[Server, Workers]]:
    """The API (in this process) and two ``mvgen worker`` processes."""
    with (
        running_server(settings, {"alice": 10_000}) as srv,
        workers(settings, settings.home) as pool,
    ):
        yield srv, pool


def _jobs(settings: Any) -> list[Job]:
    db = open_database(settings)
    try:
        with db.read() as session:
            return list(session.query(Job).order_by(Job.id))
    finally:
        db.dispose()


def _wait_shot_running(settings: Any, timeout: float = 120) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running = [
            j for j in _jobs(settings) if j.type == "generate_video" and j.state == "processing"
        ]
        if running:
            return running[0]
        time.sleep(0.05)
    raise TimeoutError("no shot started rendering")


def _create(srv: Server, body: dict[str, Any]) -> str:
    with srv.client() as c:
        r = c.post(MV, json=body)
        assert r.status_code == 200, r.text
        return str(r.json()["id"])


def _finish(srv: Server, task_id: str) -> dict[str, Any]:
    with srv.client() as c:
        body, _ = poll(c, task_id, timeout=300)
    assert body["state"] == "success", body
    assert httpx.get(body["signed_url"]).status_code == 200
    return body


def test_a_job_delivered_many_times_runs_once(
    cluster_settings: Any, request_body: dict[str, Any]
) -> None:
    from mvgen.jobs.celery import RUN_JOB, celery_app

    app = celery_app(cluster_settings)
    with _cluster(cluster_settings) as (srv, _pool):
        task_id = _create(srv, request_body)
        (prepare,) = [j.id for j in _jobs(cluster_settings) if j.type == "prepare"]
        for _ in range(3):  # duplicates of the first message, at once
            app.send_task(RUN_JOB, args=[prepare], queue="render")
        shot = _wait_shot_running(cluster_settings)
        for _ in range(3):  # duplicates while it runs
            app.send_task(RUN_JOB, args=[shot.id], queue="render")
        _finish(srv, task_id)
        done = _jobs(cluster_settings)
        for job in done:  # and again after the end
            app.send_task(RUN_JOB, args=[job.id], queue="render")
        time.sleep(3)
        after = _jobs(cluster_settings)
    assert [(j.id, j.state, j.attempts) for j in after] == [(j.id, "success", 1) for j in done]
    shots = [j for j in after if j.type == "generate_video"]
    files = list((cluster_settings.home / "artifacts" / "tasks" / task_id / "shots").rglob("*.mp4"))
    assert len(files) == len(shots) >= 2  # one output per shot: nothing ran twice


@pytest.mark.slow
def test_sigkill_a_worker_mid_shot_another_reruns_it(
    cluster_settings: Any, request_body: dict[str, Any]
) -> None:
    with _cluster(cluster_settings) as (srv, pool):
        task_id = _create(srv, request_body)
        shot = _wait_shot_running(cluster_settings)
        pid = int(shot.claimed_by.split(":")[1])
        (victim,) = [i for i, p in enumerate(pool.procs) if p.pid == os.getpgid(pid)]
        killed = time.monotonic()
        pool.kill(victim)
        deadline = killed + 60
        while True:  # until another worker has claimed the shot again
            again = next(j for j in _jobs(cluster_settings) if j.id == shot.id)
            if again.claimed_by not in ("", shot.claimed_by) or again.state == "success":
                recovered = time.monotonic() - killed
                break
            assert time.monotonic() < deadline, pool.logs()
            time.sleep(0.1)
        body = _finish(srv, task_id)
    print(f"\nSIGKILL → shot re-claimed by the other worker after {recovered:.1f} s")
    assert recovered < cluster_settings.job_stale_s + 3 * cluster_settings.sweep_every_s + 2
    final = next(j for j in _jobs(cluster_settings) if j.id == shot.id)
    assert final.state == "success" and final.attempts == 2
    assert all(j["state"] == "success" for r in body["job_records"] for j in r["jobs"])


@pytest.mark.slow
def test_redis_down_for_10_s_during_a_render(
    tmp_path: Path, pg_server: Any, request_body: dict[str, Any]
) -> None:
    redis = started_redis()  # a server of its own, to stop
    name = pg_server.new_database()
    settings = make_settings(
        tmp_path / "home",
        free_port(),
        database_url=pg_server.url(name),
        broker_url=redis.url(),
        workers=0,
        **FAST,
    )
    try:
        with _cluster(settings) as (srv, _pool):
            task_id = _create(srv, request_body)
            _wait_shot_running(settings)
            redis.stop()
            time.sleep(10)
            redis.start()
            _finish(srv, task_id)
        assert all(j.attempts == 1 for j in _jobs(settings))
    finally:
        redis.stop()
        shutil.rmtree(redis.root, ignore_errors=True)
        pg_server.drop_database(name)


@pytest.mark.slow
def test_api_killed_mid_render_loses_nothing(
    cluster_settings: Any, request_body: dict[str, Any]
) -> None:
    settings = cluster_settings
    token = add_key(settings, "alice", 10_000)
    port = int(settings.base_url.rsplit(":", 1)[1])
    env = {k: v for k, v in settings_env(settings).items() if k != "MVGEN_HOME"}
    settings.home.mkdir(parents=True, exist_ok=True)
    log = settings.home / "api.log"
    api = spawn_server(settings.home, port, log, **env)
    headers = {"Authorization": f"Token {token}"}
    try:
        with workers(settings, settings.home, 2):
            wait_healthy(settings.base_url)
            with httpx.Client(base_url=settings.base_url, headers=headers, timeout=60) as c:
                ids = [c.post(MV, json=request_body).json()["id"] for _ in range(2)]
            _wait_shot_running(settings)
            api.send_signal(signal.SIGKILL)
            api.wait(10)
            api = spawn_server(settings.home, port, log, **env)
            wait_healthy(settings.base_url)
            with httpx.Client(base_url=settings.base_url, headers=headers, timeout=60) as c:
                bodies = [poll(c, task_id, timeout=300)[0] for task_id in ids]
    finally:
        api.send_signal(signal.SIGTERM)
        api.wait(30)
    assert [b["state"] for b in bodies] == ["success", "success"], log.read_text()[-2000:]
    assert all(j.state == "success" for j in _jobs(settings))
