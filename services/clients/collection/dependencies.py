"""Dependency aliases of collection."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.accounts.repository import AccountRepository
from services.clients.audit.repository import AuditRepository
from services.clients.audit.service import AuditTrail
from services.clients.collection.dunning import DunningService
from services.clients.collection.exposure import CreditService
from services.clients.collection.repository import CollectionRepository
from services.clients.company_calendar import company_today
from services.clients.grading.dependencies import SettingsDep
from services.clients.settings import ClientsSettings
from shared.db import SessionDep


def build_dunning(session: AsyncSession, settings: ClientsSettings) -> DunningService:
    """The dunning service on a session (also used by the scheduled run)."""
    return DunningService(
        AccountRepository(session),
        CollectionRepository(session),
        AuditTrail(AuditRepository(session)),
        policy=settings.dunning_policy(),
        task_due_days=settings.dunning_task_due_days,
        today=company_today(settings.timezone),
    )


def build_credit(session: AsyncSession, settings: ClientsSettings) -> CreditService:
    """The credit service on a session (also used by contract signing)."""
    return CreditService(
        AccountRepository(session),
        CollectionRepository(session),
        AuditTrail(AuditRepository(session)),
        base=settings.base_currency,
    )


def dunning_service(session: SessionDep, settings: SettingsDep) -> DunningService:
    return build_dunning(session, settings)


def credit_service(session: SessionDep, settings: SettingsDep) -> CreditService:
    return build_credit(session, settings)


DunningServiceDep = Annotated[DunningService, Depends(dunning_service)]
CreditServiceDep = Annotated[CreditService, Depends(credit_service)]
