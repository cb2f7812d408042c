"""HTTP endpoints of key accounts."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from services.clients.accounts.dependencies import AccountServiceDep
from services.clients.accounts.schemas import AccountCreate, AccountRead
from shared.concurrency import etag_for
from shared.errors import problem_responses
from shared.pagination import Cursor, IdPath, Page, PageSize, decode_cursor, encode_cursor

router = APIRouter(prefix="/v1/clients/accounts", tags=["accounts"])


@router.get(
    "",
    response_model=Page[AccountRead],
    summary="List key accounts",
    responses=problem_responses(400, 422),
)
async def list_accounts(
    service: AccountServiceDep,
    owner_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    grade: Annotated[Literal["S", "A", "B", "C"] | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=100, description="Text in the names.")] = None,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[AccountRead]:
    after_id = int(decode_cursor(cursor)["id"]) if cursor else None
    rows = await service.list(
        owner_id=owner_id, grade=grade, text_query=q, after_id=after_id, limit=limit
    )
    items = [AccountRead.model_validate(row) for row in rows]
    next_cursor = encode_cursor({"id": items[-1].id}) if len(items) == limit else None
    return Page[AccountRead](items=items, next_cursor=next_cursor)


@router.post(
    "",
    response_model=AccountRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create a key account",
    responses=problem_responses(409, 422),
)
async def create_account(
    data: AccountCreate, service: AccountServiceDep, response: Response
) -> AccountRead:
    account = AccountRead.model_validate(await service.create(data))
    response.headers["ETag"] = etag_for(account.version)
    response.headers["Location"] = f"{router.prefix}/{account.id}"
    return account


@router.get(
    "/{account_id}",
    response_model=AccountRead,
    summary="Get one key account",
    responses=problem_responses(404, 422),
)
async def get_account(
    account_id: IdPath, service: AccountServiceDep, response: Response
) -> AccountRead:
    account = AccountRead.model_validate(await service.get(account_id))
    response.headers["ETag"] = etag_for(account.version)
    return account
