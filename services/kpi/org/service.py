"""The org copy: apply staff's events, resync from staff, answer reporting-line questions."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, Protocol

from pydantic import ValidationError

from services.kpi.org.models import OrgEmployee
from services.kpi.org.repository import OrgRepository
from shared.errors import BadGateway, NotFound
from shared.org_events import OrgEmployeeEvent, OrgEventsApplied, OrgResyncResult

EMPLOYEES_PATH = "/v1/staff/employees"
MAX_RESYNC_PAGES = 10_000


class StaffEmployeesPages(Protocol):
    """What the resync needs from staff: one page of ``GET /v1/staff/employees``."""

    async def employees_page(self, cursor: str | None, limit: int) -> dict[str, Any]: ...


def _newest_per_employee(events: Sequence[OrgEmployeeEvent]) -> list[dict[str, Any]]:
    newest: dict[int, OrgEmployeeEvent] = {}
    for event in events:
        held = newest.get(event.employee_id)
        if held is None or event.version > held.version:
            newest[event.employee_id] = event
    return [event.model_dump(mode="json", exclude={"event_id"}) for event in newest.values()]


class OrgService:
    """Keeps the copy current; never calls staff on the hot path."""

    def __init__(self, repository: OrgRepository) -> None:
        self.repository = repository

    async def apply_events(self, events: Sequence[OrgEmployeeEvent]) -> OrgEventsApplied:
        """Upsert the newest version of each employee; older or repeated events are ignored."""
        applied = await self.repository.upsert_newer(_newest_per_employee(events))
        return OrgEventsApplied(applied=applied, ignored=len(events) - applied)

    async def resync(self, staff: StaffEmployeesPages, *, page_size: int) -> OrgResyncResult:
        """Read every employee from staff page by page and apply what is newer."""
        cursor: str | None = None
        pages = received = applied = 0
        while pages < MAX_RESYNC_PAGES:
            page = await staff.employees_page(cursor, page_size)
            pages += 1
            try:
                events = [_event_from_staff_row(row) for row in page.get("items", [])]
            except (ValidationError, TypeError, AttributeError) as exc:
                raise BadGateway(f"staff sent an employee this service cannot read: {exc}") from exc
            received += len(events)
            applied += (await self.apply_events(events)).applied
            cursor = page.get("next_cursor")
            if not cursor:
                break
        return OrgResyncResult(
            pages=pages, received=received, applied=applied, ignored=received - applied
        )

    async def get(self, employee_id: int) -> OrgEmployee:
        employee = await self.repository.get(employee_id)
        if employee is None:
            raise NotFound(f"employee {employee_id} is not in kpi's org copy")
        return employee

    async def list_page(
        self,
        *,
        department_ids: Collection[int] | None = None,
        position_codes: Collection[str] | None = None,
        manager_id: int | None = None,
        status: str | None = None,
        after_id: int | None = None,
        limit: int = 50,
    ) -> Sequence[OrgEmployee]:
        return await self.repository.list_page(
            department_ids=department_ids,
            position_codes=position_codes,
            manager_id=manager_id,
            status=status,
            after_id=after_id,
            limit=limit,
        )

    async def manager_chain(self, employee_id: int) -> list[OrgEmployee]:
        await self.get(employee_id)
        return await self.repository.manager_chain(employee_id)

    async def is_manager_of(self, manager_id: int, employee_id: int) -> bool:
        """Whether ``manager_id`` is the employee's (effective) manager in the copy."""
        employee = await self.get(employee_id)
        return employee.manager_id == manager_id


def _event_from_staff_row(row: dict[str, Any]) -> OrgEmployeeEvent:
    # Staff's list rows carry the same fields as its events, without an event id; its
    # own id may be called ``id``.
    data = dict(row)
    data.setdefault("employee_id", data.get("id"))
    data.setdefault("event_id", "00000000-0000-0000-0000-000000000000")
    return OrgEmployeeEvent.model_validate(data)
