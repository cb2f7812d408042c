"""add the source of automatic indicators

Revision ID: c4d2a9e61b37
Revises: b0c5e1a7d2f4
Create Date: 2026-12-05 19:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c4d2a9e61b37"
down_revision: str | None = "b0c5e1a7d2f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "indicators", sa.Column("source", sa.String(length=20), nullable=True), schema="kpi"
    )
    # Every automatic indicator so far was collected from clients.
    op.execute("UPDATE kpi.indicators SET source = 'clients' WHERE kind = 'automatic'")


def downgrade() -> None:
    op.drop_column("indicators", "source", schema="kpi")
