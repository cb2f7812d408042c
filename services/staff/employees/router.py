"""HTTP endpoints of employees: thin, everything else is in the service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from services.staff.access import MANAGE_PEOPLE, READ_ORG
from services.staff.catalogue.schema import EmploymentStatus
from services.staff.dependencies import EmployeeServiceDep
from services.staff.employees.schemas import EmployeeCreate, EmployeeRead, EmployeeUpdate
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

router = APIRouter(prefix="/v1/staff/employees", tags=["employees"])


@router.get(
    "",
    dependencies=[Depends(READ_ORG)],
    response_model=Page[EmployeeRead],
    summary="List and search employees",
    responses=problem_responses(401, 403, 400, 422),
)
async def list_employees(
    service: EmployeeServiceDep,
    department_id: Annotated[
        int | None, Query(ge=1, description="Effective department (not sub-departments).")
    ] = None,
    status: Annotated[EmploymentStatus | None, Query(description="Employment status.")] = None,
    position_code: Annotated[str | None, Query(max_length=32, description="Position held.")] = None,
    q: Annotated[str | None, Query(max_length=100, description="Text in name or number.")] = None,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[EmployeeRead]:
    after_id = cursor_key(cursor)
    rows = await service.list(
        department_id=department_id,
        status=status.value if status else None,
        position_code=position_code,
        text_query=q,
        after_id=after_id,
        limit=limit,
    )
    items = await service.read_many(rows)
    return keyset_page(items, limit)


@router.post(
    "",
    dependencies=[Depends(MANAGE_PEOPLE)],
    response_model=EmployeeRead,
    status_code=status.HTTP_201_CREATED,
    summary="Add an employee",
    responses=problem_responses(401, 403, 409, 422),
    openapi_extra=answer_headers(201, etag=True, location=True),
)
async def create_employee(
    data: EmployeeCreate, service: EmployeeServiceDep, response: Response
) -> EmployeeRead:
    employee = await service.read(await service.create(data))
    response.headers["ETag"] = etag_for(employee.version)
    response.headers["Location"] = f"{router.prefix}/{employee.id}"
    return employee


@router.get(
    "/{employee_id}",
    dependencies=[Depends(READ_ORG)],
    response_model=EmployeeRead,
    summary="Get one employee",
    responses=problem_responses(401, 403, 404, 422),
    openapi_extra=answer_headers(200, etag=True),
)
async def get_employee(
    employee_id: IdPath, service: EmployeeServiceDep, response: Response
) -> EmployeeRead:
    employee = await service.read(await service.get(employee_id))
    response.headers["ETag"] = etag_for(employee.version)
    return employee


@router.patch(
    "/{employee_id}",
    dependencies=[Depends(MANAGE_PEOPLE)],
    response_model=EmployeeRead,
    summary="Change an employee (needs If-Match)",
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
    openapi_extra=answer_headers(200, etag=True),
)
async def update_employee(
    employee_id: IdPath,
    data: EmployeeUpdate,
    service: EmployeeServiceDep,
    response: Response,
    if_match: IfMatch = None,
) -> EmployeeRead:
    employee = await service.read(await service.update(employee_id, data, if_match))
    response.headers["ETag"] = etag_for(employee.version)
    return employee
