"""add bonus bases and rewards/penalties

Revision ID: b0c5e1a7d2f4
Revises: 9b2f4c7d1e31
Create Date: 2026-12-05 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b0c5e1a7d2f4"
down_revision: str | None = "9b2f4c7d1e31"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bonus_bases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("position_code", sa.String(length=40), nullable=True),
        sa.Column("employee_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(position_code IS NULL) <> (employee_id IS NULL)",
            name=op.f("ck_bonus_bases_position_xor_employee"),
        ),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_bonus_bases_amount_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bonus_bases")),
        schema="kpi",
    )  # fmt: skip
    op.create_index(
        "uq_bonus_bases_period_position", "bonus_bases", ["period", "position_code"],
        unique=True, schema="kpi", postgresql_where=sa.text("position_code IS NOT NULL"),
    )  # fmt: skip
    op.create_index(
        "uq_bonus_bases_period_employee", "bonus_bases", ["period", "employee_id"],
        unique=True, schema="kpi", postgresql_where=sa.text("employee_id IS NOT NULL"),
    )  # fmt: skip
    op.create_table(
        "rewards_penalties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("proposed_by", sa.Integer(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.String(length=1000), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_rewards_penalties_amount_positive")),
        sa.CheckConstraint(
            "kind IN ('reward', 'penalty')", name=op.f("ck_rewards_penalties_kind_known")
        ),
        sa.CheckConstraint(
            "decided_by IS NULL OR decided_by <> proposed_by",
            name=op.f("ck_rewards_penalties_four_eyes"),
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["kpi.appraisal_cycles.id"], ondelete="CASCADE",
            name=op.f("fk_rewards_penalties_cycle_id_appraisal_cycles"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rewards_penalties")),
        schema="kpi",
    )  # fmt: skip
    op.create_index(
        op.f("ix_rewards_penalties_cycle_id"), "rewards_penalties", ["cycle_id"], schema="kpi"
    )
    op.create_index(
        op.f("ix_rewards_penalties_employee_id"), "rewards_penalties", ["employee_id"],
        schema="kpi",
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("rewards_penalties", schema="kpi")
    op.drop_index("uq_bonus_bases_period_employee", table_name="bonus_bases", schema="kpi")
    op.drop_index("uq_bonus_bases_period_position", table_name="bonus_bases", schema="kpi")
    op.drop_table("bonus_bases", schema="kpi")
