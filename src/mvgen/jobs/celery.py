"""Scale-out queue: Celery on Redis, one task per job id (``pip install 'mvgen[celery]'``).

The database row stays the truth: a task only calls ``jobs.steps.execute``,
whose claim is a conditional UPDATE, so a message delivered twice (a
redelivery, a re-send by the sweeper) never runs a job twice. Messages are
acknowledged late and rejected when their worker process dies
(``acks_late``, ``task_reject_on_worker_lost``), each worker process takes
one at a time (prefetch 1) so the shots of one MV spread over all workers,
and Redis's visibility timeout is longer than the longest job. Liveness is
the job heartbeat (``jobs.heartbeat``), not Redis's redelivery: the sweeper
(``jobs.sweeper``) re-queues a dead worker's job within ``job_stale_s``.

Queues: ``render`` (prepare and CPU shots), ``gpu`` (shots whose task's
quality picks a renderer in ``gpu_renderers``: ``MVGEN_RENDERER``, or
``MVGEN_RENDERER_HIGH`` for ``quality=high``), ``compose``, ``callbacks`` (deliveries of the
callback outbox, so slow receivers never hold a render slot).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Sequence
from typing import Any

from mvgen.jobs import lifecycle
from mvgen.settings import Settings
from mvgen.store import repo
from mvgen.store.db import Database
from mvgen.store.models import COMPOSE, GENERATE_VIDEO

log = logging.getLogger("mvgen.jobs")
QUEUES = ("render", "gpu", "compose", "callbacks")
RUN_JOB, DELIVER = "mvgen.run_job", "mvgen.deliver_callback"
_apps: dict[str, Any] = {}


def _celery() -> Any:
    try:
        import celery
    except ImportError as exc:
        raise RuntimeError("MVGEN_BROKER_URL needs Celery: pip install 'mvgen[celery]'") from exc
    return celery


def queue_for(job_type: str, settings: Settings, quality: str = "standard") -> str:
    """The queue of a job: compose; gpu for a shot whose quality picks a generative
    renderer (``render.base.renderer_name``); else render."""
    from mvgen.render.base import renderer_name

    if job_type == COMPOSE:
        return "compose"
    gpu = {name.strip() for name in settings.gpu_renderers.split(",") if name.strip()}
    if job_type == GENERATE_VIDEO and renderer_name(settings, quality) in gpu:
        return "gpu"
    return "render"


def queues_of(db: Database, job_ids: Sequence[str], settings: Settings) -> dict[str, str]:
    """``{job id: queue}`` for jobs in the database (unknown ids go to ``render``)."""
    with db.read() as session:
        routes = repo.job_routes(session=session, job_ids=job_ids)
    queues = {}
    for job_id in job_ids:
        job_type, quality = routes.get(job_id, ("", "standard"))
        queues[job_id] = queue_for(job_type, settings, quality)
    return queues


def celery_app(settings: Settings) -> Any:
    """The Celery app of this process for ``settings`` (built once, tasks registered)."""
    key = settings.model_dump_json()
    if key in _apps:
        return _apps[key]
    celery = _celery()
    from kombu import Exchange, Queue

    app = celery.Celery("mvgen", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_queues=[Queue(name, Exchange(name), routing_key=name) for name in QUEUES],
        task_default_queue="render",
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        worker_prefetch_multiplier=1,
        worker_send_task_events=True,  # for `celery events` / Flower
        task_send_sent_event=True,
        worker_cancel_long_running_tasks_on_connection_loss=False,  # the DB is the truth
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # reconnect forever
        broker_connection_timeout=5,
        broker_transport_options={
            "visibility_timeout": settings.broker_visibility_timeout_s,
            "socket_timeout": 10,
            "socket_connect_timeout": 5,
        },
        # Fail fast when Redis is down: the row is committed, the sweeper sends it later.
        task_publish_retry_policy={"max_retries": 1, "interval_start": 0.2, "interval_max": 0.5},
        accept_content=["json"],
        task_serializer="json",
    )
    _register(app, settings)
    _apps[key] = app
    return app


def _register(app: Any, settings: Settings) -> None:
    @app.task(name=RUN_JOB, acks_late=True, reject_on_worker_lost=True)  # type: ignore[misc]
    def run_job(job_id: str) -> bool:
        from mvgen.jobs.steps import execute

        return execute(_runtime(settings).ctx, job_id)

    @app.task(name=DELIVER, bind=True, acks_late=True, max_retries=None)  # type: ignore[misc]
    def deliver_callback(task: Any, row_id: int) -> None:
        from mvgen.webhooks.outbox import deliver_row

        rt = _runtime(settings)
        retry_in = deliver_row(settings, rt.db, row_id, rt.http())
        if retry_in is not None:
            raise task.retry(countdown=retry_in)


class CeleryQueue:
    """``JobQueue`` that sends one message per job id to the queue of its type."""

    def __init__(self, settings: Settings, db: Database, *, sweep: bool = False) -> None:
        self.settings, self.db = settings, db
        self.app = celery_app(settings)
        self._sweeper: Any = None
        self._sweep = sweep

    def start(self) -> None:
        if self._sweep:
            from mvgen.jobs.sweeper import Sweeper

            sender = OutboxSender(self.settings, self.db)
            self._sweeper = Sweeper(self.settings, self, sender, sender.send_row, self.db)
            self._sweeper.start()

    def submit(self, job_ids: Sequence[str]) -> None:
        if not job_ids:
            return
        queues = queues_of(self.db, job_ids, self.settings)
        sent = []
        try:
            for job_id in job_ids:
                self.app.send_task(RUN_JOB, args=[job_id], queue=queues[job_id])
                sent.append(job_id)
        except Exception as exc:  # broker down: rows stay undispatched; the sweeper sends
            log.warning("broker unreachable, %d jobs wait: %s", len(job_ids) - len(sent), exc)
        if sent:
            with self.db.write() as session:
                repo.mark_dispatched(session=session, job_ids=sent)

    def close(self, timeout: float = 10.0) -> None:
        if self._sweeper is not None:
            self._sweeper.stop(timeout)


class OutboxSender:
    """``Emit`` under a broker: each callback's outbox row goes to the ``callbacks`` queue."""

    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings, self.db = settings, db
        self.app = celery_app(settings)

    def __call__(self, event: lifecycle.Event) -> None:
        if event.outbox_id:
            self.send_row(event.outbox_id)

    def send_row(self, row_id: int) -> None:
        from mvgen.store import outbox

        try:
            self.app.send_task(DELIVER, args=[row_id], queue="callbacks")
        except Exception as exc:
            log.warning("broker unreachable, callback %s waits: %s", row_id, exc)
            return
        with self.db.write() as session:
            outbox.mark_dispatched(session=session, row_ids=[row_id])

    def close(self, timeout: float = 10.0) -> None:
        pass


