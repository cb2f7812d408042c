"""The org copy's queries bound to schema ``clients``, and the reporting-subtree SELECT
other domains embed in their own queries."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from services.clients.org.models import OrgEmployee, OrgEmployeePeriod, OrgStandIn
from shared.org_copy.repository import (
    ACTIVE,
    OrgCopyRepository,
    OrgStandInRepository,
    reporting_subtree_select,
    table_of,
)

__all__ = ["ACTIVE", "OrgRepository", "StandInRepository", "reporting_subtree_ids"]


def reporting_subtree_ids(manager_id: int) -> SelectOfScalar[int]:
    """A SELECT of ``manager_id`` and everyone reporting to them now (``owner_id IN (…)``)."""
    return reporting_subtree_select(table_of(OrgEmployee), manager_id)


class OrgRepository(OrgCopyRepository[OrgEmployee, OrgEmployeePeriod]):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, OrgEmployee, OrgEmployeePeriod)

    async def subtree(self, manager_id: int) -> list[int]:
        """``manager_id`` and every employee below them, sorted."""
        return await self.reporting_subtree(manager_id)


class StandInRepository(OrgStandInRepository[OrgStandIn]):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, OrgStandIn)
