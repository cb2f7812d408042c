"""Dependency aliases of satisfaction surveys."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.clients.accounts.repository import AccountRepository
from services.clients.audit.repository import AuditRepository
from services.clients.audit.service import AuditTrail
from services.clients.company_calendar import company_today
from services.clients.contacts.repository import ContactRepository
from services.clients.grading.dependencies import SettingsDep
from services.clients.surveys.repository import SurveyRepository
from services.clients.surveys.service import SurveyService
from shared.db import SessionDep


def survey_service(session: SessionDep, settings: SettingsDep) -> SurveyService:
    return SurveyService(
        AccountRepository(session),
        ContactRepository(session),
        SurveyRepository(session),
        AuditTrail(AuditRepository(session)),
        today=company_today(settings.timezone),
    )


SurveyServiceDep = Annotated[SurveyService, Depends(survey_service)]
