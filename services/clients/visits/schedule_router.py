"""HTTP endpoints of the contact schedule (大客户联络计划表)."""

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
    ContactScheduleServiceDep,
    SettingsDep,
    build_contact_schedule,
)
from services.clients.keyset import cursor_id
from services.clients.policies import READ_ACCOUNTS, WRITE_ACCOUNTS
from services.clients.visits.router import AccountQuery, EmployeeQuery, OwnerIds, YearQuery
from services.clients.visits.schemas import (
    BirthdayGreetings,
    ContactTouchCreate,
    ContactTouchDone,
    ContactTouchRead,
    TouchKind,
    TouchQuery,
    TouchStatus,
)
from shared.concurrency import IfMatch, etag_for
from shared.contract_shape import answer_headers
from shared.errors import problem_responses
from shared.pagination import Cursor, IdPath, Page, PageSize, keyset_page
from shared.periods import IsoDay
from shared.sheet_language import SheetLanguageDep

router = APIRouter(prefix="/v1/clients", tags=["contact-schedule"])

TouchIdPath = Annotated[int, Path(ge=1, le=2_147_483_647, description="The contact touch's id.")]

EXPORT_COLUMNS = (
    "id", "account_id", "contact_id", "owner_id", "due_on", "kind", "status", "done_on",
    "note", "overdue", "created_at", "updated_at",
)  # fmt: skip


def touch_query(
    owner_id: OwnerIds = None,
    team_of: EmployeeQuery = None,
    status: Annotated[list[TouchStatus] | None, Query(max_length=3)] = None,
    kind: Annotated[list[TouchKind] | None, Query(max_length=5)] = None,
    overdue: Annotated[bool, Query(description="Only planned touches whose day passed.")] = False,
    due_from: Annotated[IsoDay | None, Query(description="Due on or after.")] = None,
    due_to: Annotated[IsoDay | None, Query(description="Due on or before.")] = None,
) -> TouchQuery:
    return TouchQuery(
        owner_ids=owner_id,
        team_of=team_of,
        statuses=[s.value for s in status] if status else None,
        kinds=[k.value for k in kind] if kind else None,
        overdue=overdue,
        due_from=due_from,
        due_to=due_to,
    )


TouchFilters = Annotated[TouchQuery, Depends(touch_query)]


def _with_etag(response: Response, touch: ContactTouchRead) -> ContactTouchRead:
    response.headers["ETag"] = etag_for(touch.version)
    return touch


@router.get(
    "/accounts/{account_id}/contact-schedule",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[ContactTouchRead],
    summary="The contact schedule of an account",
    responses=problem_responses(401, 403, 400, 404, 422),
)
async def list_account_contact_schedule(
    account_id: IdPath,
    service: ContactScheduleServiceDep,
    scope: AccountScope,
    filters: TouchFilters,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[ContactTouchRead]:
    items = await service.list_for_account(
        account_id, filters, scope, after_id=cursor_id(cursor), limit=limit
    )
    return keyset_page(items, limit)


@router.post(
    "/accounts/{account_id}/contact-schedule",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=ContactTouchRead,
    status_code=status.HTTP_201_CREATED,
    summary="Plan a contact with one of the account's contacts",
    responses=problem_responses(401, 403, 404, 409, 422),
    openapi_extra=answer_headers(201, etag=True, location=True),
)
async def create_contact_touch(
    account_id: IdPath,
    data: ContactTouchCreate,
    service: ContactScheduleServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
) -> ContactTouchRead:
    touch = await service.create(account_id, data, scope, actor)
    response.headers["Location"] = f"{router.prefix}/contact-touches/{touch.id}"
    return _with_etag(response, touch)


@router.post(
    "/accounts/{account_id}/contact-schedule/birthdays",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=BirthdayGreetings,
    summary="Plan birthday greetings for the account's active contacts (idempotent)",
    description=(
        "One `birthday_greeting` per active contact with a birthday, on the birthday in "
        "`year` (29 Feb → 28 Feb in other years); days already passed are skipped. Calling "
        "again plans nothing twice."
    ),
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def plan_birthday_greetings(
    account_id: IdPath,
    year: YearQuery,
    service: ContactScheduleServiceDep,
    scope: AccountScope,
    actor: ActorId,
) -> BirthdayGreetings:
    return await service.birthday_greetings(account_id, year, scope, actor)


@router.get(
    "/contact-touches",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[ContactTouchRead],
    summary="Planned contacts across the accounts in scope (owner, team, due, overdue)",
    responses=problem_responses(401, 403, 400, 422),
)
async def list_contact_touches(
    service: ContactScheduleServiceDep,
    scope: AccountScope,
    filters: TouchFilters,
    account_id: AccountQuery = None,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[ContactTouchRead]:
    filters = filters.model_copy(update={"account_id": account_id})
    items = await service.search(filters, scope, after_id=cursor_id(cursor), limit=limit)
    return keyset_page(items, limit)


@router.get(
    "/contact-touches/export",
    dependencies=[Depends(READ_ACCOUNTS)],
    summary="Export the contact schedule of a list as CSV (streamed)",
    response_class=StreamingResponse,
    responses={**CSV_RESPONSE, **problem_responses(401, 403, 422)},
)
async def export_contact_touches(
    request: Request,
    service: ContactScheduleServiceDep,
    settings: SettingsDep,
    scope: AccountScope,
    filters: TouchFilters,
    lang: SheetLanguageDep,
    account_id: AccountQuery = None,
) -> StreamingResponse:
    filters = filters.model_copy(update={"account_id": account_id})
    await service.search(filters, scope, after_id=None, limit=1)  # refuses bad filters now

    async def fetch(session: AsyncSession, after: int | None, limit: int) -> list[BaseModel]:
        schedule = build_contact_schedule(session, settings)
        return list(await schedule.search(filters, scope, after_id=after, limit=limit))

    return StreamingResponse(
        csv_stream(request.app.state.session_factory, EXPORT_COLUMNS, fetch, lang=lang),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="contact-schedule.csv"'},
    )


@router.post(
    "/contact-touches/{touch_id}/done",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=ContactTouchRead,
    summary="Mark a planned contact done",
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def mark_contact_touch_done(
    touch_id: TouchIdPath,
    data: ContactTouchDone,
    service: ContactScheduleServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    if_match: IfMatch = None,
) -> ContactTouchRead:
    return _with_etag(response, await service.mark_done(touch_id, data, if_match, scope, actor))


@router.post(
    "/contact-touches/{touch_id}/skip",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=ContactTouchRead,
    summary="Mark a planned contact skipped",
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def skip_contact_touch(
    touch_id: TouchIdPath,
    data: ContactTouchDone,
    service: ContactScheduleServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    if_match: IfMatch = None,
) -> ContactTouchRead:
    return _with_etag(response, await service.skip(touch_id, data, if_match, scope, actor))
