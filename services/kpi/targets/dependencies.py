"""Dependency aliases of the target-plan API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.kpi.access import Scope
from services.kpi.indicators.repository import IndicatorRepository
from services.kpi.org.repository import OrgRepository
from services.kpi.targets.repository import TargetRepository
from services.kpi.targets.service import TargetService
from shared.db import SessionDep


def target_service(session: SessionDep, scope: Scope) -> TargetService:
    return TargetService(
        TargetRepository(session), IndicatorRepository(session), OrgRepository(session),
        scope=scope,
    )  # fmt: skip


TargetServiceDep = Annotated[TargetService, Depends(target_service)]
