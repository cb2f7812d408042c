"""approval_requests: above-authority requests; credit adjustments name the request they
were applied on (issue 18, defect 10 and "Above-authority requests")

Credit authority is now summed per actor, account and period, so credit_adjustments gets
an index on (account_id, actor_employee_id, created_at).

Revision ID: 5d0c1a7e2b20
Revises: 5d0c1a7e2b11
Create Date: 2026-12-05 19:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "5d0c1a7e2b20"
down_revision: str | None = "5d0c1a7e2b11"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "clients"


def upgrade() -> None:
    op.create_table(
        "approval_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("approver_employee_id", sa.Integer(), nullable=True),
        sa.Column("four_eyes", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decision_comment", sa.String(length=500), nullable=True),
        sa.Column("failure_reason", sa.String(length=500), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            [f"{SCHEMA}.accounts.id"],
            name=op.f("fk_approval_requests_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_requests")),
        schema=SCHEMA,
    )
    op.create_index(
        op.f("ix_approval_requests_account_id"),
        "approval_requests",
        ["account_id"],
        unique=False,
        schema=SCHEMA,
    )
    op.create_index(
        "ix_approval_requests_approver_state",
        "approval_requests",
        ["approver_employee_id", "state"],
        unique=False,
        schema=SCHEMA,
    )
    op.create_index(
        "ix_approval_requests_requested_by",
        "approval_requests",
        ["requested_by"],
        unique=False,
        schema=SCHEMA,
    )
    op.add_column(
        "credit_adjustments",
        sa.Column("approval_id", sa.Integer(), nullable=True),
        schema=SCHEMA,
    )
    op.create_foreign_key(
        op.f("fk_credit_adjustments_approval_id_approval_requests"),
        "credit_adjustments",
        "approval_requests",
        ["approval_id"],
        ["id"],
        source_schema=SCHEMA,
        referent_schema=SCHEMA,
    )
    op.create_index(
        "ix_credit_adjustments_authority",
        "credit_adjustments",
        ["account_id", "actor_employee_id", "created_at"],
        unique=False,
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_index("ix_credit_adjustments_authority", "credit_adjustments", schema=SCHEMA)
    op.drop_constraint(
        op.f("fk_credit_adjustments_approval_id_approval_requests"),
        "credit_adjustments",
        type_="foreignkey",
        schema=SCHEMA,
    )
    op.drop_column("credit_adjustments", "approval_id", schema=SCHEMA)
    op.drop_index("ix_approval_requests_requested_by", "approval_requests", schema=SCHEMA)
    op.drop_index("ix_approval_requests_approver_state", "approval_requests", schema=SCHEMA)
    op.drop_index(op.f("ix_approval_requests_account_id"), "approval_requests", schema=SCHEMA)
    op.drop_table("approval_requests", schema=SCHEMA)
