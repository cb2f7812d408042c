"""Ownership disputes (撞单): a manager claims an account another manager owns."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Index, text
from sqlmodel import Field

from services.clients.db import ClientsTable
from shared.columns import created_at_column, updated_at_column


class OwnershipDispute(ClientsTable, table=True):
    """One claim on an account and its outcome.

    ``owner_id`` is the owner when the claim was made; ``arbiter_id`` the lowest common
    manager of the two (null: a department manager or an administrator decides). At most
    one dispute per account is pending (a partial unique index)."""

    __tablename__ = "ownership_disputes"
    __table_args__ = (
        Index(
            "uq_ownership_disputes_account_id_pending",
            "account_id",
            unique=True,
            postgresql_where=text("state = 'pending'"),
        ),
        Index("ix_ownership_disputes_claimant_id", "claimant_id"),
        Index("ix_ownership_disputes_owner_id", "owner_id"),
        Index("ix_ownership_disputes_arbiter_id_state", "arbiter_id", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="clients.accounts.id", index=True)
    claimant_id: int
    owner_id: int
    arbiter_id: int | None = None
    origin: str = Field(max_length=30)
    reason: str = Field(max_length=500)
    state: str = Field(default="pending", max_length=20)
    last_activity_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    protected_until: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    winner: str | None = Field(default=None, max_length=20)
    decided_by: int | None = None
    decision_reason: str | None = Field(default=None, max_length=500)
    decided_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    version: int = 1
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())
