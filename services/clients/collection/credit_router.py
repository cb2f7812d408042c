"""HTTP endpoints of credit control: limits, exposure and the warnings list."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from services.clients.collection.schemas import (
    CreditExposureRead,
    CreditLimitRead,
    CreditLimitSet,
    CreditWarning,
)
from services.clients.dependencies import AccountScope, ActorId, CreditLimitServiceDep
from services.clients.keyset import cursor_id
from services.clients.policies import READ_ACCOUNTS, SET_CREDIT_LIMITS
from shared.concurrency import IfMatch, etag_for
from shared.contract_shape import answer_headers
from shared.errors import problem_responses
from shared.pagination import Cursor, IdPath, Page, PageSize, keyset_page

router = APIRouter(prefix="/v1/clients", tags=["collection"])


@router.get(
    "/accounts/{account_id}/credit-limit",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=CreditLimitRead,
    summary="An account's credit limit (404 when none is set)",
    responses=problem_responses(401, 403, 404, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def get_credit_limit(
    account_id: IdPath, service: CreditLimitServiceDep, scope: AccountScope, response: Response
) -> CreditLimitRead:
    limit = await service.get_limit(account_id, scope)
    response.headers["ETag"] = etag_for(limit.version)
    return limit


@router.put(
    "/accounts/{account_id}/credit-limit",
    dependencies=[Depends(SET_CREDIT_LIMITS)],
    response_model=CreditLimitRead,
    summary="Set an account's credit limit (base currency; on a group's top account it "
    "covers the whole group)",
    description="Creates or replaces the limit, with its reason. If-Match is optional "
    "(checked when sent and a limit exists).",
    responses=problem_responses(401, 403, 404, 412, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def set_credit_limit(
    account_id: IdPath,
    data: CreditLimitSet,
    service: CreditLimitServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    if_match: IfMatch = None,
) -> CreditLimitRead:
    limit = await service.set_limit(account_id, data, if_match, scope, actor)
    response.headers["ETag"] = etag_for(limit.version)
    return limit


@router.get(
    "/accounts/{account_id}/credit-exposure",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=CreditExposureRead,
    summary="Credit exposure (open receivables + signed-but-uninvoiced contracts) against "
    "the limit, with the group's roll-up",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_credit_exposure(
    account_id: IdPath, service: CreditLimitServiceDep, scope: AccountScope
) -> CreditExposureRead:
    return await service.exposure(account_id, scope)


@router.get(
    "/credit-warnings",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[CreditWarning],
    summary="Accounts (and groups) whose exposure is above their credit limit",
    responses=problem_responses(401, 403, 400, 422),
)
async def list_credit_warnings(
    service: CreditLimitServiceDep, scope: AccountScope, limit: PageSize = 50, cursor: Cursor = None
) -> Page[CreditWarning]:
    items = await service.warnings(scope, after_id=cursor_id(cursor), limit=limit)
    return keyset_page(items, limit)
