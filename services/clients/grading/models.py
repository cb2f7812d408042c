"""Grade history (客户分级记录): every change of an account's grade or of its source."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Index, Numeric
from sqlmodel import Field

from services.clients.db import ClientsTable
from shared.columns import created_at_column


class GradeChange(ClientsTable, table=True):
    """One entry of an account's grade history."""

    __tablename__ = "grade_history"
    __table_args__ = (Index("ix_grade_history_account_id_id", "account_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="clients.accounts.id")
    previous_grade: str | None = Field(default=None, max_length=1)
    grade: str = Field(max_length=1)
    source: str = Field(max_length=20)
    computed_grade: str = Field(max_length=1)
    contract_value: Decimal = Field(
        default=Decimal("0"), sa_column=Column(Numeric(18, 2), nullable=False, server_default="0")
    )
    currency: str = Field(default="CNY", max_length=3)
    reason: str | None = Field(default=None, max_length=500)
    override_expires_on: date | None = Field(default=None)
    actor_employee_id: int | None = Field(default=None)
    changed_at: datetime | None = Field(default=None, sa_column=created_at_column())
