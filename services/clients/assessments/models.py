"""Assessments of an account: recorded needs (需求分析) and relationship scores (关系评估)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Index, Numeric, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.clients.db import ClientsTable
from shared.columns import created_at_column, updated_at_column


class Assessment(ClientsTable, table=True):
    """A dated assessment with scored dimensions; ``assessed_by`` is the employee credited.

    ``dimensions`` holds ``{code, label, score, weight}`` objects (scores and weights as
    decimal strings); ``overall_score`` is their weighted mean, computed by
    ``assessments.rules.overall_score`` when the record is written.
    """

    __tablename__ = "assessments"
    __table_args__ = (
        Index("ix_assessments_account_id_kind_assessed_on", "account_id", "kind", "assessed_on"),
        Index("ix_assessments_assessed_by_assessed_on", "assessed_by", "assessed_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="clients.accounts.id")
    kind: str = Field(max_length=20)
    assessed_on: date
    assessed_by: int
    dimensions: list[dict[str, Any]] = Field(
        default_factory=list,
        sa_column=Column(JSONB, nullable=False, server_default="[]"),
    )
    overall_score: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(5, 2), nullable=True)
    )
    needs: list[dict[str, Any]] = Field(
        default_factory=list,
        sa_column=Column(JSONB, nullable=False, server_default="[]"),
    )
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    version: int = Field(default=1)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())
