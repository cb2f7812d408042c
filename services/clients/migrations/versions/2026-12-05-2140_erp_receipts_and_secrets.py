"""erp_inbox outcome and reasons; ERP webhook secrets rotated through the API

An ERP event is settled as applied, applied with warnings or refused as a conflict, with
the reasons (erp.outcomes). Webhook secrets added by an administrator sit beside those of
CLIENTS_ERP_WEBHOOK_SECRETS until retired.

Revision ID: c666f99d5bb7
Revises: ee358ac6b6eb
Create Date: 2026-12-05 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c666f99d5bb7"
down_revision: str | None = "ee358ac6b6eb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "clients"


def upgrade() -> None:
    op.add_column("erp_inbox", sa.Column("outcome", sa.String(length=24), nullable=True),
                  schema=SCHEMA)  # fmt: skip
    op.add_column(
        "erp_inbox",
        sa.Column(
            "reasons",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        schema=SCHEMA,
    )
    op.execute("UPDATE clients.erp_inbox SET outcome = 'applied' WHERE applied_at IS NOT NULL")
    op.create_table(
        "erp_webhook_secrets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("erp_webhook_secrets", schema=SCHEMA)
    op.drop_column("erp_inbox", "reasons", schema=SCHEMA)
    op.drop_column("erp_inbox", "outcome", schema=SCHEMA)
