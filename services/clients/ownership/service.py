"""Ownership (客户归属): every account always has an owner; moves are recorded and carry
the service work along as asked. Never commits: one request, one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping

from services.clients.access import require_assignable
from services.clients.accounts.models import Account
from services.clients.accounts.repository import AccountRepository
from services.clients.org.service import OrgService, owner_problem
from services.clients.ownership.models import Handover, OwnershipChange
from services.clients.ownership.repository import OwnershipRepository
from services.clients.ownership.schemas import (
    AccountTransfer,
    HandoverRequest,
    HandoverResult,
    HandoverStatus,
    TransferOptions,
    TransferResult,
)
from services.clients.teams.repository import TeamRepository
from shared.errors import NotFound, ServiceUnavailable, UnmetPrerequisite, UnprocessableContent


class OwnershipService:
    """Transfers, handovers and the ownership history."""

    def __init__(
        self,
        accounts: AccountRepository,
        repository: OwnershipRepository,
        org: OrgService,
        teams: TeamRepository,
    ) -> None:
        self.accounts = accounts
        self.repository = repository
        self.org = org
        self.teams = teams

    def record_first_owner(self, account: Account, actor_employee_id: int | None) -> None:
        """The ownership history starts when the account is created."""
        assert account.id is not None
        self.repository.add_change(
            OwnershipChange(
                account_id=account.id,
                from_employee_id=None,
                to_employee_id=account.owner_id,
                reason="created",
                actor_employee_id=actor_employee_id,
            )
        )

    async def _move(
        self,
        owners: Mapping[int, int],
        to_employee_id: int,
        options: TransferOptions,
        *,
        reason: str,
        actor_employee_id: int | None,
        handover_id: uuid.UUID | None = None,
    ) -> TransferResult:
        """Move the locked accounts (``{account id: current owner}``) and their open work."""
        moving = {
            account_id: owner_id
            for account_id, owner_id in owners.items()
            if owner_id != to_employee_id
        }
        await self.repository.move_accounts(
            moving,
            to_employee_id,
            reason=reason,
            options={name: getattr(options, name) for name in TransferOptions.model_fields},
            actor_employee_id=actor_employee_id,
            handover_id=handover_id,
        )
        moved_work = await self.repository.move_service_work(list(moving), to_employee_id, options)
        return TransferResult(
            accounts=len(moving), unchanged=len(owners) - len(moving), **moved_work
        )

    async def award(
        self, account_id: int, to_employee_id: int, *, reason: str, actor_employee_id: int | None
    ) -> TransferResult:
        """Move one account and its open work to ``to_employee_id`` (an ownership dispute
        decided or granted for the claimant), recorded in the history with ``reason``."""
        owners = await self.repository.lock_accounts([account_id])
        if account_id not in owners:
            raise NotFound(f"account {account_id} does not exist")
        return await self._move(
            owners, to_employee_id, TransferOptions(), reason=reason,
            actor_employee_id=actor_employee_id,
        )  # fmt: skip

    def record_kept(
        self, account_id: int, owner_id: int, *, reason: str, actor_employee_id: int | None
    ) -> None:
        """An ownership dispute decided for the owner: the account stays his, and the
        history says so (from and to the same owner, with the decision's reason)."""
        self.repository.add_change(
            OwnershipChange(
                account_id=account_id,
                from_employee_id=owner_id,
                to_employee_id=owner_id,
                reason=reason,
                actor_employee_id=actor_employee_id,
            )
        )

    async def transfer(
        self,
        data: AccountTransfer,
        owner_ids: Collection[int] | None,
        actor_employee_id: int | None,
    ) -> TransferResult:
        """Move the given accounts (all visible to the caller) to an active employee the
        caller may assign."""
        require_assignable(owner_ids, data.to_employee_id, "to_employee_id")
        reasons = await self.org.inactive_reasons([data.to_employee_id])
        if reasons:
            raise UnprocessableContent(
                owner_problem(data.to_employee_id, reasons[data.to_employee_id]),
                extra={
                    "errors": [
                        {
                            "loc": ["body", "to_employee_id"],
                            "msg": "not an active employee",
                            "type": "inactive_employee",
                        }
                    ]
                },
            )
        wanted = sorted(set(data.account_ids))
        owners = await self.repository.lock_accounts(wanted, owner_ids=owner_ids)
        missing = [account_id for account_id in wanted if account_id not in owners]
        if missing:
            raise NotFound(
                f"accounts {', '.join(map(str, missing))} do not exist; nothing was transferred",
                extra={"missing_account_ids": missing},
            )
        moved = await self._move(
            owners,
            data.to_employee_id,
            data,
            reason=data.reason,
            actor_employee_id=actor_employee_id,
        )
        if not data.include_open_opportunities:
            return moved
        # The previous owners' open deals on the accounts go with them (as in a handover).
        by_previous_owner: dict[int, list[int]] = {}
        for account_id, owner_id in owners.items():
            if owner_id != data.to_employee_id:
                by_previous_owner.setdefault(owner_id, []).append(account_id)
        deals = {"open_opportunities": 0, "open_quotations": 0, "open_bids": 0}
        for previous, account_ids in sorted(by_previous_owner.items()):
            deals["open_opportunities"] += await self.repository.move_open_opportunities(
                previous, data.to_employee_id, account_ids, action="transfer"
            )
            quotations, bids = await self.repository.move_open_deals(
                previous, data.to_employee_id, account_ids, action="transfer"
            )
            deals["open_quotations"] += quotations
            deals["open_bids"] += bids
        return moved.model_copy(update=deals)

    async def handover(self, data: HandoverRequest) -> HandoverResult:
        """Staff's offboarding handover: idempotent by ``handover_id``, all or nothing."""
        if data.from_employee_id == data.to_employee_id:
            raise UnprocessableContent("from_employee_id and to_employee_id are the same employee")
        claimed = await self.repository.claim_handover(
            Handover(
                handover_id=data.handover_id,
                from_employee_id=data.from_employee_id,
                to_employee_id=data.to_employee_id,
                reason=data.reason,
                request=data.model_dump(mode="json"),
                result={},
            )
        )
        if not claimed:
            done = await self.repository.get_handover(data.handover_id)
            assert done is not None
            return HandoverResult.model_validate(done.result)
        reasons = await self.org.inactive_reasons([data.to_employee_id])
        if reasons.get(data.to_employee_id) == "unknown":
            # Staff's event about a new successor may still be on its way (each receiver's
            # deliveries are not ordered): a 503 makes staff retry instead of failing the
            # departure.
            raise ServiceUnavailable(
                f"successor {data.to_employee_id} is not in the organisation copy yet; "
                "retry once staff's organisation event has been delivered",
                extra={"reason": "successor_unknown"},
            )
        if reasons:
            raise UnmetPrerequisite(
                "successor "
                + owner_problem(data.to_employee_id, reasons[data.to_employee_id])
                + "; no account was handed over",
                extra={"reason": "successor_not_active"},
            )
        if data.account_ids is None:
            owners = await self.repository.lock_owned_by(data.from_employee_id)
        else:
            wanted = sorted(set(data.account_ids))
            owners = await self.repository.lock_accounts(wanted)
            missing = [account_id for account_id in wanted if account_id not in owners]
            if missing:
                raise UnprocessableContent(
                    f"accounts {', '.join(map(str, missing))} do not exist; "
                    "no account was handed over",
                    extra={"missing_account_ids": missing},
                )
            foreign = [
                account_id
                for account_id, owner_id in owners.items()
                if owner_id != data.from_employee_id
            ]
            if foreign:
                raise UnmetPrerequisite(
                    f"accounts {', '.join(map(str, foreign))} are not owned by employee "
                    f"{data.from_employee_id}; no account was handed over",
                    extra={"foreign_account_ids": foreign},
                )
        moved = await self._move(
            owners,
            data.to_employee_id,
            data,
            reason=data.reason,
            actor_employee_id=None,
            handover_id=data.handover_id,
        )
        # The leaver's places on other accounts' teams go to his successor; an account's
        # own team stays with the account whoever owns it.
        memberships = (
            await self.teams.hand_over(data.from_employee_id, data.to_employee_id)
            if data.account_ids is None
            else 0
        )
        # His open opportunities follow him to the successor: on the accounts handed over,
        # or, when he leaves, wherever they are (an opportunity's owner need not own the
        # account); so do his places on open opportunities' teams.
        opportunities = await self.repository.move_open_opportunities(
            data.from_employee_id,
            data.to_employee_id,
            None if data.account_ids is None else list(owners),
        )
        # So do his open quotations and undecided bids (on the accounts handed over, or all).
        quotations, bids = await self.repository.move_open_deals(
            data.from_employee_id,
            data.to_employee_id,
            None if data.account_ids is None else list(owners),
        )
        opportunity_places = (
            await self.repository.hand_over_opportunity_places(
                data.from_employee_id, data.to_employee_id
            )
            if data.account_ids is None
            else 0
        )
        result = HandoverResult(
            handover_id=data.handover_id,
            status=HandoverStatus.COMPLETED,
            accounts=moved.accounts,
            open_tickets=moved.open_tickets,
            planned_visits=moved.planned_visits,
            collection_tasks=moved.collection_tasks,
            team_memberships=memberships,
            open_opportunities=opportunities,
            opportunity_memberships=opportunity_places,
            open_quotations=quotations,
            open_bids=bids,
        )
        await self.repository.complete_handover(data.handover_id, result.model_dump(mode="json"))
        return result

    async def history(
        self,
        account_id: int,
        owner_ids: Collection[int] | None,
        *,
        before_id: int | None,
        limit: int,
    ) -> list[OwnershipChange]:
        await self.accounts.visible(account_id, owner_ids)
        return list(await self.repository.history(account_id, before_id=before_id, limit=limit))
