"""The org copy's queries bound to schema ``clients``, and the reporting-subtree SELECT
other domains embed in their own queries."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import BindParameter
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from services.clients.org.models import OrgEmployee, OrgEmployeePeriod, OrgStandIn
from shared.org_copy.repository import (
    ACTIVE,
    OrgCopyRepository,
    OrgStandInRepository,
    reporting_subtree_select,
    table_of,
)

__all__ = ["ACTIVE", "OrgRepository", "StandInRepository", "queues_of", "reporting_subtree_ids"]


def reporting_subtree_ids(manager_id: int | BindParameter[int]) -> SelectOfScalar[int]:
    """A SELECT of ``manager_id`` and everyone reporting to them now (``owner_id IN (…)``)."""
    return reporting_subtree_select(table_of(OrgEmployee), manager_id)


def queues_of(employee_id: int) -> SelectOfScalar[int | None]:
    """A SELECT of the department of ``employee_id`` while active (a service queue he
    may pick tickets from, where that department is one)."""
    employees = table_of(OrgEmployee)
    return select(employees.c.department_id).where(
        employees.c.employee_id == employee_id, employees.c.status == ACTIVE
    )


class OrgRepository(OrgCopyRepository[OrgEmployee, OrgEmployeePeriod]):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, OrgEmployee, OrgEmployeePeriod)

    async def subtree(self, manager_id: int) -> list[int]:
        """``manager_id`` and every employee below them, sorted."""
        return await self.reporting_subtree(manager_id)

    async def active_in_departments(
        self, employee_ids: Collection[int], department_ids: Collection[int]
    ) -> set[int]:
        """The ids among ``employee_ids`` of active employees of ``department_ids``."""
        if not employee_ids or not department_ids:
            return set()
        employees = self.employees
        result = await self.session.exec(
            select(employees.c.employee_id).where(
                employees.c.employee_id.in_(list(employee_ids)),
                employees.c.department_id.in_(list(department_ids)),
                employees.c.status == ACTIVE,
            )
        )
        return {int(row) for row in result.all()}

    async def names(self, employee_ids: Collection[int]) -> dict[int, tuple[str, str | None]]:
        """Name and employee number (工号) of each known employee among ``employee_ids``."""
        if not employee_ids:
            return {}
        employees = self.employees
        result = await self.session.exec(
            select(employees.c.employee_id, employees.c.name, employees.c.employee_no).where(
                employees.c.employee_id.in_(list(employee_ids))
            )
        )
        return {int(row[0]): (row[1], row[2]) for row in result.all()}

    async def ids_by_number(self, employee_nos: Collection[str]) -> dict[str, int]:
        """The employee holding each 工号 among ``employee_nos`` (unknown ones absent)."""
        if not employee_nos:
            return {}
        employees = self.employees
        result = await self.session.exec(
            select(employees.c.employee_no, employees.c.employee_id).where(
                employees.c.employee_no.in_(list(employee_nos))
            )
        )
        return {row[0]: int(row[1]) for row in result.all()}

    async def ids_by_name(self, names: Collection[str]) -> dict[str, list[int]]:
        """The active employees bearing each name among ``names`` (namesakes all listed)."""
        if not names:
            return {}
        employees = self.employees
        result = await self.session.exec(
            select(employees.c.name, employees.c.employee_id)
            .where(employees.c.name.in_(list(names)), employees.c.status == ACTIVE)
            .order_by(employees.c.employee_id)
        )
        found: dict[str, list[int]] = {}
        for name, employee_id in result.all():
            found.setdefault(name, []).append(int(employee_id))
        return found


class StandInRepository(OrgStandInRepository[OrgStandIn]):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, OrgStandIn)
