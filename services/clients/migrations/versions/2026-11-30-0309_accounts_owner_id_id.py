"""index one owner's accounts in id order

Revision ID: 5d0c1a7e2b09
Revises: 5d0c1a7e2b08
Create Date: 2026-11-30 07:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5d0c1a7e2b09"
down_revision: str | None = "5d0c1a7e2b08"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_accounts_owner_id_id", "accounts", ["owner_id", "id"], schema="clients")


def downgrade() -> None:
    op.drop_index("ix_accounts_owner_id_id", table_name="accounts", schema="clients")
