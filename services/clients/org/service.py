"""Keeping the org copy current: events from staff, full resync, and the questions
other domains ask it (is this owner active, who reports to this manager, what may this
person adjust). Never commits: the request owns the transaction."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from services.clients.org.models import OrgEmployee
from services.clients.org.repository import ACTIVE, OrgRepository
from services.clients.org.rules import credit_adjustment_limit, newest_per_employee
from services.clients.org.schemas import StaffEmployeeItem
from shared.errors import BadGateway, NotFound
from shared.http_client import ServiceClient
from shared.org_events import OrgEmployeeEvent, OrgEventsApplied, OrgResyncResult

STAFF_EMPLOYEES_PATH = "/v1/staff/employees"
RESYNC_PAGE_SIZE = 200
RESYNC_MAX_PAGES = 10_000


def _row(event: OrgEmployeeEvent | StaffEmployeeItem, received_at: datetime) -> dict[str, Any]:
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
        "received_at": received_at,
    }


class OrgService:
    """The org copy and what it answers."""

    def __init__(self, repository: OrgRepository) -> None:
        self.repository = repository

    async def _apply(self, events: Iterable[OrgEmployeeEvent | StaffEmployeeItem]) -> int:
        now = datetime.now(UTC)
        rows = [_row(event, now) for event in newest_per_employee(list(events))]
        return await self.repository.upsert_newer(rows)

    async def apply_events(self, events: list[OrgEmployeeEvent]) -> OrgEventsApplied:
        """Apply a delivery; duplicates and out-of-order events change nothing."""
        applied = await self._apply(events)
        return OrgEventsApplied(applied=applied, ignored=len(events) - applied)

    async def resync(self, staff: ServiceClient) -> OrgResyncResult:
        """Read every employee from staff, page by page, and keep what is newer."""
        pages = received = applied = 0
        cursor: str | None = None
        while pages < RESYNC_MAX_PAGES:
            params: dict[str, Any] = {"limit": RESYNC_PAGE_SIZE}
            if cursor:
                params["cursor"] = cursor
            response = await staff.request("GET", STAFF_EMPLOYEES_PATH, params=params)
            if response.status_code != 200:
                raise BadGateway(
                    f"staff answered {response.status_code} to {STAFF_EMPLOYEES_PATH}; "
                    "the org copy was not changed"
                )
            try:
                body = response.json()
                items = [StaffEmployeeItem.model_validate(item) for item in body["items"]]
                next_cursor = body.get("next_cursor")
            except (ValueError, KeyError, TypeError, ValidationError) as exc:
                raise BadGateway(
                    f"staff's {STAFF_EMPLOYEES_PATH} page {pages + 1} is not readable: {exc}"
                ) from exc
            pages += 1
            received += len(items)
            applied += await self._apply(items)
            if not next_cursor or not items:
                break
            cursor = str(next_cursor)
        return OrgResyncResult(
            pages=pages, received=received, applied=applied, ignored=received - applied
        )

    async def get(self, employee_id: int) -> OrgEmployee:
        employee = await self.repository.get(employee_id)
        if employee is None:
            raise NotFound(f"employee {employee_id} is not in the org copy")
        return employee

    async def is_active(self, employee_id: int) -> bool:
        """Whether the employee is known and active."""
        employee = await self.repository.get(employee_id)
        return employee is not None and employee.status == ACTIVE

    async def inactive_reasons(self, employee_ids: Collection[int]) -> dict[int, str]:
        """For each id that cannot own accounts, why: unknown, on_leave or departed."""
        statuses = await self.repository.statuses(employee_ids)
        reasons = {}
        for employee_id in employee_ids:
            status = statuses.get(employee_id)
            if status is None:
                reasons[employee_id] = "unknown"
            elif status != ACTIVE:
                reasons[employee_id] = status
        return reasons

    async def reporting_subtree(self, manager_id: int) -> list[int]:
        """The manager and everyone reporting to them (for team-lead scoping)."""
        return await self.repository.subtree(manager_id)

    async def credit_adjustment_limit(self, employee_id: int) -> int | None:
        """The actor's credit-score authority; None if unknown, not active or not granted."""
        employee = await self.repository.get(employee_id)
        if employee is None or employee.status != ACTIVE:
            return None
        return credit_adjustment_limit(employee.authority_limits)


def owner_problem(employee_id: int, reason: str) -> str:
    """The precise sentence for an employee who may not own accounts."""
    if reason == "unknown":
        return f"employee {employee_id} is not known in the organisation"
    return f"employee {employee_id} is {reason.replace('_', ' ')}, not an active employee"
