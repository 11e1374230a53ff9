"""SIGKILL the server in the middle of a render: its workers exit, and the next
server finishes the task (or fails it cleanly). Nothing stays ``processing``."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from mvgen.store.db import open_database
from mvgen.store.models import PROCESSING, Job
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


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


def _gone(pids: list[int], timeout: float) -> bool:
    from mvgen.jobs.worker import pid_alive

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(pid_alive(p) for p in pids):
            return True
        time.sleep(0.1)
    return False


def test_sigkill_mid_render_then_restart_completes(
    tmp_path: Path, wav_uri: str, astronaut_uri: str
) -> None:
    port = free_port()
    settings = make_settings(tmp_path / "home", port)
    token = add_key(settings, "alice", 10_000)
    url = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Token {token}"}
    log = tmp_path / "server.log"
    proc = spawn_server(tmp_path / "home", port, log)
    try:
        wait_healthy(url)
        with httpx.Client(base_url=url, headers=headers, timeout=60) as c:
            task_id = c.post(
                MV, json={"images": [astronaut_uri], "audio_url": wav_uri, "resolution": "540p"}
            ).json()["id"]
            deadline = time.monotonic() + 120
            while True:  # wait until a shot is rendering
                body = c.get(f"{MV}/{task_id}").json()
                jobs = [j for r in body["job_records"] for j in r["jobs"]]
                if any(j["state"] == "processing" for j in jobs):
                    break
                assert time.monotonic() < deadline and body["state"] != "success", body
                time.sleep(0.05)
        workers = _children(proc.pid)
        assert workers, "the pool has worker processes"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        assert _gone(workers, 10), "orphaned workers must exit when the server dies"
        db = open_database(settings)
        with db.read() as session:
            stuck = session.query(Job).filter(Job.state == PROCESSING).count()
        assert stuck >= 1  # the kill really interrupted work
        sweep = {"MVGEN_ORPHAN_SWEEP_EVERY_S": "1", "MVGEN_ORPHAN_GRACE_S": "0"}
        proc = spawn_server(tmp_path / "home", port, log, **sweep)
        wait_healthy(url)
        with httpx.Client(base_url=url, headers=headers, timeout=60) as c:
            body, _ = poll(c, task_id, timeout=180)
        assert body["state"] == "success", body
        assert body["signed_url"] and httpx.get(body["signed_url"]).status_code == 200
        with db.read() as session:
            assert session.query(Job).filter(Job.state == PROCESSING).count() == 0
            retried = session.query(Job).filter(Job.attempts > 1).count()
        db.dispose()
        assert retried >= 1
        deadline = time.monotonic() + 30  # the janitor clears what the killed workers left
        while leftovers(settings, task_id) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert leftovers(settings, task_id) == []
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except Exception:
                proc.kill()
        if proc.returncode not in (0, -signal.SIGTERM, -signal.SIGKILL):
            pytest.fail(log.read_text()[-3000:])
    assert os.path.exists(settings.home / "mvgen.db")
