"""A throwaway Redis server for the Celery tests (Debian ``redis-server``), like tests/pg.py.

Started on a free 127.0.0.1 port with its data in a temporary folder and an
append-only file (as an operator would run a broker: messages survive a
restart, which the "Redis down 10 s" test relies on). Without the binary
the Celery cases skip locally and fail in CI (CI=true).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest


def unavailable(what: str, reason: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} unavailable in CI: {reason}")
    pytest.skip(f"{what} unavailable: {reason}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """``redis-server`` on 127.0.0.1:``port``; ``stop()`` / ``start()`` keep its data."""

    def __init__(self, root: Path, port: int | None = None) -> None:
        self.root, self.port = root, port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.count = 0

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--dir", str(self.root), "--save", "", "--appendonly", "yes"]
        args += ["--protected-mode", "no", "--databases", "64"]
        with (self.root / "log").open("ab") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while not self.ping():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((self.root / "log").read_text()[-2000:])
            time.sleep(0.05)

    def stop(self) -> None:
        """SIGTERM: Redis flushes its append-only file and exits."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)
        self.proc = None

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def new_url(self) -> str:
        """A database number of its own for each cluster (64 per server)."""
        self.count += 1
        return self.url(self.count % 64)


def started_redis() -> RedisServer:
    if shutil.which("redis-server") is None:
        unavailable("Redis", "redis-server not found (apt-get install redis-server)")
    try:
        import celery  # noqa: F401
    except ImportError:
        unavailable("Celery", "pip install -e '.[celery]'")
    server = RedisServer(Path(tempfile.mkdtemp(prefix="mvgen-redis-")))
    server.start()
    return server


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = started_redis()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)
