"""HTTP endpoints of visit plans and visits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.csv_export import CSV_RESPONSE, csv_stream
from services.clients.dependencies import (
    AccountScope,
    ActorId,
    SettingsDep,
    VisitServiceDep,
    build_visit_service,
)
from services.clients.policies import READ_ACCOUNTS, WRITE_ACCOUNTS
from services.clients.visits.rules import VisitStatus
from services.clients.visits.schemas import (
    PERIOD_PATTERN,
    CompletionReport,
    VisitCancel,
    VisitComplete,
    VisitCreate,
    VisitPlanCreate,
    VisitPlanRead,
    VisitQuery,
    VisitRead,
    VisitSort,
    VisitSource,
    VisitUpdate,
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
)
from shared.periods import IsoDay
from shared.sheet_language import SheetLanguageDep

router = APIRouter(prefix="/v1/clients", tags=["visits"])

VisitIdPath = Annotated[int, Path(ge=1, le=2_147_483_647, description="The visit's id.")]
EmployeeQuery = Annotated[
    int | None,
    Query(ge=1, le=2_147_483_647, description="Owners in this manager's reporting subtree."),
]
OwnerIds = Annotated[
    list[RecordId] | None,
    Query(description="Owners credited (repeat for several).", max_length=100),
]
YearQuery = Annotated[int, Query(ge=2000, le=2999, description="The plan's year.")]
AccountQuery = Annotated[
    int | None, Query(ge=1, le=2_147_483_647, description="Only this account's.")
]

EXPORT_COLUMNS = (
    "id", "account_id", "owner_id", "planned_on", "status", "visited_on", "visited_by",
    "contact_ids", "purpose", "outcome", "next_step", "next_visit_on", "source",
    "cancel_reason", "overdue", "created_at", "updated_at",
)  # fmt: skip


def visit_query(
    owner_id: OwnerIds = None,
    team_of: EmployeeQuery = None,
    status: Annotated[list[VisitStatus] | None, Query(max_length=3)] = None,
    source: Annotated[VisitSource | None, Query()] = None,
    overdue: Annotated[
        bool, Query(description="Only planned visits whose day has passed.")
    ] = False,
    planned_from: Annotated[IsoDay | None, Query(description="Planned on or after.")] = None,
    planned_to: Annotated[IsoDay | None, Query(description="Planned on or before.")] = None,
    ids: IdsFilter = None,
) -> VisitQuery:
    return VisitQuery(
        owner_ids=owner_id,
        team_of=team_of,
        statuses=[s.value for s in status] if status else None,
        source=source.value if source else None,
        overdue=overdue,
        planned_from=planned_from,
        planned_to=planned_to,
        ids=ids,
    )


VisitOrder = Annotated[
    VisitSort,
    Query(
        description="`planned_on`: the earliest planned day first (undated visits last); "
        "`-` for descending. Ties break on the id."
    ),
]


VisitFilters = Annotated[VisitQuery, Depends(visit_query)]


def _with_etag(response: Response, visit: VisitRead) -> VisitRead:
    response.headers["ETag"] = etag_for(visit.version)
    return visit


@router.post(
    "/accounts/{account_id}/visit-plan",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=VisitPlanRead,
    status_code=status.HTTP_201_CREATED,
    summary="Generate an account's yearly visit plan from its grade",
    description=(
        "One visit per period of the grade's frequency (settings: `visit_frequencies`), in "
        "the middle of the period; for this year only from today on. **Not idempotent**: "
        "409 when the account already has a plan for the year (edit its visits instead). "
        "A grade change later re-plans the future of the plan."
    ),
    responses=problem_responses(401, 403, 404, 409, 422),
    openapi_extra=answer_headers(201, location=True),
)
async def create_visit_plan(
    account_id: IdPath,
    data: VisitPlanCreate,
    service: VisitServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
) -> VisitPlanRead:
    plan = await service.generate_plan(account_id, data.year, scope, actor)
    response.headers["Location"] = (
        f"{router.prefix}/accounts/{account_id}/visit-plan?year={plan.year}"
    )
    return plan


@router.get(
    "/accounts/{account_id}/visit-plan",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=VisitPlanRead,
    summary="An account's visit plan for a year, with its completion",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_visit_plan(
    account_id: IdPath, year: YearQuery, service: VisitServiceDep, scope: AccountScope
) -> VisitPlanRead:
    return await service.plan(account_id, year, scope)


@router.get(
    "/accounts/{account_id}/visits",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[VisitRead],
    summary="Visits of an account",
    responses=problem_responses(401, 403, 400, 404, 422),
)
async def list_account_visits(
    account_id: IdPath,
    service: VisitServiceDep,
    scope: AccountScope,
    filters: VisitFilters,
    sort: VisitOrder = VisitSort.ID,
    with_total: WithTotal = False,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[VisitRead]:
    return await service.list_for_account(
        account_id,
        filters,
        scope,
        sort=sort,
        cursor=cursor,
        limit=limit,
        with_total=with_total,
    )


@router.post(
    "/accounts/{account_id}/visits",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=VisitRead,
    status_code=status.HTTP_201_CREATED,
    summary="Plan a visit by hand, or record an ad-hoc visit",
    description=(
        "With `planned_on`: a planned visit (source `manual`). With `visited_on`: a completed "
        "ad-hoc visit (source `adhoc`, no planned day); `next_visit_on` plans the next one. "
        "`contact_ids` must be contacts of the account."
    ),
    responses=problem_responses(401, 403, 404, 409, 422),
    openapi_extra=answer_headers(201, etag=True, location=True),
)
async def create_visit(
    account_id: IdPath,
    data: VisitCreate,
    service: VisitServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
) -> VisitRead:
    visit = await service.create(account_id, data, scope, actor)
    response.headers["Location"] = f"{router.prefix}/visits/{visit.id}"
    return _with_etag(response, visit)


@router.get(
    "/visits",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[VisitRead],
    summary="Visits across the accounts in scope (filters: owner, team, status, overdue …)",
    responses=problem_responses(401, 403, 400, 422),
)
async def list_visits(
    service: VisitServiceDep,
    scope: AccountScope,
    filters: VisitFilters,
    account_id: AccountQuery = None,
    sort: VisitOrder = VisitSort.ID,
    with_total: WithTotal = False,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[VisitRead]:
    filters = filters.model_copy(update={"account_id": account_id})
    return await service.page(
        filters, scope, sort=sort, cursor=cursor, limit=limit, with_total=with_total
    )


@router.get(
    "/visits/export",
    dependencies=[Depends(READ_ACCOUNTS)],
    summary="Export the visits of a list as CSV (streamed)",
    response_class=StreamingResponse,
    responses={**CSV_RESPONSE, **problem_responses(401, 403, 422)},
)
async def export_visits(
    request: Request,
    service: VisitServiceDep,
    settings: SettingsDep,
    scope: AccountScope,
    filters: VisitFilters,
    lang: SheetLanguageDep,
    account_id: AccountQuery = None,
) -> StreamingResponse:
    service.check_filters(filters)
    filters = filters.model_copy(update={"account_id": account_id})

    async def fetch(session: AsyncSession, after: int | None, limit: int) -> list[BaseModel]:
        visits = build_visit_service(session, settings)
        return list(await visits.search(filters, scope, after_id=after, limit=limit))

    return StreamingResponse(
        csv_stream(request.app.state.session_factory, EXPORT_COLUMNS, fetch, lang=lang),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="visits.csv"'},
    )


@router.get(
    "/visits/completion",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=CompletionReport,
    summary="Plan completion per owner for a month, quarter or year",
    description=(
        "Per owner credited: visits planned in the period (cancelled never count), how many "
        "of them are completed, and the rate in percent (null when nothing was planned)."
    ),
    responses=problem_responses(401, 403, 422),
)
async def get_visit_completion(
    service: VisitServiceDep,
    scope: AccountScope,
    period: Annotated[
        str,
        Query(
            max_length=7,
            pattern=PERIOD_PATTERN,
            description="`2026-11`, `2026-Q4` or `2026`.",
            examples=["2026-Q4"],
        ),
    ],
    owner_id: OwnerIds = None,
    team_of: EmployeeQuery = None,
) -> CompletionReport:
    return await service.completion(period, scope, owner_filter=owner_id, team_of=team_of)


@router.get(
    "/visits/{visit_id:int}",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=VisitRead,
    summary="Get one visit",
    responses=problem_responses(401, 403, 404, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def get_visit(
    visit_id: VisitIdPath, service: VisitServiceDep, scope: AccountScope, response: Response
) -> VisitRead:
    return _with_etag(response, await service.get(visit_id, scope))


@router.patch(
    "/visits/{visit_id:int}",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=VisitRead,
    summary="Reschedule a planned visit or edit its texts (needs If-Match)",
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
    openapi_extra=answer_headers(200, etag=True),
)
async def update_visit(
    visit_id: VisitIdPath,
    data: VisitUpdate,
    service: VisitServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    if_match: IfMatch = None,
) -> VisitRead:
    return _with_etag(response, await service.update(visit_id, data, if_match, scope, actor))


@router.post(
    "/visits/{visit_id}/complete",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=VisitRead,
    summary="Record that a planned visit took place (optionally plan the next one)",
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def complete_visit(
    visit_id: VisitIdPath,
    data: VisitComplete,
    service: VisitServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    if_match: IfMatch = None,
) -> VisitRead:
    return _with_etag(response, await service.complete(visit_id, data, if_match, scope, actor))


@router.post(
    "/visits/{visit_id}/cancel",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=VisitRead,
    summary="Cancel a planned visit, with the reason",
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def cancel_visit(
    visit_id: VisitIdPath,
    data: VisitCancel,
    service: VisitServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    if_match: IfMatch = None,
) -> VisitRead:
    return _with_etag(response, await service.cancel(visit_id, data, if_match, scope, actor))
