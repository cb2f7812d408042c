"""Dependency aliases of contacts."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.clients.accounts.repository import AccountRepository
from services.clients.audit.repository import AuditRepository
from services.clients.audit.service import AuditTrail
from services.clients.company_calendar import company_today
from services.clients.contacts.repository import ContactRepository
from services.clients.contacts.service import ContactService
from services.clients.grading.dependencies import SettingsDep
from shared.db import SessionDep


def contact_service(session: SessionDep, settings: SettingsDep) -> ContactService:
    return ContactService(
        AccountRepository(session),
        ContactRepository(session),
        AuditTrail(AuditRepository(session)),
        today=company_today(settings.timezone),
    )


ContactServiceDep = Annotated[ContactService, Depends(contact_service)]
