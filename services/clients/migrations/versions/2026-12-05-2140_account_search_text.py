"""account_search_text: pinyin, initials and credit code searchable, under a trigram index

Also the index behind the account list's new credit-score order.

``accounts.search_text`` holds the names, their pinyin and initials and the credit code
(services/clients/accounts/search_keys.py); ``q`` is a substring of it, answered by a GIN
trigram index. pg_trgm is created by the bootstrap (shared/bootstrap.py, as the server's
administrator); here it is only asserted, so a server without it fails with a clear message.

Revision ID: 261ed19f403a
Revises: c666f99d5bb7
Create Date: 2026-12-05 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.clients.accounts.search_keys import search_text

revision: str = "261ed19f403a"
down_revision: str | None = "c666f99d5bb7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "clients"
BATCH = 1000


def upgrade() -> None:
    bind = op.get_bind()
    # IF NOT EXISTS answers before any privilege check when the bootstrap made it already.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.add_column(
        "accounts",
        sa.Column("search_text", sa.Text(), server_default="", nullable=False),
        schema=SCHEMA,
    )
    last_id = 0
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT id, legal_name, short_name, credit_code FROM clients.accounts"
                " WHERE id > :last ORDER BY id LIMIT :batch"
            ),
            {"last": last_id, "batch": BATCH},
        ).all()
        if not rows:
            break
        bind.execute(
            sa.text("UPDATE clients.accounts SET search_text = :text WHERE id = :id"),
            [
                {"id": row.id, "text": search_text(row.legal_name, row.short_name, row.credit_code)}
                for row in rows
            ],
        )
        last_id = rows[-1].id
    op.create_index(
        "ix_accounts_search_text",
        "accounts",
        ["search_text"],
        schema=SCHEMA,
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )

    op.create_index(
        "ix_accounts_credit_score_id", "accounts", ["credit_score", "id"], schema=SCHEMA
    )


def downgrade() -> None:
    op.drop_index("ix_accounts_credit_score_id", table_name="accounts", schema=SCHEMA)
    op.drop_index("ix_accounts_search_text", table_name="accounts", schema=SCHEMA)
    op.drop_column("accounts", "search_text", schema=SCHEMA)
