"""Every query on indicators."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.kpi.indicators.models import Indicator


class IndicatorRepository:
    """Queries for the indicator library."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, indicator_id: int, *, for_update: bool = False) -> Indicator | None:
        return await self.session.get(
            Indicator, indicator_id, with_for_update=for_update, populate_existing=for_update
        )

    async def get_by_code(self, code: str) -> Indicator | None:
        result = await self.session.exec(select(Indicator).where(col(Indicator.code) == code))
        return result.first()

    async def get_many(self, indicator_ids: Collection[int]) -> dict[int, Indicator]:
        if not indicator_ids:
            return {}
        result = await self.session.exec(
            select(Indicator).where(col(Indicator.id).in_(list(indicator_ids)))
        )
        return {row.id: row for row in result.all() if row.id is not None}

    async def list(
        self,
        *,
        kind: str | None,
        direction: str | None = None,
        metric: str | None = None,
        after_id: int | None,
        limit: int,
    ) -> Sequence[Indicator]:
        query = select(Indicator).order_by(col(Indicator.id)).limit(limit)
        if kind is not None:
            query = query.where(col(Indicator.kind) == kind)
        if direction is not None:
            query = query.where(col(Indicator.direction) == direction)
        if metric is not None:
            query = query.where(col(Indicator.metric) == metric)
        if after_id is not None:
            query = query.where(col(Indicator.id) > after_id)
        result = await self.session.exec(query)
        return result.all()

    async def add(self, indicator: Indicator) -> Indicator:
        self.session.add(indicator)
        await self.session.flush()
        await self.session.refresh(indicator)
        return indicator

    async def save(self, indicator: Indicator) -> Indicator:
        """Write a changed indicator, bumping its version and update time."""
        indicator.version += 1
        self.session.add(indicator)
        await self.session.flush()
        await self.session.refresh(indicator)
        return indicator
