"""Dependency aliases of the roll-up API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.kpi.access import Scope
from services.kpi.appraisals.dependencies import KpiSettingsDep
from services.kpi.bonus.repository import BonusRepository
from services.kpi.cycles.repository import CycleRepository
from services.kpi.rollups.repository import RollupRepository
from services.kpi.rollups.service import RollupService
from shared.db import SessionDep


def rollup_service(session: SessionDep, settings: KpiSettingsDep, scope: Scope) -> RollupService:
    return RollupService(
        RollupRepository(session),
        CycleRepository(session),
        settings.grade_scale,
        settings.bonus_coefficients,
        scope=scope,
        bonus=BonusRepository(session),
        currency=settings.base_currency,
    )


RollupServiceDep = Annotated[RollupService, Depends(rollup_service)]
