"""The audit log of the staff service."""

from __future__ import annotations

from sqlalchemy import Index

from services.staff.db import StaffTable
from shared.audit_log import AuditLogBase


class StaffAuditEntry(AuditLogBase, StaffTable, table=True):
    """Identity events, denials and failed sign-ins of the staff service."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity_entity_id_id", "entity", "entity_id", "id"),)
