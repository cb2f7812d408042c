"""Account teams: who besides the owner serves an account, and how far they may go.
Managed by the owner's line (the owner, his manager chain, the department manager,
administrators); read by anyone who sees the account. Never commits."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from services.clients.access import require_assignable, sees_owner
from services.clients.accounts.models import Account
from services.clients.accounts.repository import AccountRepository
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail, changed_fields, snapshot
from services.clients.org.repository import OrgRepository
from services.clients.teams.models import AccountTeamMember
from services.clients.teams.repository import TeamRepository
from services.clients.teams.schemas import TeamMemberCreate, TeamMemberUpdate
from shared.concurrency import check_if_match
from shared.errors import Duplicate, Forbidden, NotFound, UnprocessableContent


def _field_error(field: str, message: str, kind: str) -> UnprocessableContent:
    return UnprocessableContent(
        message, extra={"errors": [{"loc": ["body", field], "msg": message, "type": kind}]}
    )


class TeamService:
    """The team of one account, within the caller's scope."""

    def __init__(
        self,
        accounts: AccountRepository,
        org: OrgRepository,
        repository: TeamRepository,
        audit: AuditTrail,
        *,
        service_queues: Collection[int] = (),
    ) -> None:
        self.service_queues = frozenset(service_queues)
        self.accounts = accounts
        self.org = org
        self.repository = repository
        self.audit = audit

    async def _managed(self, account_id: int, owner_ids: Collection[int] | None) -> Account:
        """The account, if the caller's line owns it (team members may not manage the
        team; one who cannot see the account at all gets the missing answer)."""
        account = await self.accounts.visible(account_id, owner_ids)
        if not sees_owner(owner_ids, account.owner_id):
            raise Forbidden(
                f"only the owner of account {account_id}, his managers and the department "
                "manager change its team"
            )
        return account

    async def members(
        self, account_id: int, owner_ids: Collection[int] | None
    ) -> Sequence[AccountTeamMember]:
        await self.accounts.visible(account_id, owner_ids)
        return await self.repository.members(account_id)

    async def add(
        self,
        account_id: int,
        data: TeamMemberCreate,
        owner_ids: Collection[int] | None,
        actor_employee_id: int | None,
    ) -> AccountTeamMember:
        account = await self._managed(account_id, owner_ids)
        service_people = await self.org.active_in_departments(
            [data.employee_id], self.service_queues
        )
        require_assignable(owner_ids, data.employee_id, "employee_id", service_people)
        if not await self.org.active_among([data.employee_id]):
            raise _field_error(
                "employee_id", f"employee {data.employee_id} is not an active employee",
                "inactive_employee",
            )  # fmt: skip
        if data.employee_id == account.owner_id:
            raise _field_error(
                "employee_id", "the owner serves the account already", "owner_on_team"
            )
        if await self.repository.get(account_id, data.employee_id) is not None:
            raise Duplicate(
                f"employee {data.employee_id} is on the team of account {account_id} already",
                extra={"reason": "already_on_team"},
            )
        member = await self.repository.add(
            AccountTeamMember(
                account_id=account_id,
                employee_id=data.employee_id,
                role=data.role.value,
                access=data.access.value,
                added_by_employee_id=actor_employee_id,
            )
        )
        self.audit.record(
            entity=AuditEntity.ACCOUNT_TEAM,
            entity_id=data.employee_id,
            account_id=account_id,
            action="create",
            actor_employee_id=actor_employee_id,
            after=snapshot(member),
        )
        return member

    async def _member(self, account_id: int, employee_id: int) -> AccountTeamMember:
        member = await self.repository.get(account_id, employee_id, for_update=True)
        if member is None:
            raise NotFound(f"employee {employee_id} is not on the team of account {account_id}")
        return member

    async def change(
        self,
        account_id: int,
        employee_id: int,
        data: TeamMemberUpdate,
        if_match: str | None,
        owner_ids: Collection[int] | None,
        actor_employee_id: int | None,
    ) -> AccountTeamMember:
        await self._managed(account_id, owner_ids)
        member = await self._member(account_id, employee_id)
        check_if_match(if_match, member.version)
        before = snapshot(member)
        for field, value in data.model_dump(exclude_unset=True).items():
            if value is None:
                raise _field_error(field, f"{field} cannot be empty", "missing")
            setattr(member, field, value.value)
        if snapshot(member) == before:
            return member
        member.version += 1
        await self.repository.add(member)
        old, new = changed_fields(before, snapshot(member))
        self.audit.record(
            entity=AuditEntity.ACCOUNT_TEAM,
            entity_id=employee_id,
            account_id=account_id,
            action="update",
            actor_employee_id=actor_employee_id,
            before=old,
            after=new,
        )
        return member

    async def remove(
        self,
        account_id: int,
        employee_id: int,
        if_match: str | None,
        owner_ids: Collection[int] | None,
        actor_employee_id: int | None,
    ) -> None:
        await self._managed(account_id, owner_ids)
        member = await self._member(account_id, employee_id)
        check_if_match(if_match, member.version)
        before = snapshot(member)
        await self.repository.remove(member)
        self.audit.record(
            entity=AuditEntity.ACCOUNT_TEAM,
            entity_id=employee_id,
            account_id=account_id,
            action="delete",
            actor_employee_id=actor_employee_id,
            before=before,
        )
