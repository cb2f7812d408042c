"""HTTP endpoints of dunning: runs on demand, collection tasks, an account's history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from services.clients.accounts.spreadsheet import CSV_MEDIA_TYPE
from services.clients.collection.export import export_stream
from services.clients.collection.repository import TaskQuery
from services.clients.collection.schemas import (
    CollectionTaskRead,
    DunningRunResult,
    TaskDone,
    TaskStatus,
)
from services.clients.csv_export import CSV_RESPONSE
from services.clients.dependencies import AccountScope, ActorId, DunningServiceDep
from services.clients.keyset import cursor_id
from services.clients.policies import READ_ACCOUNTS, RUN_DUNNING, WORK_COLLECTION
from shared.concurrency import IfMatch, etag_for
from shared.contract_shape import answer_headers
from shared.errors import UnprocessableContent, problem_responses
from shared.pagination import Cursor, IdPath, Page, PageSize, RecordId, keyset_page
from shared.periods import IsoDay
from shared.sheet_language import SheetLanguageDep

router = APIRouter(prefix="/v1/clients", tags=["collection"])

IdQuery = Annotated[int | None, Query(ge=1, le=2_147_483_647)]


def task_query(
    owner_id: Annotated[
        list[RecordId] | None,
        Query(description="Task holders (repeat for several).", max_length=100),
    ] = None,
    team_of: Annotated[
        int | None,
        Query(ge=1, le=2_147_483_647, description="Holders in this manager's reporting subtree."),
    ] = None,
    account_id: IdQuery = None,
    status: Annotated[list[TaskStatus] | None, Query(max_length=4)] = None,
    level: Annotated[list[RecordId] | None, Query(max_length=20)] = None,
    due_from: Annotated[IsoDay | None, Query(description="Due on or after.")] = None,
    due_to: Annotated[IsoDay | None, Query(description="Due on or before.")] = None,
) -> TaskQuery:
    return TaskQuery(
        owner_ids=owner_id,
        team_of=team_of,
        account_id=account_id,
        statuses=[s.value for s in status] if status else None,
        levels=level,
        due_from=due_from,
        due_to=due_to,
    )


TaskFilters = Annotated[TaskQuery, Depends(task_query)]


@router.post(
    "/dunning/run",
    dependencies=[Depends(RUN_DUNNING)],
    response_model=DunningRunResult,
    summary="Run dunning now: bring every open invoice line to the level its age calls for",
    description=(
        "As of `as_of` (default today; not in the future). Each open line gets the level "
        "its days overdue call for on the schedule (`CLIENTS_DUNNING_LEVELS`), whatever level "
        "it had and however many runs came before: a line 157 days overdue with no history "
        "gets level 5 in one run, a line at level 2 that is 70 days overdue moves to 5. "
        "Levels never go down; a lower level's open task is cancelled as superseded. Tasks "
        "of lines paid in full are closed first. Waits for a run already in progress (the "
        "scheduled one) and then runs."
    ),
    responses=problem_responses(401, 403, 422),
)
async def run_dunning(
    service: DunningServiceDep,
    actor: ActorId,
    as_of: Annotated[IsoDay | None, Query(description="The run day (company calendar).")] = None,
) -> DunningRunResult:
    if as_of is not None and as_of > service.today():
        raise UnprocessableContent(
            f"as_of {as_of} is in the future; dunning runs as of today or an earlier day",
            extra={"errors": [{"loc": ["query", "as_of"], "msg": "in the future", "type": "date"}]},
        )
    result = await service.run(as_of, actor_employee_id=actor)
    assert result is not None  # waiting for the lock always runs
    return result


# Fixed paths first: /collection-tasks/export must not match /collection-tasks/{id}.
@router.get(
    "/collection-tasks/export",
    dependencies=[Depends(READ_ACCOUNTS)],
    summary="Export the collection tasks of a list as CSV (streamed)",
    response_class=StreamingResponse,
    responses={**CSV_RESPONSE, **problem_responses(401, 403, 422)},
)
async def export_collection_tasks(
    request: Request, scope: AccountScope, filters: TaskFilters, lang: SheetLanguageDep
) -> StreamingResponse:
    return StreamingResponse(
        export_stream(request.app.state.session_factory, filters, scope, lang),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="collection-tasks.csv"'},
    )


@router.get(
    "/collection-tasks",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[CollectionTaskRead],
    summary="List collection tasks (催款任务) of visible accounts (filters, cursor pages)",
    responses=problem_responses(401, 403, 400, 422),
)
async def list_collection_tasks(
    service: DunningServiceDep,
    scope: AccountScope,
    filters: TaskFilters,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[CollectionTaskRead]:
    items = await service.list_tasks(filters, scope, after_id=cursor_id(cursor), limit=limit)
    return keyset_page(items, limit)


@router.get(
    "/collection-tasks/{task_id:int}",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=CollectionTaskRead,
    summary="One collection task (with its ETag)",
    responses=problem_responses(401, 403, 404, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def get_collection_task(
    task_id: IdPath, service: DunningServiceDep, scope: AccountScope, response: Response
) -> CollectionTaskRead:
    task = await service.get(task_id, scope)
    response.headers["ETag"] = etag_for(task.version)
    return task


@router.post(
    "/collection-tasks/{task_id}/done",
    dependencies=[Depends(WORK_COLLECTION)],
    response_model=CollectionTaskRead,
    summary="Mark an open collection task done, with a note (If-Match required)",
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def complete_collection_task(
    task_id: IdPath,
    data: TaskDone,
    service: DunningServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    if_match: IfMatch = None,
) -> CollectionTaskRead:
    task = await service.mark_done(task_id, data, if_match, scope, actor)
    response.headers["ETag"] = etag_for(task.version)
    return task


@router.get(
    "/accounts/{account_id}/dunning-history",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[CollectionTaskRead],
    summary="An account's dunning history: every collection task, oldest first",
    responses=problem_responses(401, 403, 400, 404, 422),
)
async def get_dunning_history(
    account_id: IdPath,
    service: DunningServiceDep,
    scope: AccountScope,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[CollectionTaskRead]:
    items = await service.history(account_id, scope, after_id=cursor_id(cursor), limit=limit)
    return keyset_page(items, limit)
