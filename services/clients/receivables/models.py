"""Receivables (应收/回款): invoices with their due lines, payments and their allocation to
lines, and the inbox of ERP events (the record that makes every delivery count once)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Numeric,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.clients.db import ClientsTable
from shared.columns import created_at_column, updated_at_column
from shared.idempotency import IdempotencyKeyBase


def _money(nullable: bool = False) -> Any:
    return Field(
        default=None if nullable else Decimal(0),
        sa_column=Column(Numeric(18, 2), nullable=nullable),
    )


class Invoice(ClientsTable, table=True):
    """An invoice from the ERP (identity: ``erp_document_no``; only a higher
    ``erp_version`` changes it). ``owner_id`` is the account's owner when the invoice
    first arrived: the employee credited with collecting it. ``base_rate`` converts it to
    the base currency (null when no rate was in force on ``issue_date``)."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("erp_document_no"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("status IN ('open', 'paid', 'cancelled')", name="status_known"),
        Index("ix_invoices_owner_id_issue_date", "owner_id", "issue_date"),
        Index("ix_invoices_account_id_issue_date", "account_id", "issue_date"),
        Index("ix_invoices_status", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    erp_document_no: str = Field(max_length=64)
    account_id: int = Field(foreign_key="clients.accounts.id")
    contract_id: int | None = Field(default=None, foreign_key="clients.contracts.id")
    amount: Decimal = _money()
    currency: str = Field(max_length=3)
    base_rate: Decimal | None = Field(default=None, sa_column=Column(Numeric(18, 8), nullable=True))
    amount_base: Decimal | None = _money(nullable=True)
    issue_date: date
    status: str = Field(default="open", max_length=10)
    erp_version: int = Field(default=1)
    owner_id: int
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())


class InvoiceLine(ClientsTable, table=True):
    """One instalment of an invoice: due on ``due_date``; ``paid_amount`` is the sum of the
    live allocations to it (kept in step by the service)."""

    __tablename__ = "invoice_lines"
    __table_args__ = (
        UniqueConstraint("invoice_id", "line_no"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("paid_amount >= 0 AND paid_amount <= amount", name="paid_within_amount"),
        Index("ix_invoice_lines_due_date", "due_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="clients.invoices.id")
    line_no: int
    due_date: date
    amount: Decimal = _money()
    amount_base: Decimal | None = _money(nullable=True)
    paid_amount: Decimal = _money()


class Payment(ClientsTable, table=True):
    """A payment received from an account (from the ERP, or registered by finance).

    ``owner_id`` is the account's owner when it was received; ``unallocated_amount`` is
    what no invoice line has taken (an over-payment or a credit waiting for its invoice).
    """

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("erp_ref"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "unallocated_amount >= 0 AND unallocated_amount <= amount",
            name="unallocated_within_amount",
        ),
        CheckConstraint("status IN ('received', 'reversed')", name="status_known"),
        CheckConstraint("source IN ('erp', 'manual', 'write_off')", name="source_known"),
        Index("ix_payments_owner_id_received_on", "owner_id", "received_on"),
        Index("ix_payments_account_id_received_on", "account_id", "received_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    erp_ref: str = Field(max_length=64)
    account_id: int = Field(foreign_key="clients.accounts.id")
    amount: Decimal = _money()
    currency: str = Field(max_length=3)
    amount_base: Decimal | None = _money(nullable=True)
    received_on: date
    status: str = Field(default="received", max_length=10)
    reversed_on: date | None = Field(default=None)
    reversal_reason: str | None = Field(default=None, max_length=200)
    source: str = Field(default="erp", max_length=10)
    unallocated_amount: Decimal = _money()
    owner_id: int
    created_by: int | None = Field(default=None)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())


class PaymentAllocation(ClientsTable, table=True):
    """Part of a payment applied to one invoice line (in the invoice's currency).

    Allocations of a reversed payment stay as history; they stop counting from the
    payment's ``reversed_on``."""

    __tablename__ = "payment_allocations"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_payment_allocations_payment_id", "payment_id"),
        Index("ix_payment_allocations_invoice_line_id", "invoice_line_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="clients.payments.id")
    invoice_line_id: int = Field(foreign_key="clients.invoice_lines.id")
    amount: Decimal = _money()
    amount_base: Decimal | None = _money(nullable=True)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())


class ErpInboxEvent(ClientsTable, table=True):
    """An ERP event as delivered, stored once per ``webhook_id``. ``applied_at`` is null
    while it waits for a prerequisite (its invoice, its account, its payment); ``error``
    says what it waits for. Once settled, ``outcome`` says how (applied, applied with
    warnings, or refused as a conflict: then nothing of it was applied) and ``reasons``
    why (erp.outcomes)."""

    __tablename__ = "erp_inbox"
    __table_args__ = (
        UniqueConstraint("webhook_id"),
        Index(
            "ix_erp_inbox_pending",
            "received_at",
            postgresql_where="applied_at IS NULL",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    webhook_id: str = Field(max_length=255)
    event_type: str = Field(max_length=40)
    payload: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    received_at: datetime | None = Field(default=None, sa_column=created_at_column())
    applied_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    outcome: str | None = Field(default=None, max_length=24)
    reasons: list[dict[str, Any]] = Field(
        default_factory=list,
        sa_column=Column(JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    )


class ClientsIdempotencyKey(IdempotencyKeyBase, ClientsTable, table=True):
    """Idempotency keys of the clients service's money-creating POSTs."""

    __tablename__ = "idempotency_keys"
