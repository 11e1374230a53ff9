"""Credits per task: one per second of audio (rounded up), four more per second with lip-sync.

The lip-sync part is charged up front with the rest (so a task never fails
half-way for lack of credits) and given back after ``prepare`` when no shot
actually got lip-synced (no vocals over a frontal face). A task that fails
through the server's fault (``REFUNDED_ERRORS``: the disk filled up) gets
everything back; other failed tasks (bad input) are not refunded.
"""

from __future__ import annotations

import math

from sqlalchemy.orm import Session

from mvgen.errors import InputError
from mvgen.store import repo
from mvgen.store.models import Task

LIP_SYNC_PER_SECOND = 4
REFUNDED_ERRORS = frozenset({"StorageInsufficient"})  # server faults, not the caller's


def billable_seconds(seconds: float) -> int:
    """Seconds charged: rounded up, ignoring sub-millisecond decode noise."""
    return max(1, math.ceil(round(float(seconds), 3)))


def cost(seconds: float, lip_sync: bool) -> int:
    base = billable_seconds(seconds)
    return base + (LIP_SYNC_PER_SECOND * base if lip_sync else 0)


def charge_task(*, session: Session, task: Task, seconds: float, lip_sync: bool) -> None:
    """Charge the task once (no-op when already charged); CreditInsufficient if short."""
    if task.charged:
        return
    amount = cost(seconds, lip_sync)
    if not repo.try_charge(
        session=session, key_id=task.key_id, amount=amount, reason="task", task_id=task.id
    ):
        raise InputError(
            "audio_url",
            f"the task costs {amount} credits ({billable_seconds(seconds)} s of "
            f"audio{', lip-sync' if lip_sync else ''}); the key has fewer",
            "CreditInsufficient",
        )
    task.charged = amount
    task.audio_seconds = float(seconds)


def refund_lip_sync(*, session: Session, task: Task) -> int:
    """Give back the lip-sync part when no shot was lip-synced; returns the amount."""
    if not task.charged or task.audio_seconds is None:
        return 0
    amount = LIP_SYNC_PER_SECOND * billable_seconds(task.audio_seconds)
    if task.charged < amount + billable_seconds(task.audio_seconds):
        return 0  # lip-sync was not charged (or already refunded)
    repo.add_credits(
        session=session,
        key_id=task.key_id,
        amount=amount,
        reason="lip_sync_unused",
        task_id=task.id,
    )
    task.charged -= amount
    return amount


def refund_task(*, session: Session, task: Task, reason: str) -> int:
    """Give back what the task still holds (once: ``charged`` drops to 0); the amount."""
    amount = task.charged
    if amount <= 0:
        return 0
    repo.add_credits(
        session=session, key_id=task.key_id, amount=amount, reason=reason, task_id=task.id
    )
    task.charged = 0
    return amount
