"""HTTP endpoints of credit scores."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response, status

from services.clients.credit.schemas import CreditAdjustmentCreate, CreditAdjustmentRead
from services.clients.dependencies import AccountScope, ActingEmployeeId, CreditServiceDep
from services.clients.keyset import cursor_id
from services.clients.policies import READ_ACCOUNTS, WRITE_ACCOUNTS
from shared.errors import problem_responses
from shared.pagination import Cursor, IdPath, Page, PageSize, keyset_page

router = APIRouter(prefix="/v1/clients/accounts/{account_id}/credit-adjustments", tags=["credit"])


@router.post(
    "",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=CreditAdjustmentRead,
    status_code=status.HTTP_201_CREATED,
    summary="Adjust an account's credit score within the actor's authority",
    description=(
        "Refusals: 403 when the actor has no `adjust_credit_score` authority or the change "
        "exceeds their `max_delta`; 422 for a zero change or a score that would leave "
        "[0, 100]; 409 for an archived account."
    ),
    responses=problem_responses(401, 403, 403, 404, 409, 422),
)
async def adjust_credit_score(
    account_id: IdPath,
    data: CreditAdjustmentCreate,
    service: CreditServiceDep,
    scope: AccountScope,
    actor: ActingEmployeeId,
    response: Response,
) -> CreditAdjustmentRead:
    adjustment = await service.adjust(account_id, data, actor_employee_id=actor, owner_ids=scope)
    response.headers["Location"] = f"/v1/clients/accounts/{account_id}/credit-adjustments"
    return CreditAdjustmentRead.model_validate(adjustment)


@router.get(
    "",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[CreditAdjustmentRead],
    summary="Credit-score history of an account, newest first",
    responses=problem_responses(401, 403, 400, 404, 422),
)
async def list_credit_adjustments(
    account_id: IdPath,
    service: CreditServiceDep,
    scope: AccountScope,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[CreditAdjustmentRead]:
    rows = await service.history(account_id, scope, before_id=cursor_id(cursor), limit=limit)
    items = [CreditAdjustmentRead.model_validate(row) for row in rows]
    return keyset_page(items, limit)
