"""HTTP endpoints of the indicator library."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from services.kpi.access import MANAGE_LIBRARY, READ_LIBRARY
from services.kpi.dependencies import IndicatorServiceDep
from services.kpi.indicators.rules import Direction
from services.kpi.indicators.schemas import (
    IndicatorCreate,
    IndicatorKind,
    IndicatorRead,
    IndicatorUpdate,
)
from shared.concurrency import IfMatch, etag_for
from shared.contract_shape import answer_headers
from shared.errors import problem_responses
from shared.pagination import (
    Cursor,
    IdPath,
    Page,
    PageSize,
    cursor_key,
    keyset_page,
)

router = APIRouter(prefix="/v1/kpi/indicators", tags=["indicators"])


@router.get(
    "",
    dependencies=[Depends(READ_LIBRARY)],
    response_model=Page[IndicatorRead],
    summary="List indicators",
    responses=problem_responses(401, 403, 400, 422),
)
async def list_indicators(
    service: IndicatorServiceDep,
    kind: Annotated[IndicatorKind | None, Query()] = None,
    direction: Annotated[Direction | None, Query()] = None,
    metric: Annotated[str | None, Query(max_length=60, examples=["collection_rate"])] = None,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[IndicatorRead]:
    after_id = cursor_key(cursor)
    rows = await service.list(
        kind=kind, direction=direction, metric=metric, after_id=after_id, limit=limit
    )
    items = [IndicatorRead.model_validate(row) for row in rows]
    return keyset_page(items, limit)


@router.post(
    "",
    dependencies=[Depends(MANAGE_LIBRARY)],
    response_model=IndicatorRead,
    status_code=status.HTTP_201_CREATED,
    summary="Add an indicator to the library",
    responses=problem_responses(401, 403, 409, 422),
    openapi_extra=answer_headers(201, etag=True, location=True),
)
async def create_indicator(
    data: IndicatorCreate, service: IndicatorServiceDep, response: Response
) -> IndicatorRead:
    indicator = IndicatorRead.model_validate(await service.create(data))
    response.headers["ETag"] = etag_for(indicator.version)
    response.headers["Location"] = f"{router.prefix}/{indicator.id}"
    return indicator


@router.get(
    "/{indicator_id}",
    dependencies=[Depends(READ_LIBRARY)],
    response_model=IndicatorRead,
    summary="Get one indicator",
    responses=problem_responses(401, 403, 404, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def get_indicator(
    indicator_id: IdPath, service: IndicatorServiceDep, response: Response
) -> IndicatorRead:
    indicator = IndicatorRead.model_validate(await service.get(indicator_id))
    response.headers["ETag"] = etag_for(indicator.version)
    return indicator


@router.patch(
    "/{indicator_id}",
    dependencies=[Depends(MANAGE_LIBRARY)],
    response_model=IndicatorRead,
    summary="Change an indicator (If-Match)",
    responses=problem_responses(401, 403, 404, 412, 422, 428),
    openapi_extra=answer_headers(200, etag=True),
)
async def update_indicator(
    indicator_id: IdPath,
    data: IndicatorUpdate,
    service: IndicatorServiceDep,
    response: Response,
    if_match: IfMatch = None,
) -> IndicatorRead:
    indicator = IndicatorRead.model_validate(
        await service.update(indicator_id, data, if_match=if_match)
    )
    response.headers["ETag"] = etag_for(indicator.version)
    return indicator
