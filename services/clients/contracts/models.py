"""Contracts (合同): what an account signed, for how much, and their renewal chain."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, Index, Numeric, Text, UniqueConstraint
from sqlmodel import Field

from services.clients.db import ClientsTable
from shared.columns import created_at_column, updated_at_column


class Contract(ClientsTable, table=True):
    """A contract of an account.

    ``status`` is stored as draft, signed or terminated; "expired" is derived when read
    (signed and ``end_date`` before today). ``amount_base`` is fixed at signing from the
    rate in force on ``signed_on``; ``owner_id`` is the employee credited with it (the
    account's owner at signing; at creation for drafts).
    """

    __tablename__ = "contracts"
    __table_args__ = (
        UniqueConstraint("number"),
        UniqueConstraint("renewal_of_id"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("end_date >= start_date", name="period_in_order"),
        CheckConstraint(
            "status IN ('draft', 'signed', 'terminated', 'expired')", name="status_known"
        ),
        CheckConstraint("status = 'draft' OR signed_on IS NOT NULL", name="signed_has_date"),
        Index("ix_contracts_owner_id_signed_on", "owner_id", "signed_on"),
        Index("ix_contracts_account_id_signed_on", "account_id", "signed_on"),
        Index("ix_contracts_status", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="clients.accounts.id")
    number: str = Field(max_length=50)
    title: str = Field(max_length=200)
    amount: Decimal = Field(sa_column=Column(Numeric(18, 2), nullable=False))
    currency: str = Field(max_length=3)
    amount_base: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(18, 2), nullable=True)
    )
    base_currency: str = Field(max_length=3)
    signed_on: date | None = Field(default=None)
    start_date: date
    end_date: date
    status: str = Field(default="draft", max_length=20)
    renewal_of_id: int | None = Field(default=None, foreign_key="clients.contracts.id")
    owner_id: int
    signed_by: int | None = Field(default=None)
    terminated_on: date | None = Field(default=None)
    termination_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    version: int = Field(default=1)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())
