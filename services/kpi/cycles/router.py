"""HTTP endpoints of appraisal cycles (考核周期) and calibration."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from services.kpi.access import CALIBRATE, READ_LIBRARY, RUN_CYCLES
from services.kpi.appraisals.rules import CycleState
from services.kpi.cycles.schemas import (
    CalibrationLock,
    CalibrationLocked,
    CalibrationOverview,
    CycleCreate,
    CycleRead,
    CycleTransition,
)
from services.kpi.dependencies import ActingEmployeeId, CycleServiceDep
from shared.auth.policy import authenticate
from shared.auth.principal import Principal
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
from shared.periods import PeriodKind

router = APIRouter(prefix="/v1/kpi/cycles", tags=["cycles"])


@router.get(
    "",
    dependencies=[Depends(READ_LIBRARY)],
    response_model=Page[CycleRead],
    summary="List cycles",
    responses=problem_responses(401, 403, 400, 422),
)
async def list_cycles(
    service: CycleServiceDep,
    state: Annotated[CycleState | None, Query()] = None,
    period_kind: Annotated[PeriodKind | None, Query()] = None,
    period: Annotated[str | None, Query(max_length=7, examples=["2026-11"])] = None,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[CycleRead]:
    after_id = cursor_key(cursor)
    rows = await service.list_page(
        state=state, period_kind=period_kind, period=period, after_id=after_id, limit=limit
    )
    items = [CycleRead.model_validate(row) for row in rows]
    return keyset_page(items, limit)


@router.post(
    "",
    dependencies=[Depends(RUN_CYCLES)],
    response_model=CycleRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create a cycle and one appraisal per employee of its population",
    responses=problem_responses(401, 403, 422),
    openapi_extra=answer_headers(201, location=True),
)
async def create_cycle(
    data: CycleCreate, service: CycleServiceDep, response: Response
) -> CycleRead:
    cycle = CycleRead.model_validate(await service.create(data))
    response.headers["Location"] = f"{router.prefix}/{cycle.id}"
    return cycle


@router.get(
    "/{cycle_id}",
    dependencies=[Depends(READ_LIBRARY)],
    response_model=CycleRead,
    summary="Get a cycle",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_cycle(cycle_id: IdPath, service: CycleServiceDep) -> CycleRead:
    return CycleRead.model_validate(await service.get(cycle_id))


@router.post(
    "/{cycle_id}/transitions",
    dependencies=[Depends(RUN_CYCLES)],
    response_model=CycleRead,
    summary="Move a cycle to its next state (closing needs every appraisal calibrated)",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def transition_cycle(
    cycle_id: IdPath,
    data: CycleTransition,
    service: CycleServiceDep,
    principal: Annotated[Principal, Depends(authenticate)],
) -> CycleRead:
    cycle = await service.transition(cycle_id, data.state, actor=principal.subject)
    return CycleRead.model_validate(cycle)


@router.get(
    "/{cycle_id}/calibration",
    dependencies=[Depends(CALIBRATE)],
    response_model=CalibrationOverview,
    summary="Grade distribution per department against the target distribution",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_calibration(cycle_id: IdPath, service: CycleServiceDep) -> CalibrationOverview:
    return await service.calibration(cycle_id)


@router.post(
    "/{cycle_id}/calibration/lock",
    dependencies=[Depends(CALIBRATE)],
    response_model=CalibrationLocked,
    summary="Lock a department's calibrated results",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def lock_calibration(
    cycle_id: IdPath, data: CalibrationLock, service: CycleServiceDep, actor: ActingEmployeeId
) -> CalibrationLocked:
    locked = await service.lock_department(cycle_id, data.department_id, actor_employee_id=actor)
    return CalibrationLocked(department_id=data.department_id, locked=locked)
