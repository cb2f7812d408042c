"""HTTP endpoints of target plans (目标分解)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import StringConstraints

from services.kpi.access import MANAGE_TARGETS, READ_TARGETS, READ_TARGETS_INTERNAL
from services.kpi.dependencies import TargetServiceDep
from services.kpi.targets.schemas import (
    MonthlyTargets,
    TargetPlanCreate,
    TargetPlanRead,
    TargetPlanSummary,
    TargetRebalance,
)
from shared.contract_shape import answer_headers
from shared.errors import problem_responses
from shared.pagination import (
    Cursor,
    IdPath,
    Page,
    PageSize,
    RecordId,
    cursor_key,
    keyset_page,
)

router = APIRouter(prefix="/v1/kpi/target-plans", tags=["targets"])
internal_router = APIRouter(prefix="/v1/kpi/internal/targets", tags=["targets"])

IndicatorCode = Annotated[
    str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
]


@router.get(
    "",
    dependencies=[Depends(READ_TARGETS)],
    response_model=Page[TargetPlanSummary],
    summary="List target plans",
    responses=problem_responses(401, 403, 400, 422),
)
async def list_target_plans(
    service: TargetServiceDep,
    year: Annotated[int | None, Query(ge=2000, le=2999, examples=[2026])] = None,
    indicator_id: Annotated[int | None, Query(ge=1)] = None,
    department_id: Annotated[int | None, Query(ge=1)] = None,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[TargetPlanSummary]:
    after_id = cursor_key(cursor)
    rows = await service.list_page(
        year=year,
        indicator_id=indicator_id,
        department_id=department_id,
        after_id=after_id,
        limit=limit,
    )
    items = [TargetPlanSummary.model_validate(row) for row in rows]
    return keyset_page(items, limit)


@router.post(
    "",
    dependencies=[Depends(MANAGE_TARGETS)],
    response_model=TargetPlanRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create an annual plan, split to teams, people and months",
    responses=problem_responses(401, 403, 409, 422),
    openapi_extra=answer_headers(201, location=True),
)
async def create_target_plan(
    data: TargetPlanCreate, service: TargetServiceDep, response: Response
) -> TargetPlanRead:
    plan = await service.create(data)
    response.headers["Location"] = f"{router.prefix}/{plan.id}"
    return plan


@router.get(
    "/{plan_id}",
    dependencies=[Depends(READ_TARGETS)],
    response_model=TargetPlanRead,
    summary="Get a plan with every level",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_target_plan(plan_id: IdPath, service: TargetServiceDep) -> TargetPlanRead:
    return await service.read(plan_id)


@router.post(
    "/{plan_id}/rebalance",
    dependencies=[Depends(MANAGE_TARGETS)],
    response_model=TargetPlanRead,
    summary="Re-split a team's remaining months when someone joins or leaves",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def rebalance_target_plan(
    plan_id: IdPath, change: TargetRebalance, service: TargetServiceDep
) -> TargetPlanRead:
    return await service.rebalance(plan_id, change)


@internal_router.get(
    "/monthly",
    dependencies=[Depends(READ_TARGETS_INTERNAL)],
    response_model=MonthlyTargets,
    summary="Month targets of some people under an indicator's plans (for clients' forecast)",
    responses=problem_responses(401, 403, 422),
)
async def monthly_targets(
    service: TargetServiceDep,
    indicator: Annotated[IndicatorCode, Query(description="The indicator's code.")],
    year: Annotated[int, Query(ge=2000, le=2999, examples=[2026])],
    employee_id: Annotated[
        list[RecordId], Query(min_length=1, max_length=1000, description="Repeat for several.")
    ],
) -> MonthlyTargets:
    return await service.monthly(indicator, year, sorted(set(employee_id)))
