"""the org copy is dated: org_employees.valid_from and org_employee_periods

The shape is shared with kpi (shared.org_copy.models): position_code widens to 40 and is
indexed. Rows already in the copy get valid_from = 2000-01-01 UTC (when their state began
is unknown; an early date lets a rule asking "at the plan's date" see them) and one open
period each.

Revision ID: 5d0c1a7e2b10
Revises: 5d0c1a7e2b09
Create Date: 2026-12-05 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "5d0c1a7e2b10"
down_revision: str | None = "5d0c1a7e2b09"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "clients"


def upgrade() -> None:
    op.alter_column(
        "org_employees",
        "position_code",
        type_=sa.String(length=40),
        existing_type=sa.String(length=32),
        existing_nullable=True,
        schema=SCHEMA,
    )
    op.create_index(
        op.f("ix_org_employees_position_code"),
        "org_employees",
        ["position_code"],
        unique=False,
        schema=SCHEMA,
    )
    op.add_column(
        "org_employees",
        sa.Column(
            "valid_from",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        schema=SCHEMA,
    )
    op.execute("UPDATE clients.org_employees SET valid_from = TIMESTAMPTZ '2000-01-01 00:00:00+00'")
    op.create_table(
        "org_employee_periods",
        sa.Column("employee_no", sa.String(length=32), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("position_code", sa.String(length=40), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "authority_limits",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("employee_id", "valid_from", name=op.f("pk_org_employee_periods")),
        schema=SCHEMA,
    )
    for column in ("department_id", "manager_id", "position_code"):
        op.create_index(
            op.f(f"ix_org_employee_periods_{column}"),
            "org_employee_periods",
            [column],
            unique=False,
            schema=SCHEMA,
        )
    op.execute(
        "INSERT INTO clients.org_employee_periods (employee_id, valid_from, employee_no, name, "
        "position_code, department_id, manager_id, status, authority_limits, version) "
        "SELECT employee_id, valid_from, employee_no, name, position_code, department_id, "
        "manager_id, status, authority_limits, version FROM clients.org_employees"
    )


def downgrade() -> None:
    op.drop_table("org_employee_periods", schema=SCHEMA)
    op.drop_column("org_employees", "valid_from", schema=SCHEMA)
    op.drop_index(op.f("ix_org_employees_position_code"), table_name="org_employees", schema=SCHEMA)
    op.alter_column(
        "org_employees",
        "position_code",
        type_=sa.String(length=32),
        existing_type=sa.String(length=40),
        existing_nullable=True,
        schema=SCHEMA,
    )
