"""Dependency aliases of grading."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.accounts.repository import AccountRepository
from services.clients.audit.repository import AuditRepository
from services.clients.audit.service import AuditTrail
from services.clients.company_calendar import company_today
from services.clients.grading.repository import GradingRepository
from services.clients.grading.service import GradingService
from services.clients.settings import ClientsSettings
from services.clients.visits.planner import build_visit_planner
from shared.db import SessionDep


async def clients_settings(request: Request) -> ClientsSettings:
    settings = request.app.state.settings
    assert isinstance(settings, ClientsSettings)
    return settings


SettingsDep = Annotated[ClientsSettings, Depends(clients_settings)]


def build_grading(session: AsyncSession, settings: ClientsSettings) -> GradingService:
    """The grading service on a session (also used by jobs outside a request)."""
    return GradingService(
        AccountRepository(session),
        GradingRepository(session),
        AuditTrail(AuditRepository(session)),
        thresholds=settings.grade_thresholds(),
        currency=settings.base_currency,
        today=company_today(settings.timezone),
        on_grade_change=build_visit_planner(session, settings),
        payment_cap=settings.payment_behaviour_cap(),
    )


async def grading_service(session: SessionDep, settings: SettingsDep) -> GradingService:
    return build_grading(session, settings)


GradingServiceDep = Annotated[GradingService, Depends(grading_service)]
