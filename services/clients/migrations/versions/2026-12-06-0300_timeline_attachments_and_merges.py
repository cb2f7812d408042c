"""timeline_attachments_and_merges: the timeline's indexes on attachments and account merges

The account timeline now reads attachments (not deleted) and merges (on the survivor) by
(account, instant, id) below a cursor, as every other source (services/clients/timeline/
indexes.py). The attachments index covers only the rows the timeline shows.

Revision ID: 3b8d2f6e1c47
Revises: 3b8e6f1d2c47
Create Date: 2026-12-06 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3b8d2f6e1c47"
down_revision: str | None = "3b8e6f1d2c47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "clients"


def upgrade() -> None:
    op.create_index(
        "ix_attachments_account_id_created_at_id",
        "attachments",
        ["account_id", "created_at", "id"],
        unique=False,
        schema=SCHEMA,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index(
        "ix_account_merges_survivor_id_merged_at_id",
        "account_merges",
        ["survivor_id", "merged_at", "id"],
        unique=False,
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_index(
        "ix_account_merges_survivor_id_merged_at_id", table_name="account_merges", schema=SCHEMA
    )
    op.drop_index(
        "ix_attachments_account_id_created_at_id", table_name="attachments", schema=SCHEMA
    )