class _Runtime:
    """What a worker process holds: database, artifacts, worker context, HTTP client."""

    def __init__(self, settings: Settings) -> None:
        from mvgen.jobs.steps import WorkerContext
        from mvgen.jobs.worker import worker_name
        from mvgen.store.artifacts import open_artifacts
        from mvgen.store.db import open_database

        self.pid = os.getpid()
        self.db = open_database(settings)
        queue = CeleryQueue(settings, self.db)
        emit = OutboxSender(settings, self.db)
        self.ctx = WorkerContext(
            settings,
            self.db,
            open_artifacts(settings.home, settings.artifacts),
            emit,
            worker_name(),
            queue,
        )
        self.settings = settings
        self._http: Any = None

    def http(self) -> Any:
        if self._http is None:
            from mvgen.webhooks.sender import guarded_client

            self._http = guarded_client(self.settings, 10.0)
        return self._http


_runtimes: dict[str, _Runtime] = {}


def _runtime(settings: Settings) -> _Runtime:
    """One per worker process (rebuilt in a forked child: no shared connections)."""
    key = settings.model_dump_json()
    rt = _runtimes.get(key)
    if rt is None or rt.pid != os.getpid():
        rt = _runtimes[key] = _Runtime(settings)
    return rt


def run_worker(settings: Settings, concurrency: int, queues: Sequence[str], sweep: bool) -> None:
    """``mvgen worker``: a Celery worker (prefork) on ``queues``, plus the sweeper.

    The sweeper is a spawned process, not a thread: Celery forks its pool
    children from this process, and a fork while another thread holds a lock
    (an import, a connection pool) leaves the child deadlocked on it.
    """
    import multiprocessing as mp

    from mvgen.store.db import open_database

    unknown = sorted(set(queues) - set(QUEUES))
    if unknown:
        raise ValueError(f"unknown queues {unknown}; known: {', '.join(QUEUES)}")
    open_database(settings, run_migrations=True).dispose()
    app = celery_app(settings)
    if sweep:
        args = (settings, os.getpid())
        mp.get_context("spawn").Process(
            target=_sweeper_main, args=args, name="mvgen-sweeper", daemon=True
        ).start()
    name = f"mvgen-{os.getpid()}@{socket.gethostname()}"
    argv = ["worker", f"--concurrency={concurrency}", f"--queues={','.join(queues)}"]
    app.worker_main([*argv, "--loglevel=INFO", f"--hostname={name}", "--without-mingle"])


def _sweeper_main(settings: Settings, parent_pid: int) -> None:
    """The worker's sweeper process: sweeps until its worker is gone."""
    import time

    from mvgen.jobs.inline import _watch_parent
    from mvgen.jobs.sweeper import sweep
    from mvgen.store.db import open_database

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    _watch_parent(parent_pid)
    db = open_database(settings)
    queue, sender = CeleryQueue(settings, db), OutboxSender(settings, db)
    while True:
        time.sleep(settings.sweep_every_s)
        try:
            sweep(settings, db, queue, sender, sender.send_row)
        except Exception:  # database or broker away: next round
            log.warning("sweep failed", exc_info=True)
