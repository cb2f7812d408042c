"""Keeping the org copy current (staff's events, a full resync) and the questions every
service asks it. Never commits: the request owns the transaction."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime
from typing import Any, Generic

from pydantic import ValidationError

from shared.errors import BadGateway, NotFound
from shared.org_copy.repository import ACTIVE, E, OrgCopyRepository, OrgStandInRepository, P, S
from shared.org_copy.rules import newest_per_employee, newest_per_stand_in
from shared.org_copy.staff_source import StaffEmployeeItem, StaffEmployeePages
from shared.org_events import (
    OrgEmployeeEvent,
    OrgEventsApplied,
    OrgResyncResult,
    OrgStandInEvent,
)

MAX_RESYNC_PAGES = 10_000


def _state(event: OrgEmployeeEvent | StaffEmployeeItem) -> dict[str, Any]:
    return {
        "employee_id": event.employee_id,
        "employee_no": event.employee_no,
        "name": event.name,
        "position_code": event.position_code,
        "department_id": event.department_id,
        "manager_id": event.manager_id,
        "status": event.status.value,
        "authority_limits": event.authority_limits,
        "version": event.version,
    }


class OrgCopyService(Generic[E, P]):
    """The org copy of one service and what it answers."""

    def __init__(self, repository: OrgCopyRepository[E, P], *, service: str) -> None:
        self.repository = repository
        self.service = service

    async def _apply(self, events: Iterable[OrgEmployeeEvent | StaffEmployeeItem]) -> int:
        rows = [_state(event) for event in newest_per_employee(list(events))]
        return await self.repository.upsert_newer(rows)

    async def apply_events(self, events: Collection[OrgEmployeeEvent]) -> OrgEventsApplied:
        """Apply a delivery; duplicates and out-of-order events change nothing."""
        applied = await self._apply(events)
        return OrgEventsApplied(applied=applied, ignored=len(events) - applied)

    async def resync_from(self, staff: StaffEmployeePages, *, page_size: int) -> OrgResyncResult:
        """Read every employee from staff, page by page, and keep what is newer."""
        pages = received = applied = 0
        cursor: str | None = None
        while pages < MAX_RESYNC_PAGES:
            page = await staff.employees_page(cursor, page_size)
            try:
                items = [StaffEmployeeItem.model_validate(item) for item in page["items"]]
            except (KeyError, TypeError, ValidationError) as exc:
                raise BadGateway(
                    f"staff's employee list page {pages + 1} is not readable: {exc}"
                ) from exc
            pages += 1
            received += len(items)
            applied += await self._apply(items)
            next_cursor = page.get("next_cursor")
            if not next_cursor or not items:
                break
            cursor = str(next_cursor)
        return OrgResyncResult(
            pages=pages, received=received, applied=applied, ignored=received - applied
        )

    async def get(self, employee_id: int) -> E:
        employee = await self.repository.get(employee_id)
        if employee is None:
            raise NotFound(f"employee {employee_id} is not in the {self.service} org copy")
        return employee

    async def is_active(self, employee_id: int) -> bool:
        """Whether the employee is known and active."""
        employee = await self.repository.get(employee_id)
        return employee is not None and employee.status == ACTIVE

    async def reporting_subtree(self, manager_id: int) -> list[int]:
        """The manager and everyone reporting to them now."""
        return await self.repository.reporting_subtree(manager_id)

    async def manager_chain(self, employee_id: int) -> list[E]:
        """The employee's managers now, nearest first (404 for an unknown employee)."""
        await self.get(employee_id)
        return await self.repository.manager_chain(employee_id)

    async def state_at(self, employee_id: int, at: datetime) -> P:
        """The employee as the copy held them at ``at`` (404 before the copy knew them)."""
        state = await self.repository.state_at(employee_id, at)
        if state is None:
            raise NotFound(f"employee {employee_id} was not in the {self.service} org copy at {at}")
        return state

    async def reporting_subtree_at(self, manager_id: int, at: datetime) -> list[int]:
        """The manager and everyone who reported to them at ``at``."""
        return await self.repository.reporting_subtree_at(manager_id, at)

    async def manager_chain_at(self, employee_id: int, at: datetime) -> list[int]:
        """The ids of the employee's managers at ``at``, nearest first."""
        return await self.repository.manager_chain_at(employee_id, at)


class OrgStandInService(Generic[S]):
    """The stand-ins of one service's org copy (staff's ``org_stand_in`` events)."""

    def __init__(self, repository: OrgStandInRepository[S]) -> None:
        self.repository = repository

    async def apply_events(self, events: Collection[OrgStandInEvent]) -> OrgEventsApplied:
        """Apply a delivery; the highest version per stand-in wins, so duplicates and
        out-of-order events change nothing."""
        rows = [
            {
                "stand_in_id": event.stand_in_id,
                "absent_employee_id": event.absent_employee_id,
                "stand_in_employee_id": event.stand_in_employee_id,
                "starts_on": event.starts_on,
                "ends_on": event.ends_on,
                "cancelled": event.cancelled,
                "version": event.version,
            }
            for event in newest_per_stand_in(list(events))
        ]
        applied = await self.repository.upsert_newer(rows)
        return OrgEventsApplied(applied=applied, ignored=len(events) - applied)

    async def absent_ids_on(self, stand_in_employee_id: int, day: date) -> set[int]:
        """Whom ``stand_in_employee_id`` acts for on ``day``."""
        return await self.repository.absent_ids_on(stand_in_employee_id, day)
