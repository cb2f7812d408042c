"""Dependency aliases of the business calendar."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.audit.repository import AuditRepository
from services.clients.audit.service import AuditTrail
from services.clients.calendar.repository import CalendarRepository
from services.clients.calendar.service import BusinessCalendarService
from services.clients.grading.dependencies import SettingsDep
from services.clients.settings import ClientsSettings
from shared.auth.policy import Policy
from shared.auth.principal import Role
from shared.db import SessionDep

MANAGE_CALENDAR = Policy(Role.ADMIN, Role.DEPT_MANAGER)


def build_calendar(session: AsyncSession, settings: ClientsSettings) -> BusinessCalendarService:
    """The calendar service on a session (also used by jobs outside a request)."""
    return BusinessCalendarService(
        CalendarRepository(session),
        AuditTrail(AuditRepository(session)),
        settings.business_hours(),
    )


def calendar_service(session: SessionDep, settings: SettingsDep) -> BusinessCalendarService:
    return build_calendar(session, settings)


CalendarServiceDep = Annotated[BusinessCalendarService, Depends(calendar_service)]
