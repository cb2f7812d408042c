"""HTTP endpoints of tickets, the SLA policy and the on-demand breach check."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from services.clients.accounts.spreadsheet import CSV_MEDIA_TYPE
from services.clients.csv_export import CSV_RESPONSE
from services.clients.dependencies import (
    AccountScope,
    ActingEmployeeId,
    ActorId,
    BreachCheckDep,
    SettingsDep,
    SlaPolicyServiceDep,
    TicketServiceDep,
)
from services.clients.keyset import cursor_id
from services.clients.policies import MANAGE_SLA, READ_ACCOUNTS, RUN_SLA_CHECK, WRITE_ACCOUNTS
from services.clients.tickets.export import export_stream
from services.clients.tickets.rules import Severity, TicketStatus
from services.clients.tickets.schemas import (
    SatisfactionCreate,
    SlaCheckResult,
    SlaPolicyDocument,
    TicketCreate,
    TicketEventRead,
    TicketKind,
    TicketPickUp,
    TicketQuery,
    TicketRead,
    TicketSort,
    TicketTransition,
    TicketUpdate,
)
from shared.concurrency import IfMatch, etag_for
from shared.contract_shape import answer_headers
from shared.errors import problem_responses
from shared.pagination import (
    Cursor,
    IdPath,
    IdsFilter,
    Page,
    PageSize,
    RecordId,
    WithTotal,
    keyset_page,
)
from shared.periods import IsoDay
from shared.sheet_language import SheetLanguageDep

router = APIRouter(prefix="/v1/clients", tags=["tickets"])

IdQuery = Annotated[int | None, Query(ge=1, le=2_147_483_647)]


def ticket_query(
    owner_id: Annotated[
        list[RecordId] | None,
        Query(description="Credited owners (repeat for several).", max_length=100),
    ] = None,
    team_of: Annotated[
        int | None,
        Query(ge=1, le=2_147_483_647, description="Owners in this manager's reporting subtree."),
    ] = None,
    status: Annotated[list[TicketStatus] | None, Query(max_length=5)] = None,
    severity: Annotated[list[Severity] | None, Query(max_length=4)] = None,
    kind: Annotated[TicketKind | None, Query()] = None,
    breached: Annotated[
        bool | None, Query(description="Flagged or already past a deadline right now.")
    ] = None,
    opened_from: Annotated[
        IsoDay | None, Query(description="Opened on or after (company day).")
    ] = None,
    opened_to: Annotated[
        IsoDay | None, Query(description="Opened on or before (company day).")
    ] = None,
    ids: IdsFilter = None,
) -> TicketQuery:
    return TicketQuery(
        owner_ids=owner_id,
        team_of=team_of,
        statuses=[s.value for s in status] if status else None,
        severities=[s.value for s in severity] if severity else None,
        kind=kind.value if kind else None,
        breached=breached,
        opened_from=opened_from,
        opened_to=opened_to,
        ids=ids,
    )


AccountTicketFilters = Annotated[TicketQuery, Depends(ticket_query)]


def all_ticket_query(filters: AccountTicketFilters, account_id: IdQuery = None) -> TicketQuery:
    return filters.model_copy(update={"account_id": account_id})


TicketFilters = Annotated[TicketQuery, Depends(all_ticket_query)]


def _with_etag(response: Response, ticket: TicketRead) -> TicketRead:
    response.headers["ETag"] = etag_for(ticket.version)
    return ticket


# Fixed paths first: /tickets/export and /tickets/sla-check must not match /tickets/{id}.
@router.get(
    "/tickets/export",
    dependencies=[Depends(READ_ACCOUNTS)],
    summary="Export the tickets of a list as CSV (streamed)",
    response_class=StreamingResponse,
    responses={**CSV_RESPONSE, **problem_responses(401, 403, 422)},
)
async def export_tickets(
    request: Request,
    scope: AccountScope,
    filters: TicketFilters,
    settings: SettingsDep,
    lang: SheetLanguageDep,
) -> StreamingResponse:
    return StreamingResponse(
        export_stream(request.app.state.session_factory, settings, filters, scope, lang),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="tickets.csv"'},
    )


@router.post(
    "/tickets/sla-check",
    dependencies=[Depends(RUN_SLA_CHECK)],
    response_model=SlaCheckResult,
    summary="Flag missed SLA deadlines now and escalate new breaches to the owner's manager",
    responses=problem_responses(401, 403),
)
async def run_sla_check(check: BreachCheckDep, actor: ActorId) -> SlaCheckResult:
    return await check.run(actor)


@router.get(
    "/sla-policy",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=SlaPolicyDocument,
    summary="The SLA targets per severity and grade",
    responses=problem_responses(401, 403),
)
async def get_sla_policy(service: SlaPolicyServiceDep) -> SlaPolicyDocument:
    return await service.get()


@router.put(
    "/sla-policy",
    dependencies=[Depends(MANAGE_SLA)],
    response_model=SlaPolicyDocument,
    summary="Replace the SLA table (complete; applies to tickets opened afterwards)",
    responses=problem_responses(401, 403, 422),
)
async def put_sla_policy(
    data: SlaPolicyDocument, service: SlaPolicyServiceDep, actor: ActorId
) -> SlaPolicyDocument:
    return await service.replace(data, actor)


@router.post(
    "/accounts/{account_id}/tickets",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=TicketRead,
    status_code=status.HTTP_201_CREATED,
    summary="Open a ticket or complaint for an account (deadlines computed from the SLA)",
    responses=problem_responses(401, 403, 404, 409, 422),
    openapi_extra=answer_headers(201, etag=True, location=True),
)
async def create_ticket(
    account_id: IdPath,
    data: TicketCreate,
    service: TicketServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
) -> TicketRead:
    ticket = await service.create(account_id, data, scope, actor)
    response.headers["Location"] = f"/v1/clients/tickets/{ticket.id}"
    return _with_etag(response, ticket)


@router.get(
    "/accounts/{account_id}/tickets",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[TicketRead],
    summary="Tickets of an account, newest first",
    responses=problem_responses(401, 403, 400, 404, 422),
)
async def list_account_tickets(
    account_id: IdPath,
    service: TicketServiceDep,
    scope: AccountScope,
    filters: AccountTicketFilters,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[TicketRead]:
    items = await service.for_account(
        account_id, filters, scope, before_id=cursor_id(cursor), limit=limit
    )
    return keyset_page(items, limit)


@router.get(
    "/tickets",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[TicketRead],
    summary="Tickets the caller may see (sortable: nearest SLA deadline, created, severity)",
    responses=problem_responses(401, 403, 400, 422),
)
async def list_tickets(
    service: TicketServiceDep,
    scope: AccountScope,
    filters: TicketFilters,
    sort: Annotated[
        TicketSort,
        Query(
            description="`sla_due`: the nearest SLA deadline first (finished tickets last); "
            "`severity`: the most severe first; `-` for descending. Ties break on the id."
        ),
    ] = TicketSort.ID_DESC,
    with_total: WithTotal = False,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[TicketRead]:
    return await service.page(
        filters, scope, sort=sort, cursor=cursor, limit=limit, with_total=with_total
    )


@router.get(
    "/tickets/{ticket_id:int}",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=TicketRead,
    summary="Get one ticket",
    responses=problem_responses(401, 403, 404, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def get_ticket(
    ticket_id: IdPath, service: TicketServiceDep, scope: AccountScope, response: Response
) -> TicketRead:
    return _with_etag(response, await service.get(ticket_id, scope))


@router.patch(
    "/tickets/{ticket_id:int}",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=TicketRead,
    summary="Change a ticket's details (needs If-Match; a new severity moves the deadlines)",
    responses=problem_responses(401, 403, 404, 412, 422, 428),
    openapi_extra=answer_headers(200, etag=True),
)
async def update_ticket(
    ticket_id: IdPath,
    data: TicketUpdate,
    service: TicketServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    if_match: IfMatch = None,
) -> TicketRead:
    return _with_etag(response, await service.update(ticket_id, data, if_match, scope, actor))


@router.post(
    "/tickets/{ticket_id}/pick-up",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=TicketRead,
    summary="Pick up a ticket waiting in your service queue (needs If-Match)",
    description=(
        "The caller, an active member of the ticket's queue (a staff department), becomes "
        "its handler. A ticket with a handler already is a 409."
    ),
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
    openapi_extra=answer_headers(200, etag=True),
)
async def pick_up_ticket(
    ticket_id: IdPath,
    data: TicketPickUp,
    service: TicketServiceDep,
    scope: AccountScope,
    actor: ActingEmployeeId,
    response: Response,
    if_match: IfMatch = None,
) -> TicketRead:
    return _with_etag(response, await service.pick_up(ticket_id, data, if_match, scope, actor))


@router.post(
    "/tickets/{ticket_id}/transitions",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=TicketRead,
    summary="Move a ticket in its workflow (needs If-Match)",
    description=(
        "Allowed: open→in_progress|resolved, in_progress→waiting|resolved, "
        "waiting→in_progress|resolved, resolved→closed|in_progress (reopen), closed→in_progress "
        "(reopen, within the reopen window). Waiting pauses the resolution clock; reopening "
        "restarts it. Any other move is a 409 whose `allowed` lists the possible ones."
    ),
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
    openapi_extra=answer_headers(200, etag=True),
)
async def transition_ticket(
    ticket_id: IdPath,
    data: TicketTransition,
    service: TicketServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    if_match: IfMatch = None,
) -> TicketRead:
    return _with_etag(response, await service.transition(ticket_id, data, if_match, scope, actor))


@router.get(
    "/tickets/{ticket_id}/events",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[TicketEventRead],
    summary="A ticket's history, oldest first",
    responses=problem_responses(401, 403, 400, 404, 422),
)
async def list_ticket_events(
    ticket_id: IdPath,
    service: TicketServiceDep,
    scope: AccountScope,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[TicketEventRead]:
    items = await service.events(ticket_id, scope, after_id=cursor_id(cursor), limit=limit)
    return keyset_page(items, limit)


@router.post(
    "/tickets/{ticket_id}/satisfaction",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=TicketRead,
    summary="Record the client's satisfaction with a resolved or closed ticket",
    responses=problem_responses(401, 403, 404, 409, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def rate_ticket(
    ticket_id: IdPath,
    data: SatisfactionCreate,
    service: TicketServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
) -> TicketRead:
    return _with_etag(response, await service.rate(ticket_id, data, scope, actor))
