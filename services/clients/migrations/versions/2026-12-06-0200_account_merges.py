"""account merges: the merged loser's row and the rows moved, for redirects and undo (issue 23)

Revision ID: 5d1c0b7e9a23
Revises: 7c3e91d4a2b6
Create Date: 2026-12-06 02:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "5d1c0b7e9a23"
down_revision: str | None = "7c3e91d4a2b6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_merges",
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_merges")),
        schema="clients",
    )
    op.create_index("ix_account_merges_loser_id", "account_merges", ["loser_id"], schema="clients")
    op.create_index(
        "ix_account_merges_survivor_id", "account_merges", ["survivor_id"], schema="clients"
    )


def downgrade() -> None:
    op.drop_index("ix_account_merges_survivor_id", table_name="account_merges", schema="clients")
    op.drop_index("ix_account_merges_loser_id", table_name="account_merges", schema="clients")
    op.drop_table("account_merges", schema="clients")
