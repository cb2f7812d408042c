"""Above-authority requests (超权限申请): a change held until the superior decides."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, Index
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.clients.db import ClientsTable
from shared.columns import created_at_column


class ApprovalRequest(ClientsTable, table=True):
    """One request: what kind of change on which account, who asked and why, who decides.

    ``approver_employee_id`` is the requester's superior; null with ``four_eyes`` when the
    requester is at the top of the chart (then a second department manager or an
    administrator decides)."""

    __tablename__ = "approval_requests"
    __table_args__ = (
        Index("ix_approval_requests_approver_state", "approver_employee_id", "state"),
        Index("ix_approval_requests_requested_by", "requested_by"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    account_id: int = Field(foreign_key="clients.accounts.id", index=True)
    payload: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    reason: str = Field(max_length=500)
    requested_by: int
    approver_employee_id: int | None = None
    four_eyes: bool = False
    state: str = Field(default="pending", max_length=20)
    decided_by: int | None = None
    decision_comment: str | None = Field(default=None, max_length=500)
    failure_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    decided_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
