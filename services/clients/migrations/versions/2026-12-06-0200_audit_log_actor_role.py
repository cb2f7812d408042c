"""audit_log records the actor's role (actor_role): the audit search filters by it

Nullable: entries written before, and entries of services and API keys (which hold no
role), have none.

Revision ID: 0548dfda6bb2
Revises: 261ed19f403a
Create Date: 2026-12-06 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0548dfda6bb2"
down_revision: str | None = "261ed19f403a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "clients"


def upgrade() -> None:
    op.add_column(
        "audit_log", sa.Column("actor_role", sa.String(length=20), nullable=True), schema=SCHEMA
    )


def downgrade() -> None:
    op.drop_column("audit_log", "actor_role", schema=SCHEMA)
