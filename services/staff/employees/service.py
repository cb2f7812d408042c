"""Rules of employees: references, overrides, and an org event for every change.

Never commits: the request owns the transaction, so a change and its outbox events commit
together.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError

from services.staff.audit.recorder import change_entry, changed_fields
from services.staff.departments.repository import DepartmentRepository
from services.staff.employees.events import OrgEventPublisher
from services.staff.employees.models import Employee
from services.staff.employees.placement import OrgPlacement, Placement
from services.staff.employees.repository import EmployeeRepository
from services.staff.employees.schemas import EmployeeCreate, EmployeeRead, EmployeeUpdate
from services.staff.positions.repository import PositionRepository
from shared.concurrency import check_if_match
from shared.errors import Duplicate, HierarchyCycle, NotFound, RecordClosed, UnprocessableContent


def reference_error(field: str, detail: str) -> UnprocessableContent:
    """A 422 naming the body field that refers to something that does not exist."""
    return UnprocessableContent(
        detail,
        extra={"errors": [{"loc": ["body", field], "msg": detail, "type": "reference"}]},
    )


def employee_read(employee: Employee, placement: Placement) -> EmployeeRead:
    """The API view of an employee with its derived department and manager."""
    return EmployeeRead.model_validate(
        employee.model_dump()
        | {
            "department_id": placement.department_id,
            "department_explicit": employee.department_id is not None,
            "manager_id": placement.manager_id,
            "manager_explicit": employee.manager_id is not None,
        }
    )


class EmployeeService:
    """Create, change, find and place employees."""

    def __init__(
        self,
        repository: EmployeeRepository,
        positions: PositionRepository,
        departments: DepartmentRepository,
        org_events: OrgEventPublisher,
    ) -> None:
        self.repository = repository
        self.positions = positions
        self.departments = departments
        self.org_events = org_events
        self.placement = OrgPlacement(repository, positions)

    async def get(self, employee_id: int) -> Employee:
        employee = await self.repository.get(employee_id)
        if employee is None:
            raise NotFound(f"employee {employee_id} does not exist")
        return employee

    async def read(self, employee: Employee) -> EmployeeRead:
        assert employee.id is not None
        return employee_read(employee, (await self.placement.place([employee]))[employee.id])

    async def read_many(self, employees: Sequence[Employee]) -> list[EmployeeRead]:
        placements = await self.placement.place(employees)
        return [employee_read(e, placements[e.id]) for e in employees if e.id is not None]

    async def list(
        self,
        *,
        department_id: int | None,
        status: str | None,
        position_code: str | None,
        text_query: str | None,
        after_id: int | None,
        limit: int,
    ) -> Sequence[Employee]:
        return await self.repository.list(
            department_ids=[department_id] if department_id is not None else None,
            statuses=[status] if status is not None else None,
            position_code=position_code,
            text_query=text_query,
            after_id=after_id,
            limit=limit,
        )

    async def _check_references(self, employee_id: int | None, values: dict[str, Any]) -> None:
        code = values.get("position_code")
        if code is not None and await self.positions.get_by_code(code) is None:
            raise reference_error("position_code", f"position {code} does not exist")
        department_id = values.get("department_id")
        if department_id is not None and await self.departments.get(department_id) is None:
            raise reference_error("department_id", f"department {department_id} does not exist")
        manager_id = values.get("manager_id")
        if manager_id is None:
            return
        if manager_id == employee_id:
            raise reference_error("manager_id", "an employee cannot be their own manager")
        seen = {employee_id}
        manager = await self.repository.get(manager_id)
        if manager is None:
            raise reference_error("manager_id", f"employee {manager_id} does not exist")
        if manager.status == "departed":
            raise RecordClosed(f"employee {manager_id} has departed and cannot be a manager")
        while manager is not None and manager.manager_id is not None:
            if manager.manager_id in seen:
                raise HierarchyCycle(f"manager {manager_id} would make a reporting cycle")
            seen.add(manager.id)
            manager = await self.repository.get(manager.manager_id)

    async def create(self, data: EmployeeCreate) -> Employee:
        if await self.repository.get_by_no(data.employee_no) is not None:
            raise Duplicate(f"an employee numbered {data.employee_no} already exists")
        values = data.model_dump(mode="json")
        await self._check_references(None, values)
        employee = Employee.model_validate(values)
        try:
            await self.repository.add(employee)
        except IntegrityError as exc:  # a concurrent create with the same number
            raise Duplicate(f"an employee numbered {data.employee_no} already exists") from exc
        self.repository.session.add(
            change_entry("employee_created", entity="employee", entity_id=employee.id,
                         before=None, after=values)
        )  # fmt: skip
        await self.org_events.publish_change(employee, previous_position_code=None)
        return employee

    async def update(
        self, employee_id: int, data: EmployeeUpdate, if_match: str | None
    ) -> Employee:
        """Apply a partial change; the row is locked before its version is compared, so
        two editors with the same ETag cannot both pass the check (one gets 412)."""
        employee = await self.repository.get_for_update(employee_id)
        if employee is None:
            raise NotFound(f"employee {employee_id} does not exist")
        check_if_match(if_match, employee.version)
        if employee.status == "departed":
            raise RecordClosed(f"employee {employee_id} has departed; their record is closed")
        changes = data.model_dump(mode="json", exclude_unset=True)
        for required in ("name", "hire_date", "status", "years_experience", "skills"):
            if required in changes and changes[required] is None:
                raise reference_error(required, f"{required} cannot be null")
        if changes.get("certifications", []) is None:
            raise reference_error("certifications", "certifications cannot be null")
        await self._check_references(employee_id, changes)
        previous_position = employee.position_code
        before = changed_fields(employee, changes)
        for field, value in changes.items():
            setattr(employee, field, value)
        employee.version += 1
        self.repository.session.add(
            change_entry("employee_updated", entity="employee", entity_id=employee_id,
                         before=before, after=changes)
        )  # fmt: skip
        await self.repository.add(employee)
        await self.org_events.publish_change(employee, previous_position_code=previous_position)
        return employee
