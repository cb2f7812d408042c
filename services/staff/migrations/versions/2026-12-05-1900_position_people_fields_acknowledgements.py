"""position descriptions: who wrote/submitted/approved, named approver, seed fields, 本人已阅

Revision ID: 5b1f3c9a7d20
Revises: 765a5e76acde
Create Date: 2026-12-05 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "5b1f3c9a7d20"
down_revision: str | None = "765a5e76acde"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_VERSION_COLUMNS = (
    ("approver_code", sa.String(length=32)),
    ("work_location", sa.String(length=100)),
    ("job_category", sa.String(length=50)),
    ("job_family", sa.String(length=50)),
    ("established_on", sa.Date()),
    ("created_by", sa.String(length=100)),
    ("submitted_by", sa.String(length=100)),
    ("approved_by", sa.String(length=100)),
)


def upgrade() -> None:
    for name, type_ in NEW_VERSION_COLUMNS:
        op.add_column("position_versions", sa.Column(name, type_, nullable=True), schema="staff")
    op.add_column(
        "position_versions",
        sa.Column(
            "peer_codes",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
        schema="staff",
    )
    op.create_table(
        "acknowledgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("position_version_id", sa.Integer(), nullable=False),
        sa.Column(
            "acknowledged_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["staff.employees.id"],
            name=op.f("fk_acknowledgements_employee_id_employees"),
        ),
        sa.ForeignKeyConstraint(
            ["position_version_id"],
            ["staff.position_versions.id"],
            name=op.f("fk_acknowledgements_position_version_id_position_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acknowledgements")),
        sa.UniqueConstraint(
            "employee_id",
            "position_version_id",
            name=op.f("uq_acknowledgements_employee_id_position_version_id"),
        ),
        schema="staff",
    )
    op.create_index(
        op.f("ix_acknowledgements_employee_id"),
        "acknowledgements",
        ["employee_id"],
        unique=False,
        schema="staff",
    )
    op.create_index(
        op.f("ix_acknowledgements_position_version_id"),
        "acknowledgements",
        ["position_version_id"],
        unique=False,
        schema="staff",
    )


def downgrade() -> None:
    op.drop_table("acknowledgements", schema="staff")
    op.drop_column("position_versions", "peer_codes", schema="staff")
    for name, _ in reversed(NEW_VERSION_COLUMNS):
        op.drop_column("position_versions", name, schema="staff")
