"""Every query on stand-ins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.staff.standins.models import StandIn


class StandInRepository:
    """Queries for stand-ins; cancelled ones are never current."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, stand_in_id: int) -> StandIn | None:
        return await self.session.get(StandIn, stand_in_id)

    async def overlapping(
        self, absent_employee_id: int, starts_on: date, ends_on: date
    ) -> Sequence[StandIn]:
        result = await self.session.exec(
            select(StandIn).where(
                col(StandIn.absent_employee_id) == absent_employee_id,
                col(StandIn.cancelled_at).is_(None),
                col(StandIn.starts_on) <= ends_on,
                col(StandIn.ends_on) >= starts_on,
            )
        )
        return result.all()

    async def find(
        self,
        *,
        absent_employee_id: int | None,
        stand_in_employee_id: int | None,
        on: date | None,
        include_cancelled: bool,
        after_id: int | None,
        limit: int,
    ) -> Sequence[StandIn]:
        query = select(StandIn).order_by(col(StandIn.id)).limit(limit)
        if absent_employee_id is not None:
            query = query.where(col(StandIn.absent_employee_id) == absent_employee_id)
        if stand_in_employee_id is not None:
            query = query.where(col(StandIn.stand_in_employee_id) == stand_in_employee_id)
        if on is not None:
            query = query.where(col(StandIn.starts_on) <= on, col(StandIn.ends_on) >= on)
        if not include_cancelled:
            query = query.where(col(StandIn.cancelled_at).is_(None))
        if after_id is not None:
            query = query.where(col(StandIn.id) > after_id)
        return (await self.session.exec(query)).all()

    async def represented_on(self, stand_in_employee_id: int, day: date) -> list[int]:
        """Whom this person stands in for on ``day``."""
        result = await self.session.exec(
            select(StandIn.absent_employee_id).where(
                col(StandIn.stand_in_employee_id) == stand_in_employee_id,
                col(StandIn.cancelled_at).is_(None),
                col(StandIn.starts_on) <= day,
                col(StandIn.ends_on) >= day,
            )
        )
        return sorted(set(result.all()))

    async def save(self, stand_in: StandIn) -> StandIn:
        self.session.add(stand_in)
        await self.session.flush()
        await self.session.refresh(stand_in)
        return stand_in
