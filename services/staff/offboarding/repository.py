"""Every query on departures and their handovers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.staff.offboarding.models import Departure, DepartureHandover


class DepartureRepository:
    """Queries for departures, bound to the request's (or the dispatcher's) session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, departure_id: int) -> Departure | None:
        return await self.session.get(Departure, departure_id)

    async def get_for_update(self, departure_id: int) -> Departure | None:
        result = await self.session.exec(
            select(Departure).where(col(Departure.id) == departure_id).with_for_update()
        )
        return result.first()

    async def get_by_employee(self, employee_id: int) -> Departure | None:
        result = await self.session.exec(
            select(Departure).where(col(Departure.employee_id) == employee_id)
        )
        return result.first()

    async def list(
        self, *, status: str | None, employee_id: int | None, after_id: int | None, limit: int
    ) -> Sequence[Departure]:
        query = select(Departure).order_by(col(Departure.id)).limit(limit)
        if status is not None:
            query = query.where(col(Departure.status) == status)
        if employee_id is not None:
            query = query.where(col(Departure.employee_id) == employee_id)
        if after_id is not None:
            query = query.where(col(Departure.id) > after_id)
        result = await self.session.exec(query)
        return result.all()

    async def handovers(self, departure_ids: Sequence[int]) -> Sequence[DepartureHandover]:
        if not departure_ids:
            return []
        result = await self.session.exec(
            select(DepartureHandover)
            .where(col(DepartureHandover.departure_id).in_(list(departure_ids)))
            .order_by(col(DepartureHandover.departure_id), col(DepartureHandover.sequence))
        )
        return result.all()

    async def get_handover(self, handover_id: uuid.UUID) -> DepartureHandover | None:
        return await self.session.get(DepartureHandover, handover_id)

    async def add(self, row: Departure | DepartureHandover) -> None:
        self.session.add(row)
        await self.session.flush()
        await self.session.refresh(row)
