"""Collection (催款) and credit control: collection tasks made by dunning runs, and credit
limits per account (a group's limit sits on its top account)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field

from services.clients.db import ClientsTable
from shared.columns import created_at_column, updated_at_column

TASK_STATUSES = ("open", "done", "cancelled", "closed_paid")


class CollectionTask(ClientsTable, table=True):
    """One dunning level reached by one invoice line: a call, visit or letter for the owner.

    ``owner_id`` is the account's owner; it follows handovers while the task is open and
    is frozen once the task is closed (the employee credited). ``done_by`` is who marked it
    done. ``invoice_line_id`` is null once the ERP removed the line (the task stays as
    history, cancelled). ``triggered_on`` is the dunning run's as-of day.
    """

    __tablename__ = "collection_tasks"
    __table_args__ = (
        UniqueConstraint("invoice_line_id", "level"),
        CheckConstraint("level >= 1", name="level_positive"),
        CheckConstraint("channel IN ('call', 'visit', 'letter')", name="channel_known"),
        CheckConstraint(
            "status IN ('open', 'done', 'cancelled', 'closed_paid')", name="status_known"
        ),
        CheckConstraint("(status = 'open') = (closed_at IS NULL)", name="closed_when_not_open"),
        Index("ix_collection_tasks_account_id_id", "account_id", "id"),
        Index("ix_collection_tasks_owner_id_due_on", "owner_id", "due_on"),
        Index("ix_collection_tasks_owner_id_closed_at", "owner_id", "closed_at"),
        Index(
            "ix_collection_tasks_open_line", "invoice_line_id", postgresql_where="status = 'open'"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="clients.accounts.id")
    invoice_id: int = Field(foreign_key="clients.invoices.id")
    invoice_line_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("clients.invoice_lines.id", ondelete="SET NULL"),
            nullable=True,
        ),
    )
    line_no: int
    line_due_date: date
    open_amount: Decimal = Field(sa_column=Column(Numeric(18, 2), nullable=False))
    currency: str = Field(max_length=3)
    level: int
    channel: str = Field(max_length=10)
    days_overdue: int
    escalated_to: int | None = Field(default=None)
    triggered_on: date
    due_on: date
    owner_id: int
    status: str = Field(default="open", max_length=12)
    closed_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    done_by: int | None = Field(default=None)
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    version: int = Field(default=1)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())


class CreditLimit(ClientsTable, table=True):
    """An account's credit limit in the base currency. On the top account of a group it is
    the group's limit and applies to the exposure of the whole group."""

    __tablename__ = "credit_limits"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),)

    account_id: int = Field(foreign_key="clients.accounts.id", primary_key=True)
    amount: Decimal = Field(sa_column=Column(Numeric(18, 2), nullable=False))
    currency: str = Field(max_length=3)
    reason: str = Field(max_length=500)
    set_by: int | None = Field(default=None)
    version: int = Field(default=1)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())
