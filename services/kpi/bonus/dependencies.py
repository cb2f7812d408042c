"""Dependency aliases of the bonus API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.kpi.access import Scope
from services.kpi.appraisals.dependencies import KpiSettingsDep
from services.kpi.appraisals.repository import AppraisalRepository
from services.kpi.bonus.repository import BonusRepository
from services.kpi.bonus.service import BonusService
from services.kpi.cycles.repository import CycleRepository
from shared.db import SessionDep


def bonus_service(session: SessionDep, settings: KpiSettingsDep, scope: Scope) -> BonusService:
    return BonusService(
        BonusRepository(session), CycleRepository(session), AppraisalRepository(session),
        scope=scope, currency=settings.base_currency,
    )  # fmt: skip


BonusServiceDep = Annotated[BonusService, Depends(bonus_service)]
