"""Every query on appraisal cycles."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.kpi.cycles.models import AppraisalCycle


class CycleRepository:
    """Queries on ``appraisal_cycles``."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, cycle_id: int, *, for_update: bool = False) -> AppraisalCycle | None:
        query = select(AppraisalCycle).where(col(AppraisalCycle.id) == cycle_id)
        if for_update:
            query = query.with_for_update()
        result = await self.session.exec(query.execution_options(populate_existing=True))
        return result.first()

    async def list_page(
        self,
        *,
        state: str | None,
        period_kind: str | None,
        period: str | None,
        after_id: int | None,
        limit: int,
    ) -> Sequence[AppraisalCycle]:
        query = select(AppraisalCycle).order_by(col(AppraisalCycle.id)).limit(limit)
        if state is not None:
            query = query.where(col(AppraisalCycle.state) == state)
        if period_kind is not None:
            query = query.where(col(AppraisalCycle.period_kind) == period_kind)
        if period is not None:
            query = query.where(col(AppraisalCycle.period) == period)
        if after_id is not None:
            query = query.where(col(AppraisalCycle.id) > after_id)
        result = await self.session.exec(query)
        return result.all()

    async def add(self, cycle: AppraisalCycle) -> AppraisalCycle:
        self.session.add(cycle)
        await self.session.flush()
        await self.session.refresh(cycle)
        return cycle

    async def save(self, cycle: AppraisalCycle) -> AppraisalCycle:
        cycle.version += 1
        self.session.add(cycle)
        await self.session.flush()
        await self.session.refresh(cycle)
        return cycle
