"""Fault drills on a real ``mvgen serve`` (embedded pool, SQLite), docs/security.md:

- the disk under ``MVGEN_HOME`` (a small tmpfs) fills up while shots render: the task
  fails ``StorageInsufficient``, its credits come back, nothing half-written stays,
  the server keeps answering, and once space is freed the next task succeeds; the same
  on the scale-out (Celery workers on Redis, PostgreSQL on its own disk);
- a worker is SIGKILLed while it composes: the compose job runs again and the task
  succeeds; the janitor then leaves no temporary file behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from mvgen.settings import Settings
from mvgen.store import repo
from mvgen.store.db import open_database
from mvgen.store.models import COMPOSE, PROCESSING, SUCCESS, Job
from tests.api.conftest import queue_server
from tests.api.helpers import (
    MV,
    add_key,
    free_port,
    leftovers,
    make_settings,
    poll,
    spawn_server,
    wait_healthy,
)

ACCOUNT = "/ent/v2/mv/account"
RESERVE = 512 * 1024  # left free by the ballast: room for database pages, not for a 540p shot
SONG_CREDITS = 12  # the 12 s fixture song


@contextmanager
def tmpfs(path: Path, size_mb: int) -> Iterator[Path]:
    """A small tmpfs at ``path``; skips where mounting is not allowed (fails in CI)."""
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m,mode=0755", "tmpfs", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        why = f"cannot mount a tmpfs ({done.stderr.strip()}): the drill needs root in a container"
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@contextmanager
def serving(
    home: Path, tmp_path: Path, **env: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``mvgen serve`` on ``home`` in a subprocess; stopped (and its log shown on a crash)."""
    port = free_port()
    log = tmp_path / "server.log"
    proc = spawn_server(home, port, log, **env)
    try:
        wait_healthy(f"http://127.0.0.1:{port}")
        yield f"http://127.0.0.1:{port}", proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        if proc.returncode not in (0, -signal.SIGTERM):
            pytest.fail(f"server exited {proc.returncode}:\n{log.read_text()[-4000:]}")


def _create(client: httpx.Client, wav_uri: str, image_uri: str) -> str:
    body = {"images": [image_uri], "audio_url": wav_uri, "resolution": "540p"}
    response = client.post(MV, json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def _wait_job(client: httpx.Client, task_id: str, job_type: str, timeout: float = 120) -> None:
    """Until a job of ``job_type`` of the task runs (read from the GET body)."""
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"{MV}/{task_id}").json()
        jobs = [j for r in body["job_records"] for j in r["jobs"]]
        if any(j["type"] == job_type and j["state"] == "processing" for j in jobs):
            return
        assert body["state"] not in ("success", "failed"), (body["err_code"], body["err_msg"])
        assert time.monotonic() < deadline, body
        time.sleep(0.05)


def _fill(home: Path, reserve: int) -> tuple[Path, int]:
    """A ballast file taking all free space of ``home``'s volume but ``reserve`` bytes."""
    stat = os.statvfs(home)
    size = stat.f_bavail * stat.f_frsize - reserve
    ballast = home / "ballast"
    fd = os.open(ballast, os.O_CREAT | os.O_WRONLY, 0o600)
    try:
        os.posix_fallocate(fd, 0, size)
    finally:
        os.close(fd)
    return ballast, size


@pytest.mark.slow
def test_disk_full_mid_render_fails_refunds_and_recovers(
    tmp_path: Path, wav_uri: str, astronaut_uri: str
) -> None:
    with tmpfs(tmp_path / "home", 256) as home:  # the whisper base model (145 MB) lives there
        settings = make_settings(home, 0)
        token = add_key(settings, "alice", 1000)
        with serving(home, tmp_path) as (url, proc):
            headers = {"Authorization": f"Token {token}"}
            with httpx.Client(base_url=url, headers=headers, timeout=60) as c:
                _full_disk_drill(c, home, settings, wav_uri, astronaut_uri)
                assert proc.poll() is None


@pytest.mark.slow
def test_disk_full_under_celery_fails_refunds_and_recovers(
    request: pytest.FixtureRequest, tmp_path: Path, wav_uri: str, astronaut_uri: str
) -> None:
    """The same drill on the scale-out: the shared volume fills while a Celery worker
    renders (PostgreSQL and Redis keep their own disks, as deployed)."""
    with (
        tmpfs(tmp_path / "home", 256) as home,
        queue_server("celery", request, home, {"alice": 1000}, logs=tmp_path) as srv,
    ):
        with srv.client() as c:
            _full_disk_drill(c, home, srv.settings, wav_uri, astronaut_uri)
        pool = srv.workers  # type: ignore[attr-defined]
        assert all(p.poll() is None for p in pool.procs), pool.logs()


