"""The rules of stand-ins: who may name one, no two for the same person on the same day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from services.staff.employees.placement import OrgPlacement
from services.staff.employees.repository import EmployeeRepository
from services.staff.positions.repository import PositionRepository
from services.staff.standins.events import publish_stand_in
from services.staff.standins.models import StandIn
from services.staff.standins.repository import StandInRepository
from services.staff.standins.schemas import StandInCreate
from shared.auth.principal import Principal, Role
from shared.errors import Duplicate, Forbidden, NotFound, UnprocessableContent


class StandInService:
    """Naming, cancelling and asking about stand-ins; every change is published."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.stand_ins = StandInRepository(session)
        self.employees = EmployeeRepository(session)
        self.placement = OrgPlacement(self.employees, PositionRepository(session))

    async def _may_arrange_for(self, actor: Principal, absent_employee_id: int) -> bool:
        """The absent person, their manager, or an administrator."""
        if actor.has_any_role(frozenset({Role.ADMIN})):
            return True
        if actor.employee_id is None:
            return False
        if actor.employee_id == absent_employee_id:
            return True
        absent = await self.employees.get(absent_employee_id)
        if absent is None:
            return False
        placement = (await self.placement.place([absent]))[absent_employee_id]
        return placement.manager_id == actor.employee_id

    async def name(self, actor: Principal, data: StandInCreate) -> StandIn:
        """A new stand-in; 409 when the absent person already has one on any of the days."""
        # The row lock serialises two namings for the same person (the overlap check holds).
        absent = await self.employees.get_for_update(data.absent_employee_id)
        if absent is None:
            raise UnprocessableContent(f"employee {data.absent_employee_id} does not exist")
        if not await self._may_arrange_for(actor, data.absent_employee_id):
            raise Forbidden("only the person, their manager or an administrator names a stand-in")
        stand_in = await self.employees.get(data.stand_in_employee_id)
        if stand_in is None or stand_in.status != "active":
            raise UnprocessableContent(
                f"employee {data.stand_in_employee_id} is not an active employee"
            )
        clashes = await self.stand_ins.overlapping(absent.id or 0, data.starts_on, data.ends_on)
        if clashes:
            first = clashes[0]
            raise Duplicate(
                f"employee {absent.id} already has stand-in {first.id} "
                f"from {first.starts_on} to {first.ends_on}",
                extra={"conflicting_stand_in_id": first.id},
            )
        created = await self.stand_ins.save(
            StandIn(**data.model_dump(), named_by=actor.subject[:64])
        )
        await publish_stand_in(self.session, created)
        return created

    async def cancel(self, actor: Principal, stand_in_id: int, now: datetime) -> StandIn:
        """End a stand-in now (idempotent); for those who may arrange it."""
        stand_in = await self.stand_ins.get(stand_in_id)
        if stand_in is None or not await self._may_arrange_for(actor, stand_in.absent_employee_id):
            raise NotFound(f"stand-in {stand_in_id} not found")
        if stand_in.cancelled_at is None:
            stand_in.cancelled_at = now
            stand_in.version += 1
            stand_in = await self.stand_ins.save(stand_in)
            await publish_stand_in(self.session, stand_in)
        return stand_in

    async def find(
        self,
        *,
        absent_employee_id: int | None,
        stand_in_employee_id: int | None,
        on: date | None,
        include_cancelled: bool = False,
        after_id: int | None = None,
        limit: int = 50,
    ) -> Sequence[StandIn]:
        return await self.stand_ins.find(
            absent_employee_id=absent_employee_id,
            stand_in_employee_id=stand_in_employee_id,
            on=on,
            include_cancelled=include_cancelled,
            after_id=after_id,
            limit=limit,
        )

    async def named_for(self, employee_id: int, today: date) -> list[StandIn]:
        """Stand-ins of this person that are current or still to come."""
        rows = await self.stand_ins.find(
            absent_employee_id=employee_id,
            stand_in_employee_id=None,
            on=None,
            include_cancelled=False,
            after_id=None,
            limit=200,
        )
        return [row for row in rows if row.ends_on >= today]

    async def represented_on(self, employee_id: int, day: date) -> list[int]:
        """Whom this person stands in for on ``day``."""
        return await self.stand_ins.represented_on(employee_id, day)
