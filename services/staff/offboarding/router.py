"""HTTP endpoints of offboarding (离职)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from services.staff.access import MANAGE_PEOPLE
from services.staff.dependencies import OffboardingServiceDep
from services.staff.offboarding.models import Departure, DepartureHandover, DepartureStatus
from services.staff.offboarding.schemas import (
    DepartureCreate,
    DepartureRead,
    DepartureRetry,
    HandoverRead,
)
from shared.contract_shape import answer_headers
from shared.errors import problem_responses
from shared.pagination import (
    Cursor,
    IdPath,
    Page,
    PageSize,
    cursor_key,
    keyset_page,
)

router = APIRouter(prefix="/v1/staff", tags=["offboarding"])


def departure_read(departure: Departure, handovers: Sequence[DepartureHandover]) -> DepartureRead:
    return DepartureRead.model_validate(
        departure.model_dump() | {"handovers": [HandoverRead.model_validate(h) for h in handovers]}
    )


@router.post(
    "/employees/{employee_id}/departure",
    dependencies=[Depends(MANAGE_PEOPLE)],
    response_model=DepartureRead,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Record a departure and hand the leaver's accounts to the successor(s)",
    responses=problem_responses(401, 403, 404, 409, 422),
    openapi_extra=answer_headers(202, location=True),
)
async def record_departure(
    employee_id: IdPath, data: DepartureCreate, service: OffboardingServiceDep, response: Response
) -> DepartureRead:
    departure, handovers = await service.record_departure(employee_id, data)
    response.headers["Location"] = f"{router.prefix}/departures/{departure.id}"
    return departure_read(departure, handovers)


@router.get(
    "/departures",
    dependencies=[Depends(MANAGE_PEOPLE)],
    response_model=Page[DepartureRead],
    summary="List departures",
    responses=problem_responses(401, 403, 400, 422),
)
async def list_departures(
    service: OffboardingServiceDep,
    status: Annotated[DepartureStatus | None, Query(description="Departure status.")] = None,
    employee_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[DepartureRead]:
    after_id = cursor_key(cursor)
    rows = await service.list(
        status=status.value if status else None,
        employee_id=employee_id,
        after_id=after_id,
        limit=limit,
    )
    items = [departure_read(d, h) for d, h in rows]
    return keyset_page(items, limit)


@router.get(
    "/departures/{departure_id}",
    dependencies=[Depends(MANAGE_PEOPLE)],
    response_model=DepartureRead,
    summary="A departure and how its handovers are going",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_departure(departure_id: IdPath, service: OffboardingServiceDep) -> DepartureRead:
    return departure_read(*await service.get(departure_id))


@router.post(
    "/departures/{departure_id}/retry",
    dependencies=[Depends(MANAGE_PEOPLE)],
    response_model=DepartureRead,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Send a failed departure's handovers again (optionally to another successor)",
    responses=problem_responses(401, 403, 404, 409, 422),
    openapi_extra=answer_headers(202, location=True),
)
async def retry_departure(
    departure_id: IdPath, data: DepartureRetry, service: OffboardingServiceDep, response: Response
) -> DepartureRead:
    departure = departure_read(*await service.retry(departure_id, data))
    response.headers["Location"] = f"{router.prefix}/departures/{departure_id}"
    return departure
