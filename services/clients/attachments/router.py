"""HTTP endpoints of attachments (附件): upload and list on each kind of record, then read,
download and delete by the attachment's id."""

import base64
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response, status
from fastapi.responses import StreamingResponse

from services.clients.attachments.rules import OwnerKind, content_disposition
from services.clients.attachments.schemas import UPLOAD_BODY, AttachmentRead, attachment_read
from services.clients.dependencies import AccountScope, ActorId, AttachmentServiceDep
from services.clients.keyset import cursor_id
from services.clients.policies import READ_ACCOUNTS, WRITE_ACCOUNTS
from shared.concurrency import IfMatch, check_if_match, etag_for
from shared.contract_shape import UPLOAD, answer_headers
from shared.errors import problem_responses
from shared.pagination import Cursor, Page, PageSize, keyset_page

router = APIRouter(prefix="/v1/clients", tags=["attachments"])

AttachmentIdPath = Annotated[int, Path(ge=1, le=2_147_483_647, description="The attachment's id.")]
VERSION = 1  # an attachment never changes: its ETag is that of its first version

# The records files attach to: kind → (collection, id parameter, name in summaries).
RECORDS: dict[OwnerKind, tuple[str, str, str]] = {
    OwnerKind.ACCOUNT: ("accounts", "account_id", "an account"),
    OwnerKind.CONTRACT: ("contracts", "contract_id", "a contract (scans, signed copies)"),
    OwnerKind.VISIT: ("visits", "visit_id", "a visit (photos, minutes)"),
    OwnerKind.TICKET: ("tickets", "ticket_id", "a ticket (screenshots, reports)"),
    OwnerKind.OPPORTUNITY: ("opportunities", "opportunity_id", "an opportunity"),
    OwnerKind.BID: ("bids", "bid_id", "a bid (tender documents)"),
}

UPLOAD_DESCRIPTION = (
    "Send `multipart/form-data` with the file in a part named `file` (its name in the "
    "part's `filename`, or `filename*=UTF-8''…`; its type in the part's `Content-Type`) "
    "and, optionally, its SHA-256 (hex) in a part named `sha256`. The body is read as it "
    "streams in: a file over `CLIENTS_ATTACHMENT_MAX_BYTES` is 413, a type outside "
    "`CLIENTS_ATTACHMENT_CONTENT_TYPES` (or a body that is not multipart) 415, a checksum "
    "that differs from the bytes received 422 `checksum_mismatch`; then nothing is stored. "
    "Who may attach is who may change the record (404 for a record missing or out of "
    "scope). Audited."
)


def _path_id(name: str) -> Any:
    """The record's id in the path, under its own name (``contract_id`` …)."""
    return Path(alias=name, ge=1, le=2_147_483_647, description="The record's id.")


def _one(attachment: AttachmentRead, response: Response) -> AttachmentRead:
    response.headers["ETag"] = etag_for(VERSION)
    return attachment


def _upload_route(kind: OwnerKind, id_name: str) -> Callable[..., Awaitable[AttachmentRead]]:
    async def upload(
        record_id: Annotated[int, _path_id(id_name)],
        request: Request,
        service: AttachmentServiceDep,
        scope: AccountScope,
        actor: ActorId,
        response: Response,
    ) -> AttachmentRead:
        declared = request.headers.get("content-length", "")
        attachment = await service.upload(
            kind,
            record_id,
            request.headers.get("content-type"),
            int(declared) if declared.isdigit() else None,
            request.stream(),
            scope,
            actor,
        )
        response.headers["Location"] = f"{router.prefix}/attachments/{attachment.id}"
        return _one(attachment_read(attachment), response)

    return upload


def _list_route(kind: OwnerKind, id_name: str) -> Callable[..., Awaitable[Page[AttachmentRead]]]:
    async def list_attachments(
        record_id: Annotated[int, _path_id(id_name)],
        service: AttachmentServiceDep,
        scope: AccountScope,
        limit: PageSize = 50,
        cursor: Cursor = None,
    ) -> Page[AttachmentRead]:
        rows = await service.list(kind, record_id, scope, after_id=cursor_id(cursor), limit=limit)
        return keyset_page([attachment_read(row) for row in rows], limit)

    return list_attachments


