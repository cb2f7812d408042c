"""HTTP endpoints of the org copy: staff's events in, reporting-line queries out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import StringConstraints

from services.kpi.access import ORG_EVENTS, READ_LIBRARY
from services.kpi.dependencies import OrgServiceDep, StaffEmployeesDep, StandInServiceDep
from services.kpi.org.schemas import OrgEmployeeRead
from services.kpi.settings import KpiSettings
from shared.errors import problem_responses
from shared.org_events import (
    EmployeeStatus,
    OrgEventBatch,
    OrgEventsApplied,
    OrgResyncResult,
    OrgStandInBatch,
)
from shared.pagination import (
    Cursor,
    IdPath,
    Page,
    PageSize,
    RecordId,
    cursor_key,
    keyset_page,
)

internal_router = APIRouter(prefix="/v1/kpi/internal/org", tags=["kpi-org"])
router = APIRouter(prefix="/v1/kpi/org/employees", tags=["kpi-org"])


@internal_router.post(
    "/employees",
    dependencies=[Depends(ORG_EVENTS)],
    response_model=OrgEventsApplied,
    summary="Receive employee events from staff (idempotent)",
    responses=problem_responses(401, 403, 422),
)
async def receive_employee_events(batch: OrgEventBatch, service: OrgServiceDep) -> OrgEventsApplied:
    return await service.apply_events(batch.events)


@internal_router.post(
    "/stand-ins",
    dependencies=[Depends(ORG_EVENTS)],
    response_model=OrgEventsApplied,
    summary="Receive stand-in events from staff (idempotent; kept for a complete org copy)",
    description="Stored only: stand-ins grant no kpi access, appraisals are personal "
    "(docs/DOMAIN.md, 'Stand-ins').",
    responses=problem_responses(401, 403, 422),
)
async def receive_stand_in_events(
    batch: OrgStandInBatch, service: StandInServiceDep
) -> OrgEventsApplied:
    return await service.apply_events(batch.events)


@internal_router.post(
    "/resync",
    dependencies=[Depends(ORG_EVENTS)],
    response_model=OrgResyncResult,
    summary="Repair the org copy from staff's full employee list",
    responses=problem_responses(401, 403, 502, 503, 504),
)
async def resync_org(
    request: Request, service: OrgServiceDep, staff: StaffEmployeesDep
) -> OrgResyncResult:
    settings: KpiSettings = request.app.state.settings
    return await service.resync(staff, page_size=settings.org_resync_page_size)


@router.get(
    "",
    dependencies=[Depends(READ_LIBRARY)],
    response_model=Page[OrgEmployeeRead],
    summary="List employees of the org copy (population by department/position, reports)",
    responses=problem_responses(401, 403, 400, 422),
)
async def list_org_employees(
    service: OrgServiceDep,
    department_id: Annotated[list[RecordId] | None, Query(max_length=50, examples=[3])] = None,
    position_code: Annotated[
        list[Annotated[str, StringConstraints(max_length=32)]] | None,
        Query(max_length=50, examples=["KA-SPEC"]),
    ] = None,
    manager_id: Annotated[int | None, Query(ge=1, description="Direct reports of")] = None,
    status: Annotated[EmployeeStatus | None, Query()] = None,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[OrgEmployeeRead]:
    after_id = cursor_key(cursor)
    rows = await service.list_page(
        department_ids=department_id,
        position_codes=position_code,
        manager_id=manager_id,
        status=status,
        after_id=after_id,
        limit=limit,
    )
    items = [OrgEmployeeRead.model_validate(row) for row in rows]
    return keyset_page(items, limit, key="employee_id")


@router.get(
    "/{employee_id}",
    dependencies=[Depends(READ_LIBRARY)],
    response_model=OrgEmployeeRead,
    summary="Get one employee of the org copy",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_org_employee(employee_id: IdPath, service: OrgServiceDep) -> OrgEmployeeRead:
    return OrgEmployeeRead.model_validate(await service.get(employee_id))


@router.get(
    "/{employee_id}/manager-chain",
    dependencies=[Depends(READ_LIBRARY)],
    response_model=list[OrgEmployeeRead],
    summary="The employee's managers, nearest first",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_manager_chain(employee_id: IdPath, service: OrgServiceDep) -> list[OrgEmployeeRead]:
    return [OrgEmployeeRead.model_validate(row) for row in await service.manager_chain(employee_id)]
