"""Loads departments, positions in force and current people, and builds the org chart."""

from __future__ import annotations

from services.staff.departments.repository import DepartmentRepository
from services.staff.employees.placement import OrgPlacement
from services.staff.employees.repository import CURRENT_STATUSES, EmployeeRepository
from services.staff.orgchart.rules import (
    ChartDepartment,
    ChartPerson,
    ChartPosition,
    build_org_chart,
)
from services.staff.orgchart.schemas import OrgChart
from services.staff.positions.models import VersionStatus
from services.staff.positions.repository import PositionRepository
from shared.errors import NotFound


class OrgChartService:
    """The org chart of the whole organisation or of one department."""

    def __init__(
        self,
        departments: DepartmentRepository,
        positions: PositionRepository,
        employees: EmployeeRepository,
    ) -> None:
        self.departments = departments
        self.positions = positions
        self.employees = employees

    async def chart(self, department_id: int | None = None) -> OrgChart:
        if department_id is not None and await self.departments.get(department_id) is None:
            raise NotFound(f"department {department_id} does not exist")
        departments = [
            ChartDepartment(d.id, d.code, d.name, d.parent_id, d.planned_headcount)
            for d in await self.departments.list_all()
            if d.id is not None
        ]
        positions = [
            ChartPosition(
                p.code,
                v.title,
                v.department_id,
                v.reports_to_code,
                v.headcount_quota,
                in_force=v.status == VersionStatus.APPROVED.value,
            )
            for p, v in await self.positions.list()
            if v is not None
        ]
        current = await self.employees.list(statuses=CURRENT_STATUSES)
        placements = await OrgPlacement(self.employees, self.positions).place(current)
        people = [
            ChartPerson(
                e.id,
                e.employee_no,
                e.name,
                e.status,
                e.position_code,
                placements[e.id].department_id,
            )
            for e in current
            if e.id is not None
        ]
        return build_org_chart(departments, positions, people, department_id)