for _kind, (_collection, _id_name, _what) in RECORDS.items():
    _path = f"/{_collection}/{{{_id_name}}}/attachments"
    router.add_api_route(
        _path,
        _upload_route(_kind, _id_name),
        methods=["POST"],
        name=f"upload_{_kind.value}_attachment",
        dependencies=[Depends(WRITE_ACCOUNTS)],
        response_model=AttachmentRead,
        status_code=status.HTTP_201_CREATED,
        summary=f"Attach a file to {_what} (multipart, streamed; audited)",
        description=UPLOAD_DESCRIPTION,
        responses=problem_responses(400, 401, 403, 404, 413, 415, 422),
        openapi_extra={**UPLOAD_BODY, **UPLOAD, **answer_headers(201, etag=True, location=True)},
    )
    router.add_api_route(
        _path,
        _list_route(_kind, _id_name),
        methods=["GET"],
        name=f"list_{_kind.value}_attachments",
        dependencies=[Depends(READ_ACCOUNTS)],
        response_model=Page[AttachmentRead],
        summary=f"Files attached to {_what.split(' (')[0]}",
        responses=problem_responses(401, 403, 400, 404, 422),
    )


@router.get(
    "/attachments/{attachment_id}",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=AttachmentRead,
    summary="One attachment's name, type, size and checksum",
    responses=problem_responses(401, 403, 404, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def get_attachment(
    attachment_id: AttachmentIdPath,
    service: AttachmentServiceDep,
    scope: AccountScope,
    response: Response,
) -> AttachmentRead:
    return _one(attachment_read(await service.get(attachment_id, scope)), response)


@router.get(
    "/attachments/{attachment_id}/content",
    dependencies=[Depends(READ_ACCOUNTS)],
    summary="Download an attachment (streamed; its name in Content-Disposition)",
    description=(
        "The bytes as uploaded, with the file's type, `Content-Length`, `Digest`-like "
        '`Repr-Digest: sha-256=:…:` and `Content-Disposition: attachment; filename="…"; '
        "filename*=UTF-8''…` (RFC 6266: the real, possibly Chinese, name percent-encoded, "
        "and an ASCII fallback). Who may download is who may read the record it is "
        "attached to (404 otherwise)."
    ),
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The file.",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        },
        **problem_responses(401, 403, 404, 422),
    },
)
async def download_attachment(
    attachment_id: AttachmentIdPath, service: AttachmentServiceDep, scope: AccountScope
) -> StreamingResponse:
    attachment = await service.get(attachment_id, scope)
    return StreamingResponse(
        service.content(attachment),
        media_type=attachment.content_type,
        headers={
            "Content-Disposition": content_disposition(attachment.file_name),
            "Content-Length": str(attachment.size_bytes),
            "Repr-Digest": f"sha-256=:{_base64(attachment.sha256)}:",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _base64(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode("ascii")


@router.delete(
    "/attachments/{attachment_id}",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an attachment (needs If-Match; audited; the bytes are removed)",
    description=(
        "Who may delete is who may change the record it is attached to. The attachment's "
        "row stays, marked deleted with who and when (the audit trail names it); its bytes "
        "are removed from the storage. It is then missing (404) everywhere."
    ),
    responses=problem_responses(400, 401, 403, 404, 412, 422, 428),
)
async def delete_attachment(
    attachment_id: AttachmentIdPath,
    service: AttachmentServiceDep,
    scope: AccountScope,
    actor: ActorId,
    if_match: IfMatch = None,
) -> Response:
    await service.get(attachment_id, scope)  # a missing one is 404 before 428
    check_if_match(if_match, VERSION)
    await service.delete(attachment_id, scope, actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
