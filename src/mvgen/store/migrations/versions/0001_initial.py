"""Initial schema: api_keys, tasks, jobs, credit_ledger.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _times() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(20), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("token_salt", sa.String(64), nullable=False),
        sa.Column("credits", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "tasks",
        sa.Column("id", sa.String(20), primary_key=True),
        sa.Column("key_id", sa.String(20), sa.ForeignKey("api_keys.id"), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("err_code", sa.String(64), nullable=False),
        sa.Column("err_msg", sa.Text, nullable=False),
        sa.Column("options_json", sa.Text, nullable=False),
        sa.Column("callback_url", sa.Text, nullable=False),
        sa.Column("audio_seconds", sa.Float, nullable=True),
        sa.Column("charged", sa.Integer, nullable=False),
        sa.Column("auto_compose", sa.Boolean, nullable=False),
        sa.Column("auto_composed", sa.Boolean, nullable=False),
        sa.Column("shot_count", sa.Integer, nullable=False),
        sa.Column("event_seq", sa.Integer, nullable=False),
        *_times(),
    )
    op.create_index("ix_tasks_key_id", "tasks", ["key_id"])
    op.create_index("ix_tasks_state", "tasks", ["state"])
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(20), primary_key=True),
        sa.Column("task_id", sa.String(20), sa.ForeignKey("tasks.id"), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("index", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("err_code", sa.String(64), nullable=False),
        sa.Column("err_msg", sa.Text, nullable=False),
        sa.Column("prompt", sa.Text, nullable=True),
        sa.Column("params_json", sa.Text, nullable=False),
        sa.Column("output", sa.Text, nullable=False),
        sa.Column("srt_output", sa.Text, nullable=False),
        sa.Column("callback_url", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("claimed_by", sa.String(200), nullable=False),
        *_times(),
    )
    op.create_index("ix_jobs_task_id", "jobs", ["task_id"])
    op.create_index("ix_jobs_state_id", "jobs", ["state", "id"])
    op.create_table(
        "credit_ledger",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key_id", sa.String(20), sa.ForeignKey("api_keys.id"), nullable=False),
        sa.Column("task_id", sa.String(20), nullable=True),
        sa.Column("delta", sa.Integer, nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_credit_ledger_key_id", "credit_ledger", ["key_id"])


def downgrade() -> None:
    op.drop_table("credit_ledger")
    op.drop_table("jobs")
    op.drop_table("tasks")
    op.drop_table("api_keys")
