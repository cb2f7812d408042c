"""Every query on employees."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.staff.employees.models import Employee
from services.staff.positions.models import Position, PositionVersion
from services.staff.positions.repository import effective_versions_subquery

CURRENT_STATUSES = ("active", "on_leave")


class EmployeeRepository:
    """Queries for employees, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, employee_id: int) -> Employee | None:
        return await self.session.get(Employee, employee_id)

    async def get_for_update(self, employee_id: int) -> Employee | None:
        result = await self.session.exec(
            select(Employee).where(col(Employee.id) == employee_id).with_for_update()
        )
        return result.first()

    async def get_many(self, employee_ids: Sequence[int]) -> Sequence[Employee]:
        """These employees (unknown ids are left out), by id."""
        result = await self.session.exec(
            select(Employee)
            .where(col(Employee.id).in_(list(employee_ids)))
            .order_by(col(Employee.id))
        )
        return result.all()

    async def get_by_no(self, employee_no: str) -> Employee | None:
        result = await self.session.exec(
            select(Employee).where(col(Employee.employee_no) == employee_no)
        )
        return result.first()

    async def list(
        self,
        *,
        department_ids: Sequence[int] | None = None,
        statuses: Sequence[str] | None = None,
        position_code: str | None = None,
        text_query: str | None = None,
        after_id: int | None = None,
        limit: int | None = None,
    ) -> Sequence[Employee]:
        """Employees by id; the department filter applies to the effective department."""
        query = select(Employee).order_by(col(Employee.id))
        if department_ids is not None:
            effective = aliased(PositionVersion, effective_versions_subquery())
            query = (
                query.outerjoin(Position, col(Position.code) == col(Employee.position_code))
                .outerjoin(effective, col(effective.position_id) == col(Position.id))
                .where(
                    func.coalesce(Employee.department_id, effective.department_id).in_(
                        list(department_ids)
                    )
                )
            )
        if statuses is not None:
            query = query.where(col(Employee.status).in_(list(statuses)))
        if position_code is not None:
            query = query.where(col(Employee.position_code) == position_code)
        if text_query:
            pattern = f"%{text_query}%"
            query = query.where(
                or_(col(Employee.name).ilike(pattern), col(Employee.employee_no).ilike(pattern))
            )
        if after_id is not None:
            query = query.where(col(Employee.id) > after_id)
        if limit is not None:
            query = query.limit(limit)
        result = await self.session.exec(query)
        return result.all()

    async def current_holders(self, position_codes: Sequence[str]) -> Sequence[Employee]:
        """Employees who hold one of the positions now (active or on leave), by id."""
        if not position_codes:
            return []
        result = await self.session.exec(
            select(Employee)
            .where(
                col(Employee.position_code).in_(list(position_codes)),
                col(Employee.status).in_(CURRENT_STATUSES),
            )
            .order_by(col(Employee.id))
        )
        return result.all()

    async def add(self, employee: Employee) -> Employee:
        self.session.add(employee)
        await self.session.flush()
        await self.session.refresh(employee)
        return employee
