"""While a job runs, its worker touches the job's ``heartbeat_at`` every few seconds.

Liveness across machines: a job whose heartbeat is older than ``job_stale_s``
belongs to a dead worker (SIGKILL, vanished machine) and may be claimed
again (``repo.claim_job``) or re-queued by the sweeper. A beat runs in a
thread of the worker process, so a render that holds the GIL in C code or
waits on ffmpeg still beats; a lost database connection only logs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from mvgen.store import repo
from mvgen.store.db import Database

log = logging.getLogger("mvgen.jobs")


@contextmanager
def beating(db: Database, job_id: str, worker: str, every_s: float) -> Iterator[threading.Event]:
    """Heartbeat ``job_id`` for the duration of the block; the yielded Event is set
    when the job was taken from this worker (it was judged dead and re-claimed)."""
    stop = threading.Event()
    lost = threading.Event()

    def beat() -> None:
        while not stop.wait(every_s):
            try:
                with db.write() as session:
                    held = repo.heartbeat(session=session, job_id=job_id, worker=worker)
            except Exception:  # the database is away: try again next beat
                log.warning("heartbeat of job %s failed", job_id, exc_info=True)
                continue
            if not held:
                log.warning("job %s was re-claimed by another worker", job_id)
                lost.set()
                return

    thread = threading.Thread(target=beat, name=f"mvgen-heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield lost
    finally:
        stop.set()
        thread.join(every_s + 5)
