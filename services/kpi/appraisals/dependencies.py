"""Dependency aliases of the appraisal API (who is acting comes from services.kpi.access)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.kpi.access import ActingEmployeeId, Scope
from services.kpi.appraisals.repository import AppraisalRepository
from services.kpi.appraisals.service import AppraisalService
from services.kpi.cycles.repository import CycleRepository
from services.kpi.org.repository import OrgRepository
from services.kpi.settings import KpiSettings
from shared.db import SessionDep


def kpi_settings(request: Request) -> KpiSettings:
    settings: KpiSettings = request.app.state.settings
    return settings


KpiSettingsDep = Annotated[KpiSettings, Depends(kpi_settings)]


def appraisal_service(
    session: SessionDep, settings: KpiSettingsDep, scope: Scope
) -> AppraisalService:
    return AppraisalService(
        AppraisalRepository(session),
        CycleRepository(session),
        OrgRepository(session),
        settings.grade_scale,
        scope=scope,
        target_max_share=settings.calibration_max_share,
    )


AppraisalServiceDep = Annotated[AppraisalService, Depends(appraisal_service)]


__all__ = ["ActingEmployeeId", "AppraisalServiceDep", "KpiSettingsDep"]
