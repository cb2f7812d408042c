"""Dependency aliases of the metrics batch."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.clients.grading.dependencies import SettingsDep
from services.clients.metrics.repository import MetricsRepository
from services.clients.metrics.service import MetricsService
from shared.db import SessionDep


def metrics_service(session: SessionDep, settings: SettingsDep) -> MetricsService:
    return MetricsService(
        MetricsRepository(session), currency=settings.base_currency, timezone=settings.timezone
    )


MetricsServiceDep = Annotated[MetricsService, Depends(metrics_service)]
