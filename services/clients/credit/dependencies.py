"""Dependency aliases of credit scores."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.clients.accounts.repository import AccountRepository
from services.clients.audit.repository import AuditRepository
from services.clients.audit.service import AuditTrail
from services.clients.credit.repository import CreditRepository
from services.clients.credit.service import CreditService
from services.clients.org.repository import OrgRepository
from services.clients.org.service import OrgService
from shared.db import SessionDep


def credit_service(session: SessionDep) -> CreditService:
    return CreditService(
        AccountRepository(session),
        CreditRepository(session),
        OrgService(OrgRepository(session)),
        AuditTrail(AuditRepository(session)),
    )


CreditServiceDep = Annotated[CreditService, Depends(credit_service)]
