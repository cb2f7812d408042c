"""Dependency aliases of the template API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.kpi.indicators.repository import IndicatorRepository
from services.kpi.templates.repository import TemplateRepository
from services.kpi.templates.service import TemplateService
from shared.db import SessionDep


def template_service(session: SessionDep) -> TemplateService:
    return TemplateService(TemplateRepository(session), IndicatorRepository(session))


TemplateServiceDep = Annotated[TemplateService, Depends(template_service)]
