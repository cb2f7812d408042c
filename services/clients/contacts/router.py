"""HTTP endpoints of contacts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from services.clients.access import Caller
from services.clients.contacts.schemas import (
    AccountContactCreate,
    AccountContactRead,
    ContactLink,
    ContactRead,
    ContactRole,
    ContactUpdate,
    CoverageAlert,
)
from services.clients.dependencies import (
    AccountScope,
    ActorId,
    ContactServiceDep,
    DuplicateServiceDep,
)
from services.clients.keyset import cursor_id
from services.clients.policies import READ_ACCOUNTS, WRITE_ACCOUNTS
from shared.concurrency import IfMatch, etag_for
from shared.contract_shape import answer_headers
from shared.errors import NotFound, problem_responses
from shared.pagination import Cursor, IdPath, Page, PageSize, keyset_page

router = APIRouter(prefix="/v1/clients", tags=["contacts"])

ContactIdPath = Annotated[int, Path(ge=1, le=2_147_483_647, description="The contact's id.")]


@router.get(
    "/contacts/coverage-alerts",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[CoverageAlert],
    summary="Active accounts with no active decision maker",
    responses=problem_responses(401, 403, 400, 422),
)
async def list_coverage_alerts(
    service: ContactServiceDep,
    scope: AccountScope,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[CoverageAlert]:
    items = await service.coverage_alerts(scope, after_id=cursor_id(cursor), limit=limit)
    return keyset_page(items, limit, key="account_id")


@router.get(
    "/accounts/{account_id}/contacts",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[AccountContactRead],
    summary="Contacts of an account",
    responses=problem_responses(401, 403, 400, 404, 422),
)
async def list_account_contacts(
    account_id: IdPath,
    service: ContactServiceDep,
    scope: AccountScope,
    caller: Caller,
    active: Annotated[bool, Query(description="Only active relationships.")] = False,
    role: Annotated[ContactRole | None, Query()] = None,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[AccountContactRead]:
    items = await service.for_account(
        account_id,
        scope,
        caller,
        active_only=active,
        role=role.value if role else None,
        after_id=cursor_id(cursor),
        limit=limit,
    )
    return keyset_page(items, limit)


@router.post(
    "/accounts/{account_id}/contacts",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=AccountContactRead,
    status_code=status.HTTP_201_CREATED,
    summary="Add a new contact to an account",
    responses=problem_responses(401, 403, 404, 409, 422),
    openapi_extra=answer_headers(201, etag=True, location=True),
)
async def create_account_contact(
    account_id: IdPath,
    data: AccountContactCreate,
    service: ContactServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
) -> AccountContactRead:
    contact = await service.create_for_account(account_id, data, scope, actor)
    response.headers["Location"] = f"/v1/clients/contacts/{contact.id}"
    response.headers["ETag"] = etag_for(contact.version)
    return contact


@router.put(
    "/accounts/{account_id}/contacts/{contact_id}",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=AccountContactRead,
    summary="Link an existing contact to an account, or change the relationship",
    responses={
        201: {"model": AccountContactRead, "description": "Created: a new link"},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
async def link_account_contact(
    account_id: IdPath,
    contact_id: ContactIdPath,
    data: ContactLink,
    service: ContactServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
) -> AccountContactRead:
    contact, created = await service.link(account_id, contact_id, data, scope, actor)
    if created:
        response.status_code = status.HTTP_201_CREATED
    return contact


MERGED = {
    "description": "The contact was merged into another (POST /v1/clients/contact-merges): "
    "`Location` is the contact it lives on in, when the caller sees that one (else 404)."
}


@router.get(
    "/contacts/{contact_id:int}",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=ContactRead,
    summary="Get one contact",
    description="A merged contact answers 308 with `Location` at the contact it was merged "
    "into (until the merge is undone).",
    responses={**problem_responses(401, 403, 404, 422), 308: MERGED},
    openapi_extra={
        "responses": answer_headers(200, etag=True)["responses"]
        | answer_headers(308, location=True)["responses"]
    },
)
async def get_contact(
    contact_id: ContactIdPath,
    service: ContactServiceDep,
    merges: DuplicateServiceDep,
    scope: AccountScope,
    caller: Caller,
    response: Response,
) -> ContactRead | Response:
    try:
        found = await service.get(contact_id, scope)
    except NotFound:
        survivor = await merges.contact_redirect(contact_id, scope)
        if survivor is None:
            raise
        return Response(
            status_code=status.HTTP_308_PERMANENT_REDIRECT,
            headers={"Location": f"{router.prefix}/contacts/{survivor}"},
        )
    contact = await service.as_seen_by(found, scope, caller)
    response.headers["ETag"] = etag_for(contact.version)
    return contact


@router.patch(
    "/contacts/{contact_id:int}",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=ContactRead,
    summary="Change a contact's personal data (needs If-Match)",
    responses=problem_responses(401, 403, 404, 412, 422, 428),
    openapi_extra=answer_headers(200, etag=True),
)
async def update_contact(
    contact_id: ContactIdPath,
    data: ContactUpdate,
    service: ContactServiceDep,
    scope: AccountScope,
    actor: ActorId,
    caller: Caller,
    response: Response,
    if_match: IfMatch = None,
) -> ContactRead:
    updated = await service.update(contact_id, data, if_match, scope, actor)
    contact = await service.as_seen_by(updated, scope, caller)
    response.headers["ETag"] = etag_for(contact.version)
    return contact
