"""org_stand_ins: staff's stand-ins (代理) in the kpi org copy

Highest version per stand_in_id wins (shared.org_copy). Stored for a complete org copy only: stand-ins grant no kpi access.

Revision ID: 9b2f4c7d1e40
Revises: c4d2a9e61b37
Create Date: 2026-12-05 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9b2f4c7d1e40"
down_revision: str | None = "c4d2a9e61b37"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "kpi"


def upgrade() -> None:
    op.create_table(
        "org_stand_ins",
        sa.Column("stand_in_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("absent_employee_id", sa.Integer(), nullable=False),
        sa.Column("stand_in_employee_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("stand_in_id"),
        schema=SCHEMA,
    )
    op.create_index(
        op.f("ix_org_stand_ins_absent_employee_id"),
        "org_stand_ins",
        ["absent_employee_id"],
        schema=SCHEMA,
    )
    op.create_index(
        op.f("ix_org_stand_ins_stand_in_employee_id"),
        "org_stand_ins",
        ["stand_in_employee_id"],
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("org_stand_ins", schema=SCHEMA)
