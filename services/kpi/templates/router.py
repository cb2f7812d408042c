"""HTTP endpoints of appraisal templates (考核表)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from services.kpi.access import MANAGE_LIBRARY, READ_LIBRARY
from services.kpi.dependencies import TemplateServiceDep
from services.kpi.templates.schemas import (
    TemplateContent,
    TemplateCreate,
    TemplateRead,
    TemplateStatus,
    TemplateSummary,
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

router = APIRouter(prefix="/v1/kpi/templates", tags=["templates"])


def _with_etag(response: Response, template: TemplateRead) -> TemplateRead:
    response.headers["ETag"] = etag_for(template.version)
    return template


@router.get(
    "",
    dependencies=[Depends(READ_LIBRARY)],
    response_model=Page[TemplateSummary],
    summary="List template versions",
    responses=problem_responses(401, 403, 400, 422),
)
async def list_templates(
    service: TemplateServiceDep,
    position_code: Annotated[str | None, Query(max_length=40, examples=["KA-SPEC"])] = None,
    template_status: Annotated[TemplateStatus | None, Query(alias="status")] = None,
    code: Annotated[str | None, Query(max_length=40, examples=["KA-SPEC-MONTHLY"])] = None,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[TemplateSummary]:
    after_id = cursor_key(cursor)
    rows = await service.list_page(
        position_code=position_code,
        status=template_status,
        code=code,
        after_id=after_id,
        limit=limit,
    )
    items = [TemplateSummary.model_validate(row) for row in rows]
    return keyset_page(items, limit)


@router.post(
    "",
    dependencies=[Depends(MANAGE_LIBRARY)],
    response_model=TemplateRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create a template (version 1, draft)",
    responses=problem_responses(401, 403, 409, 422),
    openapi_extra=answer_headers(201, etag=True, location=True),
)
async def create_template(
    data: TemplateCreate, service: TemplateServiceDep, response: Response
) -> TemplateRead:
    template = await service.create(data)
    response.headers["Location"] = f"{router.prefix}/{template.id}"
    return _with_etag(response, template)


@router.get(
    "/{template_id}",
    dependencies=[Depends(READ_LIBRARY)],
    response_model=TemplateRead,
    summary="Get a template version with its sections and items",
    responses=problem_responses(401, 403, 404, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def get_template(
    template_id: IdPath, service: TemplateServiceDep, response: Response
) -> TemplateRead:
    return _with_etag(response, await service.read(template_id))


@router.put(
    "/{template_id}",
    dependencies=[Depends(MANAGE_LIBRARY)],
    response_model=TemplateRead,
    summary="Edit a template (a published version stays frozen: a new draft version is made)",
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
    openapi_extra=answer_headers(200, etag=True),
)
async def edit_template(
    template_id: IdPath,
    content: TemplateContent,
    service: TemplateServiceDep,
    response: Response,
    if_match: IfMatch = None,
) -> TemplateRead:
    return _with_etag(response, await service.edit(template_id, content, if_match=if_match))


@router.post(
    "/{template_id}/publish",
    dependencies=[Depends(MANAGE_LIBRARY)],
    response_model=TemplateRead,
    summary="Publish a draft version (retires the previously published one)",
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
    openapi_extra=answer_headers(200, etag=True),
)
async def publish_template(
    template_id: IdPath, service: TemplateServiceDep, response: Response, if_match: IfMatch = None
) -> TemplateRead:
    return _with_etag(response, await service.publish(template_id, if_match=if_match))


@router.post(
    "/{template_id}/retire",
    dependencies=[Depends(MANAGE_LIBRARY)],
    response_model=TemplateRead,
    summary="Retire a published template (takes it out of force for its position)",
    responses=problem_responses(401, 403, 404, 409, 412, 428),
    openapi_extra=answer_headers(200, etag=True),
)
async def retire_template(
    template_id: IdPath, service: TemplateServiceDep, response: Response, if_match: IfMatch = None
) -> TemplateRead:
    return _with_etag(response, await service.retire(template_id, if_match=if_match))
