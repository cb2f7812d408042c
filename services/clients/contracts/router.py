"""HTTP endpoints of contracts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from services.clients.accounts.spreadsheet import CSV_MEDIA_TYPE
from services.clients.calendar.today import company_today
from services.clients.contracts.export import export_stream
from services.clients.contracts.models import Contract
from services.clients.contracts.rules import ContractStatus
from services.clients.contracts.schemas import (
    ContractCreate,
    ContractQuery,
    ContractRead,
    ContractRenew,
    ContractSign,
    ContractSigned,
    ContractTerminate,
    ContractUpdate,
)
from services.clients.contracts.service import ContractService
from services.clients.csv_export import CSV_RESPONSE
from services.clients.dependencies import (
    AccountScope,
    ActorId,
    ContractServiceDep,
    CreditLimitServiceDep,
    SettingsDep,
)
from services.clients.keyset import cursor_id
from services.clients.policies import READ_ACCOUNTS, WRITE_ACCOUNTS
from services.clients.rates.rules import CURRENCY_PATTERN
from shared.concurrency import IfMatch, etag_for
from shared.contract_shape import answer_headers
from shared.errors import problem_responses
from shared.pagination import Cursor, IdPath, Page, PageSize, RecordId, keyset_page
from shared.periods import IsoDay
from shared.sheet_language import SheetLanguageDep

router = APIRouter(prefix="/v1/clients", tags=["contracts"])

ContractIdPath = Annotated[int, Path(ge=1, le=2_147_483_647, description="The contract's id.")]
IdQuery = Annotated[int | None, Query(ge=1, le=2_147_483_647)]


def contract_query(
    account_id: IdQuery = None,
    owner_id: Annotated[
        list[RecordId] | None,
        Query(description="Credited owners (repeat for several).", max_length=100),
    ] = None,
    team_of: Annotated[
        int | None,
        Query(ge=1, le=2_147_483_647, description="Owners in this manager's reporting subtree."),
    ] = None,
    status: Annotated[list[ContractStatus] | None, Query(max_length=4)] = None,
    signed_from: Annotated[IsoDay | None, Query(description="Signed on or after.")] = None,
    signed_to: Annotated[IsoDay | None, Query(description="Signed on or before.")] = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=100, description="Text in number or title.")
    ] = None,
    currency: Annotated[str | None, Query(pattern=CURRENCY_PATTERN, max_length=3)] = None,
) -> ContractQuery:
    return ContractQuery(
        account_id=account_id,
        owner_ids=owner_id,
        team_of=team_of,
        statuses=[s.value for s in status] if status else None,
        signed_from=signed_from,
        signed_to=signed_to,
        text=q,
        currency=currency,
    )


ContractFilters = Annotated[ContractQuery, Depends(contract_query)]


def _one(service: ContractService, contract: Contract, response: Response) -> ContractRead:
    read = service.read(contract)
    response.headers["ETag"] = etag_for(read.version)
    return read


@router.get(
    "/contracts",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[ContractRead],
    summary="List contracts (filters, cursor pages)",
    responses=problem_responses(401, 403, 400, 422),
)
async def list_contracts(
    service: ContractServiceDep,
    scope: AccountScope,
    filters: ContractFilters,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[ContractRead]:
    rows = await service.list(filters, scope, after_id=cursor_id(cursor), limit=limit)
    return keyset_page([service.read(row) for row in rows], limit)


@router.get(
    "/contracts/export",
    dependencies=[Depends(READ_ACCOUNTS)],
    summary="Export the contracts of a list as CSV (streamed)",
    response_class=StreamingResponse,
    responses={**CSV_RESPONSE, **problem_responses(401, 403, 422)},
)
async def export_contracts(
    request: Request,
    scope: AccountScope,
    filters: ContractFilters,
    settings: SettingsDep,
    lang: SheetLanguageDep,
) -> StreamingResponse:
    return StreamingResponse(
        export_stream(
            request.app.state.session_factory,
            filters,
            scope,
            company_today(settings.timezone),
            lang,
        ),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="contracts.csv"'},
    )


@router.get(
    "/accounts/{account_id}/contracts",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[ContractRead],
    summary="Contracts of an account",
    responses=problem_responses(401, 403, 400, 404, 422),
)
async def list_account_contracts(
    account_id: IdPath,
    service: ContractServiceDep,
    scope: AccountScope,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[ContractRead]:
    rows = await service.for_account(account_id, scope, after_id=cursor_id(cursor), limit=limit)
    return keyset_page([service.read(row) for row in rows], limit)


@router.post(
    "/accounts/{account_id}/contracts",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=ContractRead,
    status_code=status.HTTP_201_CREATED,
    summary="Draft a contract for an account",
    responses=problem_responses(401, 403, 404, 409, 422),
    openapi_extra=answer_headers(201, location=True),
)
async def create_contract(
    account_id: IdPath,
    data: ContractCreate,
    service: ContractServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
) -> ContractRead:
    contract = await service.create(account_id, data, scope, actor)
    response.headers["Location"] = f"{router.prefix}/contracts/{contract.id}"
    return _one(service, contract, response)


@router.get(
    "/contracts/{contract_id:int}",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=ContractRead,
    summary="Get one contract",
    responses=problem_responses(401, 403, 404, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def get_contract(
    contract_id: ContractIdPath,
    service: ContractServiceDep,
    scope: AccountScope,
    response: Response,
) -> ContractRead:
    return _one(service, await service.get(contract_id, scope), response)


@router.patch(
    "/contracts/{contract_id:int}",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=ContractRead,
    summary="Change a draft contract (needs If-Match)",
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
)
async def update_contract(
    contract_id: ContractIdPath,
    data: ContractUpdate,
    service: ContractServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    if_match: IfMatch = None,
) -> ContractRead:
    contract = await service.update(contract_id, data, if_match, scope, actor)
    return _one(service, contract, response)


@router.post(
    "/contracts/{contract_id}/sign",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=ContractSigned,
    summary="Sign a draft: base value fixed, prospect becomes existing, account regraded",
    description=(
        "The amount is converted to the base currency at the rate in force on `signed_on` "
        "(409 `missing_exchange_rate` when none is posted on or before it). The account's "
        "owner at signing is credited. If-Match is required (428 without it). When the "
        "account's or its group's credit exposure is now above its limit, `credit_warning` "
        "says so (the contract is signed all the same)."
    ),
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def sign_contract(
    contract_id: ContractIdPath,
    data: ContractSign,
    service: ContractServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    credit: CreditLimitServiceDep,
    if_match: IfMatch = None,
) -> ContractSigned:
    contract = await service.sign(contract_id, data, if_match, scope, actor)
    read = _one(service, contract, response)
    warning = await credit.signing_warning(contract.account_id)
    return ContractSigned(**read.model_dump(), credit_warning=warning)


@router.post(
    "/contracts/{contract_id}/terminate",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=ContractRead,
    summary="Terminate a signed contract early, with the reason",
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def terminate_contract(
    contract_id: ContractIdPath,
    data: ContractTerminate,
    service: ContractServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    if_match: IfMatch = None,
) -> ContractRead:
    contract = await service.terminate(contract_id, data, if_match, scope, actor)
    return _one(service, contract, response)


@router.post(
    "/contracts/{contract_id}/renewals",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=ContractRead,
    status_code=status.HTTP_201_CREATED,
    summary="Renew a signed contract: a new draft copying title and currency",
    responses=problem_responses(401, 403, 404, 409, 422),
    openapi_extra=answer_headers(201, location=True),
)
async def renew_contract(
    contract_id: ContractIdPath,
    data: ContractRenew,
    service: ContractServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
) -> ContractRead:
    contract = await service.renew(contract_id, data, scope, actor)
    response.headers["Location"] = f"{router.prefix}/contracts/{contract.id}"
    return _one(service, contract, response)


@router.get(
    "/contracts/{contract_id}/renewal-chain",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=list[ContractRead],
    summary="The renewal chain a contract belongs to, oldest first",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_renewal_chain(
    contract_id: ContractIdPath, service: ContractServiceDep, scope: AccountScope
) -> list[ContractRead]:
    return [service.read(row) for row in await service.chain(contract_id, scope)]
