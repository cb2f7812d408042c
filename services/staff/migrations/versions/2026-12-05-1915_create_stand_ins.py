"""create stand-ins

Revision ID: 34ee9108c388
Revises: e2087db067ae
Create Date: 2026-12-05 19:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "34ee9108c388"
down_revision: str | None = "e2087db067ae"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stand_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("absent_employee_id", sa.Integer(), nullable=False),
        sa.Column("stand_in_employee_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("named_by", sa.String(length=64), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.CheckConstraint(
            "absent_employee_id <> stand_in_employee_id", name=op.f("ck_stand_ins_not_oneself")
        ),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_stand_ins_range_ordered")),
        sa.ForeignKeyConstraint(
            ["absent_employee_id"],
            ["staff.employees.id"],
            name=op.f("fk_stand_ins_absent_employee_id_employees"),
        ),
        sa.ForeignKeyConstraint(
            ["stand_in_employee_id"],
            ["staff.employees.id"],
            name=op.f("fk_stand_ins_stand_in_employee_id_employees"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stand_ins")),
        schema="staff",
    )
    op.create_index(
        "ix_stand_ins_absent_dates",
        "stand_ins",
        ["absent_employee_id", "starts_on", "ends_on"],
        unique=False,
        schema="staff",
    )
    op.create_index(
        "ix_stand_ins_stand_in_dates",
        "stand_ins",
        ["stand_in_employee_id", "starts_on", "ends_on"],
        unique=False,
        schema="staff",
    )


def downgrade() -> None:
    op.drop_index("ix_stand_ins_stand_in_dates", table_name="stand_ins", schema="staff")
    op.drop_index("ix_stand_ins_absent_dates", table_name="stand_ins", schema="staff")
    op.drop_table("stand_ins", schema="staff")
