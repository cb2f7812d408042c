"""The clients service's org copy (shared.org_copy) and the questions only clients asks it:
may this employee own accounts, what credit-score authority does this person hold."""

from __future__ import annotations

from collections.abc import Collection

from services.clients.org.models import OrgEmployee, OrgEmployeePeriod, OrgStandIn
from services.clients.org.repository import ACTIVE, OrgRepository, StandInRepository
from services.clients.org.rules import credit_adjustment_limit
from shared.http_client import ServiceClient
from shared.org_copy.service import OrgCopyService, OrgStandInService
from shared.org_copy.staff_source import StaffEmployeesClient
from shared.org_events import OrgResyncResult

RESYNC_PAGE_SIZE = 200


class OrgService(OrgCopyService[OrgEmployee, OrgEmployeePeriod]):
    """The org copy and what it answers."""

    repository: OrgRepository

    def __init__(self, repository: OrgRepository) -> None:
        super().__init__(repository, service="clients")

    async def resync(self, staff: ServiceClient) -> OrgResyncResult:
        """Read every employee from staff and keep what is newer."""
        return await self.resync_from(StaffEmployeesClient(staff), page_size=RESYNC_PAGE_SIZE)

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


class StandInService(OrgStandInService[OrgStandIn]):
    """The stand-ins staff has told this copy about."""

    repository: StandInRepository

    def __init__(self, repository: StandInRepository) -> None:
        super().__init__(repository)
