"""contact merges: the merged loser's row, the rows moved and the rows set aside (issue 23)

Revision ID: 3b8e6f1d2c47
Revises: 5d1c0b7e9a23
Create Date: 2026-12-06 03:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "3b8e6f1d2c47"
down_revision: str | None = "5d1c0b7e9a23"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survivor_id", sa.Integer(), nullable=False),
        sa.Column("loser_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor_employee_id", sa.Integer(), nullable=True),
        sa.Column("loser_row", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("moved", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("undo_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "merged_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "set_aside",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_merges")),
        schema="clients",
    )
    op.create_index("ix_contact_merges_loser_id", "contact_merges", ["loser_id"], schema="clients")
    op.create_index(
        "ix_contact_merges_survivor_id", "contact_merges", ["survivor_id"], schema="clients"
    )


def downgrade() -> None:
    op.drop_index("ix_contact_merges_survivor_id", table_name="contact_merges", schema="clients")
    op.drop_index("ix_contact_merges_loser_id", table_name="contact_merges", schema="clients")
    op.drop_table("contact_merges", schema="clients")
