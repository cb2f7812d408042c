"""add the ERP pull sync's cursor and runs

Revision ID: 5d0c1a7e2b07
Revises: 5d0c1a7e2b06
Create Date: 2026-11-30 04:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "5d0c1a7e2b07"
down_revision: str | None = "5d0c1a7e2b06"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _moment(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def upgrade() -> None:
    op.create_table(
        "erp_sync_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("cursor", sa.String(length=200), nullable=True),
        _moment("last_attempt_at"),
        _moment("last_success_at"),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        _moment("breaker_open_until"),
        sa.Column("lease_owner", sa.String(length=36), nullable=True),
        _moment("lease_until"),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("id = 1", name=op.f("ck_erp_sync_state_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_sync_state")),
        schema="clients",
    )
    op.execute("INSERT INTO clients.erp_sync_state (id, consecutive_failures) VALUES (1, 0)")

    op.create_table(
        "erp_sync_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=10), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        _moment("finished_at"),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("events_received", sa.Integer(), nullable=False),
        sa.Column("events_applied", sa.Integer(), nullable=False),
        sa.Column("events_duplicate", sa.Integer(), nullable=False),
        sa.Column("events_pending", sa.Integer(), nullable=False),
        sa.Column("cursor_before", sa.String(length=200), nullable=True),
        sa.Column("cursor_after", sa.String(length=200), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('ok', 'failed', 'breaker_open')",
            name=op.f("ck_erp_sync_runs_outcome_known"),
        ),
        sa.CheckConstraint(
            "trigger IN ('schedule', 'manual')", name=op.f("ck_erp_sync_runs_trigger_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_sync_runs")),
        schema="clients",
    )
    op.create_index(
        "ix_erp_sync_runs_started_at", "erp_sync_runs", ["started_at"], schema="clients"
    )


def downgrade() -> None:
    op.drop_index("ix_erp_sync_runs_started_at", table_name="erp_sync_runs", schema="clients")
    op.drop_table("erp_sync_runs", schema="clients")
    op.drop_table("erp_sync_state", schema="clients")
