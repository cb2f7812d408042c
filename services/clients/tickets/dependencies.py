"""Dependency aliases of tickets and the SLA policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.accounts.repository import AccountRepository
from services.clients.audit.repository import AuditRepository
from services.clients.audit.service import AuditTrail
from services.clients.calendar.dependencies import build_calendar
from services.clients.contacts.repository import ContactRepository
from services.clients.grading.dependencies import SettingsDep
from services.clients.org.repository import OrgRepository
from services.clients.settings import ClientsSettings
from services.clients.tickets.repository import TicketRepository
from services.clients.tickets.service import TicketService
from services.clients.tickets.sla import BreachCheck, SlaPolicyService
from shared.auth.policy import Policy
from shared.auth.principal import Role
from shared.db import SessionDep

MANAGE_SLA = Policy(Role.ADMIN, Role.DEPT_MANAGER)
RUN_SLA_CHECK = Policy(Role.ADMIN, services=True)


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_tickets(session: AsyncSession, settings: ClientsSettings) -> TicketService:
    """The ticket service on a session."""
    return TicketService(
        AccountRepository(session),
        ContactRepository(session),
        OrgRepository(session),
        TicketRepository(session),
        build_calendar(session, settings),
        AuditTrail(AuditRepository(session)),
        now=utc_now,
        zone=ZoneInfo(settings.timezone),
        reopen_window=timedelta(days=settings.ticket_reopen_days),
    )


def build_breach_check(session: AsyncSession) -> BreachCheck:
    """The breach check on a session (the periodic job uses it outside a request)."""
    return BreachCheck(
        TicketRepository(session),
        OrgRepository(session),
        AuditTrail(AuditRepository(session)),
        now=utc_now,
    )


def ticket_service(session: SessionDep, settings: SettingsDep) -> TicketService:
    return build_tickets(session, settings)


def breach_check(session: SessionDep) -> BreachCheck:
    return build_breach_check(session)


def sla_policy_service(session: SessionDep) -> SlaPolicyService:
    return SlaPolicyService(TicketRepository(session), AuditTrail(AuditRepository(session)))


TicketServiceDep = Annotated[TicketService, Depends(ticket_service)]
BreachCheckDep = Annotated[BreachCheck, Depends(breach_check)]
SlaPolicyServiceDep = Annotated[SlaPolicyService, Depends(sla_policy_service)]
