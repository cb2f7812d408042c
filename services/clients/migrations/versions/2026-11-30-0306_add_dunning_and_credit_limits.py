"""add dunning levels, collection tasks and credit limits

Revision ID: 5d0c1a7e2b06
Revises: 5d0c1a7e2b05
Create Date: 2026-11-30 04:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "5d0c1a7e2b06"
down_revision: str | None = "5d0c1a7e2b05"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _now(name: str) -> sa.Column[Any]:
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "collection_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("invoice_line_id", sa.Integer(), nullable=True),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("line_due_date", sa.Date(), nullable=False),
        sa.Column("open_amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("days_overdue", sa.Integer(), nullable=False),
        sa.Column("escalated_to", sa.Integer(), nullable=True),
        sa.Column("triggered_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _now("created_at"),
        _now("updated_at"),
        sa.CheckConstraint("level >= 1", name=op.f("ck_collection_tasks_level_positive")),
        sa.CheckConstraint(
            "channel IN ('call', 'visit', 'letter')",
            name=op.f("ck_collection_tasks_channel_known"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'done', 'cancelled', 'closed_paid')",
            name=op.f("ck_collection_tasks_status_known"),
        ),
        sa.CheckConstraint(
            "(status = 'open') = (closed_at IS NULL)",
            name=op.f("ck_collection_tasks_closed_when_not_open"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["clients.accounts.id"],
            name=op.f("fk_collection_tasks_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["clients.invoices.id"],
            name=op.f("fk_collection_tasks_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_line_id"],
            ["clients.invoice_lines.id"],
            name=op.f("fk_collection_tasks_invoice_line_id_invoice_lines"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_tasks")),
        sa.UniqueConstraint(
            "invoice_line_id", "level", name=op.f("uq_collection_tasks_invoice_line_id_level")
        ),
        schema="clients",
    )
    op.create_index(
        "ix_collection_tasks_account_id_id",
        "collection_tasks",
        ["account_id", "id"],
        schema="clients",
    )
    op.create_index(
        "ix_collection_tasks_owner_id_due_on",
        "collection_tasks",
        ["owner_id", "due_on"],
        schema="clients",
    )
    op.create_index(
        "ix_collection_tasks_owner_id_closed_at",
        "collection_tasks",
        ["owner_id", "closed_at"],
        schema="clients",
    )
    op.create_index(
        "ix_collection_tasks_open_line",
        "collection_tasks",
        ["invoice_line_id"],
        schema="clients",
        postgresql_where=sa.text("status = 'open'"),
    )

    op.create_table(
        "credit_limits",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _now("created_at"),
        _now("updated_at"),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_credit_limits_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["clients.accounts.id"],
            name=op.f("fk_credit_limits_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_credit_limits")),
        schema="clients",
    )


def downgrade() -> None:
    op.drop_table("credit_limits", schema="clients")
    op.drop_index("ix_collection_tasks_open_line", table_name="collection_tasks", schema="clients")
    op.drop_index(
        "ix_collection_tasks_owner_id_closed_at", table_name="collection_tasks", schema="clients"
    )
    op.drop_index(
        "ix_collection_tasks_owner_id_due_on", table_name="collection_tasks", schema="clients"
    )
    op.drop_index(
        "ix_collection_tasks_account_id_id", table_name="collection_tasks", schema="clients"
    )
    op.drop_table("collection_tasks", schema="clients")
