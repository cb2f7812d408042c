"""The audit trail: every change to an account and its children, in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.clients.db import ClientsTable
from shared.columns import created_at_column


class AuditEntry(ClientsTable, table=True):
    """Who changed what, when, with the record before and after (JSON snapshots)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_entity_entity_id_id", "entity", "entity_id", "id"),
        Index("ix_audit_log_account_id_id", "account_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime | None = Field(default=None, sa_column=created_at_column())
    actor_employee_id: int | None = Field(default=None)
    entity: str = Field(max_length=40)
    entity_id: int
    account_id: int | None = Field(default=None)
    action: str = Field(max_length=40)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB, nullable=True))
