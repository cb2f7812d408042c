"""HTTP endpoints of credit scores."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from services.clients.approvals.models import ApprovalRequest
from services.clients.approvals.schemas import ApprovalRequestRead
from services.clients.credit.schemas import CreditAdjustmentCreate, CreditAdjustmentRead
from services.clients.dependencies import AccountScope, ActingEmployeeId, CreditServiceDep
from services.clients.keyset import cursor_id
from services.clients.policies import READ_ACCOUNTS, WRITE_ACCOUNTS
from shared.contract_shape import answer_headers
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
        "The actor's authority (`adjust_credit_score.max_delta` of his position) is a limit "
        "per account per period (setting `credit_authority_period`, default the calendar "
        "month in the company's zone), summed over his own adjustments by absolute value. "
        "Within it: 201 with the adjustment. Past it: 202 with an above-authority request "
        "to his superior (`Location` names it); the change applies when approved. "
        "Refusals: 403 when the actor has no `adjust_credit_score` authority; 422 for a "
        "zero change or a score that would leave [0, 100]; 409 for an archived account."
    ),
    responses={
        202: {
            "model": ApprovalRequestRead,
            "description": "Past the actor's authority: the request filed for his superior.",
        },
        **problem_responses(401, 403, 404, 409, 422),
    },
    openapi_extra=answer_headers(201, 202, location=True),
)
async def adjust_credit_score(
    account_id: IdPath,
    data: CreditAdjustmentCreate,
    service: CreditServiceDep,
    scope: AccountScope,
    actor: ActingEmployeeId,
    response: Response,
) -> CreditAdjustmentRead | JSONResponse:
    outcome = await service.adjust(account_id, data, actor_employee_id=actor, owner_ids=scope)
    if isinstance(outcome, ApprovalRequest):
        request = ApprovalRequestRead.model_validate(outcome)
        return JSONResponse(
            jsonable_encoder(request),
            status_code=status.HTTP_202_ACCEPTED,
            headers={"Location": f"/v1/clients/approvals/{request.id}"},
        )
    response.headers["Location"] = f"/v1/clients/accounts/{account_id}/credit-adjustments"
    return CreditAdjustmentRead.model_validate(outcome)


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
