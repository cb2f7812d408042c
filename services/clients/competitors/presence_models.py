"""Competitor intelligence (竞争对手信息): a competitor seen at an account or in one of its
opportunities, with what it offers, the prices seen and its strengths and weaknesses."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, Index, Numeric, Text
from sqlmodel import Field

from services.clients.db import ClientsTable
from shared.columns import created_at_column, updated_at_column


class CompetitorPresence(ClientsTable, table=True):
    """One dated observation, attributed to its author (``author_id``). ``opportunity_id``
    narrows it to one opportunity of the account (null: the account in general)."""

    __tablename__ = "competitor_presences"
    __table_args__ = (
        CheckConstraint(
            "(price_seen_amount IS NULL) = (price_seen_currency IS NULL)",
            name="price_has_currency",
        ),
        CheckConstraint("price_seen_amount IS NULL OR price_seen_amount >= 0", name="price_sign"),
        Index("ix_competitor_presences_account_id_id", "account_id", "id"),
        Index("ix_competitor_presences_opportunity_id", "opportunity_id"),
        Index("ix_competitor_presences_competitor_id", "competitor_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="clients.accounts.id")
    opportunity_id: int | None = Field(default=None, foreign_key="clients.opportunities.id")
    competitor_id: int = Field(foreign_key="clients.competitors.id")
    products: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    price_seen_amount: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(18, 2), nullable=True)
    )
    price_seen_currency: str | None = Field(default=None, max_length=3)
    strengths: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    weaknesses: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    observed_on: date
    author_id: int
    version: int = Field(default=1)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())
