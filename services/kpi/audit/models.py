"""The audit log of the KPI service (appraisal decisions are also kept per appraisal)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Index

from services.kpi.db import KpiTable
from shared.audit_log import AuditLogBase, audit_entry, audit_router, denial_recorder


class KpiAuditEntry(AuditLogBase, KpiTable, table=True):
    """Cycle state changes, calibration locks and refused requests."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity_entity_id_id", "entity", "entity_id", "id"),)


SERVICE = "kpi"
record_denial = denial_recorder(KpiAuditEntry, SERVICE)
router = audit_router(KpiAuditEntry, "/v1/kpi/audit", "kpi-audit")


def kpi_audit_entry(**fields: Any) -> KpiAuditEntry:
    """An entry of the kpi audit log with the request's facts filled in."""
    return audit_entry(KpiAuditEntry, service=SERVICE, **fields)
