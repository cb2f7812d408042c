"""The qualification check per employee and the qualification rate per department."""

from __future__ import annotations

from services.staff.catalogue.schema import EducationLevel, Qualifications
from services.staff.departments.repository import DepartmentRepository
from services.staff.employees.models import Employee
from services.staff.employees.placement import OrgPlacement, Placement
from services.staff.employees.repository import CURRENT_STATUSES, EmployeeRepository
from services.staff.positions.repository import PositionRepository
from services.staff.qualifications.rules import (
    RequirementCheck,
    check_qualifications,
    meets_all,
    qualification_rate,
    reporting_subtree,
)
from services.staff.qualifications.schemas import (
    QualificationCheck,
    QualificationMetrics,
    QualificationMetricsItem,
    QualificationRate,
    RequirementRead,
)
from shared.auth.principal import Principal, Role
from shared.errors import NotFound

SEES_EVERYONE = frozenset({Role.ADMIN, Role.DEPT_MANAGER, Role.APPRAISAL_ADMIN, Role.EXECUTIVE})
"""Who reads every person's qualification check; a team lead reads his own line's."""


def _checks(employee: Employee, placement: Placement) -> list[RequirementCheck] | None:
    version = placement.approved_version
    if version is None or not version.qualifications:
        return None
    return check_qualifications(
        Qualifications.model_validate(version.qualifications),
        education_level=EducationLevel(employee.education_level)
        if employee.education_level
        else None,
        years_experience=employee.years_experience,
        major=employee.major,
        skills=employee.skills,
        certifications=employee.certifications,
    )


class QualificationService:
    """Compares employees with the approved requirements of their positions."""

    def __init__(
        self,
        employees: EmployeeRepository,
        positions: PositionRepository,
        departments: DepartmentRepository,
    ) -> None:
        self.employees = employees
        self.departments = departments
        self.placement = OrgPlacement(employees, positions)

    async def _line_of(self, reader: Principal) -> frozenset[int] | None:
        """The people whose checks ``reader`` reads (None: everyone): his reporting
        subtree by the org chart, himself included. Appraisal-like data, so scoped."""
        if reader.is_service or reader.has_any_role(SEES_EVERYONE):
            return None
        if reader.employee_id is None:
            return frozenset()
        people = await self.employees.list(statuses=CURRENT_STATUSES)
        placements = await self.placement.place(people)
        managers = {p.id: placements[p.id].manager_id for p in people if p.id is not None}
        return reporting_subtree(managers, reader.employee_id)

    async def check_employee(self, employee_id: int, reader: Principal) -> QualificationCheck:
        employee = await self.employees.get(employee_id)
        line = await self._line_of(reader)
        # Outside the reader's line answers exactly like a missing employee.
        if employee is None or (line is not None and employee_id not in line):
            raise NotFound(f"employee {employee_id} does not exist")
        assert employee.id is not None
        placement = (await self.placement.place([employee]))[employee.id]
        checks = _checks(employee, placement)
        approved = placement.approved_version
        return QualificationCheck(
            employee_id=employee.id,
            position_code=employee.position_code,
            position_version_no=approved.version_no if approved else None,
            assessable=checks is not None,
            meets_all=meets_all(checks) if checks is not None else None,
            requirements=[
                RequirementRead.model_validate(c, from_attributes=True) for c in checks or []
            ],
            missing=[f"{c.requirement}:{c.required}" for c in checks or [] if not c.met],
        )

    async def department_rate(
        self, department_id: int, reader: Principal | None
    ) -> QualificationRate:
        """The rate over the department's people (sub-departments included) in the
        reader's line (``None``: everyone, for the metrics batch the route already guards);
        a department where no one reports to him answers like a missing one."""
        if await self.departments.get(department_id) is None:
            raise NotFound(f"department {department_id} does not exist")
        subtree = await self.departments.subtree_ids(department_id)
        people = await self.employees.list(department_ids=subtree, statuses=CURRENT_STATUSES)
        line = None if reader is None else await self._line_of(reader)
        if line is not None and reader is not None:
            people = [p for p in people if p.id in line]
            if not [p for p in people if p.id != reader.employee_id]:
                raise NotFound(f"department {department_id} does not exist")
        placements = await self.placement.place(people)
        assessed = meeting = 0
        not_meeting: list[int] = []
        for person in people:
            assert person.id is not None
            checks = _checks(person, placements[person.id])
            if checks is None:
                continue
            assessed += 1
            if meets_all(checks):
                meeting += 1
            else:
                not_meeting.append(person.id)
        return QualificationRate(
            department_id=department_id,
            employees=len(people),
            assessed=assessed,
            meeting_all=meeting,
            rate_percent=qualification_rate(meeting, assessed),
            not_meeting=not_meeting,
        )

    async def metrics_batch(self, period: str, employee_ids: list[int]) -> QualificationMetrics:
        """Each employee's department rate (one computation per distinct department).

        Unknown employees are left out of the answer, like a metrics batch of clients.
        """
        people = await self.employees.get_many(sorted(set(employee_ids)))
        placements = await self.placement.place(people)
        rates: dict[int, QualificationRate] = {}
        items = []
        for person in people:
            assert person.id is not None
            department_id = placements[person.id].department_id
            if department_id is not None and department_id not in rates:
                rates[department_id] = await self.department_rate(department_id, None)
            items.append(
                QualificationMetricsItem(
                    employee_id=person.id,
                    department_id=department_id,
                    qualification_rate=rates[department_id].rate_percent
                    if department_id is not None
                    else None,
                )
            )
        return QualificationMetrics(period=period, items=items)
