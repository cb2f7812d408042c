"""HTTP endpoints of assessments (需求分析 / 关系评估)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.assessments.schemas import (
    AssessmentCreate,
    AssessmentKind,
    AssessmentQuery,
    AssessmentRead,
)
from services.clients.csv_export import CSV_RESPONSE, csv_stream
from services.clients.dependencies import (
    AccountScope,
    ActorId,
    AssessmentServiceDep,
    SettingsDep,
    build_assessments,
)
from services.clients.keyset import cursor_id
from services.clients.policies import READ_ACCOUNTS, WRITE_ACCOUNTS
from shared.concurrency import etag_for
from shared.contract_shape import answer_headers
from shared.errors import problem_responses
from shared.pagination import Cursor, IdPath, Page, PageSize, keyset_page
from shared.periods import IsoDay
from shared.sheet_language import SheetLanguageDep

router = APIRouter(prefix="/v1/clients", tags=["assessments"])

AssessmentIdPath = Annotated[int, Path(ge=1, le=2_147_483_647, description="The assessment's id.")]
EXPORT_COLUMNS = (
    "id", "account_id", "kind", "assessed_on", "assessed_by", "overall_score", "summary",
    "created_at",
)  # fmt: skip


def assessment_query(
    kind: Annotated[AssessmentKind | None, Query()] = None,
    assessed_from: Annotated[IsoDay | None, Query(description="Assessed on or after.")] = None,
    assessed_to: Annotated[IsoDay | None, Query(description="Assessed on or before.")] = None,
) -> AssessmentQuery:
    return AssessmentQuery(
        kind=kind.value if kind else None, assessed_from=assessed_from, assessed_to=assessed_to
    )


AssessmentFilters = Annotated[AssessmentQuery, Depends(assessment_query)]


@router.get(
    "/accounts/{account_id}/assessments",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=Page[AssessmentRead],
    summary="Assessments of an account (filter by kind and date)",
    responses=problem_responses(401, 403, 400, 404, 422),
)
async def list_account_assessments(
    account_id: IdPath,
    service: AssessmentServiceDep,
    scope: AccountScope,
    filters: AssessmentFilters,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[AssessmentRead]:
    rows = await service.for_account(
        account_id, filters, scope, after_id=cursor_id(cursor), limit=limit
    )
    return keyset_page([AssessmentRead.model_validate(row) for row in rows], limit)


@router.get(
    "/accounts/{account_id}/assessments/export",
    dependencies=[Depends(READ_ACCOUNTS)],
    summary="Export an account's assessments as CSV (streamed)",
    response_class=StreamingResponse,
    responses={**CSV_RESPONSE, **problem_responses(401, 403, 404, 422)},
)
async def export_account_assessments(
    account_id: IdPath,
    request: Request,
    service: AssessmentServiceDep,
    settings: SettingsDep,
    scope: AccountScope,
    filters: AssessmentFilters,
    lang: SheetLanguageDep,
) -> StreamingResponse:
    await service.for_account(account_id, filters, scope, after_id=None, limit=1)

    async def fetch(session: AsyncSession, after: int | None, limit: int) -> list[BaseModel]:
        rows = await build_assessments(session, settings).for_account(
            account_id, filters, scope, after_id=after, limit=limit
        )
        return [AssessmentRead.model_validate(row) for row in rows]

    return StreamingResponse(
        csv_stream(request.app.state.session_factory, EXPORT_COLUMNS, fetch, lang=lang),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="assessments.csv"'},
    )


@router.post(
    "/accounts/{account_id}/assessments",
    dependencies=[Depends(WRITE_ACCOUNTS)],
    response_model=AssessmentRead,
    status_code=status.HTTP_201_CREATED,
    summary="Record a needs or relationship assessment",
    description=(
        "`overall_score` is the weighted mean of the dimensions' scores (0–5), equal weights "
        "when none are given, to 0.01."
    ),
    responses=problem_responses(401, 403, 404, 409, 422),
    openapi_extra=answer_headers(201, etag=True, location=True),
)
async def create_assessment(
    account_id: IdPath,
    data: AssessmentCreate,
    service: AssessmentServiceDep,
    scope: AccountScope,
    actor: ActorId,
    response: Response,
) -> AssessmentRead:
    assessment = AssessmentRead.model_validate(await service.create(account_id, data, scope, actor))
    response.headers["Location"] = f"{router.prefix}/assessments/{assessment.id}"
    response.headers["ETag"] = etag_for(assessment.version)
    return assessment


@router.get(
    "/assessments/{assessment_id}",
    dependencies=[Depends(READ_ACCOUNTS)],
    response_model=AssessmentRead,
    summary="Get one assessment",
    responses=problem_responses(401, 403, 404, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def get_assessment(
    assessment_id: AssessmentIdPath,
    service: AssessmentServiceDep,
    scope: AccountScope,
    response: Response,
) -> AssessmentRead:
    assessment = AssessmentRead.model_validate(await service.get(assessment_id, scope))
    response.headers["ETag"] = etag_for(assessment.version)
    return assessment
