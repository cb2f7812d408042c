"""Dependency aliases of the cycle API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.kpi.appraisals.dependencies import KpiSettingsDep
from services.kpi.appraisals.repository import AppraisalRepository
from services.kpi.cycles.repository import CycleRepository
from services.kpi.cycles.service import CycleService
from services.kpi.templates.repository import TemplateRepository
from shared.db import SessionDep


def cycle_service(session: SessionDep, settings: KpiSettingsDep) -> CycleService:
    return CycleService(
        CycleRepository(session),
        AppraisalRepository(session),
        TemplateRepository(session),
        settings.grade_scale,
        settings.calibration_max_share,
        settings.calibration_enforce_distribution,
    )


CycleServiceDep = Annotated[CycleService, Depends(cycle_service)]
