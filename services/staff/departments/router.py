"""HTTP endpoints of departments: thin, everything else is in the service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from services.staff.departments.schemas import (
    DepartmentCreate,
    DepartmentRead,
    DepartmentUpdate,
)
from services.staff.dependencies import DepartmentServiceDep
from shared.auth.policy import Policy
from shared.auth.principal import Role
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

router = APIRouter(prefix="/v1/staff/departments", tags=["departments"])

# The organisation is visible to everyone who works in it; shaping it is for its managers.
READ = Policy(Role.EMPLOYEE, services=True)
WRITE = Policy(Role.ADMIN, Role.DEPT_MANAGER)
DENIED = (401, 403)


@router.get(
    "",
    response_model=Page[DepartmentRead],
    summary="List departments",
    dependencies=[Depends(READ)],
    responses=problem_responses(*DENIED, 400, 422),
)
async def list_departments(
    service: DepartmentServiceDep,
    parent_id: Annotated[
        int | None, Query(ge=1, le=2_147_483_647, description="Only children of this one.")
    ] = None,
    q: Annotated[str | None, Query(max_length=100, description="Text in name or code.")] = None,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[DepartmentRead]:
    after_id = cursor_key(cursor)
    rows = await service.list(parent_id=parent_id, text_query=q, after_id=after_id, limit=limit)
    items = [DepartmentRead.model_validate(row) for row in rows]
    return keyset_page(items, limit)


@router.post(
    "",
    response_model=DepartmentRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create a department",
    dependencies=[Depends(WRITE)],
    responses=problem_responses(*DENIED, 409, 422),
    openapi_extra=answer_headers(201, etag=True, location=True),
)
async def create_department(
    data: DepartmentCreate, service: DepartmentServiceDep, response: Response
) -> DepartmentRead:
    department = DepartmentRead.model_validate(await service.create(data))
    response.headers["ETag"] = etag_for(department.version)
    response.headers["Location"] = f"{router.prefix}/{department.id}"
    return department


@router.get(
    "/{department_id}",
    response_model=DepartmentRead,
    summary="Get one department",
    dependencies=[Depends(READ)],
    responses=problem_responses(*DENIED, 404, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def get_department(
    department_id: IdPath, service: DepartmentServiceDep, response: Response
) -> DepartmentRead:
    department = DepartmentRead.model_validate(await service.get(department_id))
    response.headers["ETag"] = etag_for(department.version)
    return department


@router.patch(
    "/{department_id}",
    response_model=DepartmentRead,
    summary="Change a department (needs If-Match)",
    dependencies=[Depends(WRITE)],
    responses=problem_responses(*DENIED, 404, 409, 412, 422, 428),
    openapi_extra=answer_headers(200, etag=True),
)
async def update_department(
    department_id: IdPath,
    data: DepartmentUpdate,
    service: DepartmentServiceDep,
    response: Response,
    if_match: IfMatch = None,
) -> DepartmentRead:
    department = DepartmentRead.model_validate(await service.update(department_id, data, if_match))
    response.headers["ETag"] = etag_for(department.version)
    return department
