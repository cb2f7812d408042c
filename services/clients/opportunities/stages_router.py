"""HTTP endpoints of the pipeline's stages (销售阶段)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status

from services.clients.dependencies import ActorId, PipelineServiceDep
from services.clients.opportunities.models import PipelineStage
from services.clients.opportunities.schemas import StageCreate, StageRead, StageUpdate
from services.clients.opportunities.stages import PipelineService
from services.clients.policies import MANAGE_PIPELINE, READ_DIRECTORY
from shared.concurrency import IfMatch, etag_for
from shared.contract_shape import answer_headers
from shared.errors import problem_responses

router = APIRouter(prefix="/v1/clients", tags=["opportunities"])

StageCodePath = Annotated[
    str, Path(min_length=1, max_length=30, pattern=r"^[a-z][a-z0-9_]*$", description="Code.")
]


def _one(stage: PipelineStage, response: Response) -> StageRead:
    read = PipelineService.read(stage)
    response.headers["ETag"] = etag_for(read.version)
    return read


@router.get(
    "/pipeline-stages",
    dependencies=[Depends(READ_DIRECTORY)],
    response_model=list[StageRead],
    summary="The pipeline's stages in order, with their default probabilities",
    responses=problem_responses(401, 403),
)
async def list_stages(service: PipelineServiceDep) -> list[StageRead]:
    return [service.read(stage) for stage in await service.all()]


@router.post(
    "/pipeline-stages",
    dependencies=[Depends(MANAGE_PIPELINE)],
    response_model=StageRead,
    status_code=status.HTTP_201_CREATED,
    summary="Add an open stage to the pipeline (administrators)",
    responses=problem_responses(401, 403, 409, 422),
    openapi_extra=answer_headers(201, etag=True, location=True),
)
async def create_stage(
    data: StageCreate, service: PipelineServiceDep, actor: ActorId, response: Response
) -> StageRead:
    stage = await service.create(data, actor)
    response.headers["Location"] = f"{router.prefix}/pipeline-stages/{stage.code}"
    return _one(stage, response)


@router.get(
    "/pipeline-stages/{stage_code}",
    dependencies=[Depends(READ_DIRECTORY)],
    response_model=StageRead,
    summary="Get one stage",
    responses=problem_responses(401, 403, 404, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def get_stage(
    stage_code: StageCodePath, service: PipelineServiceDep, response: Response
) -> StageRead:
    return _one(await service.get(stage_code), response)


@router.patch(
    "/pipeline-stages/{stage_code}",
    dependencies=[Depends(MANAGE_PIPELINE)],
    response_model=StageRead,
    summary="Rename, reorder, re-weight or retire a stage (administrators; needs If-Match)",
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428, 400),
)
async def update_stage(
    stage_code: StageCodePath,
    data: StageUpdate,
    service: PipelineServiceDep,
    actor: ActorId,
    response: Response,
    if_match: IfMatch = None,
) -> StageRead:
    return _one(await service.update(stage_code, data, if_match, actor), response)
