"""The callback outbox: persistence of callbacks from the change that causes them
until a 2xx (or giving up), so deliveries survive API and worker restarts.

A row is inserted in the same transaction as the state change (``jobs.lifecycle``);
whoever sends it (the embedded ``CallbackSink`` or the Celery ``callbacks`` queue)
records the outcome here. Rows of one (task, url) are sent in ``seq`` order.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from mvgen.ids import utc_now
from mvgen.store.models import PENDING, CallbackRow


def add(
    *, session: Session, task_id: str, seq: int, url: str, final: bool, body: str
) -> CallbackRow:
    now = utc_now()
    row = CallbackRow(
        task_id=task_id,
        seq=seq,
        url=url,
        final=final,
        body=body,
        state=PENDING,
        attempts=0,
        last_error="",
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row


def get(*, session: Session, row_id: int, for_update: bool = False) -> CallbackRow | None:
    stmt = select(CallbackRow).where(CallbackRow.id == row_id)
    return session.scalars(stmt.with_for_update() if for_update else stmt).first()


def finish(*, session: Session, row_id: int, state: str, attempts: int, error: str = "") -> None:
    """Record a row's final outcome (delivered, gave up, superseded)."""
    session.execute(
        update(CallbackRow)
        .where(CallbackRow.id == row_id)
        .values(state=state, attempts=attempts, last_error=error[:2000], updated_at=utc_now())
    )


def pending(*, session: Session, limit: int = 1000) -> list[CallbackRow]:
    """Rows not yet delivered nor given up, oldest first (a restart sends them)."""
    stmt = select(CallbackRow).where(CallbackRow.state == PENDING).order_by(CallbackRow.id)
    return list(session.scalars(stmt.limit(limit)))


def earlier_pending(*, session: Session, row: CallbackRow) -> bool:
    """Whether an older row of the same task and URL still waits (order per receiver)."""
    stmt = select(CallbackRow.id).where(
        CallbackRow.task_id == row.task_id,
        CallbackRow.url == row.url,
        CallbackRow.state == PENDING,
        CallbackRow.id < row.id,
    )
    return session.scalars(stmt.limit(1)).first() is not None


def undispatched(
    *, session: Session, created_before: datetime, dispatched_before: datetime, limit: int = 500
) -> list[int]:
    """Pending rows never handed to a broker, or handed long ago (message lost)."""
    never = and_(CallbackRow.dispatched_at.is_(None), CallbackRow.created_at < created_before)
    stmt = (
        select(CallbackRow.id)
        .where(
            CallbackRow.state == PENDING,
            or_(never, CallbackRow.dispatched_at < dispatched_before),
        )
        .order_by(CallbackRow.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def mark_dispatched(*, session: Session, row_ids: list[int]) -> None:
    if row_ids:
        session.execute(
            update(CallbackRow).where(CallbackRow.id.in_(row_ids)).values(dispatched_at=utc_now())
        )
