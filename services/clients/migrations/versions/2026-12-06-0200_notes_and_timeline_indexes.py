"""notes_and_timeline_indexes: notes on accounts, and the account timeline's indexes

``notes`` holds what people write down about an account (跟进记录/备注). The timeline reads
each source by (account, instant, id) below a cursor, so every source table gets that
index (services/clients/timeline/indexes.py); the audit log's one covers only the entries
the timeline reads (contact changes).

Revision ID: 7c3e91d4a2b6
Revises: 7c1e5a9d2b40
Create Date: 2026-12-06 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c3e91d4a2b6"
down_revision: str | None = "7c1e5a9d2b40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "clients"

# (index, table, instant column): each on (account_id, instant, id)
KEYSET_INDEXES = (
    ("ix_visits_account_id_created_at_id", "visits", "created_at"),
    ("ix_tickets_account_id_opened_at_id", "tickets", "opened_at"),
    ("ix_contracts_account_id_created_at_id", "contracts", "created_at"),
    ("ix_invoices_account_id_created_at_id", "invoices", "created_at"),
    ("ix_payments_account_id_created_at_id", "payments", "created_at"),
    ("ix_grade_history_account_id_changed_at_id", "grade_history", "changed_at"),
    ("ix_credit_adjustments_account_id_created_at_id", "credit_adjustments", "created_at"),
    ("ix_ownership_history_account_id_changed_at_id", "ownership_history", "changed_at"),
)


def upgrade() -> None:
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["clients.accounts.id"], name=op.f("fk_notes_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_notes_account_id_created_at_id",
        "notes",
        ["account_id", "created_at", "id"],
        unique=False,
        schema=SCHEMA,
    )
    for name, table, instant in KEYSET_INDEXES:
        op.create_index(name, table, ["account_id", instant, "id"], unique=False, schema=SCHEMA)
    op.create_index(
        "ix_audit_log_contact_changes",
        "audit_log",
        ["account_id", "occurred_at", "id"],
        unique=False,
        schema=SCHEMA,
        postgresql_where=sa.text("entity IN ('contact', 'account_contact')"),
    )


def downgrade() -> None:
    op.drop_index("ix_audit_log_contact_changes", table_name="audit_log", schema=SCHEMA)
    for name, table, _ in reversed(KEYSET_INDEXES):
        op.drop_index(name, table_name=table, schema=SCHEMA)
    op.drop_index("ix_notes_account_id_created_at_id", table_name="notes", schema=SCHEMA)
    op.drop_table("notes", schema=SCHEMA)
