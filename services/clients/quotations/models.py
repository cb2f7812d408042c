"""Quotations (报价单): versions of an offer for an opportunity, and their lines."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, DateTime, Index, Numeric, Text, UniqueConstraint
from sqlmodel import Field

from services.clients.db import ClientsTable
from shared.columns import created_at_column, updated_at_column


class Quotation(ClientsTable, table=True):
    """One version (``revision``) of the quotation of an opportunity.

    ``account_id`` is the opportunity's, kept here so scope and approvals need no join.
    Totals are stored as computed when the lines were last written (``rules.quotation_totals``).
    ``granted_discount_percent`` is the deepest discount on any line (its own compounded
    with the total discount), which the author's 折扣权限 is checked against. ``version``
    is the ETag; ``revision`` numbers the versions of the opportunity's quotation.
    """

    __tablename__ = "quotations"
    __table_args__ = (
        UniqueConstraint("opportunity_id", "revision"),
        CheckConstraint(
            "total_discount_percent BETWEEN 0 AND 100", name="total_discount_percent_range"
        ),
        CheckConstraint(
            "state IN ('draft', 'pending_approval', 'approved', 'sent', 'accepted', "
            "'rejected', 'expired')",
            name="state_known",
        ),
        Index("ix_quotations_author_id_state", "author_id", "state"),
        Index("ix_quotations_account_id", "account_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    opportunity_id: int = Field(foreign_key="clients.opportunities.id")
    account_id: int = Field(foreign_key="clients.accounts.id")
    revision: int = Field(default=1)
    copied_from_id: int | None = Field(default=None, foreign_key="clients.quotations.id")
    title: str = Field(max_length=200)
    currency: str = Field(max_length=3)
    valid_until: date
    total_discount_percent: Decimal = Field(
        default=Decimal("0"), sa_column=Column(Numeric(5, 2), nullable=False)
    )
    list_total: Decimal = Field(
        default=Decimal("0"), sa_column=Column(Numeric(18, 2), nullable=False)
    )
    lines_total: Decimal = Field(
        default=Decimal("0"), sa_column=Column(Numeric(18, 2), nullable=False)
    )
    total: Decimal = Field(default=Decimal("0"), sa_column=Column(Numeric(18, 2), nullable=False))
    granted_discount_percent: Decimal = Field(
        default=Decimal("0"), sa_column=Column(Numeric(9, 4), nullable=False)
    )
    state: str = Field(default="draft", max_length=20)
    author_id: int
    approval_request_id: int | None = Field(
        default=None, foreign_key="clients.approval_requests.id"
    )
    approved_by: int | None = None
    refusal_reason: str | None = Field(default=None, max_length=500)
    notes: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    sent_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    decided_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    contract_id: int | None = Field(default=None, foreign_key="clients.contracts.id")
    version: int = Field(default=1)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())


class QuotationLine(ClientsTable, table=True):
    """A product of the catalogue on a quotation: its code, name, unit and list price as
    they were when the line was written, the quantity, the line's discount and its net."""

    __tablename__ = "quotation_lines"
    __table_args__ = (
        UniqueConstraint("quotation_id", "position"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
        CheckConstraint("discount_percent BETWEEN 0 AND 100", name="discount_percent_range"),
        Index("ix_quotation_lines_product_id", "product_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    quotation_id: int = Field(foreign_key="clients.quotations.id")
    position: int
    product_id: int = Field(foreign_key="clients.products.id")
    product_code: str = Field(max_length=50)
    product_name: str = Field(max_length=200)
    unit: str = Field(max_length=20)
    quantity: Decimal = Field(sa_column=Column(Numeric(18, 3), nullable=False))
    unit_price: Decimal = Field(sa_column=Column(Numeric(18, 2), nullable=False))
    discount_percent: Decimal = Field(
        default=Decimal("0"), sa_column=Column(Numeric(5, 2), nullable=False)
    )
    list_amount: Decimal = Field(sa_column=Column(Numeric(18, 2), nullable=False))
    net_amount: Decimal = Field(sa_column=Column(Numeric(18, 2), nullable=False))
