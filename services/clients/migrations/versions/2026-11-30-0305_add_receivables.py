"""add invoices, payments, allocations, ERP inbox and idempotency keys

Revision ID: 5d0c1a7e2b05
Revises: 5d0c1a7e2b04
Create Date: 2026-11-30 03:30:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "5d0c1a7e2b05"
down_revision: str | None = "5d0c1a7e2b04"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _now(name: str) -> sa.Column[Any]:
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("erp_document_no", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("base_rate", sa.Numeric(18, 8), nullable=True),
        sa.Column("amount_base", sa.Numeric(18, 2), nullable=True),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("erp_version", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        _now("created_at"),
        _now("updated_at"),
        sa.CheckConstraint("amount > 0", name=op.f("ck_invoices_amount_positive")),
        sa.CheckConstraint(
            "status IN ('open', 'paid', 'cancelled')", name=op.f("ck_invoices_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["clients.accounts.id"], name=op.f("fk_invoices_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["clients.contracts.id"],
            name=op.f("fk_invoices_contract_id_contracts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("erp_document_no", name=op.f("uq_invoices_erp_document_no")),
        schema="clients",
    )
    op.create_index(
        "ix_invoices_owner_id_issue_date", "invoices", ["owner_id", "issue_date"], schema="clients"
    )
    op.create_index(
        "ix_invoices_account_id_issue_date",
        "invoices",
        ["account_id", "issue_date"],
        schema="clients",
    )
    op.create_index("ix_invoices_status", "invoices", ["status"], schema="clients")

    op.create_table(
        "invoice_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("amount_base", sa.Numeric(18, 2), nullable=True),
        sa.Column("paid_amount", sa.Numeric(18, 2), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_invoice_lines_amount_positive")),
        sa.CheckConstraint(
            "paid_amount >= 0 AND paid_amount <= amount",
            name=op.f("ck_invoice_lines_paid_within_amount"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["clients.invoices.id"],
            name=op.f("fk_invoice_lines_invoice_id_invoices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_lines")),
        sa.UniqueConstraint(
            "invoice_id", "line_no", name=op.f("uq_invoice_lines_invoice_id_line_no")
        ),
        schema="clients",
    )
    op.create_index("ix_invoice_lines_due_date", "invoice_lines", ["due_date"], schema="clients")

    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("erp_ref", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_base", sa.Numeric(18, 2), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reversed_on", sa.Date(), nullable=True),
        sa.Column("reversal_reason", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("unallocated_amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        _now("created_at"),
        _now("updated_at"),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payments_amount_positive")),
        sa.CheckConstraint(
            "unallocated_amount >= 0 AND unallocated_amount <= amount",
            name=op.f("ck_payments_unallocated_within_amount"),
        ),
        sa.CheckConstraint(
            "status IN ('received', 'reversed')", name=op.f("ck_payments_status_known")
        ),
        sa.CheckConstraint("source IN ('erp', 'manual')", name=op.f("ck_payments_source_known")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["clients.accounts.id"], name=op.f("fk_payments_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("erp_ref", name=op.f("uq_payments_erp_ref")),
        schema="clients",
    )
    op.create_index(
        "ix_payments_owner_id_received_on",
        "payments",
        ["owner_id", "received_on"],
        schema="clients",
    )
    op.create_index(
        "ix_payments_account_id_received_on",
        "payments",
        ["account_id", "received_on"],
        schema="clients",
    )

    op.create_table(
        "payment_allocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("invoice_line_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("amount_base", sa.Numeric(18, 2), nullable=True),
        _now("created_at"),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payment_allocations_amount_positive")),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["clients.payments.id"],
            name=op.f("fk_payment_allocations_payment_id_payments"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_line_id"],
            ["clients.invoice_lines.id"],
            name=op.f("fk_payment_allocations_invoice_line_id_invoice_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_allocations")),
        schema="clients",
    )
    op.create_index(
        "ix_payment_allocations_payment_id",
        "payment_allocations",
        ["payment_id"],
        schema="clients",
    )
    op.create_index(
        "ix_payment_allocations_invoice_line_id",
        "payment_allocations",
        ["invoice_line_id"],
        schema="clients",
    )

    op.create_table(
        "erp_inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("webhook_id", sa.String(length=255), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        _now("received_at"),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_inbox")),
        sa.UniqueConstraint("webhook_id", name=op.f("uq_erp_inbox_webhook_id")),
        schema="clients",
    )
    op.create_index(
        "ix_erp_inbox_pending",
        "erp_inbox",
        ["received_at"],
        schema="clients",
        postgresql_where=sa.text("applied_at IS NULL"),
    )

    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("caller", sa.String(length=128), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=2048), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.LargeBinary(), nullable=False),
        sa.Column(
            "response_headers",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        _now("created_at"),
        sa.PrimaryKeyConstraint("key", "caller", name=op.f("pk_idempotency_keys")),
        schema="clients",
    )
    op.create_index(
        "ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"], schema="clients"
    )


def downgrade() -> None:
    op.drop_index("ix_idempotency_keys_created_at", table_name="idempotency_keys", schema="clients")
    op.drop_table("idempotency_keys", schema="clients")
    op.drop_index("ix_erp_inbox_pending", table_name="erp_inbox", schema="clients")
    op.drop_table("erp_inbox", schema="clients")
    op.drop_index(
        "ix_payment_allocations_invoice_line_id",
        table_name="payment_allocations",
        schema="clients",
    )
    op.drop_index(
        "ix_payment_allocations_payment_id", table_name="payment_allocations", schema="clients"
    )
    op.drop_table("payment_allocations", schema="clients")
    op.drop_index("ix_payments_account_id_received_on", table_name="payments", schema="clients")
    op.drop_index("ix_payments_owner_id_received_on", table_name="payments", schema="clients")
    op.drop_table("payments", schema="clients")
    op.drop_index("ix_invoice_lines_due_date", table_name="invoice_lines", schema="clients")
    op.drop_table("invoice_lines", schema="clients")
    op.drop_index("ix_invoices_status", table_name="invoices", schema="clients")
    op.drop_index("ix_invoices_account_id_issue_date", table_name="invoices", schema="clients")
    op.drop_index("ix_invoices_owner_id_issue_date", table_name="invoices", schema="clients")
    op.drop_table("invoices", schema="clients")
