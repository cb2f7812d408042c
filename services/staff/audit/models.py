"""The audit log of the staff service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.staff.db import StaffTable
from shared.columns import created_at_column


class StaffAuditEntry(StaffTable, table=True):
    """Who did what to which record when. Never holds a password, token or key."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity_entity_id_id", "entity", "entity_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime | None = Field(default=None, sa_column=created_at_column())
    actor: str | None = Field(default=None, max_length=64)
    entity: str = Field(max_length=40)
    entity_id: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=40, index=True)
    detail: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default="{}")
    )
