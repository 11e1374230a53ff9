"""Persistence functions: keyword-only, one session passed in, no commits here.

The caller owns the transaction (``Database.write()`` / ``read()``), so a
use case that charges credits, inserts a task and queues its first job does
it atomically. Conditional updates (claim a job, charge credits) are single
``UPDATE ... WHERE`` statements whose row count says who won, so two
processes can never both claim one job or overdraw one key.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from mvgen.ids import new_id, utc_now
from mvgen.store import tokens
from mvgen.store.models import (
    ACTIVE_STATES,
    CREATED,
    PROCESSING,
    ApiKey,
    CreditEntry,
    Job,
    Task,
)

# -- keys ---------------------------------------------------------------------


def create_key(*, session: Session, name: str, credits: int, secret_key: str) -> tuple[ApiKey, str]:
    """Insert a key and return it with its token (the only time the token is shown)."""
    salt = tokens.new_salt()
    token = tokens.derive_token(secret_key, salt)
    key = ApiKey(
        id=new_id(), name=name, token_hash=tokens.hash_token(token), token_salt=salt, credits=0
    )
    session.add(key)
    session.flush()
    if credits:
        add_credits(session=session, key_id=key.id, amount=credits, reason="grant")
    return key, token


def get_key_by_token(*, session: Session, token: str) -> ApiKey | None:
    """The live (not revoked) key whose token this is, or None."""
    stmt = select(ApiKey).where(
        ApiKey.token_hash == tokens.hash_token(token), ApiKey.revoked_at.is_(None)
    )
    return session.scalars(stmt).first()


def get_key(*, session: Session, key_id: str) -> ApiKey | None:
    return session.get(ApiKey, key_id)


def get_key_by_name(*, session: Session, name: str) -> ApiKey | None:
    return session.scalars(select(ApiKey).where(ApiKey.name == name)).first()


def list_keys(*, session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def revoke_key(*, session: Session, name: str) -> bool:
    """Mark the key revoked; True when a live key of that name existed."""
    stmt = (
        update(ApiKey)
        .where(ApiKey.name == name, ApiKey.revoked_at.is_(None))
        .values(revoked_at=utc_now())
    )
    return bool(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def add_credits(
    *, session: Session, key_id: str, amount: int, reason: str, task_id: str | None = None
) -> None:
    """Give (or, negative, take unconditionally) credits, with a ledger line."""
    session.execute(
        update(ApiKey).where(ApiKey.id == key_id).values(credits=ApiKey.credits + amount)
    )
    session.add(CreditEntry(key_id=key_id, task_id=task_id, delta=amount, reason=reason))


def try_charge(
    *, session: Session, key_id: str, amount: int, reason: str, task_id: str | None = None
) -> bool:
    """Take ``amount`` credits only if the key has them; False (nothing changed) otherwise."""
    if amount <= 0:
        return True
    stmt = (
        update(ApiKey)
        .where(ApiKey.id == key_id, ApiKey.credits >= amount)
        .values(credits=ApiKey.credits - amount)
    )
    if not session.execute(stmt).rowcount:  # type: ignore[attr-defined]
        return False
    session.add(CreditEntry(key_id=key_id, task_id=task_id, delta=-amount, reason=reason))
    return True


def ledger(*, session: Session, key_id: str) -> list[CreditEntry]:
    stmt = select(CreditEntry).where(CreditEntry.key_id == key_id).order_by(CreditEntry.id)
    return list(session.scalars(stmt))


# -- tasks and jobs -------------------------------------------------------------


def insert_task(*, session: Session, task: Task) -> Task:
    session.add(task)
    session.flush()
    return task


def get_task(
    *, session: Session, task_id: str, key_id: str | None = None, for_update: bool = False
) -> Task | None:
    """The task, optionally only if ``key_id`` owns it (others' tasks do not exist)."""
    stmt = select(Task).where(Task.id == task_id)
    if key_id is not None:
        stmt = stmt.where(Task.key_id == key_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def count_active_tasks(*, session: Session, key_id: str) -> int:
    """Tasks of the key still in progress; locks the key's row until the transaction ends,
    so on PostgreSQL two creates for one key count (and insert) one after the other, as
    SQLite's write lock already makes them."""
    session.execute(select(ApiKey.id).where(ApiKey.id == key_id).with_for_update())
    stmt = select(func.count()).where(Task.key_id == key_id, Task.state.in_(ACTIVE_STATES))
    return int(session.scalar(stmt) or 0)


def task_jobs(*, session: Session, task_id: str) -> list[Job]:
    """All jobs of a task, oldest first (ids increase in time)."""
    return list(session.scalars(select(Job).where(Job.task_id == task_id).order_by(Job.id)))


def insert_job(
    *,
    session: Session,
    task_id: str,
    type: str,
    index: int = 0,
    version: int = 0,
    prompt: str | None = None,
    params: dict[str, Any] | None = None,
    callback_url: str = "",
) -> Job:
    now = utc_now()
    job = Job(
        id=new_id(),
        task_id=task_id,
        type=type,
        index=index,
        version=version,
        state=CREATED,
        prompt=prompt,
        params_json=json.dumps(params or {}, ensure_ascii=False),
        callback_url=callback_url,
        created_at=now,
        updated_at=now,
    )
    session.add(job)
    session.flush()
    return job


def get_job(*, session: Session, job_id: str) -> Job | None:
    return session.get(Job, job_id)


def idle_active_task_ids(*, session: Session) -> list[str]:
    """Tasks still ``created``/``processing`` although none of their jobs waits or runs."""
    busy = select(Job.id).where(Job.task_id == Task.id, Job.state.in_(ACTIVE_STATES)).exists()
    stmt = select(Task.id).where(Task.state.in_(ACTIVE_STATES), ~busy).order_by(Task.id)
    return list(session.scalars(stmt))


# -- the queue --------------------------------------------------------------------


def next_created_job_id(*, session: Session) -> str | None:
    """The oldest job waiting for a worker (cheap: index on (state, id))."""
    stmt = select(Job.id).where(Job.state == CREATED).order_by(Job.id).limit(1)
    return session.scalars(stmt).first()


def claim_job(
    *,
    session: Session,
    job_id: str,
    worker: str,
    stale_before: datetime | None = None,
    max_attempts: int = 0,
) -> bool:
    """Move a job to ``processing`` for ``worker``; False if someone else holds it.

    A ``created`` job is always claimable. With ``stale_before``, so is a
    ``processing`` job whose worker stopped heartbeating before then (it died
    on some machine) and that has been started fewer than ``max_attempts``
    times: a redelivered message and the stale-job sweep take the same path.
    """
    claimable = Job.state == CREATED
    if stale_before is not None:
        stale = or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < stale_before)
        claimable = or_(
            claimable, and_(Job.state == PROCESSING, stale, Job.attempts < max_attempts)
        )
    now = utc_now()
    stmt = (
        update(Job)
        .where(Job.id == job_id, claimable)
        .values(
            state=PROCESSING,
            claimed_by=worker,
            attempts=Job.attempts + 1,
            heartbeat_at=now,
            updated_at=now,
        )
    )
    return bool(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def heartbeat(*, session: Session, job_id: str, worker: str) -> bool:
    """Touch a running job's heartbeat; False when ``worker`` no longer holds it."""
    stmt = (
        update(Job)
        .where(Job.id == job_id, Job.state == PROCESSING, Job.claimed_by == worker)
        .values(heartbeat_at=utc_now())
    )
    return bool(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def processing_jobs(*, session: Session) -> list[Job]:
    stmt = select(Job).where(Job.state == PROCESSING).order_by(Job.id)
    return list(session.scalars(stmt))


def stale_jobs(*, session: Session, stale_before: datetime) -> list[Job]:
    """Running jobs whose worker stopped heartbeating (any machine)."""
    stale = or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < stale_before)
    stmt = select(Job).where(Job.state == PROCESSING, stale).order_by(Job.id)
    return list(session.scalars(stmt.with_for_update()))


def undispatched_job_ids(
    *, session: Session, created_before: datetime, dispatched_before: datetime, limit: int = 500
) -> list[str]:
    """Waiting jobs never handed to the broker (it was down), or handed long ago."""
    never = and_(Job.dispatched_at.is_(None), Job.updated_at < created_before)
    stmt = (
        select(Job.id)
        .where(Job.state == CREATED, or_(never, Job.dispatched_at < dispatched_before))
        .order_by(Job.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def mark_dispatched(*, session: Session, job_ids: Sequence[str]) -> None:
    if job_ids:
        stmt = update(Job).where(Job.id.in_(list(job_ids))).values(dispatched_at=utc_now())
        session.execute(stmt)


def job_types(*, session: Session, job_ids: Sequence[str]) -> dict[str, str]:
    """``{job id: type}`` (a broker routes each type to its own queue)."""
    stmt = select(Job.id, Job.type).where(Job.id.in_(list(job_ids)))
    return {job_id: type_ for job_id, type_ in session.execute(stmt)}


def job_routes(*, session: Session, job_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """``{job id: (type, quality)}``: a broker routes by type and by the renderer that the
    task's quality picks (``quality=high`` may pick a generative one)."""
    stmt = (
        select(Job.id, Job.type, Task.options_json)
        .join(Task, Task.id == Job.task_id)
        .where(Job.id.in_(list(job_ids)))
    )
    routes = {}
    for job_id, type_, options_json in session.execute(stmt):
        quality = json.loads(options_json or "{}").get("quality") or "standard"
        routes[job_id] = (type_, str(quality))
    return routes
