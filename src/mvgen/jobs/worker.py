"""The worker loop: claim the oldest waiting job from the database, run it, repeat.

Shared by the embedded pool's processes and ``mvgen worker``. Workers need
no broker: jobs wait in the database in state ``created`` and a claim is one
conditional UPDATE, so any number of workers on the same database never
run a job twice. ``wake`` (an Event set by whoever commits new work) cuts
the idle polling short.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from typing import Protocol

from mvgen.jobs.steps import WorkerContext, execute
from mvgen.store import repo

log = logging.getLogger("mvgen.jobs")


class Flag(Protocol):
    def is_set(self) -> bool: ...

    def set(self) -> None: ...

    def clear(self) -> None: ...

    def wait(self, timeout: float | None = None) -> bool: ...


def worker_name() -> str:
    """``host:pid:nonce``: who claimed a job; the nonce tells a reused pid apart."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def parse_worker(name: str) -> tuple[str, int, str] | None:
    parts = name.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    return parts[0], int(parts[1]), parts[2]


def pid_alive(pid: int) -> bool:
    """True for a running process (a zombie counts as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def run_one(ctx: WorkerContext) -> bool:
    """Run the oldest waiting job if there is one; False when there was none."""
    with ctx.db.read() as session:
        job_id = repo.next_created_job_id(session=session)
    if job_id is None:
        return False
    execute(ctx, job_id)
    return True


def run_loop(ctx: WorkerContext, wake: Flag, stop: Flag, poll_s: float) -> None:
    """Work until ``stop`` is set. ``wake`` is cleared *before* looking for work, so
    a job committed after the look always finds the flag set."""
    while not stop.is_set():
        wake.clear()
        try:
            found = run_one(ctx)
        except Exception:  # the database hiccuped: log, back off, keep serving
            log.exception("worker %s: could not fetch a job", ctx.worker)
            found = False
        if not found:
            wake.wait(poll_s)
