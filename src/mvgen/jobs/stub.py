"""In-memory queues: ``StubQueue`` for tests (as dramatiq's StubBroker), ``WakeQueue``
for the embedded pool's workers.

``StubQueue`` records submitted job ids in order and runs them on demand in
the calling thread (``drain``), through the same ``jobs.steps.execute`` as
every real worker, so tests can drive the whole job graph (prepare → shots
→ compose) without processes or a broker and see exactly what was submitted.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from mvgen.jobs.steps import WorkerContext


class _Flag(Protocol):
    def set(self) -> None: ...


class WakeQueue:
    """``JobQueue`` of a pool process: the jobs are rows already; wake the pool."""

    def __init__(self, wake: _Flag) -> None:
        self.wake = wake

    def start(self) -> None:
        pass

    def submit(self, job_ids: Sequence[str]) -> None:
        self.wake.set()

    def close(self, timeout: float = 10.0) -> None:
        pass


class StubQueue:
    """``JobQueue`` kept in memory: ``submitted`` is every id ever given, in order."""

    def __init__(self) -> None:
        self.submitted: list[str] = []
        self._pending: deque[str] = deque()
        self._lock = threading.Lock()
        self.closed = False

    def start(self) -> None:
        pass

    def submit(self, job_ids: Sequence[str]) -> None:
        with self._lock:
            self.submitted += job_ids
            self._pending.extend(job_ids)

    def close(self, timeout: float = 10.0) -> None:
        self.closed = True

    def pending(self) -> list[str]:
        with self._lock:
            return list(self._pending)

    def drain(self, ctx: WorkerContext, limit: int = 10_000) -> int:
        """Run queued jobs (and those they submit) until none is left; how many ran."""
        from mvgen.jobs.steps import execute

        ran = 0
        while ran < limit:
            with self._lock:
                if not self._pending:
                    return ran
                job_id = self._pending.popleft()
            execute(ctx, job_id)
            ran += 1
        raise RuntimeError(f"more than {limit} jobs: the job graph loops")
