"""HTTP endpoints of satisfaction surveys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from services.clients.accounts.spreadsheet import CSV_MEDIA_TYPE
from services.clients.csv_export import CSV_RESPONSE
from services.clients.dependencies import AccountScope, ActorId, SurveyServiceDep
from services.clients.keyset import cursor_id
from services.clients.policies import READ_ACCOUNTS, WRITE_ACCOUNTS
from services.clients.surveys.export import export_stream
from services.clients.surveys.models import SatisfactionSurvey
from services.clients.surveys.rules import SURVEY_PERIOD_PATTERN
from services.clients.surveys.schemas import SurveyCreate, SurveyQuery, SurveyRead, SurveyUpdate
from shared.concurrency import IfMatch, etag_for
from shared.contract_shape import answer_headers
from shared.errors import problem_responses
from shared.pagination import Cursor, IdPath, Page, PageSize, RecordId, keyset_page
from shared.periods import IsoDay
from shared.sheet_language import SheetLanguageDep

router = APIRouter(prefix="/v1/clients", tags=["surveys"])

SurveyIdPath = Annotated[int, Path(ge=1, le=2_147_483_647, description="The survey's id.")]


def survey_query(
    account_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    owner_id: Annotated[
        list[RecordId] | None,
        Query(description="Credited owners (repeat for several).", max_length=100),
    ] = None,
    team_of: Annotated[
        int | None,
        Query(ge=1, le=2_147_483_647, description="Owners in this manager's reporting subtree."),
    ] = None,
    period: Annotated[
        str | None,
        Query(pattern=SURVEY_PERIOD_PATTERN, max_length=7, description="2026-11, 2026-Q4"),
    ] = None,
    surveyed_from: Annotated[
        IsoDay | None, Query(alias="from", description="Surveyed on or after.")
    ] = None,
    surveyed_to: Annotated[
        IsoDay | None, Query(alias="to", description="Surveyed on or before.")
    ] = None,
) -> SurveyQuery:
    return SurveyQuery(
        account_id=account_id,
        owner_ids=owner_id,
        team_of=team_of,
        period=period,
        surveyed_from=surveyed_from,
        surveyed_to=surveyed_to,
    )


SurveyFilters = Annotated[SurveyQuery, Depends(survey_query)]


def _one(survey: SatisfactionSurvey, response: Response) -> SurveyRead:
    read = SurveyRead.model_validate(survey)
    response.headers["ETag"] = etag_for(read.version)
    return read


@router.get(
    "/surveys",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[SurveyRead],
    summary="List satisfaction surveys (filters, cursor pages)",
    responses=problem_responses(401, 403, 400, 422),
)
async def list_surveys(
    service: SurveyServiceDep,
    scope: AccountScope,
    filters: SurveyFilters,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[SurveyRead]:
    rows = await service.list(filters, scope, after_id=cursor_id(cursor), limit=limit)
    return keyset_page([SurveyRead.model_validate(row) for row in rows], limit)


@router.get(
    "/surveys/export",
    dependencies=[Depends(READ_ACCOUNTS)],
    summary="Export the surveys of a list as CSV (streamed)",
    response_class=StreamingResponse,
    responses={**CSV_RESPONSE, **problem_responses(401, 403, 422)},
)
async def export_surveys(
    request: Request, scope: AccountScope, filters: SurveyFilters, lang: SheetLanguageDep
) -> StreamingResponse:
    return StreamingResponse(
        export_stream(request.app.state.session_factory, filters, scope, lang),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="surveys.csv"'},
    )


@router.get(
    "/accounts/{account_id}/surveys",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[SurveyRead],
    summary="Satisfaction surveys of an account",
    responses=problem_responses(401, 403, 400, 404, 422),
)
async def list_account_surveys(
    account_id: IdPath,
    service: SurveyServiceDep,
    scope: AccountScope,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[SurveyRead]:
    rows = await service.for_account(account_id, scope, after_id=cursor_id(cursor), limit=limit)
    return keyset_page([SurveyRead.model_validate(row) for row in rows], limit)


@router.post(
    "/accounts/{account_id}/surveys",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=SurveyRead,
    status_code=status.HTTP_201_CREATED,
    summary="Record an account's satisfaction for a month or quarter",
    responses=problem_responses(401, 403, 404, 409, 422),
    openapi_extra=answer_headers(201, location=True),
)
async def create_survey(
    account_id: IdPath,
    data: SurveyCreate,
    service: SurveyServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
) -> SurveyRead:
    survey = await service.create(account_id, data, scope, actor)
    response.headers["Location"] = f"{router.prefix}/surveys/{survey.id}"
    return _one(survey, response)


@router.get(
    "/surveys/{survey_id:int}",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=SurveyRead,
    summary="Get one satisfaction survey",
    responses=problem_responses(401, 403, 404, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def get_survey(
    survey_id: SurveyIdPath, service: SurveyServiceDep, scope: AccountScope, response: Response
) -> SurveyRead:
    return _one(await service.get(survey_id, scope), response)


@router.patch(
    "/surveys/{survey_id:int}",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=SurveyRead,
    summary="Change a satisfaction survey (needs If-Match)",
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
)
async def update_survey(
    survey_id: SurveyIdPath,
    data: SurveyUpdate,
    service: SurveyServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
    if_match: IfMatch = None,
) -> SurveyRead:
    return _one(await service.update(survey_id, data, if_match, scope, actor), response)
