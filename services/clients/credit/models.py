"""Credit-score adjustments (信用分数调整): the only way a credit score changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field

from services.clients.db import ClientsTable
from shared.columns import created_at_column


class CreditAdjustment(ClientsTable, table=True):
    """One accepted adjustment, with who made it, why, and the score before and after."""

    __tablename__ = "credit_adjustments"
    __table_args__ = (
        Index("ix_credit_adjustments_account_id_id", "account_id", "id"),
        Index(
            "ix_credit_adjustments_authority",
            "account_id",
            "actor_employee_id",
            "created_at",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="clients.accounts.id")
    delta: int
    score_before: int
    score_after: int
    reason: str = Field(max_length=500)
    actor_employee_id: int
    actor_max_delta: int
    # Set when the adjustment was applied on an approved above-authority request: it used
    # the approver's authority, not the actor's.
    approval_id: int | None = Field(default=None, foreign_key="clients.approval_requests.id")
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
