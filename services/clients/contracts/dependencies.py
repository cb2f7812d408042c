"""Dependency aliases of contracts."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.clients.accounts.repository import AccountRepository
from services.clients.audit.repository import AuditRepository
from services.clients.audit.service import AuditTrail
from services.clients.company_calendar import company_today
from services.clients.contracts.repository import ContractRepository
from services.clients.contracts.service import ContractService
from services.clients.grading.dependencies import SettingsDep, build_grading
from services.clients.rates.dependencies import build_rates
from shared.db import SessionDep


def contract_service(session: SessionDep, settings: SettingsDep) -> ContractService:
    return ContractService(
        AccountRepository(session),
        ContractRepository(session),
        build_rates(session, settings),
        build_grading(session, settings),
        AuditTrail(AuditRepository(session)),
        today=company_today(settings.timezone),
    )


ContractServiceDep = Annotated[ContractService, Depends(contract_service)]
