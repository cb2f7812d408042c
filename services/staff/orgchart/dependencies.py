"""Dependency aliases of the org chart API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.staff.departments.repository import DepartmentRepository
from services.staff.employees.repository import EmployeeRepository
from services.staff.orgchart.service import OrgChartService
from services.staff.positions.repository import PositionRepository
from shared.db import SessionDep


def org_chart_service(session: SessionDep) -> OrgChartService:
    return OrgChartService(
        DepartmentRepository(session), PositionRepository(session), EmployeeRepository(session)
    )


OrgChartServiceDep = Annotated[OrgChartService, Depends(org_chart_service)]
