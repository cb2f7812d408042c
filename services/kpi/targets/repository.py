"""Every query on target plans and their parts."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.kpi.access import KpiScope
from services.kpi.indicators.models import Indicator
from services.kpi.targets.models import TargetNode, TargetPlan


def _visible_plans(scope: KpiScope) -> Any | None:
    """Plans the caller has a part in: his department, one of his teams, or his people."""
    if scope.employee_ids is None:
        return None
    departments, employees = sorted(scope.department_ids), sorted(scope.employee_ids)
    nodes = TargetNode.__table__  # type: ignore[attr-defined]
    part = select(nodes.c.id).where(
        nodes.c.plan_id == TargetPlan.id,
        or_(nodes.c.team_id.in_(departments), nodes.c.employee_id.in_(employees)),
    )
    return or_(col(TargetPlan.department_id).in_(departments), part.exists())


class TargetRepository:
    """Queries on ``target_plans`` and ``target_nodes``."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, plan_id: int, scope: KpiScope) -> TargetPlan | None:
        query = select(TargetPlan).where(col(TargetPlan.id) == plan_id)
        if (visible := _visible_plans(scope)) is not None:
            query = query.where(visible)
        result = await self.session.exec(query)
        return result.first()

    async def find(self, indicator_id: int, year: int, department_id: int) -> TargetPlan | None:
        result = await self.session.exec(
            select(TargetPlan).where(
                col(TargetPlan.indicator_id) == indicator_id,
                col(TargetPlan.year) == year,
                col(TargetPlan.department_id) == department_id,
            )
        )
        return result.first()

    async def list_page(
        self,
        *,
        year: int | None,
        indicator_id: int | None,
        department_id: int | None,
        after_id: int | None,
        limit: int,
        scope: KpiScope,
    ) -> Sequence[TargetPlan]:
        query = select(TargetPlan).order_by(col(TargetPlan.id)).limit(limit)
        if (visible := _visible_plans(scope)) is not None:
            query = query.where(visible)
        if year is not None:
            query = query.where(col(TargetPlan.year) == year)
        if indicator_id is not None:
            query = query.where(col(TargetPlan.indicator_id) == indicator_id)
        if department_id is not None:
            query = query.where(col(TargetPlan.department_id) == department_id)
        if after_id is not None:
            query = query.where(col(TargetPlan.id) > after_id)
        result = await self.session.exec(query)
        return result.all()

    async def add(self, plan: TargetPlan) -> TargetPlan:
        self.session.add(plan)
        await self.session.flush()
        await self.session.refresh(plan)
        return plan

    async def touch(self, plan: TargetPlan) -> None:
        plan.version += 1
        self.session.add(plan)
        await self.session.flush()

    async def insert_nodes(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert parts in one executemany; their ids come back in the order given."""
        if not rows:
            return []
        result = await self.session.exec(
            insert(TargetNode).returning(col(TargetNode.id), sort_by_parameter_order=True),
            params=list(rows),
        )
        return [row[0] for row in result.all()]

    async def nodes(self, plan_id: int) -> Sequence[TargetNode]:
        result = await self.session.exec(
            select(TargetNode)
            .where(col(TargetNode.plan_id) == plan_id)
            .order_by(col(TargetNode.id))
            .execution_options(populate_existing=True)
        )
        return result.all()

    async def set_amounts(self, amounts: dict[int, Decimal]) -> None:
        """Change the amount of existing parts (bulk update by primary key)."""
        if amounts:
            await self.session.exec(
                update(TargetNode),
                params=[{"id": node_id, "amount": amount} for node_id, amount in amounts.items()],
            )
            await self.session.flush()

    async def monthly_amounts(
        self, indicator_code: str, year: int, employee_ids: Sequence[int]
    ) -> list[tuple[int, int, Decimal]]:
        """(employee, month, amount) of the month nodes of ``year``'s plans of the indicator
        coded ``indicator_code`` for ``employee_ids`` (summed over departments' plans)."""
        if not employee_ids:
            return []
        query = (
            select(
                col(TargetNode.employee_id),
                col(TargetNode.month),
                func.sum(col(TargetNode.amount)),
            )
            .join(TargetPlan, col(TargetPlan.id) == col(TargetNode.plan_id))
            .join(Indicator, col(Indicator.id) == col(TargetPlan.indicator_id))
            .where(
                col(Indicator.code) == indicator_code,
                col(TargetPlan.year) == year,
                col(TargetNode.level) == "month",
                col(TargetNode.employee_id).in_(list(employee_ids)),
            )
            .group_by(col(TargetNode.employee_id), col(TargetNode.month))
            .order_by(col(TargetNode.employee_id), col(TargetNode.month))
        )
        result = await self.session.exec(query)
        return [(int(e), int(m), Decimal(a)) for e, m, a in result.all() if e and m]
