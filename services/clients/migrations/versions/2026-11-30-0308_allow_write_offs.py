"""allow write-offs among payments' sources

Revision ID: 5d0c1a7e2b08
Revises: 5d0c1a7e2b07
Create Date: 2026-11-30 04:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5d0c1a7e2b08"
down_revision: str | None = "5d0c1a7e2b07"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_constraint(
        op.f("ck_payments_source_known"), "payments", schema="clients", type_="check"
    )
    op.create_check_constraint(
        op.f("ck_payments_source_known"),
        "payments",
        "source IN ('erp', 'manual', 'write_off')",
        schema="clients",
    )


def downgrade() -> None:
    # Fails (the constraint does not hold) while write-offs exist: they settle invoice
    # lines, so dropping them silently would reopen receivables.
    op.drop_constraint(
        op.f("ck_payments_source_known"), "payments", schema="clients", type_="check"
    )
    op.create_check_constraint(
        op.f("ck_payments_source_known"),
        "payments",
        "source IN ('erp', 'manual')",
        schema="clients",
    )
