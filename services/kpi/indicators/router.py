"""HTTP endpoints of the indicator library."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from services.kpi.indicators.dependencies import IndicatorServiceDep
from services.kpi.indicators.schemas import IndicatorCreate, IndicatorKind, IndicatorRead
from shared.errors import problem_responses
from shared.pagination import Cursor, IdPath, Page, PageSize, decode_cursor, encode_cursor

router = APIRouter(prefix="/v1/kpi/indicators", tags=["indicators"])


@router.get(
    "",
    response_model=Page[IndicatorRead],
    summary="List indicators",
    responses=problem_responses(400, 422),
)
async def list_indicators(
    service: IndicatorServiceDep,
    kind: Annotated[IndicatorKind | None, Query()] = None,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[IndicatorRead]:
    after_id = int(decode_cursor(cursor)["id"]) if cursor else None
    rows = await service.list(kind=kind, after_id=after_id, limit=limit)
    items = [IndicatorRead.model_validate(row) for row in rows]
    next_cursor = encode_cursor({"id": items[-1].id}) if len(items) == limit else None
    return Page[IndicatorRead](items=items, next_cursor=next_cursor)


@router.post(
    "",
    response_model=IndicatorRead,
    status_code=status.HTTP_201_CREATED,
    summary="Add an indicator to the library",
    responses=problem_responses(409, 422),
)
async def create_indicator(data: IndicatorCreate, service: IndicatorServiceDep) -> IndicatorRead:
    return IndicatorRead.model_validate(await service.create(data))


@router.get(
    "/{indicator_id}",
    response_model=IndicatorRead,
    summary="Get one indicator",
    responses=problem_responses(404, 422),
)
async def get_indicator(indicator_id: IdPath, service: IndicatorServiceDep) -> IndicatorRead:
    return IndicatorRead.model_validate(await service.get(indicator_id))
