"""SQLAlchemy 2 models: API keys, tasks, jobs and the credit ledger.

Ids are the 18-digit decimal strings the API shows (``mvgen.ids.new_id``),
stored as text so clients and rows agree byte for byte. Times are stored in
UTC (``timestamptz`` on PostgreSQL) and always come back timezone-aware UTC
(``UtcDateTime``), whichever the backend, so rows loaded from the database
and times just set with ``utc_now()`` compare and sort together.
The schema itself is created by the Alembic migrations in
``store/migrations``; these classes must stay in step with them (a test
compares the two).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from mvgen.ids import utc_now

# Task and job states (contract section 5).
CREATED, PROCESSING, SUCCESS, FAILED = "created", "processing", "success", "failed"
ACTIVE_STATES = (CREATED, PROCESSING)
FINAL_STATES = (SUCCESS, FAILED)

# Callback outbox states: sent (2xx), given up, or dropped because a newer state was sent.
PENDING, DELIVERED, GAVE_UP, SUPERSEDED = "pending", "delivered", "gave_up", "superseded"

# Job types: ``prepare`` is internal (never shown in job_records).
PREPARE, GENERATE_VIDEO, COMPOSE = "prepare", "generate_video", "compose"


class UtcDateTime(TypeDecorator[datetime]):
    """``DateTime(timezone=True)`` that stores UTC and always returns aware UTC.

    SQLite keeps no zone and hands back naive values; PostgreSQL hands back
    aware ones in the session's zone. Normalising both ways keeps comparisons
    (the newest failed job) from mixing naive and aware times.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else _as_utc(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else _as_utc(value)


def _as_utc(value: datetime) -> datetime:
    """Aware UTC; a naive value is taken as UTC already (how it was stored)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class ApiKey(Base):
    """One API key (tenant). Only a hash of the token is stored; see ``store.tokens``."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_salt: Mapped[str] = mapped_column(String(64))
    credits: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class Task(Base):
    """One MV task: options, charge, and the state the API shows."""

    __tablename__ = "tasks"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default=CREATED, index=True)
    err_code: Mapped[str] = mapped_column(String(64), default="")
    err_msg: Mapped[str] = mapped_column(Text, default="")
    options_json: Mapped[str] = mapped_column(Text)
    callback_url: Mapped[str] = mapped_column(Text, default="")
    audio_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    charged: Mapped[int] = mapped_column(Integer, default=0)
    auto_compose: Mapped[bool] = mapped_column(Boolean, default=True)
    auto_composed: Mapped[bool] = mapped_column(Boolean, default=False)
    shot_count: Mapped[int] = mapped_column(Integer, default=0)
    event_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


class Job(Base):
    """One unit of work: prepare, one shot version, or one composition."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state_id", "state", "id"),)

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id"), index=True)
    type: Mapped[str] = mapped_column(String(16))
    index: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16), default=CREATED)
    err_code: Mapped[str] = mapped_column(String(64), default="")
    err_msg: Mapped[str] = mapped_column(Text, default="")
    prompt: Mapped[str | None] = mapped_column(Text, nullable=True)  # edit prompt
    params_json: Mapped[str] = mapped_column(Text, default="{}")  # duration, lyric_text, ...
    output: Mapped[str] = mapped_column(Text, default="")  # artifact key of the result
    srt_output: Mapped[str] = mapped_column(Text, default="")
    callback_url: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str] = mapped_column(String(200), default="")
    # Liveness across machines: the claiming worker touches ``heartbeat_at`` while it runs;
    # ``dispatched_at`` is when a message for the job last reached the broker (outbox).
    heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    dispatched_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


class CallbackRow(Base):
    """The callback outbox: one row per callback, written in the transaction of the change
    that causes it, sent by whichever dispatcher runs, kept until delivered or given up."""

    __tablename__ = "callback_outbox"
    __table_args__ = (Index("ix_callback_outbox_state_id", "state", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[str] = mapped_column(String(20), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(Text)
    final: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    dispatched_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)


class CreditEntry(Base):
    """Append-only ledger: every change of a key's credits, with its reason."""

    __tablename__ = "credit_ledger"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(20), nullable=True)
    delta: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
