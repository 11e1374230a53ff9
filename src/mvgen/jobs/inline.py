"""The embedded queue: a pool of spawned worker processes next to the API.

The API process never renders; ``settings.workers`` processes (``spawn``,
so no state is inherited from a threaded server) run ``worker.run_loop``
and claim jobs from the database. The parent only supervises:

- it wakes the workers when work is committed (``submit``; a worker that
  finishes a job submits the jobs it made ready through a ``WakeQueue`` on
  the same shared flag, so the graph moves on without anyone polling);
- it forwards the callback events the workers send through a queue;
- every few seconds it restarts dead workers and recovers the jobs any dead
  process left ``processing`` (its own workers, or those of a server that
  was killed), re-queuing them or, after ``job_max_attempts``, failing them.

A worker whose parent dies (SIGKILL of the server) exits within a second,
so it cannot keep writing behind the back of the next server.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing as mp
import os
import queue
import signal
import socket
import threading
import time
from collections.abc import Sequence
from typing import Any

from mvgen.jobs import lifecycle
from mvgen.jobs.lifecycle import Emit, Event
from mvgen.jobs.stub import WakeQueue
from mvgen.jobs.worker import parse_worker, pid_alive, run_loop, worker_name
from mvgen.settings import Settings
from mvgen.store.db import Database, open_database

log = logging.getLogger("mvgen.jobs")
SUPERVISE_EVERY_S = 2.0


def _watch_parent(parent_pid: int) -> None:
    """Exit at once when the parent is gone (we were re-parented)."""

    def watch() -> None:
        while True:
            if os.getppid() != parent_pid:
                os._exit(0)
            time.sleep(0.5)

    threading.Thread(target=watch, name="mvgen-parent-watch", daemon=True).start()


def _lower_priority(settings: Settings) -> None:
    """Renders (and the ffmpeg they start) yield the CPU to the API process.

    Niceness alone is weighted per thread, and x264 runs many threads, so on
    Linux the workers also go to SCHED_IDLE: they run only on CPU the API
    leaves free (inherited by every ffmpeg child).
    """
    with contextlib.suppress(OSError):
        os.nice(settings.worker_nice)
    if settings.worker_sched_idle and hasattr(os, "SCHED_IDLE"):
        with contextlib.suppress(OSError):
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


def _worker_main(
    settings: Settings, name: str, wake: Any, stop: Any, events: Any, parent_pid: int
) -> None:
    """Entry point of a pool process."""
    from mvgen.jobs.steps import WorkerContext
    from mvgen.store.artifacts import open_artifacts

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _lower_priority(settings)
    _watch_parent(parent_pid)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    db = open_database(settings)
    queue = WakeQueue(wake)
    ctx = WorkerContext(
        settings, db, open_artifacts(settings.home, settings.artifacts), events.put, name, queue
    )
    try:
        run_loop(ctx, wake, stop, settings.scheduler_poll_s)
    finally:
        db.dispose()


class InlineQueue:
    """``JobQueue`` with an embedded process pool; see the module docstring."""

    def __init__(self, settings: Settings, db: Database, emit: Emit) -> None:
        self.settings = settings
        self.db = db
        self.emit = emit
        self._ctx = mp.get_context("spawn")
        self._wake: Any = self._ctx.Event()
        self._stop: Any = self._ctx.Event()
        self._events: Any = self._ctx.Queue()
        self._procs: dict[str, Any] = {}  # worker name -> Process
        self._host = socket.gethostname()
        self._halt = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- JobQueue --------------------------------------------------------------

    def start(self) -> None:
        self.recover()
        for _ in range(max(0, self.settings.workers)):
            self._spawn()
        for target, name in ((self._drain, "events"), (self._supervise, "supervisor")):
            thread = threading.Thread(target=target, name=f"mvgen-pool-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def submit(self, job_ids: Sequence[str]) -> None:
        wake = self._wake
        if wake is not None:  # None once closed
            wake.set()

    def close(self, timeout: float = 10.0) -> None:
        """Stop workers (idle ones exit; busy ones are terminated after ``timeout``)
        and put the jobs they held back to ``created`` without counting an attempt."""
        self._stop.set()
        self._wake.set()
        self._halt.set()
        deadline = time.monotonic() + timeout
        for proc in self._procs.values():
            proc.join(max(0.0, deadline - time.monotonic()))
        for proc in self._procs.values():
            if proc.is_alive():
                proc.terminate()
                proc.join(5)
        self._release(list(self._procs))
        self._events.put(None)
        for thread in self._threads:
            thread.join(5)
        self._events.close()
        self._events.join_thread()
        # Drop the semaphores now: spawn-context locks are tracked and would be
        # reported as leaked if they lived until interpreter exit.
        self._procs.clear()
        self._wake = self._stop = self._events = None
        gc.collect()

    # -- supervision -----------------------------------------------------------

    def _spawn(self) -> None:
        name = worker_name()
        proc = self._ctx.Process(
            target=_worker_main,
            name=f"mvgen-worker-{len(self._procs)}",
            args=(self.settings, name, self._wake, self._stop, self._events, os.getpid()),
            daemon=True,
        )
        proc.start()
        self._procs[name] = proc

    def _is_dead(self, claimant: str) -> bool:
        """Whether the process that claimed a job is gone (only judged on this host)."""
        parsed = parse_worker(claimant)
        if parsed is None:
            return True
        host, pid, _nonce = parsed
        if host != self._host:
            return False  # another machine's worker: not ours to judge
        proc = self._procs.get(claimant)
        if proc is not None:
            return not proc.is_alive()
        if any(p.pid == pid for p in self._procs.values()):
            return True  # the pid now belongs to another of our workers: reused
        return not pid_alive(pid)

    def recover(self) -> None:
        """Re-queue (or fail) jobs whose worker died; forward their callbacks."""
        with self.db.write() as session:
            changes = lifecycle.recover(session, self.settings, self._is_dead)
        self._forward(changes.events)
        if changes.job_ids:
            self.submit(changes.job_ids)

    def _release(self, names: list[str]) -> None:
        from sqlalchemy import update

        from mvgen.store.models import CREATED, PROCESSING, Job

        with self.db.write() as session:
            session.execute(
                update(Job)
                .where(Job.state == PROCESSING, Job.claimed_by.in_(names))
                .values(state=CREATED, claimed_by="", attempts=Job.attempts - 1)
            )

    def _supervise(self) -> None:
        while not self._halt.wait(SUPERVISE_EVERY_S):
            try:
                for name, proc in list(self._procs.items()):
                    if not proc.is_alive() and not self._stop.is_set():
                        log.warning("worker %s died (exit %s); restarting", name, proc.exitcode)
                        self._spawn()
                self.recover()
                for name, proc in list(self._procs.items()):
                    if not proc.is_alive() and name in self._procs:
                        proc.join(0)
                        del self._procs[name]
            except Exception:
                log.exception("pool supervisor")

    def _forward(self, events: list[Event]) -> None:
        for event in events:
            try:
                self.emit(event)
            except Exception:
                log.exception("callback for task %s not queued", event.task_id)

    def _drain(self) -> None:
        while True:
            try:
                event = self._events.get(timeout=1.0)
            except queue.Empty:
                continue
            except (EOFError, OSError):
                return
            if event is None:
                return
            self._forward([event])