def _full_disk_drill(
    c: httpx.Client, home: Path, settings: Settings, wav_uri: str, astronaut_uri: str
) -> None:
    """Fill the disk while a task's shots render: the task fails StorageInsufficient with
    its credits back and nothing half-written; a create meanwhile is refused 507; once
    space is freed, the next task succeeds."""
    credits = c.get(ACCOUNT).json()["credits"]
    task_id = _create(c, wav_uri, astronaut_uri)
    assert c.get(ACCOUNT).json()["credits"] == credits - SONG_CREDITS
    _wait_job(c, task_id, "generate_video")
    ballast, size = _fill(home, RESERVE)
    started = time.monotonic()
    body, _ = poll(c, task_id, timeout=180)
    print(f"disk full: ballast {size / 2**20:.1f} MiB; task failed after "
          f"{time.monotonic() - started:.1f} s")  # fmt: skip
    assert body["state"] == "failed", body
    assert body["err_code"] == "StorageInsufficient", body
    assert "disk space while rendering a shot" in body["err_msg"], body["err_msg"]
    assert "refunded" in body["err_msg"]
    assert c.get(ACCOUNT).json()["credits"] == credits, "credits not refunded"
    assert leftovers(settings, task_id) == []
    assert httpx.get(str(c.base_url.join("/healthz")), timeout=5).status_code == 200

    # a request while the disk is still full: 507, nothing stored or charged
    request = {"images": [astronaut_uri], "audio_url": wav_uri, "resolution": "540p"}
    refused = c.post(MV, json=request)
    assert refused.status_code == 507, refused.text
    assert refused.json()["err_code"] == "StorageInsufficient", refused.text
    assert "Retry-After" in refused.headers
    assert c.get(ACCOUNT).json()["credits"] == credits

    ballast.unlink()  # the operator frees space: the same servers go on
    second = _create(c, wav_uri, astronaut_uri)
    body, _ = poll(c, second, timeout=240)
    assert body["state"] == "success", body
    assert httpx.get(body["signed_url"], timeout=30).status_code == 200
    assert c.get(ACCOUNT).json()["credits"] == credits - SONG_CREDITS
    assert leftovers(settings, second) == []


def _kids(pid: int) -> list[int]:
    """Child processes of ``pid`` (of any of its threads)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _composing_worker(db: Any, server: int, task_id: str, timeout: float = 180) -> tuple[str, int]:
    """(compose job id, pid of the pool process running it): the worker that runs
    ffmpeg/ffprobe while the task's compose job (the only job left) is claimed."""
    deadline = time.monotonic() + timeout
    job_id = ""
    while time.monotonic() < deadline:
        if not job_id:
            with db.read() as session:
                jobs = repo.task_jobs(session=session, task_id=task_id)
            job_id = next((j.id for j in jobs if j.type == COMPOSE and j.state == PROCESSING), "")
            assert not any(j.type == COMPOSE and j.state == SUCCESS for j in jobs), "too late"
            time.sleep(0.02)
            continue
        for worker in _kids(server):
            if any(_comm(c) in ("ffmpeg", "ffprobe") for c in _kids(worker)):
                return job_id, worker
        with db.read() as session:
            job = session.get(Job, job_id)
            assert job is not None and job.state == PROCESSING, "compose ended unseen"
    raise TimeoutError("no compose job was claimed")


@pytest.mark.slow
def test_sigkill_worker_mid_compose_reruns_it(
    tmp_path: Path, wav_uri: str, astronaut_uri: str
) -> None:
    home = tmp_path / "home"
    settings = make_settings(home, 0)
    token = add_key(settings, "alice", 1000)
    sweep = {"MVGEN_ORPHAN_SWEEP_EVERY_S": "1", "MVGEN_ORPHAN_GRACE_S": "0"}
    with serving(home, tmp_path, **sweep) as (url, proc):
        headers = {"Authorization": f"Token {token}"}
        db = open_database(settings)
        try:
            with httpx.Client(base_url=url, headers=headers, timeout=60) as c:
                task_id = _create(c, wav_uri, astronaut_uri)
                job_id, pid = _composing_worker(db, proc.pid, task_id)
                os.kill(pid, signal.SIGKILL)
                killed = time.monotonic()
                body, _ = poll(c, task_id, timeout=180)
                print(f"compose kill: task success {time.monotonic() - killed:.1f} s after it")
            assert body["state"] == "success", body
            assert httpx.get(body["signed_url"], timeout=30).status_code == 200
            with db.read() as session:
                job = session.get(Job, job_id)
                assert job is not None and job.state == SUCCESS
                assert job.attempts == 2, "the killed compose ran again"
                stuck = session.query(Job).filter(Job.state.in_(("created", PROCESSING))).count()
            assert stuck == 0
            deadline = time.monotonic() + 30  # the janitor's next rounds (every second here)
            while leftovers(settings, task_id) and time.monotonic() < deadline:
                time.sleep(0.5)
            assert leftovers(settings, task_id) == []
        finally:
            db.dispose()
