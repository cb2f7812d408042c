"""HTTP endpoints of bids (招投标)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from services.clients.bids.models import Bid
from services.clients.bids.schemas import (
    BidCreate,
    BidDeadlineRead,
    BidRead,
    BidResultSet,
    BidUpdate,
)
from services.clients.bids.service import BidService
from services.clients.dependencies import (
    AccountScope,
    ActorId,
    BidServiceDep,
    CreateIdempotency,
)
from services.clients.keyset import cursor_id
from services.clients.policies import READ_ACCOUNTS, WRITE_ACCOUNTS
from shared.concurrency import IfMatch, etag_for
from shared.contract_shape import answer_headers
from shared.errors import problem_responses
from shared.idempotency import IDEMPOTENCY_ERRORS
from shared.pagination import Cursor, Page, PageSize, RecordId, keyset_page

router = APIRouter(prefix="/v1/clients", tags=["bids"])

BidIdPath = Annotated[int, Path(ge=1, le=2_147_483_647, description="The bid's id.")]
OpportunityIdPath = Annotated[int, Path(ge=1, le=2_147_483_647, description="The opportunity.")]
_SCOPE = (
    "A bid is seen and worked by whoever sees and works its opportunity's account "
    "(owner's line, account team, stand-in); out of scope it does not exist (404)."
)


def _one(bid: Bid, response: Response) -> BidRead:
    read = BidService.read(bid)
    response.headers["ETag"] = etag_for(read.version)
    return read


@router.get(
    "/bid-deadlines",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=list[BidDeadlineRead],
    summary="Coming bid deadlines (questions, submission, opening) for the caller's scope",
    description=(
        _SCOPE + " Undecided bids only, from now to `days` ahead, earliest first (at most "
        "200 bids); a team lead sees his team's, the department manager everyone's."
    ),
    responses=problem_responses(401, 403, 422),
)
async def list_upcoming_bid_deadlines(
    service: BidServiceDep,
    scope: AccountScope,
    days: Annotated[int, Query(ge=1, le=90, description="How far ahead, in days.")] = 14,
) -> list[BidDeadlineRead]:
    return await service.upcoming(scope, days)


@router.get(
    "/bids",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[BidRead],
    summary="Bids in the caller's scope, newest first",
    description=_SCOPE,
    responses=problem_responses(401, 403, 400, 404, 422),
)
async def list_bids(
    service: BidServiceDep,
    scope: AccountScope,
    opportunity_id: Annotated[RecordId | None, Query()] = None,
    owner_id: Annotated[RecordId | None, Query(description="Bids this employee owns.")] = None,
    open_only: Annotated[bool, Query(description="Only bids without a result.")] = False,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[BidRead]:
    rows = await service.list(
        scope,
        opportunity_id=opportunity_id,
        owner_id=owner_id,
        open_only=open_only,
        before_id=cursor_id(cursor),
        limit=limit,
    )
    return keyset_page([BidService.read(row) for row in rows], limit)


@router.post(
    "/opportunities/{opportunity_id}/bids",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=BidRead,
    status_code=status.HTTP_201_CREATED,
    summary="Record a tender answered for an open opportunity",
    description=(
        _SCOPE + " Questions close no later than submission and bids open no earlier "
        "(422); a bond is returned only after it was paid; each document is listed once. "
        "`owner_id` (default: the caller) must be someone the caller may assign. An "
        "`Idempotency-Key` makes a retry return the first answer."
    ),
    responses=problem_responses(401, 403, 404, 409, *IDEMPOTENCY_ERRORS),
    openapi_extra=answer_headers(201, etag=True, location=True),
)
async def create_bid(
    opportunity_id: OpportunityIdPath,
    data: BidCreate,
    service: BidServiceDep,
    scope: AccountScope,
    actor: ActorId,
    idempotency: CreateIdempotency,
) -> Response:
    if idempotency.replay is not None:
        return idempotency.replay
    bid = BidService.read(await service.create(opportunity_id, data, scope, actor))
    return await idempotency.respond(
        bid,
        status_code=status.HTTP_201_CREATED,
        headers={"Location": f"{router.prefix}/bids/{bid.id}", "ETag": etag_for(bid.version)},
    )


@router.get(
    "/bids/{bid_id}",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=BidRead,
    summary="One bid",
    description=_SCOPE,
    responses=problem_responses(401, 403, 404, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def get_bid(
    bid_id: BidIdPath, service: BidServiceDep, scope: AccountScope, response: Response
) -> BidRead:
    return _one(await service.get(bid_id, scope), response)


@router.patch(
    "/bids/{bid_id}",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=BidRead,
    summary="Change an undecided bid: dates, bond, checklist, owner (needs If-Match)",
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
)
async def update_bid(
    bid_id: BidIdPath,
    data: BidUpdate,
    service: BidServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    if_match: IfMatch = None,
) -> BidRead:
    return _one(await service.update(bid_id, data, if_match, scope, actor), response)


@router.post(
    "/bids/{bid_id}/result",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=BidRead,
    summary="Record the result: won (中标), lost (未中标) or withdrawn (弃标)",
    description=(
        "Won or lost only after the submission deadline; withdrawn at any time; once "
        "(409 otherwise). Needs If-Match."
    ),
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def set_bid_result(
    bid_id: BidIdPath,
    data: BidResultSet,
    service: BidServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    if_match: IfMatch = None,
) -> BidRead:
    return _one(await service.set_result(bid_id, data, if_match, scope, actor), response)
