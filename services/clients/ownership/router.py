"""HTTP endpoints of ownership: transfers, history, and staff's handover."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from services.clients.dependencies import AccountScope, ActorId, OwnershipServiceDep
from services.clients.keyset import cursor_id
from services.clients.ownership.schemas import (
    AccountTransfer,
    HandoverRequest,
    HandoverResult,
    OwnershipChangeRead,
    TransferResult,
)
from services.clients.policies import HANDOVER, MANAGE_ACCOUNTS, READ_ACCOUNTS
from shared.contract_shape import SERVICE_ONLY
from shared.errors import problem_responses
from shared.pagination import Cursor, IdPath, Page, PageSize, keyset_page

router = APIRouter(prefix="/v1/clients", tags=["ownership"])


@router.post(
    "/ownership/transfers",
    dependencies=[Depends(MANAGE_ACCOUNTS)],
    response_model=TransferResult,
    summary="Transfer one or many accounts to another owner",
    responses=problem_responses(401, 403, 404, 422),
)
async def transfer_accounts(
    data: AccountTransfer, service: OwnershipServiceDep, scope: AccountScope, actor: ActorId
) -> TransferResult:
    return await service.transfer(data, scope, actor)


@router.post(
    "/handovers",
    dependencies=[Depends(HANDOVER)],
    response_model=HandoverResult,
    summary="Hand a leaver's accounts to a successor (staff's offboarding; idempotent)",
    responses=problem_responses(401, 403, 409, 422),
    openapi_extra=SERVICE_ONLY,
)
async def hand_over_accounts(data: HandoverRequest, service: OwnershipServiceDep) -> HandoverResult:
    return await service.handover(data)


@router.get(
    "/accounts/{account_id}/ownership-history",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[OwnershipChangeRead],
    summary="Ownership history of an account, newest first",
    responses=problem_responses(401, 403, 400, 404, 422),
)
async def list_ownership_history(
    account_id: IdPath,
    service: OwnershipServiceDep,
    scope: AccountScope,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[OwnershipChangeRead]:
    rows = await service.history(account_id, scope, before_id=cursor_id(cursor), limit=limit)
    items = [OwnershipChangeRead.model_validate(row) for row in rows]
    return keyset_page(items, limit)
