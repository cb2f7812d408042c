"""HTTP endpoints for account files: CSV/XLSX export (streamed) and import."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse

from services.clients.accounts.exchange import AccountImporter, ImportResult, export_stream
from services.clients.accounts.router import AccountFilters
from services.clients.accounts.schemas import AccountSort
from services.clients.accounts.spreadsheet import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, FileFormat
from services.clients.dependencies import AccountScope, AccountServiceDep, ActorId
from services.clients.policies import READ_ACCOUNTS, WRITE_ACCOUNTS
from shared.contract_shape import UPLOAD
from shared.errors import DomainError, PayloadTooLarge, problem_responses
from shared.sheet_language import SheetLanguageDep

router = APIRouter(prefix="/v1/clients/accounts", tags=["accounts"])

MAX_IMPORT_BYTES = 5 * 1024 * 1024


class UnsupportedMediaType(DomainError):
    status, slug = 415, "unsupported-media-type"


@router.get(
    "/export",
    dependencies=[Depends(READ_ACCOUNTS)],
    summary="Export the accounts of a list as CSV or XLSX (streamed)",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The file.",
            "content": {
                # An empty file is no import: the server answers it 415 or 422.
                CSV_MEDIA_TYPE: {"schema": {"type": "string", "minLength": 1}},
                XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary", "minLength": 1}},
            },
        },
        **problem_responses(401, 403, 422),
    },
)
async def export_accounts(
    request: Request,
    scope: AccountScope,
    filters: AccountFilters,
    lang: SheetLanguageDep,
    file_format: Annotated[FileFormat, Query(alias="format")] = FileFormat.CSV,
    sort: Annotated[AccountSort, Query()] = AccountSort.ID,
) -> StreamingResponse:
    factory = request.app.state.session_factory
    return StreamingResponse(
        export_stream(factory, filters, scope, sort, file_format, lang),
        media_type=file_format.media_type,
        headers={"Content-Disposition": f'attachment; filename="accounts.{file_format.value}"'},
    )


@router.post(
    "/import",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=ImportResult,
    summary="Import accounts from a CSV or XLSX file (all rows or none)",
    description=(
        "Send the file as the request body with `Content-Type: text/csv` or the XLSX media "
        "type. Rows match existing accounts by credit code, else by legal name; matched "
        "accounts get the file's descriptive fields (their owner changes only by transfer). "
        "Headers and values may be the Chinese ones of an export (客户名称, 客户分类 with 潜在 / "
        "已有客户 / 企业类 …, 负责人 by name or 负责人工号 by 工号) or the English codes; a "
        "column the import does not know is refused (422, `unknown_columns`). "
        "A row may update only an account the caller may change (one matching another's "
        "account is a row error saying only that it exists) and name as owner only someone "
        "the caller may assign. "
        "A row whose credit code another manager's account (one the caller does not see) "
        "holds opens an ownership dispute (撞单) for the row's owner instead, as creating the "
        "account does, and is listed in `disputes` with the dispute's id; if that account "
        "already has a pending dispute, the row is an error `dispute_open`. "
        "A row that would create an account whose name is alike an existing one's (see "
        "/v1/clients/account-duplicates) is a row error `possible_duplicate` naming those the "
        "caller sees and counting the others, unless its `duplicate_reason` (重复原因) cell "
        "says why it is another company (the reason is audited on the new account). "
        "Any invalid row: 422 with every row's errors (`errors[].loc = ['body', row, field]`) "
        "and nothing imported."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                # An empty file is no import: the server answers it 415 or 422.
                CSV_MEDIA_TYPE: {"schema": {"type": "string", "minLength": 1}},
                XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary", "minLength": 1}},
            },
        },
        # A file: the gateway lets it past its JSON body cap (MAX_IMPORT_BYTES applies here).
        **UPLOAD,
    },
    responses=problem_responses(401, 403, 413, 415, 422),
)
async def import_accounts(
    request: Request,
    service: AccountServiceDep,
    scope: AccountScope,
    actor: ActorId,
    content_type: Annotated[str | None, Header(max_length=200)] = None,
) -> ImportResult:
    media_type = (content_type or "").split(";")[0].strip().lower()
    formats = {CSV_MEDIA_TYPE: FileFormat.CSV, XLSX_MEDIA_TYPE: FileFormat.XLSX}
    if media_type not in formats:
        raise UnsupportedMediaType(
            f"send the file as {CSV_MEDIA_TYPE} or {XLSX_MEDIA_TYPE}, not {media_type or 'nothing'}"
        )
    content = await request.body()
    if len(content) > MAX_IMPORT_BYTES:
        raise PayloadTooLarge(f"an import file may have at most {MAX_IMPORT_BYTES} bytes")
    return await AccountImporter(service).import_file(content, formats[media_type], scope, actor)
