"""Satisfaction surveys (满意度调查): one score per account and period."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, Index, Numeric, Text, UniqueConstraint
from sqlmodel import Field

from services.clients.db import ClientsTable
from shared.columns import created_at_column, updated_at_column


class SatisfactionSurvey(ClientsTable, table=True):
    """An account's satisfaction in a month ("2026-11") or quarter ("2026-Q4").

    ``owner_id`` is the employee credited: the account's owner when it was recorded.
    """

    __tablename__ = "satisfaction_surveys"
    __table_args__ = (
        UniqueConstraint("account_id", "period"),
        CheckConstraint("score >= 1 AND score <= 5", name="score_range"),
        CheckConstraint(
            "channel IN ('phone', 'email', 'visit', 'online', 'other')", name="channel_known"
        ),
        Index("ix_satisfaction_surveys_owner_id_surveyed_on", "owner_id", "surveyed_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="clients.accounts.id")
    period: str = Field(max_length=7)
    score: Decimal = Field(sa_column=Column(Numeric(4, 2), nullable=False))
    surveyed_on: date
    respondent_contact_id: int | None = Field(default=None, foreign_key="clients.contacts.id")
    channel: str = Field(max_length=10)
    comments: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    owner_id: int
    created_by: int | None = Field(default=None)
    version: int = Field(default=1)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())
