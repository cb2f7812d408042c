"""HTTP endpoints of grading: override, recompute, history."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from services.clients.dependencies import AccountScope, ActorId, GradingServiceDep
from services.clients.grading.schemas import (
    BulkRegradeResult,
    GradeChangeRead,
    GradeOverrideSet,
    GradeRead,
)
from services.clients.keyset import cursor_id
from services.clients.policies import INTERNAL, MANAGE_ACCOUNTS, READ_ACCOUNTS
from shared.errors import problem_responses
from shared.pagination import Cursor, IdPath, Page, PageSize, keyset_page

router = APIRouter(prefix="/v1/clients", tags=["grading"])


@router.put(
    "/accounts/{account_id}/grade-override",
    dependencies=[Depends(MANAGE_ACCOUNTS)],
    response_model=GradeRead,
    summary="Set a manual grade with a reason and an optional expiry",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def set_grade_override(
    account_id: IdPath,
    data: GradeOverrideSet,
    service: GradingServiceDep,
    scope: AccountScope,
    actor: ActorId,
) -> GradeRead:
    return await service.set_override(account_id, data, scope, actor)


@router.delete(
    "/accounts/{account_id}/grade-override",
    dependencies=[Depends(MANAGE_ACCOUNTS)],
    response_model=GradeRead,
    summary="Remove the manual grade; the computed grade applies again",
    responses=problem_responses(401, 403, 404, 422),
)
async def remove_grade_override(
    account_id: IdPath, service: GradingServiceDep, scope: AccountScope, actor: ActorId
) -> GradeRead:
    return await service.remove_override(account_id, scope, actor)


@router.post(
    "/accounts/{account_id}/grade/recompute",
    dependencies=[Depends(MANAGE_ACCOUNTS)],
    response_model=GradeRead,
    summary="Recompute one account's grade now",
    responses=problem_responses(401, 403, 404, 422),
)
async def recompute_grade(
    account_id: IdPath, service: GradingServiceDep, scope: AccountScope, actor: ActorId
) -> GradeRead:
    return await service.recompute(account_id, scope, actor)


@router.get(
    "/accounts/{account_id}/grade-history",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[GradeChangeRead],
    summary="Grade history of an account, newest first",
    responses=problem_responses(401, 403, 400, 404, 422),
)
async def list_grade_history(
    account_id: IdPath,
    service: GradingServiceDep,
    scope: AccountScope,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[GradeChangeRead]:
    rows = await service.history(account_id, scope, before_id=cursor_id(cursor), limit=limit)
    items = [GradeChangeRead.model_validate(row) for row in rows]
    return keyset_page(items, limit)


@router.post(
    "/internal/grading/recompute",
    dependencies=[Depends(INTERNAL)],
    response_model=BulkRegradeResult,
    summary="Recompute every account's grade (the scheduled job's entry point)",
    responses=problem_responses(401, 403, 500),
)
async def recompute_all_grades(service: GradingServiceDep) -> BulkRegradeResult:
    return await service.recompute_all()
