"""create work items (the inbox)

Revision ID: e2087db067ae
Revises: 5f3c2a91d0e4
Create Date: 2026-12-05 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e2087db067ae"
down_revision: str | None = "5f3c2a91d0e4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "work_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_service", sa.String(length=32), nullable=False),
        sa.Column("source_key", sa.String(length=100), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("team_department_id", sa.Integer(), nullable=True),
        sa.Column("account_name", sa.String(length=200), nullable=True),
        sa.Column("record_path", sa.String(length=300), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_source_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.CheckConstraint(
            "(state = 'snoozed') = (snoozed_until IS NOT NULL)",
            name=op.f("ck_work_items_snoozed_has_until"),
        ),
        sa.CheckConstraint(
            "severity IN ('info', 'normal', 'urgent')", name=op.f("ck_work_items_severity_known")
        ),
        sa.CheckConstraint(
            "state IN ('open', 'done', 'snoozed', 'dismissed')",
            name=op.f("ck_work_items_state_known"),
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["staff.employees.id"],
            name=op.f("fk_work_items_employee_id_employees"),
        ),
        sa.ForeignKeyConstraint(
            ["team_department_id"],
            ["staff.departments.id"],
            name=op.f("fk_work_items_team_department_id_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_items")),
        sa.UniqueConstraint(
            "source_service", "source_key", name=op.f("uq_work_items_source_service_source_key")
        ),
        schema="staff",
    )
    op.create_index(
        "ix_work_items_person_state_due",
        "work_items",
        ["employee_id", "state", "due_at", "id"],
        unique=False,
        schema="staff",
    )


def downgrade() -> None:
    op.drop_index("ix_work_items_person_state_due", table_name="work_items", schema="staff")
    op.drop_table("work_items", schema="staff")
