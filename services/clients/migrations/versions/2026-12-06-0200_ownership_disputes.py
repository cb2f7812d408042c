"""ownership_disputes: claims on accounts another manager owns (撞单, issue 23)

At most one dispute per account is pending (a partial unique index); the arbiter's pending
disputes and a party's disputes are found by index.

Revision ID: f8de384897f7
Revises: 0548dfda6bb2
Create Date: 2026-12-06 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f8de384897f7"
down_revision: str | None = "0548dfda6bb2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "clients"


def upgrade() -> None:
    op.create_table(
        "ownership_disputes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("claimant_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("arbiter_id", sa.Integer(), nullable=True),
        sa.Column("origin", sa.String(length=30), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("protected_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("winner", sa.String(length=20), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            [f"{SCHEMA}.accounts.id"],
            name=op.f("fk_ownership_disputes_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ownership_disputes")),
        schema=SCHEMA,
    )
    op.create_index(
        op.f("ix_ownership_disputes_account_id"),
        "ownership_disputes",
        ["account_id"],
        unique=False,
        schema=SCHEMA,
    )
    op.create_index(
        "uq_ownership_disputes_account_id_pending",
        "ownership_disputes",
        ["account_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("state = 'pending'"),
    )
    op.create_index(
        "ix_ownership_disputes_claimant_id",
        "ownership_disputes",
        ["claimant_id"],
        unique=False,
        schema=SCHEMA,
    )
    op.create_index(
        "ix_ownership_disputes_owner_id",
        "ownership_disputes",
        ["owner_id"],
        unique=False,
        schema=SCHEMA,
    )
    op.create_index(
        "ix_ownership_disputes_arbiter_id_state",
        "ownership_disputes",
        ["arbiter_id", "state"],
        unique=False,
        schema=SCHEMA,
    )


def downgrade() -> None:
    for name in (
        "ix_ownership_disputes_arbiter_id_state",
        "ix_ownership_disputes_owner_id",
        "ix_ownership_disputes_claimant_id",
        "uq_ownership_disputes_account_id_pending",
    ):
        op.drop_index(name, "ownership_disputes", schema=SCHEMA)
    op.drop_index(op.f("ix_ownership_disputes_account_id"), "ownership_disputes", schema=SCHEMA)
    op.drop_table("ownership_disputes", schema=SCHEMA)
