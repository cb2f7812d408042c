"""add the account status history (churn)

Revision ID: 5d0c1a7e2b04
Revises: 5d0c1a7e2b03
Create Date: 2026-11-30 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d0c1a7e2b04"
down_revision: str | None = "5d0c1a7e2b03"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_status_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=False),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("actor_employee_id", sa.Integer(), nullable=True),
        sa.Column(
            "changed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["clients.accounts.id"],
            name=op.f("fk_account_status_history_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_status_history")),
        schema="clients",
    )
    op.create_index(
        "ix_account_status_history_account_id_changed_at",
        "account_status_history",
        ["account_id", "changed_at"],
        schema="clients",
    )
    op.create_index(
        "ix_account_status_history_owner_id_changed_at",
        "account_status_history",
        ["owner_id", "changed_at"],
        schema="clients",
    )


def downgrade() -> None:
    op.drop_table("account_status_history", schema="clients")
