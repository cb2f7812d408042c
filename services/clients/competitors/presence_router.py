"""HTTP endpoints of competitor intelligence (竞争对手信息) and the win/loss report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from services.clients.competitors.presence_schemas import (
    CompetitorPresenceCreate,
    CompetitorPresenceRead,
    CompetitorPresenceUpdate,
    CompetitorWinLossReport,
)
from services.clients.dependencies import (
    AccountScope,
    ActingEmployeeId,
    ActorId,
    CompetitorPresenceServiceDep,
)
from services.clients.keyset import cursor_id
from services.clients.policies import READ_ACCOUNTS, WRITE_ACCOUNTS
from shared.concurrency import IfMatch, etag_for
from shared.contract_shape import answer_headers
from shared.errors import problem_responses
from shared.pagination import Cursor, IdPath, Page, PageSize, RecordId, keyset_page
from shared.periods import IsoDay

router = APIRouter(prefix="/v1/clients", tags=["competitors"])

PresenceIdPath = Annotated[
    int, Path(ge=1, le=2_147_483_647, description="The competitor presence's id.")
]
OpportunityIdPath = Annotated[int, Path(ge=1, le=2_147_483_647, description="The opportunity.")]
_SCOPE = (
    "Seen and written by whoever sees and works the account (owner's line, account team, "
    "stand-in); out of scope it does not exist (404)."
)


@router.get(
    "/accounts/{account_id}/competitor-presences",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[CompetitorPresenceRead],
    summary="Competitors seen at an account (竞争对手信息), newest first",
    description=_SCOPE,
    responses=problem_responses(401, 403, 400, 404, 422),
)
async def list_account_competitor_presences(
    account_id: IdPath,
    service: CompetitorPresenceServiceDep,
    scope: AccountScope,
    competitor_id: Annotated[RecordId | None, Query()] = None,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[CompetitorPresenceRead]:
    rows = await service.for_account(
        account_id, scope, competitor_id=competitor_id, before_id=cursor_id(cursor), limit=limit
    )
    return keyset_page(await service.read_many(rows), limit)


@router.post(
    "/accounts/{account_id}/competitor-presences",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=CompetitorPresenceRead,
    status_code=status.HTTP_201_CREATED,
    summary="Record a competitor seen at the account or in one of its opportunities",
    description=_SCOPE + " The caller is the author; the competitor must be in the register.",
    responses=problem_responses(401, 403, 404, 422),
    openapi_extra=answer_headers(201, etag=True, location=True),
)
async def create_competitor_presence(
    account_id: IdPath,
    data: CompetitorPresenceCreate,
    service: CompetitorPresenceServiceDep,
    scope: AccountScope,
    author: ActingEmployeeId,
    response: Response,
) -> CompetitorPresenceRead:
    presence = await service.create(account_id, data, scope, author)
    response.headers["Location"] = f"{router.prefix}/competitor-presences/{presence.id}"
    response.headers["ETag"] = etag_for(presence.version)
    return (await service.read_many([presence]))[0]


@router.get(
    "/opportunities/{opportunity_id}/competitor-presences",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[CompetitorPresenceRead],
    summary="Competitors seen in an opportunity, newest first",
    description=_SCOPE,
    responses=problem_responses(401, 403, 400, 404, 422),
)
async def list_opportunity_competitor_presences(
    opportunity_id: OpportunityIdPath,
    service: CompetitorPresenceServiceDep,
    scope: AccountScope,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[CompetitorPresenceRead]:
    rows = await service.for_opportunity(
        opportunity_id, scope, before_id=cursor_id(cursor), limit=limit
    )
    return keyset_page(await service.read_many(rows), limit)


@router.get(
    "/competitor-presences/{competitor_presence_id}",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=CompetitorPresenceRead,
    summary="One competitor observation",
    description=_SCOPE,
    responses=problem_responses(401, 403, 404, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def get_competitor_presence(
    competitor_presence_id: PresenceIdPath,
    service: CompetitorPresenceServiceDep,
    scope: AccountScope,
    response: Response,
) -> CompetitorPresenceRead:
    presence = await service.get(competitor_presence_id, scope)
    response.headers["ETag"] = etag_for(presence.version)
    return (await service.read_many([presence]))[0]


@router.patch(
    "/competitor-presences/{competitor_presence_id}",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=CompetitorPresenceRead,
    summary="Correct a competitor observation (needs If-Match)",
    responses=problem_responses(401, 403, 404, 412, 422, 428),
)
async def update_competitor_presence(
    competitor_presence_id: PresenceIdPath,
    data: CompetitorPresenceUpdate,
    service: CompetitorPresenceServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    if_match: IfMatch = None,
) -> CompetitorPresenceRead:
    presence = await service.update(competitor_presence_id, data, if_match, scope, actor)
    response.headers["ETag"] = etag_for(presence.version)
    return (await service.read_many([presence]))[0]


@router.get(
    "/competitor-win-loss",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=CompetitorWinLossReport,
    summary="Wins and losses per competitor (opportunities closed in the period)",
    description=(
        "Per competitor: won opportunities where it was recorded present (an observation "
        "naming the opportunity) and opportunities lost to it (`lost_to_competitor_id`), "
        "closed between `closed_from` and `closed_to` (company days, both included), in the "
        "caller's scope; amounts per currency."
    ),
    responses=problem_responses(401, 403, 422),
)
async def competitor_win_loss(
    service: CompetitorPresenceServiceDep,
    scope: AccountScope,
    closed_from: Annotated[IsoDay | None, Query()] = None,
    closed_to: Annotated[IsoDay | None, Query()] = None,
) -> CompetitorWinLossReport:
    return await service.win_loss(scope, closed_from, closed_to)
