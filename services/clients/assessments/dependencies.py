"""Dependency aliases of assessments."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.accounts.repository import AccountRepository
from services.clients.assessments.repository import AssessmentRepository
from services.clients.assessments.service import AssessmentService
from services.clients.audit.repository import AuditRepository
from services.clients.audit.service import AuditTrail
from services.clients.company_calendar import company_today
from services.clients.grading.dependencies import SettingsDep
from services.clients.settings import ClientsSettings
from shared.db import SessionDep


def build_assessments(session: AsyncSession, settings: ClientsSettings) -> AssessmentService:
    return AssessmentService(
        AccountRepository(session),
        AssessmentRepository(session),
        AuditTrail(AuditRepository(session)),
        today=company_today(settings.timezone),
    )


def assessment_service(session: SessionDep, settings: SettingsDep) -> AssessmentService:
    return build_assessments(session, settings)


AssessmentServiceDep = Annotated[AssessmentService, Depends(assessment_service)]
