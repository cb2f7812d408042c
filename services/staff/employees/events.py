"""Org events (docs/contracts.md): one outbox message per employee change and receiver.

Receivers keep the highest ``version`` they saw, so when a change elsewhere alters an
employee's derived facts (a new holder of the superior position changes the derived
manager, an approved description changes the authority limits) that employee's row version
is bumped and an event is written for it too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from services.staff.employees.models import Employee
from services.staff.employees.placement import OrgPlacement, Placement
from services.staff.employees.repository import EmployeeRepository
from services.staff.outbox import ORG_EVENT_PATHS, STAFF_OUTBOX
from services.staff.positions.repository import PositionRepository
from shared.outbox import enqueue

ORG_EVENT_KIND = "org_employee"


def org_event(employee: Employee, placement: Placement) -> dict[str, Any]:
    """The contract's event for one employee."""
    return {
        "event_id": str(uuid.uuid4()),
        "employee_id": employee.id,
        "employee_no": employee.employee_no,
        "name": employee.name,
        "position_code": employee.position_code,
        "department_id": placement.department_id,
        "manager_id": placement.manager_id,
        "status": employee.status,
        "authority_limits": placement.authority_limits,
        "version": employee.version,
    }


class OrgEventPublisher:
    """Writes org events into the staff outbox, in the caller's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.employees = EmployeeRepository(session)
        self.positions = PositionRepository(session)
        self.placement = OrgPlacement(self.employees, self.positions)

    async def publish(self, employees: Sequence[Employee]) -> None:
        """One event per employee to every receiver."""
        placements = await self.placement.place(employees)
        for employee in employees:
            assert employee.id is not None
            event = org_event(employee, placements[employee.id])
            for destination, path in ORG_EVENT_PATHS.items():
                await enqueue(
                    self.session,
                    STAFF_OUTBOX,
                    destination=destination,
                    path=path,
                    payload={"events": [event]},
                    key=event["event_id"],
                    kind=ORG_EVENT_KIND,
                )

    async def _derived_reports(self, position_codes: Iterable[str]) -> list[Employee]:
        """Current holders of the positions that report to these, whose manager is derived."""
        codes = sorted(set(position_codes))
        if not codes:
            return []
        below = [
            p.code for code in codes for p, _ in await self.positions.list(reports_to_code=code)
        ]
        return [e for e in await self.employees.current_holders(below) if e.manager_id is None]

    async def _bump(self, employees: Iterable[Employee]) -> None:
        for employee in employees:
            employee.version += 1
            self.session.add(employee)
        await self.session.flush()

    async def publish_change(self, employee: Employee, previous_position_code: str | None) -> None:
        """Events for a changed employee and for those whose derived manager may follow."""
        codes = {c for c in (employee.position_code, previous_position_code) if c}
        others = [e for e in await self._derived_reports(codes) if e.id != employee.id]
        await self._bump(others)
        await self.publish([employee, *others])

    async def publish_for_positions(self, position_codes: Sequence[str]) -> None:
        """Events for the holders of positions whose description in force changed."""
        holders = list(await self.employees.current_holders(position_codes))
        await self._bump(holders)
        await self.publish(holders)
