"""Every query on the org copy, including the reporting-subtree CTE other domains reuse."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, literal
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from services.clients.org.models import OrgEmployee

ACTIVE = "active"


def reporting_subtree_ids(manager_id: int) -> SelectOfScalar[int]:
    """A SELECT of ``manager_id`` and everyone reporting to them, directly or not.

    A recursive CTE over ``manager_id``; ``UNION`` (not ``UNION ALL``) stops a loop in bad
    data from recursing for ever. Usable as ``owner_id IN (…)`` inside other queries.
    """
    employees = cast(Table, OrgEmployee.__table__)  # type: ignore[attr-defined]
    subtree = select(literal(manager_id).label("employee_id")).cte(
        "reporting_subtree", recursive=True
    )
    subtree = subtree.union(
        select(employees.c.employee_id).join(
            subtree, employees.c.manager_id == subtree.c.employee_id
        )
    )
    return select(cast(Any, subtree.c.employee_id))


class OrgRepository:
    """Queries on ``org_employees``, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, employee_id: int) -> OrgEmployee | None:
        return await self.session.get(OrgEmployee, employee_id)

    async def upsert_newer(self, rows: Sequence[Mapping[str, Any]]) -> int:
        """Insert unknown employees and replace known ones whose version is older.

        Returns how many rows changed. ``rows`` must hold each employee at most once.
        """
        if not rows:
            return 0
        inserting = insert(OrgEmployee).values(list(rows))
        excluded = inserting.excluded
        statement = inserting.on_conflict_do_update(
            index_elements=[col(OrgEmployee.employee_id)],
            set_={
                "employee_no": excluded.employee_no,
                "name": excluded.name,
                "position_code": excluded.position_code,
                "department_id": excluded.department_id,
                "manager_id": excluded.manager_id,
                "status": excluded.status,
                "authority_limits": excluded.authority_limits,
                "version": excluded.version,
                "received_at": excluded.received_at,
            },
            where=col(OrgEmployee.version) < excluded.version,
        ).returning(col(OrgEmployee.employee_id))
        result = await self.session.exec(statement)
        changed = len(result.all())
        # The ORM may hold stale copies of the rows just replaced.
        self.session.expire_all()
        return changed

    async def active_among(self, employee_ids: Collection[int]) -> set[int]:
        """The ids among ``employee_ids`` that are active employees in the copy."""
        if not employee_ids:
            return set()
        result = await self.session.exec(
            select(col(OrgEmployee.employee_id)).where(
                col(OrgEmployee.employee_id).in_(list(employee_ids)),
                col(OrgEmployee.status) == ACTIVE,
            )
        )
        return set(result.all())

    async def statuses(self, employee_ids: Collection[int]) -> dict[int, str]:
        """Status of each known employee among ``employee_ids`` (unknown ones are absent)."""
        if not employee_ids:
            return {}
        result = await self.session.exec(
            select(col(OrgEmployee.employee_id), col(OrgEmployee.status)).where(
                col(OrgEmployee.employee_id).in_(list(employee_ids))
            )
        )
        return dict(result.all())

    async def subtree(self, manager_id: int) -> list[int]:
        """``manager_id`` and every employee below them, sorted."""
        result = await self.session.exec(reporting_subtree_ids(manager_id))
        return sorted(result.all())
