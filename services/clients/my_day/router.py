"""``GET /v1/clients/me/day``: the caller's day (the gateway routes it like every
``/v1/clients/...`` path; ``/v1/me/...`` is staff's)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.clients.dependencies import AccountScope, ActingEmployeeId, MyDayServiceDep
from services.clients.my_day.schemas import MyDay
from services.clients.policies import READ_ACCOUNTS
from shared.errors import problem_responses

router = APIRouter(prefix="/v1/clients/me", tags=["my-day"])


@router.get(
    "/day",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=MyDay,
    summary="My day: today's and overdue visits, my tickets, overdue invoices, birthdays, "
    "renewals and counts, in one call",
    description="For the employee behind the login (403 for a login without one), within "
    "his scope. Each list holds at most `limit` items, most urgent first; `counts` has the "
    "totals.",
    responses=problem_responses(401, 403, 422),
)
async def get_my_day(
    service: MyDayServiceDep,
    scope: AccountScope,
    employee_id: ActingEmployeeId,
    limit: Annotated[int, Query(ge=1, le=50, description="Items per list (at most 50).")] = 10,
) -> MyDay:
    return await service.day(employee_id, scope, limit)
