"""Bids (招投标): a tender the department answers for an opportunity."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Column, DateTime, Index, Numeric, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.clients.db import ClientsTable
from shared.columns import created_at_column, updated_at_column


class Bid(ClientsTable, table=True):
    """A tender (招标) and our bid for it: its dates, the bond (投标保证金), the documents
    checklist (``documents``: ``[{"name", "done"}]`` in order) and the result.
    ``account_id`` is the opportunity's (scope without a join); ``version`` is the ETag."""

    __tablename__ = "bids"
    __table_args__ = (
        CheckConstraint("bond_amount IS NULL OR bond_amount >= 0", name="bond_not_negative"),
        CheckConstraint(
            "(bond_amount IS NULL) = (bond_currency IS NULL)", name="bond_amount_has_currency"
        ),
        CheckConstraint(
            "result IS NULL OR result IN ('won', 'lost', 'withdrawn')", name="result_known"
        ),
        CheckConstraint(
            "questions_deadline IS NULL OR questions_deadline <= submission_deadline",
            name="questions_before_submission",
        ),
        Index("ix_bids_owner_id_submission_deadline", "owner_id", "submission_deadline"),
        Index("ix_bids_account_id", "account_id"),
        Index("ix_bids_opportunity_id", "opportunity_id"),
        Index("ix_bids_submission_deadline", "submission_deadline"),
    )

    id: int | None = Field(default=None, primary_key=True)
    opportunity_id: int = Field(foreign_key="clients.opportunities.id")
    account_id: int = Field(foreign_key="clients.accounts.id")
    tender_number: str = Field(max_length=60)
    title: str = Field(max_length=200)
    issuer: str = Field(max_length=200)
    owner_id: int
    questions_deadline: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    submission_deadline: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    opening_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    bond_amount: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(18, 2), nullable=True)
    )
    bond_currency: str | None = Field(default=None, max_length=3)
    bond_paid_on: date | None = None
    bond_returned_on: date | None = None
    documents: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSONB, nullable=False)
    )
    result: str | None = Field(default=None, max_length=20)
    result_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    decided_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    version: int = Field(default=1)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())
