"""The scale-out for tests: the API (broker set, no render process) plus ``mvgen worker``
processes, on PostgreSQL (tests/pg.py) and Redis (tests/redis.py), all on 127.0.0.1.

Each worker is its own process group (a Celery main process and its prefork
child), so a test can SIGKILL a whole "machine" at once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mvgen.settings import Settings

# Fast liveness for tests: beats every second, a worker silent for 4 s is dead.
FAST: dict[str, Any] = {
    "job_heartbeat_s": 1.0,
    "job_stale_s": 4.0,
    "sweep_every_s": 1.0,
    "dispatch_after_s": 2.0,
}


def settings_env(settings: Settings) -> dict[str, str]:
    """``MVGEN_*`` variables that give a subprocess the same settings."""
    env: dict[str, str] = {}
    for name, value in settings.model_dump().items():
        if value is not None:
            env[f"MVGEN_{name.upper()}"] = str(value)
    return env


@dataclass
class Workers:
    settings: Settings
    log_dir: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, n: int = 1, queues: str = "render,compose,callbacks") -> None:
        env = {**os.environ, **settings_env(self.settings)}
        for _ in range(n):
            log = self.log_dir / f"worker-{len(self.procs)}.log"
            code = "from mvgen.cli.main import main; main()"
            args = [sys.executable, "-c", code, "worker", "--concurrency", "1", "--queues", queues]
            with log.open("ab") as sink:
                proc = subprocess.Popen(
                    args, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
                )
            self.procs.append(proc)
        for i, proc in enumerate(self.procs):
            self._wait_ready(proc, self.log_dir / f"worker-{i}.log")

    def _wait_ready(self, proc: subprocess.Popen[bytes], log: Path) -> None:
        deadline = time.monotonic() + 90
        while b" ready." not in log.read_bytes():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)

    def kill(self, index: int) -> None:
        """SIGKILL the whole worker (main process and pool children): a vanished machine."""
        proc = self.procs[index]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def logs(self) -> str:
        return "\n".join(p.read_text()[-2000:] for p in sorted(self.log_dir.glob("worker-*.log")))

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                with_suppressed(os.killpg, proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                with_suppressed(os.killpg, proc.pid, signal.SIGKILL)
                proc.wait(10)


def with_suppressed(call: Any, *args: Any) -> None:
    with suppress(ProcessLookupError):
        call(*args)


@contextmanager
def workers(settings: Settings, log_dir: Path, n: int = 2) -> Iterator[Workers]:
    pool = Workers(settings, log_dir)
    try:
        pool.start(n)
        yield pool
    finally:
        pool.stop()
