"""The catalogue's table: one row per product or service the department sells."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, Numeric, Text, UniqueConstraint
from sqlmodel import Field

from services.clients.db import ClientsTable
from shared.columns import created_at_column, updated_at_column


class Product(ClientsTable, table=True):
    """A product or service with its list price; ``active`` false keeps it for history
    but offers it no more. ``version`` is the ETag."""

    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("code"),
        CheckConstraint("list_price >= 0", name="list_price_not_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=50)
    name: str = Field(max_length=200)
    unit: str = Field(max_length=20)
    list_price: Decimal = Field(sa_column=Column(Numeric(18, 2), nullable=False))
    currency: str = Field(max_length=3)
    description: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    active: bool = Field(default=True)
    version: int = Field(default=1)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())
