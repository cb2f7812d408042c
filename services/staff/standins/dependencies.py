"""Dependency aliases of stand-ins, and "today" in the company calendar."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Request

from services.staff.clock import NowDep
from services.staff.standins.rules import company_day
from services.staff.standins.service import StandInService
from shared.db import SessionDep


def stand_in_service(session: SessionDep) -> StandInService:
    return StandInService(session)


def company_today(request: Request, now: NowDep) -> date:
    """Today in the company's time zone (``KAM_TIMEZONE``)."""
    return company_day(now, request.app.state.settings.timezone)


StandInServiceDep = Annotated[StandInService, Depends(stand_in_service)]
TodayDep = Annotated[date, Depends(company_today)]
