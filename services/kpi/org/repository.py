"""The org copy's queries bound to schema ``kpi``, and the population lists only kpi reads."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, time

from sqlalchemy import literal
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.kpi.org.models import OrgEmployee, OrgEmployeePeriod, OrgStandIn
from shared.org_copy.repository import ACTIVE, OrgCopyRepository, OrgStandInRepository

__all__ = ["ACTIVE", "DEPARTED", "OrgRepository", "StandInRepository"]

DEPARTED = "departed"


class OrgRepository(OrgCopyRepository[OrgEmployee, OrgEmployeePeriod]):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, OrgEmployee, OrgEmployeePeriod)

    async def list_page(
        self,
        *,
        department_ids: Collection[int] | None,
        position_codes: Collection[str] | None,
        manager_id: int | None,
        status: str | None,
        after_id: int | None,
        limit: int,
    ) -> Sequence[OrgEmployee]:
        query = select(OrgEmployee).order_by(col(OrgEmployee.employee_id)).limit(limit)
        if department_ids:
            query = query.where(col(OrgEmployee.department_id).in_(list(department_ids)))
        if position_codes:
            query = query.where(col(OrgEmployee.position_code).in_(list(position_codes)))
        if manager_id is not None:
            query = query.where(col(OrgEmployee.manager_id) == manager_id)
        if status is not None:
            query = query.where(col(OrgEmployee.status) == status)
        if after_id is not None:
            query = query.where(col(OrgEmployee.employee_id) > after_id)
        result = await self.session.exec(query)
        return result.all()

    async def departments_of(self, employee_ids: Collection[int]) -> list[int]:
        """The distinct departments these employees belong to."""
        result = await self.session.exec(
            select(OrgEmployee.department_id)
            .where(
                col(OrgEmployee.employee_id).in_(sorted(employee_ids)),
                col(OrgEmployee.department_id).is_not(None),
            )
            .distinct()
        )
        return sorted(int(row) for row in result.all() if row is not None)

    async def department_members_at(
        self, department_id: int, at: date, *, max_depth: int = 20
    ) -> dict[int, int]:
        """Employees (not departed) of the department's subtree at the end of ``at`` (UTC),
        as the dated copy held them: employee → department.

        The copy holds no department tree, so the subtree is read from the reporting lines
        of that time: the department's members and everyone reporting to them, directly or
        not. A person the copy had not heard of by then is not a member.
        """
        moment = datetime.combine(at, time.max, tzinfo=UTC)
        periods = self.periods
        held = self._held_at(moment)
        start = (
            select(periods.c.employee_id, literal(0).label("depth"))
            .where(periods.c.department_id == department_id, held)
            .cte("members", recursive=True)
        )
        step = (
            select(periods.c.employee_id, start.c.depth + 1)
            .join(start, periods.c.manager_id == start.c.employee_id)
            .where(held, start.c.depth < max_depth)
        )
        members = start.union_all(step)
        result = await self.session.exec(
            select(periods.c.employee_id, periods.c.department_id).where(
                periods.c.employee_id.in_(select(members.c.employee_id)),
                held,
                periods.c.status != DEPARTED,
                periods.c.department_id.is_not(None),
            )
        )
        return {int(row[0]): int(row[1]) for row in result.all()}


class StandInRepository(OrgStandInRepository[OrgStandIn]):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, OrgStandIn)
