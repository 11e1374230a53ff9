"""The scale-out safety net, run every ``sweep_every_s`` by the API and each worker:

- jobs whose worker stopped heartbeating for ``job_stale_s`` (SIGKILL, a
  vanished machine) go back to ``created`` and are submitted again, or fail
  with ``InternalServiceFailure`` after ``job_max_attempts`` starts;
- ``created`` jobs never handed to the broker (it was down when they were
  committed) are sent after ``dispatch_after_s``, and ones sent more than
  ``redispatch_s`` ago are sent again (a lost message): an outbox;
- callback outbox rows likewise.

Many sweepers may run at once: every step is a conditional UPDATE or a
send of an id whose job is claimed once, so a double send costs nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from mvgen.ids import utc_now
from mvgen.jobs import lifecycle
from mvgen.jobs.base import JobQueue
from mvgen.jobs.lifecycle import Emit
from mvgen.jobs.periodic import Periodic
from mvgen.settings import Settings
from mvgen.store import outbox, repo
from mvgen.store.db import Database, open_database

log = logging.getLogger("mvgen.jobs")


def sweep(
    settings: Settings, db: Database, queue: JobQueue, emit: Emit, send_row: Callable[[int], None]
) -> tuple[int, int, int]:
    """One round; (stale jobs re-queued or failed, jobs re-sent, callbacks re-sent)."""
    with db.write() as session:
        changes = lifecycle.requeue_stale(session, settings)
    for event in changes.events:
        emit(event)
    if changes.job_ids:
        queue.submit(changes.job_ids)
    now = utc_now()
    fresh = now - timedelta(seconds=settings.dispatch_after_s)
    old = now - timedelta(seconds=settings.redispatch_s)
    with db.read() as session:
        job_ids = repo.undispatched_job_ids(
            session=session, created_before=fresh, dispatched_before=old
        )
        row_ids = outbox.undispatched(session=session, created_before=fresh, dispatched_before=old)
    if job_ids:
        log.info("sending %d waiting jobs again", len(job_ids))
        queue.submit(job_ids)
    for row_id in row_ids:
        send_row(row_id)
    return len(changes.events) + len(changes.job_ids), len(job_ids), len(row_ids)


class Sweeper(Periodic):
    """``sweep`` in a daemon thread. Without a ``db`` it opens one per round and
    disposes it, so a process that forks workers (Celery prefork) never shares a
    live database connection with its children."""

    def __init__(
        self,
        settings: Settings,
        queue: JobQueue,
        emit: Emit,
        send_row: Callable[[int], None],
        db: Database | None = None,
    ) -> None:
        self.settings, self.queue, self.emit, self.send_row, self.db = (
            settings, queue, emit, send_row, db,
        )  # fmt: skip
        super().__init__("mvgen-sweeper", settings.sweep_every_s, self._round, now=False)

    def _round(self) -> None:
        db = self.db or open_database(self.settings)
        try:
            sweep(self.settings, db, self.queue, self.emit, self.send_row)
        finally:
            if self.db is None:
                db.dispose()
