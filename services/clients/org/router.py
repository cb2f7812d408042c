"""Internal endpoints that keep the org copy current (called by staff, not by people)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from services.clients.org.dependencies import OrgServiceDep, StaffClientDep, StandInServiceDep
from services.clients.org.roster import stand_in_roster
from services.clients.org.schemas import OrgEmployeeRead
from services.clients.policies import INTERNAL
from shared.errors import problem_responses
from shared.org_events import OrgEventBatch, OrgEventsApplied, OrgResyncResult, OrgStandInBatch
from shared.pagination import IdPath

router = APIRouter(prefix="/v1/clients/internal/org", tags=["clients-org"])


@router.post(
    "/employees",
    dependencies=[Depends(INTERNAL)],
    response_model=OrgEventsApplied,
    summary="Receive organisation events from staff (idempotent by version)",
    responses=problem_responses(401, 403, 422),
)
async def receive_org_events(batch: OrgEventBatch, service: OrgServiceDep) -> OrgEventsApplied:
    return await service.apply_events(batch.events)


@router.post(
    "/stand-ins",
    dependencies=[Depends(INTERNAL)],
    response_model=OrgEventsApplied,
    summary="Receive stand-in events from staff (idempotent by version)",
    responses=problem_responses(401, 403, 422),
)
async def receive_stand_in_events(
    request: Request, batch: OrgStandInBatch, service: StandInServiceDep
) -> OrgEventsApplied:
    applied = await service.apply_events(batch.events)
    stand_in_roster(request.app.state).forget()
    return applied


@router.post(
    "/resync",
    dependencies=[Depends(INTERNAL)],
    response_model=OrgResyncResult,
    summary="Rebuild the org copy from staff's employee list",
    responses=problem_responses(401, 403, 502, 503, 504),
)
async def resync_org(service: OrgServiceDep, staff: StaffClientDep) -> OrgResyncResult:
    return await service.resync(staff)


@router.get(
    "/employees/{employee_id}",
    dependencies=[Depends(INTERNAL)],
    response_model=OrgEmployeeRead,
    summary="One employee as the org copy holds it",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_org_employee(employee_id: IdPath, service: OrgServiceDep) -> OrgEmployeeRead:
    return OrgEmployeeRead.model_validate(await service.get(employee_id))
