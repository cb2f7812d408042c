"""Dependency aliases of the indicator library API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.kpi.indicators.repository import IndicatorRepository
from services.kpi.indicators.service import IndicatorService
from shared.db import SessionDep


def indicator_service(session: SessionDep) -> IndicatorService:
    return IndicatorService(IndicatorRepository(session))


IndicatorServiceDep = Annotated[IndicatorService, Depends(indicator_service)]
