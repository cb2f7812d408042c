"""Where an employee sits in the organisation: effective department, manager, authorities.

Derived, never stored twice: the department comes from the position's description unless
the employee overrides it; the manager is the holder of the reports-to position unless set
explicitly; authority limits come from the approved description.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from services.staff.employees.models import Employee
from services.staff.employees.repository import EmployeeRepository
from services.staff.employees.rules import authority_limits, derived_manager
from services.staff.positions.models import PositionVersion, VersionStatus
from services.staff.positions.repository import PositionRepository


@dataclass(frozen=True)
class Placement:
    """The derived facts of one employee."""

    department_id: int | None
    manager_id: int | None
    position_version: PositionVersion | None = None
    authority_limits: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def approved_version(self) -> PositionVersion | None:
        """The position's description in force, when it has one."""
        version = self.position_version
        return version if version and version.status == VersionStatus.APPROVED.value else None


class OrgPlacement:
    """Computes :class:`Placement` for a batch of employees with a fixed number of queries."""

    def __init__(self, employees: EmployeeRepository, positions: PositionRepository) -> None:
        self.employees = employees
        self.positions = positions

    async def place(self, employees: Sequence[Employee]) -> dict[int, Placement]:
        codes = sorted({e.position_code for e in employees if e.position_code})
        versions = {
            position.code: version
            for position, version in (await self.positions.list(codes=codes) if codes else [])
        }
        superiors = sorted(
            {v.reports_to_code for v in versions.values() if v and v.reports_to_code}
        )
        holders: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for holder in await self.employees.current_holders(superiors):
            assert holder.id is not None and holder.position_code is not None
            holders[holder.position_code].append((holder.id, holder.status))
        placements: dict[int, Placement] = {}
        for employee in employees:
            assert employee.id is not None
            version = versions.get(employee.position_code or "")
            manager = employee.manager_id
            if manager is None and version is not None and version.reports_to_code:
                manager = derived_manager(employee.id, holders[version.reports_to_code])
            department = employee.department_id
            if department is None and version is not None:
                department = version.department_id
            approved = version if version and version.status == VersionStatus.APPROVED else None
            placements[employee.id] = Placement(
                department_id=department,
                manager_id=manager,
                position_version=version,
                authority_limits=authority_limits(approved.authorities if approved else None),
            )
        return placements
