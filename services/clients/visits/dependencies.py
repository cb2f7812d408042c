"""Dependency aliases of visits and the contact schedule."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.accounts.repository import AccountRepository
from services.clients.audit.repository import AuditRepository
from services.clients.audit.service import AuditTrail
from services.clients.company_calendar import company_today
from services.clients.grading.dependencies import SettingsDep
from services.clients.settings import ClientsSettings
from services.clients.visits.contact_schedule import ContactScheduleService
from services.clients.visits.planner import build_visit_planner
from services.clients.visits.repository import ContactTouchRepository, VisitRepository
from services.clients.visits.service import VisitService
from shared.db import SessionDep


def build_visit_service(session: AsyncSession, settings: ClientsSettings) -> VisitService:
    return VisitService(
        AccountRepository(session),
        VisitRepository(session),
        build_visit_planner(session, settings),
        AuditTrail(AuditRepository(session)),
        today=company_today(settings.timezone),
    )


def build_contact_schedule(
    session: AsyncSession, settings: ClientsSettings
) -> ContactScheduleService:
    return ContactScheduleService(
        AccountRepository(session),
        ContactTouchRepository(session),
        VisitRepository(session),
        AuditTrail(AuditRepository(session)),
        today=company_today(settings.timezone),
    )


def visit_service(session: SessionDep, settings: SettingsDep) -> VisitService:
    return build_visit_service(session, settings)


def contact_schedule_service(session: SessionDep, settings: SettingsDep) -> ContactScheduleService:
    return build_contact_schedule(session, settings)


VisitServiceDep = Annotated[VisitService, Depends(visit_service)]
ContactScheduleServiceDep = Annotated[ContactScheduleService, Depends(contact_schedule_service)]
