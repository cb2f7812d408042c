"""HTTP endpoints of the business calendar (holidays and make-up working days)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from services.clients.calendar.schemas import CalendarDayRead, CalendarDayWrite
from services.clients.dependencies import ActorId, CalendarServiceDep
from services.clients.policies import MANAGE_CALENDAR, READ_ACCOUNTS
from shared.errors import problem_responses
from shared.pagination import Page
from shared.periods import IsoDay

router = APIRouter(prefix="/v1/clients/calendar", tags=["business-calendar"])

DayPath = Annotated[IsoDay, Path(description="The day, YYYY-MM-DD.")]


@router.get(
    "/days",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[CalendarDayRead],
    summary="Holidays and make-up working days of a year (one page): statutory and admins'",
    responses=problem_responses(401, 403, 422),
)
async def list_calendar_days(
    service: CalendarServiceDep,
    year: Annotated[int, Query(ge=2000, le=2100, description="The calendar year.")],
) -> Page[CalendarDayRead]:
    return Page[CalendarDayRead](items=await service.year(year), next_cursor=None)


@router.put(
    "/days/{day}",
    dependencies=[Depends(MANAGE_CALENDAR)],
    response_model=CalendarDayRead,
    summary="Mark a day as a holiday or a make-up working day (wins over the statutory day)",
    description="Affects SLA clocks and visit plans. To make a statutory holiday an "
    "ordinary working day, mark it `makeup_workday`. Adds a year the statutory source does "
    'not cover yet (see README, "Business calendar").',
    responses={
        201: {"model": CalendarDayRead, "description": "Created: the day was ordinary"},
        **problem_responses(401, 403, 422),
    },
)
async def put_calendar_day(
    day: DayPath,
    data: CalendarDayWrite,
    service: CalendarServiceDep,
    actor: ActorId,
    response: Response,
) -> CalendarDayRead:
    record, created = await service.put(day, data, actor)
    if created:
        response.status_code = status.HTTP_201_CREATED
    return record


@router.delete(
    "/days/{day}",
    dependencies=[Depends(MANAGE_CALENDAR)],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove an admin's day (the statutory day of that date, if any, applies again)",
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_calendar_day(
    day: DayPath, service: CalendarServiceDep, actor: ActorId
) -> Response:
    await service.delete(day, actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
