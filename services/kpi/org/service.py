"""The kpi service's org copy (shared.org_copy) and the population questions kpi asks it."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from services.kpi.org.models import OrgEmployee, OrgEmployeePeriod, OrgStandIn
from services.kpi.org.repository import OrgRepository, StandInRepository
from shared.org_copy.service import OrgCopyService, OrgStandInService
from shared.org_copy.staff_source import StaffEmployeePages
from shared.org_events import OrgResyncResult


class OrgService(OrgCopyService[OrgEmployee, OrgEmployeePeriod]):
    """Keeps the copy current; never calls staff on the hot path."""

    repository: OrgRepository

    def __init__(self, repository: OrgRepository) -> None:
        super().__init__(repository, service="kpi")

    async def resync(self, staff: StaffEmployeePages, *, page_size: int) -> OrgResyncResult:
        """Read every employee from staff page by page and apply what is newer."""
        return await self.resync_from(staff, page_size=page_size)

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

    async def is_manager_of(self, manager_id: int, employee_id: int) -> bool:
        """Whether ``manager_id`` is the employee's (effective) manager in the copy."""
        employee = await self.get(employee_id)
        return employee.manager_id == manager_id


class StandInService(OrgStandInService[OrgStandIn]):
    """The stand-ins staff has told this copy about."""

    repository: StandInRepository

    def __init__(self, repository: StandInRepository) -> None:
        super().__init__(repository)
