"""HTTP endpoints of notes (跟进记录/备注) on accounts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status

from services.clients.access import Caller
from services.clients.dependencies import (
    AccountScope,
    ActingEmployeeId,
    ActorId,
    NoteServiceDep,
)
from services.clients.keyset import cursor_id
from services.clients.notes.schemas import NoteCreate, NoteRead, NoteUpdate
from services.clients.notes.service import read_note
from services.clients.policies import READ_ACCOUNTS, WRITE_ACCOUNTS
from shared.concurrency import IfMatch, etag_for
from shared.contract_shape import answer_headers
from shared.errors import problem_responses
from shared.pagination import Cursor, IdPath, Page, PageSize, keyset_page

router = APIRouter(prefix="/v1/clients", tags=["notes"])

NoteIdPath = Annotated[int, Path(ge=1, le=2_147_483_647, description="The note's id.")]
_SCOPE = (
    "Seen by whoever sees the account (owner's line, account team, stand-in) and written by "
    "whoever works it; out of scope a note does not exist (404)."
)


@router.get(
    "/accounts/{account_id}/notes",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[NoteRead],
    summary="Notes on an account (跟进记录), newest first",
    description=_SCOPE,
    responses=problem_responses(401, 403, 400, 404, 422),
)
async def list_account_notes(
    account_id: IdPath,
    service: NoteServiceDep,
    scope: AccountScope,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[NoteRead]:
    notes = await service.for_account(account_id, scope, before_id=cursor_id(cursor), limit=limit)
    return keyset_page([read_note(note) for note in notes], limit)


@router.post(
    "/accounts/{account_id}/notes",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=NoteRead,
    status_code=status.HTTP_201_CREATED,
    summary="Write a note on an account (the caller is its author)",
    description=_SCOPE + " An archived account takes no new notes (409).",
    responses=problem_responses(401, 403, 404, 409, 422),
    openapi_extra=answer_headers(201, etag=True, location=True),
)
async def create_note(
    account_id: IdPath,
    data: NoteCreate,
    service: NoteServiceDep,
    scope: AccountScope,
    author: ActingEmployeeId,
    response: Response,
) -> NoteRead:
    note = await service.create(account_id, data, scope, author)
    response.headers["Location"] = f"{router.prefix}/notes/{note.id}"
    response.headers["ETag"] = etag_for(note.version)
    return read_note(note)


@router.get(
    "/notes/{note_id}",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=NoteRead,
    summary="One note",
    description=_SCOPE,
    responses=problem_responses(401, 403, 404, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def get_note(
    note_id: NoteIdPath, service: NoteServiceDep, scope: AccountScope, response: Response
) -> NoteRead:
    note = await service.get(note_id, scope)
    response.headers["ETag"] = etag_for(note.version)
    return read_note(note)


@router.patch(
    "/notes/{note_id}",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=NoteRead,
    summary="Rewrite a note (its author only; needs If-Match; audited)",
    description=_SCOPE + " Another person's note is a 403.",
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
    openapi_extra=answer_headers(200, etag=True),
)
async def update_note(
    note_id: NoteIdPath,
    data: NoteUpdate,
    service: NoteServiceDep,
    scope: AccountScope,
    editor: ActorId,
    response: Response,
    if_match: IfMatch = None,
) -> NoteRead:
    note = await service.update(note_id, data, if_match, scope, editor)
    response.headers["ETag"] = etag_for(note.version)
    return read_note(note)


@router.delete(
    "/notes/{note_id}",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a note (its author, or a team lead and above; needs If-Match; audited)",
    description=_SCOPE + " The audit trail keeps the deleted text.",
    responses=problem_responses(401, 403, 404, 412, 428),
)
async def delete_note(
    note_id: NoteIdPath,
    service: NoteServiceDep,
    scope: AccountScope,
    caller: Caller,
    if_match: IfMatch = None,
) -> Response:
    await service.delete(note_id, if_match, scope, caller)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
