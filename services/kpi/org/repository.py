"""Every query on the org copy."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, literal
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.kpi.org.models import OrgEmployee

ACTIVE = "active"
DEPARTED = "departed"


class OrgRepository:
    """Queries on ``org_employees``."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert_newer(self, rows: Sequence[dict[str, Any]]) -> int:
        """Insert or update employees whose ``version`` is newer than the copy's; count them.

        One statement; a row whose version is not newer is left alone, so a duplicate or
        late delivery changes nothing.
        """
        if not rows:
            return 0
        table = OrgEmployee.__table__  # type: ignore[attr-defined]
        statement = insert(table).values(list(rows))
        changed = {
            name: statement.excluded[name]
            for name in (
                "employee_no", "name", "position_code", "department_id", "manager_id",
                "status", "authority_limits", "version",
            )
        }  # fmt: skip
        upsert = statement.on_conflict_do_update(
            index_elements=[table.c.employee_id],
            set_={**changed, "updated_at": func.now()},
            where=table.c.version < statement.excluded.version,
        ).returning(table.c.employee_id)
        result = await self.session.exec(upsert)
        return len(result.all())

    async def get(self, employee_id: int) -> OrgEmployee | None:
        return await self.session.get(OrgEmployee, employee_id)

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

    async def reporting_subtree(self, manager_id: int, *, max_depth: int = 20) -> list[int]:
        """The manager and everyone reporting to them, directly or not."""
        table = OrgEmployee.__table__  # type: ignore[attr-defined]
        start = (
            select(table.c.employee_id, literal(0).label("depth"))
            .where(table.c.employee_id == manager_id)
            .cte("subtree", recursive=True)
        )
        step = (
            select(table.c.employee_id, start.c.depth + 1)
            .join(start, table.c.manager_id == start.c.employee_id)
            .where(start.c.depth < max_depth)
        )
        subtree = start.union_all(step)
        result = await self.session.exec(select(subtree.c.employee_id))
        return sorted({manager_id, *(int(row) for row in result.all())})

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

    async def manager_chain(self, employee_id: int, *, max_depth: int = 20) -> list[OrgEmployee]:
        """The employee's manager, their manager and so on up to the top (nearest first)."""
        table = OrgEmployee.__table__  # type: ignore[attr-defined]
        start = (
            select(table.c.manager_id.label("employee_id"), literal(1).label("depth"))
            .where(table.c.employee_id == employee_id)
            .cte("chain", recursive=True)
        )
        step = (
            select(table.c.manager_id, start.c.depth + 1)
            .join(start, table.c.employee_id == start.c.employee_id)
            .where(table.c.manager_id.is_not(None), start.c.depth < max_depth)
        )
        chain = start.union_all(step)
        query = (
            select(OrgEmployee)
            .join(chain, col(OrgEmployee.employee_id) == chain.c.employee_id)
            .order_by(chain.c.depth)
        )
        result = await self.session.exec(query)
        return list(result.all())

    async def department_members_at(
        self, department_id: int, at: date, *, max_depth: int = 20
    ) -> dict[int, int]:
        """Employees (not departed) of the department's subtree on ``at``: employee → department.

        The copy holds no department tree, so the subtree is read from the reporting lines:
        the department's members and everyone reporting to them, directly or not.

        ``at`` is where the dated org copy plugs in: today's copy is current-only, so it
        answers with the current rows; once rows carry ``valid_from``/``valid_to`` this
        method (and nothing else) filters on them.
        """
        del at  # the current copy has no dates yet; see the docstring
        table = OrgEmployee.__table__  # type: ignore[attr-defined]
        start = (
            select(table.c.employee_id, literal(0).label("depth"))
            .where(table.c.department_id == department_id)
            .cte("members", recursive=True)
        )
        step = (
            select(table.c.employee_id, start.c.depth + 1)
            .join(start, table.c.manager_id == start.c.employee_id)
            .where(start.c.depth < max_depth)
        )
        members = start.union_all(step)
        result = await self.session.exec(
            select(table.c.employee_id, table.c.department_id).where(
                table.c.employee_id.in_(select(members.c.employee_id)),
                table.c.status != DEPARTED,
                table.c.department_id.is_not(None),
            )
        )
        return {int(row[0]): int(row[1]) for row in result.all()}
