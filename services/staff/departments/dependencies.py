"""Dependency aliases of the departments API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.staff.departments.repository import DepartmentRepository
from services.staff.departments.service import DepartmentService
from shared.db import SessionDep


def department_service(session: SessionDep) -> DepartmentService:
    return DepartmentService(DepartmentRepository(session))


DepartmentServiceDep = Annotated[DepartmentService, Depends(department_service)]
