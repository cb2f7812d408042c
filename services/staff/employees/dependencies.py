"""Dependency aliases of the employees API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.staff.departments.repository import DepartmentRepository
from services.staff.employees.events import OrgEventPublisher
from services.staff.employees.repository import EmployeeRepository
from services.staff.employees.service import EmployeeService
from services.staff.positions.repository import PositionRepository
from shared.db import SessionDep


def employee_service(session: SessionDep) -> EmployeeService:
    return EmployeeService(
        EmployeeRepository(session),
        PositionRepository(session),
        DepartmentRepository(session),
        OrgEventPublisher(session),
    )


EmployeeServiceDep = Annotated[EmployeeService, Depends(employee_service)]
