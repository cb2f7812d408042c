"""sign-in throttles and refresh-token families

Revision ID: 5f3c2a91d0e4
Revises: 8e41c2d7a5f3
Create Date: 2026-12-05 19:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5f3c2a91d0e4"
down_revision: str | None = "8e41c2d7a5f3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_throttles",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_throttles")),
        schema="staff",
    )
    op.add_column(
        "refresh_tokens", sa.Column("family", sa.String(length=32), nullable=True), schema="staff"
    )
    # A token from before families is a family of its own.
    op.execute("UPDATE staff.refresh_tokens SET family = 'legacy' || id")
    op.alter_column("refresh_tokens", "family", nullable=False, schema="staff")
    op.create_index(op.f("ix_refresh_tokens_family"), "refresh_tokens", ["family"], schema="staff")


def downgrade() -> None:
    op.drop_index(op.f("ix_refresh_tokens_family"), table_name="refresh_tokens", schema="staff")
    op.drop_column("refresh_tokens", "family", schema="staff")
    op.drop_table("sign_in_throttles", schema="staff")
