"""Ownership history (客户归属变更) and staff's bulk handovers on departure."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.clients.db import ClientsTable
from shared.columns import created_at_column


class OwnershipChange(ClientsTable, table=True):
    """One account moved from one owner to another (``from_employee_id`` null at creation)."""

    __tablename__ = "ownership_history"
    __table_args__ = (Index("ix_ownership_history_account_id_id", "account_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="clients.accounts.id")
    from_employee_id: int | None = Field(default=None)
    to_employee_id: int
    reason: str = Field(max_length=200)
    handover_id: uuid.UUID | None = Field(default=None, index=True)
    options: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default="{}")
    )
    actor_employee_id: int | None = Field(default=None)
    changed_at: datetime | None = Field(default=None, sa_column=created_at_column())


class Handover(ClientsTable, table=True):
    """A bulk handover received from staff; ``handover_id`` makes a retry a no-op."""

    __tablename__ = "handovers"

    id: int | None = Field(default=None, primary_key=True)
    handover_id: uuid.UUID = Field(unique=True)
    from_employee_id: int
    to_employee_id: int
    reason: str = Field(max_length=200)
    request: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    result: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
