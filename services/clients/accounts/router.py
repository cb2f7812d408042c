"""HTTP endpoints of key accounts: thin, everything else is in the service."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import StringConstraints
from pydantic_core import to_json

from services.clients.access import account_missing, authorized_scope, scope_member
from services.clients.accounts.repository import (
    MERGED_INTO,
    ONE_ACCOUNT,
    PAGE_FIELDS,
    PAGE_STATEMENTS,
    AccountRepository,
    page_query,
    sort_value,
)
from services.clients.accounts.rules import Grade
from services.clients.accounts.schemas import (
    AccountCreate,
    AccountQuery,
    AccountRead,
    AccountSort,
    AccountStatus,
    AccountUpdate,
    ContentClass,
    GroupSummary,
    TradeClass,
)
from services.clients.accounts.service import ClaimOpened
from services.clients.dependencies import (
    AccountScope,
    AccountServiceDep,
    ActorId,
)
from services.clients.keyset import cursor_position
from services.clients.policies import READ_ACCOUNTS, WRITE_ACCOUNTS
from shared.concurrency import IfMatch, etag_for
from shared.contract_shape import answer_headers
from shared.db import session_dependency
from shared.errors import problem_responses
from shared.pagination import (
    Cursor,
    IdPath,
    IdsFilter,
    Page,
    PageSize,
    RecordId,
    WithTotal,
    encode_cursor,
)
from shared.row_reads import fetch_row, fetch_rows

TagText = Annotated[str, StringConstraints(max_length=50)]
router = APIRouter(prefix="/v1/clients/accounts", tags=["accounts"])

IdQuery = Annotated[int | None, Query(ge=1, le=2_147_483_647)]
Label = Annotated[str | None, Query(min_length=1, max_length=50)]


async def account_query(
    owner_id: Annotated[
        list[RecordId] | None, Query(description="Owners (repeat for several).", max_length=100)
    ] = None,
    team_of: Annotated[
        int | None,
        Query(ge=1, le=2_147_483_647, description="Owners in this manager's reporting subtree."),
    ] = None,
    grade: Annotated[list[Grade] | None, Query(max_length=4)] = None,
    content_class: Annotated[list[ContentClass] | None, Query(max_length=4)] = None,
    trade_class: Annotated[list[TradeClass] | None, Query(max_length=2)] = None,
    industry: Label = None,
    region: Label = None,
    tag: Annotated[
        list[TagText] | None, Query(max_length=10, description="All of these tags.")
    ] = None,
    status: Annotated[
        list[AccountStatus] | None,
        Query(max_length=4, description="Default: every status except archived."),
    ] = None,
    parent_id: IdQuery = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            description="Text in the names, their pinyin or initials (`beijing`, `bj`), or the"
            " first characters of the credit code.",
        ),
    ] = None,
    ids: IdsFilter = None,
) -> AccountQuery:
    return AccountQuery(
        owner_ids=owner_id,
        team_of=team_of,
        grades=[g.value for g in grade] if grade else None,
        content_classes=[c.value for c in content_class] if content_class else None,
        trade_classes=[t.value for t in trade_class] if trade_class else None,
        industry=industry,
        region=region,
        tags=tag or [],
        statuses=[s.value for s in status] if status else None,
        parent_id=parent_id,
        text=q,
        ids=ids,
    )


AccountFilters = Annotated[AccountQuery, Depends(account_query)]


def _with_etag(response: Response, account: AccountRead) -> AccountRead:
    response.headers["ETag"] = etag_for(account.version)
    return account


@router.get(
    "",
    response_model=Page[AccountRead],
    summary="List key accounts (filters, sorting, cursor pages)",
    responses=problem_responses(401, 403, 400, 422),
)
@READ_ACCOUNTS.inline
async def list_accounts(
    request: Request,
    filters: AccountFilters,
    sort: Annotated[
        AccountSort,
        Query(
            description="Sort key; `-` for descending (`grade`: A first; `-credit_score`: "
            "the best score first). Ties break on the id."
        ),
    ] = AccountSort.ID,
    with_total: WithTotal = False,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Response:
    # A screen's second-hottest read, measured (bench.cpu_per_request): the policy inline
    # as in get_account, the page's statement compiled once per shape and run on the bare
    # asyncpg pool, and the rows written as JSON as they come (they are AccountRead's
    # columns in its order; tests/clients/accounts/test_list_page.py holds them to the model).
    scope = await authorized_scope(request, READ_ACCOUNTS)
    after = cursor_position(cursor, sort.value)
    shape, values = page_query(filters, owner_ids=scope, sort=sort, after=after, limit=limit)
    statement = PAGE_STATEMENTS[shape]
    rows = await fetch_rows(request, statement.text, *statement.arguments(values))
    items = [dict(zip(PAGE_FIELDS, row, strict=True)) for row in rows]
    next_cursor = None
    if len(items) == limit:
        last = items[-1]
        next_cursor = encode_cursor(
            {"sort": sort.value, "value": sort_value(last, sort), "id": last["id"]}
        )
    total = None
    if with_total:
        async with asynccontextmanager(session_dependency)(request) as session:
            total = await AccountRepository(session).count(filters, owner_ids=scope)
    page = {"items": items, "next_cursor": next_cursor, "total": total}
    return Response(to_json(page), media_type="application/json")


@router.post(
    "",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=AccountRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create a key account",
    description=(
        "201 with the new account. When the credit code is already held by an account of "
        "another manager that the caller does not see (撞单), no second account is made: "
        "202 with the ownership dispute opened for the would-be owner (`Location` names it; "
        "it shows neither that account nor its owner). 409 `duplicate` when the caller sees "
        "the account holding the code, `dispute-open` when a dispute over it is pending."
    ),
    responses={
        202: {
            # The disputes' own schema, by name: accounts does not import the disputes.
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/OwnershipDisputeRead"}
                }
            },
            "description": "The credit code is another manager's account's: the ownership "
            "dispute opened instead.",
        },
        **problem_responses(401, 403, 409, 422),
    },
    openapi_extra=answer_headers(201, 202, etag=True, location=True),
)
async def create_account(
    data: AccountCreate,
    service: AccountServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
) -> AccountRead | JSONResponse:
    outcome = await service.create(data, scope, actor)
    if isinstance(outcome, ClaimOpened):
        return JSONResponse(
            outcome.body,
            status_code=status.HTTP_202_ACCEPTED,
            headers={"Location": outcome.location, "ETag": outcome.etag},
        )
    account = AccountRead.model_validate(outcome)
    response.headers["Location"] = f"{router.prefix}/{account.id}"
    return _with_etag(response, account)


MERGED = {
    "description": "The account was merged into another (POST /v1/clients/account-merges): "
    "`Location` is the account it lives on in, when the caller sees that one (else 404)."
}


@router.get(
    "/{account_id:int}",
    response_model=AccountRead,
    summary="Get one key account",
    description="A merged account answers 308 with `Location` at the account it was merged "
    "into (until the merge is undone).",
    responses={**problem_responses(401, 403, 404, 422), 308: MERGED},
    openapi_extra={
        "responses": answer_headers(200, etag=True)["responses"]
        | answer_headers(308, location=True)["responses"]
    },
)
@READ_ACCOUNTS.inline
async def get_account(account_id: IdPath, request: Request) -> Response:
    # The screens' hottest read, measured (bench.scenarios): the policy checked inline
    # instead of solved as dependencies, one statement on the bare asyncpg pool, and the
    # JSON written once by pydantic instead of validated again by FastAPI.
    scope = await authorized_scope(request, READ_ACCOUNTS)
    owners = None if scope is None else list(scope)
    row = await fetch_row(request, ONE_ACCOUNT, account_id, owners, scope_member(scope))
    if row is None:
        merged = await fetch_row(request, MERGED_INTO, account_id)
        survivor = merged["id"] if merged else None
        if survivor is not None and await fetch_row(
            request, ONE_ACCOUNT, survivor, owners, scope_member(scope)
        ):
            return Response(
                status_code=status.HTTP_308_PERMANENT_REDIRECT,
                headers={"Location": f"{router.prefix}/{survivor}"},
            )
        raise account_missing(account_id)
    account = AccountRead.model_validate(dict(row))
    return Response(
        account.model_dump_json(),
        media_type="application/json",
        headers={"ETag": etag_for(account.version)},
    )


@router.patch(
    "/{account_id:int}",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=AccountRead,
    summary="Change a key account (needs If-Match)",
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
    openapi_extra=answer_headers(200, etag=True),
)
async def update_account(
    account_id: IdPath,
    data: AccountUpdate,
    service: AccountServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    if_match: IfMatch = None,
) -> AccountRead:
    account = await service.update(account_id, data, if_match, scope, actor)
    return _with_etag(response, AccountRead.model_validate(account))


@router.post(
    "/{account_id}/archive",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=AccountRead,
    summary="Archive a key account (soft delete)",
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def archive_account(
    account_id: IdPath,
    service: AccountServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    if_match: IfMatch = None,
) -> AccountRead:
    account = await service.archive(account_id, scope, actor, if_match)
    return _with_etag(response, AccountRead.model_validate(account))


@router.post(
    "/{account_id}/restore",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=AccountRead,
    summary="Restore an archived key account",
    responses=problem_responses(401, 403, 404, 409, 412, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def restore_account(
    account_id: IdPath,
    service: AccountServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    if_match: IfMatch = None,
) -> AccountRead:
    account = await service.restore(account_id, scope, actor, if_match)
    return _with_etag(response, AccountRead.model_validate(account))


@router.get(
    "/{account_id}/group-summary",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=GroupSummary,
    summary="Roll-up of a group customer at its parent",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_group_summary(
    account_id: IdPath, service: AccountServiceDep, scope: AccountScope
) -> GroupSummary:
    return await service.group_summary(account_id, scope)
