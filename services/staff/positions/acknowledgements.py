"""本人已阅: employees acknowledge the description of their position that is in force.

An acknowledgement belongs to one approved version, so approving a new version makes
everyone holding the position owe a new one. Managers see who still owes one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from services.staff.employees.placement import OrgPlacement
from services.staff.employees.repository import CURRENT_STATUSES, EmployeeRepository
from services.staff.positions.models import PositionAcknowledgement
from services.staff.positions.repository import PositionRepository
from shared.auth.principal import Principal, Role
from shared.errors import ConcurrentChange, Forbidden, NotFound, UnmetPrerequisite

SEES_EVERYONE = frozenset({Role.ADMIN, Role.DEPT_MANAGER})


@dataclass(frozen=True)
class Acknowledgement:
    employee_id: int
    position_code: str
    version_no: int
    acknowledged_at: datetime


@dataclass(frozen=True)
class Outstanding:
    """Someone who has not acknowledged the version of his position in force."""

    employee_id: int
    employee_no: str
    name: str
    manager_id: int | None
    position_code: str
    version_no: int
    approved_at: datetime | None


class AcknowledgementService:
    """Record an acknowledgement; list who owes one."""

    def __init__(self, positions: PositionRepository, employees: EmployeeRepository) -> None:
        self.positions = positions
        self.employees = employees

    async def acknowledge(
        self, actor: Principal, position_id: int, version_no: int
    ) -> Acknowledgement:
        """The caller's acknowledgement of ``version_no``, which must be the version of his
        own position in force (409 otherwise); acknowledging twice changes nothing."""
        employee = (
            await self.employees.get(actor.employee_id) if actor.employee_id is not None else None
        )
        if employee is None or employee.id is None or employee.status not in CURRENT_STATUSES:
            raise Forbidden("only a current employee acknowledges a position description")
        position = await self.positions.get(position_id)
        if position is None:
            raise NotFound(f"position {position_id} does not exist")
        if employee.position_code != position.code:
            raise UnmetPrerequisite(
                f"{position.code} is not your position"
                + (f" (yours is {employee.position_code})" if employee.position_code else ""),
                extra={"your_position_code": employee.position_code},
            )
        in_force = await self.positions.approved_version(position_id)
        if in_force is None or in_force.id is None or in_force.version_no != version_no:
            raise UnmetPrerequisite(
                f"version {version_no} of {position.code} is not in force"
                + (f"; version {in_force.version_no} is" if in_force else ""),
                extra={"in_force_version_no": in_force.version_no if in_force else None},
            )
        existing = await self.positions.acknowledgement(employee.id, in_force.id)
        if existing is None:
            existing = PositionAcknowledgement(
                employee_id=employee.id, position_version_id=in_force.id
            )
            try:
                await self.positions.add(existing)
            except IntegrityError as exc:  # the same person acknowledging twice at once
                raise ConcurrentChange("acknowledged concurrently; reload") from exc
        assert existing.acknowledged_at is not None
        return Acknowledgement(employee.id, position.code, version_no, existing.acknowledged_at)

    async def outstanding(
        self, actor: Principal, department_id: int | None = None
    ) -> Sequence[Outstanding]:
        """Current holders of a position with a version in force who have not acknowledged
        it: everyone for administrators and department managers, else the caller's direct
        reports (manager by the org chart)."""
        current = await self.employees.list(
            statuses=CURRENT_STATUSES,
            department_ids=[department_id] if department_id is not None else None,
        )
        holders = [e for e in current if e.position_code]
        placements = await OrgPlacement(self.employees, self.positions).place(holders)
        sees_everyone = actor.has_any_role(SEES_EVERYONE)
        in_force = {
            e.id: placements[e.id].approved_version
            for e in holders
            if e.id is not None
            and (
                sees_everyone
                or (
                    actor.employee_id is not None
                    and placements[e.id].manager_id == actor.employee_id
                )
            )
        }
        done = await self.positions.acknowledged(
            [v.id for v in in_force.values() if v is not None and v.id is not None]
        )
        return [
            Outstanding(
                employee_id=e.id,
                employee_no=e.employee_no,
                name=e.name,
                manager_id=placements[e.id].manager_id,
                position_code=e.position_code or "",
                version_no=version.version_no,
                approved_at=version.approved_at,
            )
            for e in holders
            if e.id is not None
            and (version := in_force.get(e.id)) is not None
            and version.id is not None
            and (e.id, version.id) not in done
        ]
