"""HTTP endpoints of quotations (报价单)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from services.clients.approvals.models import ApprovalRequest
from services.clients.approvals.schemas import ApprovalRequestRead
from services.clients.dependencies import (
    AccountScope,
    ActingEmployeeId,
    ActorId,
    CreateIdempotency,
    QuotationServiceDep,
)
from services.clients.keyset import cursor_id
from services.clients.policies import READ_ACCOUNTS, WRITE_ACCOUNTS
from services.clients.quotations.models import Quotation
from services.clients.quotations.rules import QuotationState
from services.clients.quotations.schemas import (
    QuotationCreate,
    QuotationOutcome,
    QuotationRead,
    QuotationSubmit,
    QuotationUpdate,
)
from services.clients.quotations.service import QuotationService
from shared.concurrency import IfMatch, etag_for
from shared.contract_shape import answer_headers
from shared.errors import problem_responses
from shared.idempotency import IDEMPOTENCY_ERRORS
from shared.pagination import Cursor, Page, PageSize, RecordId, keyset_page

router = APIRouter(prefix="/v1/clients", tags=["quotations"])

QuotationIdPath = Annotated[
    int, Path(ge=1, le=2_147_483_647, description="The quotation's id (one version).")
]
OpportunityIdPath = Annotated[int, Path(ge=1, le=2_147_483_647, description="The opportunity.")]
_SCOPE = (
    "A quotation is seen and worked by whoever sees and works its opportunity's account "
    "(owner's line, account team, stand-in); out of scope it does not exist (404)."
)
_MOVE_ERRORS = problem_responses(401, 403, 404, 409, 412, 422)


async def _one(
    service: QuotationService, quotation: Quotation, response: Response
) -> QuotationRead:
    read = await service.read(quotation)
    response.headers["ETag"] = etag_for(read.version)
    return read


@router.get(
    "/quotations",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[QuotationRead],
    summary="Quotations in the caller's scope, newest first",
    description=_SCOPE + " `state` filters on the stored state (expiry is read-time).",
    responses=problem_responses(401, 403, 400, 404, 422),
)
async def list_quotations(
    service: QuotationServiceDep,
    scope: AccountScope,
    opportunity_id: Annotated[RecordId | None, Query()] = None,
    author_id: Annotated[RecordId | None, Query(description="Quotations of this author.")] = None,
    state: Annotated[list[QuotationState] | None, Query(max_length=7)] = None,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[QuotationRead]:
    rows = await service.list(
        scope,
        opportunity_id=opportunity_id,
        author_id=author_id,
        states=[s.value for s in state] if state else None,
        before_id=cursor_id(cursor),
        limit=limit,
    )
    return keyset_page(await service.read_many(rows), limit)


@router.post(
    "/opportunities/{opportunity_id}/quotations",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=QuotationRead,
    status_code=status.HTTP_201_CREATED,
    summary="Draft a quotation for an open opportunity (the next version of its quotation)",
    description=(
        _SCOPE + " Lines name catalogue products (active, priced in the quotation's "
        "currency); their list price, code, name and unit are copied. Totals are exact to "
        "the cent: each line rounded once, half-up, then the total discount on their sum. "
        "The caller is the author, whose discount authority applies on submitting. "
        "An `Idempotency-Key` makes a retry return the first answer. 409 when the "
        "opportunity is closed or its quotation was accepted."
    ),
    responses=problem_responses(401, 403, 404, *IDEMPOTENCY_ERRORS),
    openapi_extra=answer_headers(201, etag=True, location=True),
)
async def create_quotation(
    opportunity_id: OpportunityIdPath,
    data: QuotationCreate,
    service: QuotationServiceDep,
    scope: AccountScope,
    author: ActingEmployeeId,
    idempotency: CreateIdempotency,
) -> Response:
    if idempotency.replay is not None:
        return idempotency.replay
    quotation = await service.read(await service.create(opportunity_id, data, scope, author))
    return await idempotency.respond(
        quotation,
        status_code=status.HTTP_201_CREATED,
        headers={
            "Location": f"{router.prefix}/quotations/{quotation.id}",
            "ETag": etag_for(quotation.version),
        },
    )


@router.get(
    "/quotations/{quotation_id}",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=QuotationRead,
    summary="One quotation version with its lines and totals",
    description=_SCOPE,
    responses=problem_responses(401, 403, 404, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def get_quotation(
    quotation_id: QuotationIdPath,
    service: QuotationServiceDep,
    scope: AccountScope,
    response: Response,
) -> QuotationRead:
    return await _one(service, await service.get(quotation_id, scope), response)


@router.patch(
    "/quotations/{quotation_id}",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=QuotationRead,
    summary="Change a draft quotation (needs If-Match; lines given replace all)",
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
)
async def update_quotation(
    quotation_id: QuotationIdPath,
    data: QuotationUpdate,
    service: QuotationServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    if_match: IfMatch = None,
) -> QuotationRead:
    quotation = await service.update(quotation_id, data, if_match, scope, actor)
    return await _one(service, quotation, response)


@router.post(
    "/quotations/{quotation_id}/revisions",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=QuotationRead,
    status_code=status.HTTP_201_CREATED,
    summary="A new version copying this one (lines and prices as quoted), as a draft",
    description="The caller is the new version's author. 409 when the opportunity is "
    "closed or its quotation was accepted.",
    responses=problem_responses(401, 403, 404, 409, 422),
    openapi_extra=answer_headers(201, etag=True, location=True),
)
async def revise_quotation(
    quotation_id: QuotationIdPath,
    service: QuotationServiceDep,
    scope: AccountScope,
    author: ActingEmployeeId,
    response: Response,
) -> QuotationRead:
    quotation = await service.revise(quotation_id, scope, author)
    response.headers["Location"] = f"{router.prefix}/quotations/{quotation.id}"
    return await _one(service, quotation, response)


@router.post(
    "/quotations/{quotation_id}/submit",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=QuotationRead,
    summary="Submit a draft: approved within the author's discount authority, else a "
    "request to his superior",
    description=(
        "The discount checked is the deepest on any line (its own compounded with the "
        "total discount) against the author's 折扣权限 (`approve_discount."
        "max_discount_percent` of his approved position description; none: only an "
        "undiscounted quotation is within it). Within it: 200, the quotation approved. "
        "Above it: 202 with the above-authority request to the author's superior in the "
        "org chart (`Location` names it), the quotation `pending_approval`; approving "
        "makes it approved, refusing returns it to draft with the reason. Only the latest "
        "version, a draft, still valid (409 otherwise). Needs If-Match."
    ),
    responses={
        202: {
            "model": ApprovalRequestRead,
            "description": "Above the author's discount authority: the request filed.",
        },
        **_MOVE_ERRORS,
    },
    openapi_extra=answer_headers(202, location=True),
)
async def submit_quotation(
    quotation_id: QuotationIdPath,
    service: QuotationServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    data: QuotationSubmit | None = None,
    if_match: IfMatch = None,
) -> QuotationRead | JSONResponse:
    outcome = await service.submit(quotation_id, data or QuotationSubmit(), if_match, scope, actor)
    if isinstance(outcome, ApprovalRequest):
        request = ApprovalRequestRead.model_validate(outcome)
        return JSONResponse(
            jsonable_encoder(request),
            status_code=status.HTTP_202_ACCEPTED,
            headers={"Location": f"/v1/clients/approvals/{request.id}"},
        )
    return await _one(service, outcome, response)


@router.post(
    "/quotations/{quotation_id}/send",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=QuotationRead,
    summary="Mark an approved quotation as sent to the client",
    description="Only the latest version, approved and not past `valid_until` (409).",
    responses=_MOVE_ERRORS,
)
async def send_quotation(
    quotation_id: QuotationIdPath,
    service: QuotationServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    if_match: IfMatch = None,
) -> QuotationRead:
    quotation = await service.send(quotation_id, if_match, scope, actor)
    return await _one(service, quotation, response)


@router.post(
    "/quotations/{quotation_id}/accept",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=QuotationRead,
    summary="The client accepted the sent quotation",
    description=(
        "Only the latest version, sent, not past `valid_until`, on an open opportunity "
        "(409). When the opportunity is won, its lines are carried into the contract."
    ),
    responses=_MOVE_ERRORS,
)
async def accept_quotation(
    quotation_id: QuotationIdPath,
    service: QuotationServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    data: QuotationOutcome | None = None,
    if_match: IfMatch = None,
) -> QuotationRead:
    note = data.note if data else None
    quotation = await service.accept(quotation_id, note, if_match, scope, actor)
    return await _one(service, quotation, response)


@router.post(
    "/quotations/{quotation_id}/reject",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=QuotationRead,
    summary="The client rejected the sent quotation",
    responses=_MOVE_ERRORS,
)
async def reject_quotation(
    quotation_id: QuotationIdPath,
    service: QuotationServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    data: QuotationOutcome | None = None,
    if_match: IfMatch = None,
) -> QuotationRead:
    note = data.note if data else None
    quotation = await service.reject(quotation_id, note, if_match, scope, actor)
    return await _one(service, quotation, response)
