"""HTTP endpoint of an account's timeline (客户动态)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.clients.access import Caller
from services.clients.dependencies import AccountScope, TimelineServiceDep
from services.clients.policies import READ_ACCOUNTS
from services.clients.timeline.schemas import TimelineEntry, TimelineKind
from shared.errors import problem_responses
from shared.languages import current_language
from shared.pagination import Cursor, IdPath, Page, PageSize
from shared.periods import AwareIsoInstant

router = APIRouter(prefix="/v1/clients", tags=["timeline"])


@router.get(
    "/accounts/{account_id}/timeline",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[TimelineEntry],
    summary="What happened to an account, newest first (客户动态)",
    description=(
        "Visits, contact changes, tickets, contracts, opportunity steps (created, stage "
        "moves, won, lost), invoices, payments, grade, credit and ownership changes and "
        "notes, in one list ordered by (occurred_at, kind, id), newest first, in cursor "
        "pages. Seen by whoever sees the account (out of scope: 404); a contact's phone, "
        "e-mail and birth year are masked as the contact's own reads mask them for the "
        "caller. Titles follow Accept-Language."
    ),
    responses=problem_responses(401, 403, 400, 404, 422),
)
async def account_timeline(
    account_id: IdPath,
    service: TimelineServiceDep,
    scope: AccountScope,
    caller: Caller,
    kind: Annotated[
        list[TimelineKind] | None,
        Query(max_length=20, description="Only these kinds (repeat: `?kind=visit&kind=note`)."),
    ] = None,
    since: Annotated[
        AwareIsoInstant | None, Query(description="Entries at or after this instant.")
    ] = None,
    until: Annotated[
        AwareIsoInstant | None, Query(description="Entries before this instant.")
    ] = None,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[TimelineEntry]:
    return await service.page(
        account_id,
        scope,
        caller,
        kinds=kind,
        since=since,
        until=until,
        cursor=cursor,
        limit=limit,
        language=current_language(),
    )
