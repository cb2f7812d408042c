"""Every query on account teams."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, update
from sqlmodel import col, select

from services.clients.db import Repository
from services.clients.teams.models import AccountTeamMember


class TeamRepository(Repository):
    """Queries for account-team members, bound to the request's session."""

    async def members(self, account_id: int) -> Sequence[AccountTeamMember]:
        result = await self.session.exec(
            select(AccountTeamMember)
            .where(col(AccountTeamMember.account_id) == account_id)
            .order_by(col(AccountTeamMember.employee_id))
        )
        return result.all()

    async def get(
        self, account_id: int, employee_id: int, *, for_update: bool = False
    ) -> AccountTeamMember | None:
        query = select(AccountTeamMember).where(
            col(AccountTeamMember.account_id) == account_id,
            col(AccountTeamMember.employee_id) == employee_id,
        )
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        result = await self.session.exec(query)
        return result.first()

    async def remove(self, member: AccountTeamMember) -> None:
        await self.session.delete(member)
        await self.session.flush()

    async def hand_over(self, from_employee_id: int, to_employee_id: int) -> int:
        """Move a leaver's memberships to his successor (where the successor is not on
        that team already; there the leaver's place goes). The number moved."""
        taken = select(col(AccountTeamMember.account_id)).where(
            col(AccountTeamMember.employee_id) == to_employee_id
        )
        moved = await self.session.exec(
            update(AccountTeamMember)
            .where(
                col(AccountTeamMember.employee_id) == from_employee_id,
                col(AccountTeamMember.account_id).not_in(taken),
            )
            .values(employee_id=to_employee_id, version=AccountTeamMember.version + 1)
        )
        await self.session.exec(
            delete(AccountTeamMember).where(col(AccountTeamMember.employee_id) == from_employee_id)
        )
        await self.session.flush()
        return int(moved.rowcount or 0)
