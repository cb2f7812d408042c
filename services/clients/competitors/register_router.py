"""HTTP endpoints of the competitor register."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from services.clients.competitors.models import Competitor
from services.clients.competitors.register_schemas import (
    CompetitorCreate,
    CompetitorRead,
    CompetitorUpdate,
)
from services.clients.competitors.register_service import CompetitorRegister
from services.clients.dependencies import ActorId, CompetitorRegisterDep
from services.clients.keyset import cursor_id
from services.clients.policies import MANAGE_CATALOGUE, READ_DIRECTORY
from shared.concurrency import IfMatch, etag_for
from shared.contract_shape import answer_headers
from shared.errors import problem_responses
from shared.pagination import Cursor, Page, PageSize, keyset_page

router = APIRouter(prefix="/v1/clients", tags=["competitors"])

CompetitorIdPath = Annotated[int, Path(ge=1, le=2_147_483_647, description="The competitor's id.")]


def _one(competitor: Competitor, response: Response) -> CompetitorRead:
    read = CompetitorRegister.read(competitor)
    response.headers["ETag"] = etag_for(read.version)
    return read


@router.get(
    "/competitors",
    dependencies=[Depends(READ_DIRECTORY)],
    response_model=Page[CompetitorRead],
    summary="List the competitor register (cursor pages)",
    responses=problem_responses(401, 403, 400, 422),
)
async def list_competitors(
    service: CompetitorRegisterDep,
    active: Annotated[bool | None, Query(description="Only active (or retired) ones.")] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=100, description="Text in name.")] = (
        None
    ),
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[CompetitorRead]:
    rows = await service.list(active=active, text=q, after_id=cursor_id(cursor), limit=limit)
    return keyset_page([service.read(row) for row in rows], limit)


@router.post(
    "/competitors",
    dependencies=[Depends(MANAGE_CATALOGUE)],
    response_model=CompetitorRead,
    status_code=status.HTTP_201_CREATED,
    summary="Register a competitor",
    responses=problem_responses(401, 403, 409, 422),
    openapi_extra=answer_headers(201, etag=True, location=True),
)
async def create_competitor(
    data: CompetitorCreate, service: CompetitorRegisterDep, actor: ActorId, response: Response
) -> CompetitorRead:
    competitor = await service.create(data, actor)
    response.headers["Location"] = f"{router.prefix}/competitors/{competitor.id}"
    return _one(competitor, response)


@router.get(
    "/competitors/{competitor_id}",
    dependencies=[Depends(READ_DIRECTORY)],
    response_model=CompetitorRead,
    summary="Get one competitor",
    responses=problem_responses(401, 403, 404, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def get_competitor(
    competitor_id: CompetitorIdPath, service: CompetitorRegisterDep, response: Response
) -> CompetitorRead:
    return _one(await service.get(competitor_id), response)


@router.patch(
    "/competitors/{competitor_id}",
    dependencies=[Depends(MANAGE_CATALOGUE)],
    response_model=CompetitorRead,
    summary="Change or retire a competitor (needs If-Match)",
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428, 400),
)
async def update_competitor(
    competitor_id: CompetitorIdPath,
    data: CompetitorUpdate,
    service: CompetitorRegisterDep,
    actor: ActorId,
    response: Response,
    if_match: IfMatch = None,
) -> CompetitorRead:
    return _one(await service.update(competitor_id, data, if_match, actor), response)
