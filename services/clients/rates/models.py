"""Exchange rates (汇率): base-currency units per unit of a currency, from a day on."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, Numeric, UniqueConstraint
from sqlmodel import Field

from services.clients.db import ClientsTable
from shared.columns import created_at_column, updated_at_column


class ExchangeRate(ClientsTable, table=True):
    """One posted rate; the rate for a day is the latest ``effective_on`` on or before it.

    ``id`` is a surrogate key (the audit trail names records by an integer id);
    ``(currency, effective_on)`` is the natural key.
    """

    __tablename__ = "exchange_rates"
    __table_args__ = (
        UniqueConstraint("currency", "effective_on"),
        CheckConstraint("rate > 0", name="rate_positive"),
        CheckConstraint("source IN ('finance', 'erp', 'manual')", name="source_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    currency: str = Field(max_length=3)
    effective_on: date
    rate: Decimal = Field(sa_column=Column(Numeric(18, 8), nullable=False))
    source: str = Field(max_length=10)
    created_by: int | None = Field(default=None)
    version: int = Field(default=1)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())
