"""The job queue seen by the service: tell it work was committed, close it at exit.

Jobs themselves live in the database (state ``created``); a queue only
makes workers pick them up. Whoever commits jobs submits their ids: the API
on create/edit/compose, and a worker for the jobs its finished job made
ready (``lifecycle.Changes.job_ids``, via ``WorkerContext.queue``). The
embedded ``InlineQueue`` (``jobs/inline.py``) wakes its pool of processes,
which claim jobs from the database; ``CeleryQueue`` (``jobs/celery.py``)
sends one message per job id to workers that call the same
``jobs.steps.execute``; ``StubQueue`` (``jobs/stub.py``) keeps them in
memory for tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class JobQueue(Protocol):
    def start(self) -> None:
        """Begin processing (recovering jobs a dead process left running)."""
        ...

    def submit(self, job_ids: Sequence[str]) -> None:
        """``job_ids`` were committed in state ``created``: get them worked on."""
        ...

    def close(self, timeout: float = 10.0) -> None:
        """Stop; interrupted jobs go back to ``created`` for the next start."""
        ...
