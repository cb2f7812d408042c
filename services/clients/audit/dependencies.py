"""Dependency aliases of the audit trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.clients.audit.repository import AuditRepository
from services.clients.audit.service import AuditTrail
from shared.db import SessionDep


def audit_trail(session: SessionDep) -> AuditTrail:
    return AuditTrail(AuditRepository(session))


AuditTrailDep = Annotated[AuditTrail, Depends(audit_trail)]
