"""State transitions of jobs and tasks, and the callbacks they cause.

Whoever changes a job (a pool worker, the API on edit/compose, the start-up
recovery) calls these functions inside one write transaction; they update
the job, re-derive the task's state (contract section 5) and return the
callback ``Event``s to send *after* the commit, and the ids of the jobs the
change made ready (shots after prepare, compose after the last shot): the
job graph is explicit, and whoever committed submits those ids to its
``JobQueue`` (nobody polls the database to notice them). Each event is also
an outbox row (``store.outbox``) written in the same transaction, so a
callback survives a restart of whoever was to send it. Each event carries the task
body as it was at that change and a per-task sequence number taken in the
same transaction, so a sender that sees events out of order can drop stale
ones and receivers still get states in order.

Task state rule: ``processing`` while any job is waiting or running (``created``
until the first one starts); otherwise ``success`` when the task has a
result (a composed MV for songs up to 180 s, every shot rendered for longer
ones) and ``failed`` with the newest failed job's error when it has none.
So a failed edit on a finished task leaves it ``success`` (the earlier
versions still stand) while the failed job shows in its history.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from mvgen.ids import utc_now
from mvgen.settings import Settings
from mvgen.store import billing, outbox, repo, tokens
from mvgen.store.models import (
    ACTIVE_STATES,
    COMPOSE,
    CREATED,
    FAILED,
    FINAL_STATES,
    GENERATE_VIDEO,
    PROCESSING,
    SUCCESS,
    Job,
    Task,
)

AUTO_COMPOSE_MAX_S = 180.0  # contract "Reading — duration": longer songs get shots only


@dataclass(frozen=True)
class Event:
    """One callback to deliver: the task body at one state change."""

    task_id: str
    seq: int
    url: str
    token: str
    body: bytes
    final: bool
    outbox_id: int = 0  # its row in ``callback_outbox`` (0: not persisted)


Emit = Callable[[Event], None]


@dataclass
class Changes:
    """What one committed change causes: callbacks to send, jobs to submit."""

    events: list[Event] = field(default_factory=list)
    job_ids: list[str] = field(default_factory=list)

    def __iadd__(self, other: Changes) -> Changes:
        self.events += other.events
        self.job_ids += other.job_ids
        return self


def _has_result(task: Task, jobs: Sequence[Job]) -> bool:
    if task.shot_count <= 0:
        return False
    if task.auto_compose:
        return any(j.type == COMPOSE and j.state == SUCCESS for j in jobs)
    done = {j.index for j in jobs if j.type == GENERATE_VIDEO and j.state == SUCCESS}
    return done >= set(range(task.shot_count))


def derive_state(task: Task, jobs: Sequence[Job]) -> tuple[str, str, str]:
    """(state, err_code, err_msg) of the task given all its jobs."""
    active = [j for j in jobs if j.state in ACTIVE_STATES]
    if active:
        started = task.state != CREATED or any(j.state == PROCESSING for j in active)
        return (PROCESSING if started else CREATED), "", ""
    if _has_result(task, jobs):
        return SUCCESS, "", ""
    failed = [j for j in jobs if j.state == FAILED]
    if not failed:
        return FAILED, "InternalServiceFailure", "task ended without a result"
    last = max(failed, key=lambda j: (j.updated_at, j.id))
    return FAILED, last.err_code or "InternalServiceFailure", last.err_msg


def _event(
    session: Session, task: Task, jobs: Sequence[Job], url: str, final: bool, settings: Settings
) -> Event:
    from mvgen.store.views import UrlSigner, task_body

    task.event_seq += 1
    key = repo.get_key(session=session, key_id=task.key_id)
    token = tokens.derive_token(settings.secret_key, key.token_salt) if key else ""
    body = json.dumps(task_body(task, jobs, UrlSigner(settings)), ensure_ascii=False)
    row = outbox.add(
        session=session, task_id=task.id, seq=task.event_seq, url=url, final=final, body=body
    )
    return Event(task.id, task.event_seq, url, token, body.encode("utf-8"), final, row.id)


def settle(
    session: Session, task: Task, settings: Settings, *, changed: Job | None = None
) -> list[Event]:
    """Re-derive the task's state after a change; return the callbacks it causes.

    ``changed`` is the job whose state just changed: if it has its own
    ``callback_url`` (edit/compose), that URL gets the body too.
    """
    session.flush()
    jobs = repo.task_jobs(session=session, task_id=task.id)
    state, err_code, err_msg = derive_state(task, jobs)
    moved = state != task.state
    task.state, task.err_code, task.err_msg = state, err_code, err_msg
    if moved and state == FAILED and err_code in billing.REFUNDED_ERRORS:
        billing.refund_task(session=session, task=task, reason=f"refund:{err_code}")
    task.updated_at = utc_now()
    events = []
    if moved and task.callback_url and state != CREATED:
        events.append(
            _event(session, task, jobs, task.callback_url, state in FINAL_STATES, settings)
        )
    if changed is not None and changed.callback_url and changed.state != CREATED:
        events.append(
            _event(
                session, task, jobs, changed.callback_url, changed.state in FINAL_STATES, settings
            )
        )
    return events


def _set_job(job: Job, state: str, err_code: str = "", err_msg: str = "") -> None:
    job.state, job.err_code, job.err_msg = state, err_code, err_msg[:4000]
    job.updated_at = utc_now()


def start_job(
    session: Session, job_id: str, worker: str, settings: Settings
) -> tuple[Job | None, list[Event]]:
    """Claim a job for ``worker``: a waiting one, or a running one whose worker stopped
    heartbeating (``job_stale_s``); (None, []) when someone else holds it."""
    stale_before = utc_now() - timedelta(seconds=settings.job_stale_s)
    claimed = repo.claim_job(
        session=session,
        job_id=job_id,
        worker=worker,
        stale_before=stale_before,
        max_attempts=settings.job_max_attempts,
    )
    if not claimed:
        return None, []
    job = repo.get_job(session=session, job_id=job_id)
    assert job is not None
    session.refresh(job)
    task = repo.get_task(session=session, task_id=job.task_id, for_update=True)
    assert task is not None
    return job, settle(session, task, settings, changed=job)


def _held(session: Session, job_id: str, worker: str | None) -> Job | None:
    """The job if it may still be finished (by ``worker``, when given): a worker whose
    job was re-queued as stale and re-claimed elsewhere must not overwrite it."""
    job = repo.get_job(session=session, job_id=job_id)
    if job is None or job.state in FINAL_STATES:
        return None
    if worker is not None and job.claimed_by != worker:
        return None
    return job


def fail_job(
    session: Session,
    job_id: str,
    err_code: str,
    err_msg: str,
    settings: Settings,
    *,
    worker: str | None = None,
) -> Changes:
    job = _held(session, job_id, worker)
    if job is None:
        return Changes()
    _set_job(job, FAILED, err_code, err_msg)
    task = repo.get_task(session=session, task_id=job.task_id, for_update=True)
    assert task is not None
    return Changes(settle(session, task, settings, changed=job))


def succeed_job(
    session: Session,
    job_id: str,
    settings: Settings,
    *,
    output: str = "",
    srt_output: str = "",
    shots: Sequence[dict[str, Any]] = (),
    params: dict[str, Any] | None = None,
    worker: str | None = None,
) -> Changes:
    """Record a result (``params``: what the step learned, e.g. a shot's ``lip_sync``
    outcome, merged into the job's params); after ``prepare`` add one render per shot,
    after the last shot of a short song add the automatic compose; return their ids."""
    job = _held(session, job_id, worker)
    if job is None:
        return Changes()
    _set_job(job, SUCCESS)
    job.output, job.srt_output = output, srt_output
    if params:
        job.params_json = json.dumps({**json.loads(job.params_json or "{}"), **params})
    task = repo.get_task(session=session, task_id=job.task_id, for_update=True)
    assert task is not None
    ready: list[str] = []
    if job.type == "prepare":
        task.shot_count = len(shots)
        for shot in shots:
            ready.append(
                repo.insert_job(
                    session=session,
                    task_id=task.id,
                    type=GENERATE_VIDEO,
                    index=int(shot["index"]),
                    params=shot,
                ).id
            )
    elif job.type == GENERATE_VIDEO:
        ready += _maybe_auto_compose(session, task)
    return Changes(settle(session, task, settings, changed=job), ready)


def latest_success_shots(jobs: Sequence[Job], shot_count: int) -> list[str] | None:
    """Newest successful version of every shot, in index order; None if one is missing."""
    best: dict[int, Job] = {}
    for job in jobs:
        newer = job.index not in best or job.id > best[job.index].id
        if job.type == GENERATE_VIDEO and job.state == SUCCESS and newer:
            best[job.index] = job
    if shot_count <= 0 or set(best) != set(range(shot_count)):
        return None
    return [best[i].id for i in range(shot_count)]


def _maybe_auto_compose(session: Session, task: Task) -> list[str]:
    """Add the automatic compose once, when every shot of a short song is done."""
    if not task.auto_compose or task.auto_composed:
        return []
    session.flush()
    jobs = repo.task_jobs(session=session, task_id=task.id)
    if any(j.type == GENERATE_VIDEO and j.state in ACTIVE_STATES for j in jobs):
        return []
    chosen = latest_success_shots(jobs, task.shot_count)
    if chosen is None:
        return []
    task.auto_composed = True
    params = {"shot_job_ids": chosen}
    return [repo.insert_job(session=session, task_id=task.id, type=COMPOSE, params=params).id]


def _requeue(session: Session, job: Job, settings: Settings, why: str) -> Changes:
    """Back to ``created`` (steps are idempotent), or failed after ``job_max_attempts``."""
    if job.attempts >= settings.job_max_attempts:
        msg = f"interrupted {job.attempts} times ({why}); giving up"
        _set_job(job, FAILED, "InternalServiceFailure", msg)
        ready = []
    else:
        job.state, job.claimed_by, job.updated_at = CREATED, "", utc_now()
        job.dispatched_at = None
        ready = [job.id]
    task = repo.get_task(session=session, task_id=job.task_id, for_update=True)
    assert task is not None
    events = settle(session, task, settings, changed=job if job.state == FAILED else None)
    return Changes(events, ready)


def recover(session: Session, settings: Settings, is_dead: Callable[[str], bool]) -> Changes:
    """Embedded pool: jobs left ``processing`` by a dead local process (pid check)."""
    changes = Changes()
    for job in repo.processing_jobs(session=session):
        if is_dead(job.claimed_by):
            changes += _requeue(session, job, settings, "worker died")
    return changes


def requeue_stale(session: Session, settings: Settings) -> Changes:
    """Any machine: jobs whose worker stopped heartbeating for ``job_stale_s``."""
    stale_before = utc_now() - timedelta(seconds=settings.job_stale_s)
    changes = Changes()
    for job in repo.stale_jobs(session=session, stale_before=stale_before):
        changes += _requeue(session, job, settings, "worker stopped heartbeating")
    return changes


def settle_idle(session: Session, settings: Settings) -> tuple[list[str], Changes]:
    """Tasks left ``created``/``processing`` with no job waiting or running (nothing
    would ever move them): re-derive their state, so they end ``success`` or ``failed``.
    Returns their ids and the callbacks it causes."""
    changes, settled = Changes(), []
    for task_id in repo.idle_active_task_ids(session=session):
        task = repo.get_task(session=session, task_id=task_id, for_update=True)
        if task is not None:
            changes += Changes(settle(session, task, settings))
            settled.append(task_id)
    return settled, changes
