"""Dependency aliases of the qualification API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.staff.departments.repository import DepartmentRepository
from services.staff.employees.repository import EmployeeRepository
from services.staff.positions.repository import PositionRepository
from services.staff.qualifications.service import QualificationService
from shared.db import SessionDep


def qualification_service(session: SessionDep) -> QualificationService:
    return QualificationService(
        EmployeeRepository(session), PositionRepository(session), DepartmentRepository(session)
    )


QualificationServiceDep = Annotated[QualificationService, Depends(qualification_service)]
