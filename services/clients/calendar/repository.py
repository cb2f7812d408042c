"""Every query on the business calendar's days."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.calendar.models import CalendarDay
from services.clients.db import Repository


class CalendarRepository(Repository):
    """Queries on ``calendar_days``, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, day: date) -> CalendarDay | None:
        return await self.session.get(CalendarDay, day)

    async def delete(self, record: CalendarDay) -> None:
        await self.session.delete(record)
        await self.session.flush()

    async def between(self, first: date, last: date) -> Sequence[CalendarDay]:
        """The special days from ``first`` to ``last`` inclusive, in order."""
        result = await self.session.exec(
            select(CalendarDay)
            .where(col(CalendarDay.day) >= first, col(CalendarDay.day) <= last)
            .order_by(col(CalendarDay.day))
        )
        return result.all()
