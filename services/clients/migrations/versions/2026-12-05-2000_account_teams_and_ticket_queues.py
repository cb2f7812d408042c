"""account teams (account_team_members) and ticket service queues (tickets.queue_id)

Revision ID: 5d0c1a7e2b21
Revises: 5d0c1a7e2b20
Create Date: 2026-12-05 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d0c1a7e2b21"
down_revision: str | None = "5d0c1a7e2b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "clients"


def upgrade() -> None:
    op.create_table(
        "account_team_members",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("access", sa.String(length=10), nullable=False),
        sa.Column("added_by_employee_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["clients.accounts.id"],
            name=op.f("fk_account_team_members_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("account_id", "employee_id", name=op.f("pk_account_team_members")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_account_team_members_employee_id",
        "account_team_members",
        ["employee_id"],
        schema=SCHEMA,
    )
    op.add_column("tickets", sa.Column("queue_id", sa.Integer(), nullable=True), schema=SCHEMA)
    op.create_index(
        "ix_tickets_queue_id_unassigned",
        "tickets",
        ["queue_id"],
        schema=SCHEMA,
        postgresql_where=sa.text("handler_id IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_queue_id_unassigned", table_name="tickets", schema=SCHEMA)
    op.drop_column("tickets", "queue_id", schema=SCHEMA)
    op.drop_index(
        "ix_account_team_members_employee_id", table_name="account_team_members", schema=SCHEMA
    )
    op.drop_table("account_team_members", schema=SCHEMA)
