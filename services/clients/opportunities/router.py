"""HTTP endpoints of opportunities (销售机会)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from services.clients.access import Caller
from services.clients.dependencies import (
    AccountScope,
    ActorId,
    CreateIdempotency,
    OpportunityServiceDep,
)
from services.clients.keyset import cursor_id
from services.clients.opportunities.models import Opportunity
from services.clients.opportunities.rules import Outcome
from services.clients.opportunities.schemas import (
    OpportunityCreate,
    OpportunityDetail,
    OpportunityLose,
    OpportunityQuery,
    OpportunityRead,
    OpportunityReopen,
    OpportunityUpdate,
    OpportunityWin,
    StageCode,
    StageHistory,
    StageMove,
)
from services.clients.opportunities.service import OpportunityService
from services.clients.policies import READ_ACCOUNTS, REOPEN_OPPORTUNITIES, WRITE_ACCOUNTS
from shared.concurrency import IfMatch, etag_for
from shared.contract_shape import answer_headers
from shared.errors import UnprocessableContent, problem_responses
from shared.idempotency import IDEMPOTENCY_ERRORS
from shared.pagination import Cursor, IdPath, Page, PageSize, RecordId, keyset_page
from shared.periods import Month

router = APIRouter(prefix="/v1/clients", tags=["opportunities"])

MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
OpportunityIdPath = Annotated[
    int, Path(ge=1, le=2_147_483_647, description="The opportunity's id.")
]


def opportunity_query(
    account_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    owner_id: Annotated[
        list[RecordId] | None, Query(description="Owners (repeat for several).", max_length=100)
    ] = None,
    stage: Annotated[
        list[StageCode] | None, Query(description="Stage codes (repeat).", max_length=20)
    ] = None,
    status: Annotated[list[Outcome] | None, Query(max_length=3)] = None,
    close_from: Annotated[
        str | None,
        Query(pattern=MONTH, description="Expected to close in this month or later (YYYY-MM)."),
    ] = None,
    close_to: Annotated[
        str | None,
        Query(pattern=MONTH, description="Expected to close in this month or earlier (YYYY-MM)."),
    ] = None,
) -> OpportunityQuery:
    return OpportunityQuery(
        account_id=account_id,
        owner_ids=owner_id,
        stage_codes=stage,
        statuses=[s.value for s in status] if status else None,
        close_from=_first_day("close_from", close_from),
        close_to=_first_day("close_to", close_to),
    )


def _first_day(name: str, month: str | None) -> date | None:
    if month is None:
        return None
    try:
        return Month.parse(month).start_date
    except ValueError as exc:  # a year outside the calendar's range
        raise UnprocessableContent(
            str(exc),
            extra={"errors": [{"loc": ["query", name], "msg": str(exc), "type": "value_error"}]},
        ) from exc


OpportunityFilters = Annotated[OpportunityQuery, Depends(opportunity_query)]


async def _detail(
    service: OpportunityService,
    opportunity: Opportunity,
    scope: AccountScope,
    caller: Caller,
    response: Response,
) -> OpportunityDetail:
    detail = await service.detail(opportunity, scope, caller)
    response.headers["ETag"] = etag_for(detail.version)
    return detail


@router.get(
    "/opportunities",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[OpportunityRead],
    summary="List opportunities (filters, cursor pages)",
    responses=problem_responses(401, 403, 400, 422),
)
async def list_opportunities(
    service: OpportunityServiceDep,
    scope: AccountScope,
    filters: OpportunityFilters,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[OpportunityRead]:
    rows = await service.list(filters, scope, after_id=cursor_id(cursor), limit=limit)
    return keyset_page(rows, limit)


@router.post(
    "/accounts/{account_id}/opportunities",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=OpportunityDetail,
    status_code=status.HTTP_201_CREATED,
    summary="Open an opportunity on an account (an Idempotency-Key makes a retry safe)",
    description=(
        "`owner_id` defaults to the account's owner, `stage_code` to the first open stage; "
        "the probability is the stage's default unless one is given with "
        "`probability_reason`. Contacts must be contacts of the account; line prices "
        "default to the catalogue's list price."
    ),
    responses=problem_responses(401, 403, 404, *IDEMPOTENCY_ERRORS),
    openapi_extra=answer_headers(201, etag=True, location=True),
)
async def create_opportunity(
    account_id: IdPath,
    data: OpportunityCreate,
    service: OpportunityServiceDep,
    scope: AccountScope,
    actor: ActorId,
    caller: Caller,
    idempotency: CreateIdempotency,
) -> Response:
    if idempotency.replay is not None:
        return idempotency.replay
    opportunity = await service.create(account_id, data, scope, actor)
    detail = await service.detail(opportunity, scope, caller)
    return await idempotency.respond(
        detail,
        status_code=status.HTTP_201_CREATED,
        headers={
            "Location": f"{router.prefix}/opportunities/{opportunity.id}",
            "ETag": etag_for(detail.version),
        },
    )


@router.get(
    "/opportunities/{opportunity_id}",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=OpportunityDetail,
    summary="Get one opportunity with its team, key contacts and products",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_opportunity(
    opportunity_id: OpportunityIdPath,
    service: OpportunityServiceDep,
    scope: AccountScope,
    caller: Caller,
    response: Response,
) -> OpportunityDetail:
    opportunity = await service.get(opportunity_id, scope)
    return await _detail(service, opportunity, scope, caller, response)


@router.patch(
    "/opportunities/{opportunity_id}",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=OpportunityDetail,
    summary="Change an open opportunity (needs If-Match)",
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428, 400),
)
async def update_opportunity(
    opportunity_id: OpportunityIdPath,
    data: OpportunityUpdate,
    service: OpportunityServiceDep,
    scope: AccountScope,
    actor: ActorId,
    caller: Caller,
    response: Response,
    if_match: IfMatch = None,
) -> OpportunityDetail:
    opportunity = await service.update(opportunity_id, data, if_match, scope, actor)
    return await _detail(service, opportunity, scope, caller, response)


@router.post(
    "/opportunities/{opportunity_id}/stage",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=OpportunityDetail,
    summary="Move an open opportunity to another open stage (needs If-Match)",
    responses=problem_responses(401, 403, 404, 409, 412, 422, 400),
)
async def move_opportunity(
    opportunity_id: OpportunityIdPath,
    data: StageMove,
    service: OpportunityServiceDep,
    scope: AccountScope,
    actor: ActorId,
    caller: Caller,
    response: Response,
    if_match: IfMatch = None,
) -> OpportunityDetail:
    opportunity = await service.move(opportunity_id, data, if_match, scope, actor)
    return await _detail(service, opportunity, scope, caller, response)


@router.post(
    "/opportunities/{opportunity_id}/win",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=OpportunityDetail,
    summary="Win: link a signed contract or sign a new one; a prospect becomes a client",
    description=(
        "Either `contract_id` (a signed contract of the same account) or `contract` (drafted "
        "for the opportunity's amount and currency and signed on `signed_on`, default today; "
        "409 `missing_exchange_rate` when the currency has no rate then). The account, if a "
        "prospect (潜在客户), becomes an existing client (现有客户)."
    ),
    responses=problem_responses(401, 403, 404, 409, 412, 422, 400),
)
async def win_opportunity(
    opportunity_id: OpportunityIdPath,
    data: OpportunityWin,
    service: OpportunityServiceDep,
    scope: AccountScope,
    actor: ActorId,
    caller: Caller,
    response: Response,
    if_match: IfMatch = None,
) -> OpportunityDetail:
    opportunity = await service.win(opportunity_id, data, if_match, scope, actor)
    return await _detail(service, opportunity, scope, caller, response)


@router.post(
    "/opportunities/{opportunity_id}/lose",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=OpportunityDetail,
    summary="Lose, with the reason and the competitor that won",
    responses=problem_responses(401, 403, 404, 409, 412, 422, 400),
)
async def lose_opportunity(
    opportunity_id: OpportunityIdPath,
    data: OpportunityLose,
    service: OpportunityServiceDep,
    scope: AccountScope,
    actor: ActorId,
    caller: Caller,
    response: Response,
    if_match: IfMatch = None,
) -> OpportunityDetail:
    opportunity = await service.lose(opportunity_id, data, if_match, scope, actor)
    return await _detail(service, opportunity, scope, caller, response)


@router.post(
    "/opportunities/{opportunity_id}/reopen",
    dependencies=[Depends(REOPEN_OPPORTUNITIES)],
    response_model=OpportunityDetail,
    summary="Reopen a lost opportunity into an open stage (managers, with the reason)",
    responses=problem_responses(401, 403, 404, 409, 412, 422, 400),
)
async def reopen_opportunity(
    opportunity_id: OpportunityIdPath,
    data: OpportunityReopen,
    service: OpportunityServiceDep,
    scope: AccountScope,
    actor: ActorId,
    caller: Caller,
    response: Response,
    if_match: IfMatch = None,
) -> OpportunityDetail:
    opportunity = await service.reopen(opportunity_id, data, if_match, scope, actor)
    return await _detail(service, opportunity, scope, caller, response)


@router.get(
    "/opportunities/{opportunity_id}/stage-history",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=StageHistory,
    summary="The stage history with the time spent in each stage",
    responses=problem_responses(401, 403, 404, 422),
)
async def opportunity_stage_history(
    opportunity_id: OpportunityIdPath, service: OpportunityServiceDep, scope: AccountScope
) -> StageHistory:
    return await service.history(opportunity_id, scope)
