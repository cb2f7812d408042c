"""HTTP endpoints of the inbox: the internal posting API and the person's ``/v1/me/inbox``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response, status

from services.staff.access import OWN_INBOX, POST_WORK_ITEMS
from services.staff.clock import NowDep
from services.staff.dependencies import StandInServiceDep, TodayDep, WorkItemServiceDep
from services.staff.inbox.kinds import WorkItemKind, WorkItemState
from services.staff.inbox.models import WorkItem
from services.staff.inbox.repository import InboxFilter, InboxPosition
from services.staff.inbox.rules import kind_label, seen_state
from services.staff.inbox.schemas import (
    InboxPage,
    WorkItemClose,
    WorkItemPost,
    WorkItemRead,
    WorkItemUpdate,
)
from shared.auth.principal import Principal
from shared.contract_shape import answer_headers
from shared.errors import BadRequest, problem_responses
from shared.pagination import Cursor, IdPath, PageSize, decode_cursor, encode_cursor
from shared.periods import IsoInstant

internal = APIRouter(prefix="/v1/staff/internal/work-items", tags=["inbox"])
me = APIRouter(prefix="/v1/me/inbox", tags=["inbox"])

ServiceCaller = Annotated[Principal, Depends(POST_WORK_ITEMS)]
Person = Annotated[Principal, Depends(OWN_INBOX)]
AcceptLanguage = Annotated[str | None, Header(include_in_schema=False)]


def work_item_read(
    item: WorkItem, reader: int | None, now: datetime, language: str | None
) -> WorkItemRead:
    kind = WorkItemKind(item.kind)
    fields = item.model_dump() | {
        "kind_label": kind_label(kind, language),
        "state": seen_state(WorkItemState(item.state), item.snoozed_until, now),
        "on_behalf_of": item.employee_id if item.employee_id != reader else None,
    }
    return WorkItemRead.model_validate(fields)


async def inbox_readers(person: Person, stand_ins: StandInServiceDep, today: TodayDep) -> list[int]:
    """Whose items the caller sees: their own, and today those of whom they stand in for."""
    if person.employee_id is None:
        return []
    return [person.employee_id, *await stand_ins.represented_on(person.employee_id, today)]


Readers = Annotated[list[int], Depends(inbox_readers)]


@internal.post(
    "",
    response_model=WorkItemRead,
    status_code=status.HTTP_201_CREATED,
    summary="Post a work item (idempotent by source key)",
    description="201 when the item is new; 200 with the same item when the key was posted "
    "before (an outbox delivering twice). The sending service is the one in the token.",
    responses=problem_responses(401, 403, 422),
    openapi_extra=answer_headers(201, location=True),
)
async def post_work_item(
    data: WorkItemPost,
    caller: ServiceCaller,
    service: WorkItemServiceDep,
    now: NowDep,
    response: Response,
) -> WorkItemRead:
    item, created = await service.post(caller.service or caller.subject, data, now)
    response.headers["Location"] = f"{me.prefix}/{item.id}"
    if not created:
        response.status_code = status.HTTP_200_OK
    return work_item_read(item, item.employee_id, now, None)


@internal.post(
    "/close",
    response_model=WorkItemRead,
    summary="Close a work item because its work is done (idempotent)",
    description="425 when the key is unknown yet: the close overtook its post, send it again.",
    responses=problem_responses(401, 403, 422, 425),
)
async def close_work_item(
    data: WorkItemClose, caller: ServiceCaller, service: WorkItemServiceDep, now: NowDep
) -> WorkItemRead:
    item = await service.close(caller.service or caller.subject, data.source_key, now)
    return work_item_read(item, item.employee_id, now, None)


def _position(cursor: str) -> InboxPosition:
    raw = decode_cursor(cursor)
    try:
        due = raw.get("due")
        return InboxPosition(
            due_at=datetime.fromisoformat(due) if due is not None else None, id=int(raw["id"])
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise BadRequest("cursor is not valid") from exc


@me.get(
    "",
    response_model=InboxPage,
    summary="My inbox: work items by due time, with counts per kind",
    responses=problem_responses(400, 401, 403, 422),
)
async def my_inbox(
    person: Person,
    readers: Readers,
    service: WorkItemServiceDep,
    now: NowDep,
    accept_language: AcceptLanguage = None,
    state: Annotated[WorkItemState, Query(description="Items in this state.")] = (
        WorkItemState.OPEN
    ),
    kind: Annotated[
        list[WorkItemKind] | None, Query(max_length=20, description="Only these kinds.")
    ] = None,
    due_before: Annotated[IsoInstant | None, Query(description="Due before this time.")] = None,
    due_after: Annotated[IsoInstant | None, Query(description="Due at or after this time.")] = None,
    account_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> InboxPage:
    reader = person.employee_id
    wanted = InboxFilter(
        employee_ids=readers,
        state=state,
        kinds=[k.value for k in kind or ()],
        due_before=due_before,
        due_after=due_after,
        account_id=account_id,
    )
    after = _position(cursor) if cursor else None
    rows, counts = await service.page(wanted, now, after, limit)
    items = [work_item_read(row, reader, now, accept_language) for row in rows]
    next_cursor = None
    if len(rows) == limit and rows:
        last = rows[-1]
        due = last.due_at.isoformat() if last.due_at is not None else None
        next_cursor = encode_cursor({"due": due, "id": last.id})
    return InboxPage(items=items, next_cursor=next_cursor, counts=counts)


@me.patch(
    "/{item_id}",
    response_model=WorkItemRead,
    summary="Mark one of my items done, snoozed (until), dismissed or open again",
    responses=problem_responses(401, 403, 404, 422),
)
async def change_my_item(
    item_id: IdPath,
    change: WorkItemUpdate,
    person: Person,
    readers: Readers,
    service: WorkItemServiceDep,
    now: NowDep,
    accept_language: AcceptLanguage = None,
) -> WorkItemRead:
    item = await service.change_state(item_id, readers, change, now)
    return work_item_read(item, person.employee_id, now, accept_language)
