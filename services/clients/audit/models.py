"""The clients audit log (shared.audit_log's shape): every change to an account and its
children, in the same transaction, with the account it belongs to."""

from __future__ import annotations

from sqlalchemy import Index
from sqlmodel import Field

from services.clients.db import ClientsTable
from shared.audit_log import AuditLogBase


class AuditEntry(AuditLogBase, ClientsTable, table=True):
    """Who changed what, when, with the record before and after (JSON snapshots)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_entity_entity_id_id", "entity", "entity_id", "id"),
        Index("ix_audit_log_account_id_id", "account_id", "id"),
    )

    account_id: int | None = Field(default=None)
