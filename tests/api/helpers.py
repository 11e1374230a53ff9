"""A real server for tests: uvicorn on 127.0.0.1 (thread or subprocess), real pool."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from mvgen import service
from mvgen.settings import Settings
from mvgen.store import repo
from mvgen.store.db import open_database
from mvgen.store.models import SUCCESS

MV = "/ent/v2/one-click/mv"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_settings(home: Path, port: int, **extra: Any) -> Settings:
    """Fast, local settings: 540p renders with ultrafast x264, private URLs allowed."""
    values: dict[str, Any] = {
        "home": home,
        "base_url": f"http://127.0.0.1:{port}",
        "allow_private_urls": True,
        "workers": 2,
        "x264_preset": "ultrafast",
        "max_active_tasks_per_key": 20,
        "scheduler_poll_s": 0.1,
        "rate_limit_per_min": 0,  # tests poll hard on one key; test_hostile_limits sets its own
    }
    values.update(extra)
    return Settings(**values)


def add_key(settings: Settings, name: str, credits: int) -> str:
    db = open_database(settings, run_migrations=True)
    try:
        return service.create_key(db, settings, name, credits)[1]
    finally:
        db.dispose()


@dataclass
class Server:
    settings: Settings
    url: str
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, name: str = "alice") -> httpx.Client:
        headers = {"Authorization": f"Token {self.tokens[name]}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)


@contextmanager
def running_server(settings: Settings, keys: dict[str, int]) -> Iterator[Server]:
    """The app under uvicorn in a thread of this process (workers are processes)."""
    import uvicorn

    from mvgen.api.app import create_app

    tokens = {name: add_key(settings, name, credits) for name, credits in keys.items()}
    port = int(settings.base_url.rsplit(":", 1)[1])
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.05)
    try:
        yield Server(settings, settings.base_url, tokens)
    finally:
        server.should_exit = True
        thread.join(60)


def spawn_server(home: Path, port: int, log: Path, **env: str) -> subprocess.Popen[bytes]:
    """``mvgen.cli.serve.serve`` in a subprocess (for SIGKILL tests), logging to ``log``."""
    environ = {
        **os.environ,
        "MVGEN_HOME": str(home),
        "MVGEN_ALLOW_PRIVATE_URLS": "1",
        "MVGEN_X264_PRESET": "ultrafast",
        "MVGEN_WORKERS": "2",
        "MVGEN_SCHEDULER_POLL_S": "0.1",
        "MVGEN_RATE_LIMIT_PER_MIN": "0",
        **env,
    }
    code = f"from mvgen.cli.serve import serve; serve(host='127.0.0.1', port={port})"
    with log.open("ab") as sink:
        return subprocess.Popen(
            [sys.executable, "-c", code], env=environ, stdout=sink, stderr=subprocess.STDOUT
        )


def wait_healthy(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} not healthy after {timeout} s")


def data_uri(path: Path, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode()


def poll(
    client: httpx.Client,
    task_id: str,
    timeout: float = 180,
    until: tuple[str, ...] = ("success", "failed"),
) -> tuple[dict[str, Any], list[Any]]:
    """Poll a task to a final state; also return the distinct states seen on the way."""
    seen: list[Any] = []
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"{MV}/{task_id}").json()
        snapshot = (body["state"], [[j["state"] for j in r["jobs"]] for r in body["job_records"]])
        if not seen or seen[-1] != snapshot:
            seen.append(snapshot)
        if body["state"] in until:
            return body, seen
        if time.monotonic() > deadline:
            raise TimeoutError(f"task {task_id} still {body['state']}: {seen[-3:]}")
        time.sleep(0.2)


class Receiver:
    """A local callback receiver recording (headers, url, body) of each POST."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, str], str, dict[str, Any]]] = []
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                url = f"http://127.0.0.1:{outer.port}{self.path}"
                outer.calls.append(({k: v for k, v in self.headers.items()}, url, body))
                self.send_response(outer.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/mv?tenant=t1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def task_folder(settings: Settings, task_id: str) -> Path:
    """Where a task's artifacts live under the server's home."""
    return Path(settings.home) / "artifacts" / "tasks" / task_id


def leftovers(settings: Settings, task_id: str) -> list[str]:
    """Files of the task no finished job stands for: temporaries (``.name``) and
    outputs of jobs that did not succeed."""
    folder = task_folder(settings, task_id)
    db = open_database(settings)
    try:
        with db.read() as session:
            jobs = repo.task_jobs(session=session, task_id=task_id)
    finally:
        db.dispose()
    kept = {j.output for j in jobs if j.state == SUCCESS} | {
        j.srt_output for j in jobs if j.state == SUCCESS
    }
    found = []
    for path in folder.rglob("*"):
        key = path.relative_to(folder.parent.parent).as_posix()
        parts = path.relative_to(folder).parts
        if any(p.startswith(".") for p in parts):
            found.append(key)
        elif path.is_file() and parts[0] in ("shots", "compose") and "windows" not in parts:
            found += [key] if key not in kept else []
    return sorted(found)
