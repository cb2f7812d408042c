"""Dependency aliases and the write policy of exchange rates."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.audit.repository import AuditRepository
from services.clients.audit.service import AuditTrail
from services.clients.grading.dependencies import SettingsDep
from services.clients.rates.repository import RateRepository
from services.clients.rates.service import RateService
from services.clients.settings import ClientsSettings
from shared.auth.policy import Policy
from shared.auth.principal import Role
from shared.db import SessionDep

# Rates are posted by finance (or the ERP through our services) and the department's heads.
WRITE_RATES = Policy(Role.ADMIN, Role.DEPT_MANAGER, Role.FINANCE, services=True)


def build_rates(session: AsyncSession, settings: ClientsSettings) -> RateService:
    """The rate service on a session (other domains convert amounts with it)."""
    return RateService(
        RateRepository(session), AuditTrail(AuditRepository(session)), base=settings.base_currency
    )


def rate_service(session: SessionDep, settings: SettingsDep) -> RateService:
    return build_rates(session, settings)


RateServiceDep = Annotated[RateService, Depends(rate_service)]
