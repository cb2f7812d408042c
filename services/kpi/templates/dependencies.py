"""Dependency aliases of the template API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.kpi.indicators.repository import IndicatorRepository
from services.kpi.templates.position_duties import StaffPositionDuties
from services.kpi.templates.repository import TemplateRepository
from services.kpi.templates.service import TemplateService
from shared.db import SessionDep


def template_service(session: SessionDep, request: Request) -> TemplateService:
    return TemplateService(
        TemplateRepository(session),
        IndicatorRepository(session),
        StaffPositionDuties(getattr(request.app.state, "staff_client", None)),
    )


TemplateServiceDep = Annotated[TemplateService, Depends(template_service)]
