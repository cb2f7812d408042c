"""Ownership disputes (撞单): a claim on an account another manager owns is granted at once
when the owner's protection (保护期) has lapsed, else arbitrated by the lowest common
manager of the two. Never commits: one request, one transaction."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any, Protocol

from services.clients.access import OwnerScope, account_missing, require_assignable
from services.clients.accounts.models import Account
from services.clients.accounts.service import ClaimOpened
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail
from services.clients.disputes.models import OwnershipDispute
from services.clients.disputes.repository import DisputeRepository
from services.clients.disputes.rules import (
    DisputeOrigin,
    DisputeState,
    Viewer,
    Winner,
    arbiter_for,
    may_decide,
    protected_until,
    protection_lapsed,
    reveals_account,
)
from services.clients.disputes.schemas import OwnershipDisputeRead
from services.clients.org.repository import ACTIVE, OrgRepository
from services.clients.org.service import owner_problem
from services.clients.ownership.service import OwnershipService
from shared.concurrency import check_if_match, etag_for
from shared.errors import DisputeOpen, Forbidden, InvalidTransition, NotFound, UnprocessableContent

HISTORY_REASON_LENGTH = 200
CODE_MATCH_REASON = "新建客户时统一社会信用代码已被其他负责人的客户使用（撞单）"


class DisputeListener(Protocol):
    """Told of a dispute filed for arbitration and of its decision (by the arbiter, or at
    once when the owner's protection had lapsed), in their transaction."""

    async def filed(self, dispute: OwnershipDispute) -> None: ...

    async def decided(self, dispute: OwnershipDispute) -> None: ...


def dispute_missing(dispute_id: int) -> NotFound:
    return NotFound(f"ownership dispute {dispute_id} does not exist")


def _field_problem(field: str, message: str, kind: str) -> dict[str, Any]:
    return {"errors": [{"loc": ["body", field], "msg": message, "type": kind}]}


class DisputeService:
    """Claim, list, read and decide ownership disputes."""

    def __init__(
        self,
        repository: DisputeRepository,
        org: OrgRepository,
        ownership: OwnershipService,
        audit: AuditTrail,
        listener: DisputeListener,
        *,
        protection_days: int,
        now: Callable[[], datetime],
    ) -> None:
        self.repository = repository
        self.org = org
        self.ownership = ownership
        self.audit = audit
        self.listener = listener
        self.protection_days = protection_days
        self.now = now

    async def claim(
        self,
        account_id: int,
        reason: str,
        *,
        claimant_id: int,
        owner_ids: OwnerScope,
        actor_employee_id: int | None,
    ) -> OwnershipDispute:
        """An explicit claim on an account the caller sees (a record named in a body is in
        the caller's scope; out of it, it answers like a missing one)."""
        require_assignable(owner_ids, claimant_id, "claimant_id")
        account = await self.repository.lock_account(account_id, _reading(owner_ids))
        if account is None:
            raise account_missing(account_id)
        if account.owner_id == claimant_id:
            raise UnprocessableContent(
                f"employee {claimant_id} already owns account {account_id}; there is "
                "nothing to claim",
                extra=_field_problem("account_id", "already the claimant's", "already_owner"),
            )
        return await self._open(
            account, claimant_id, reason, DisputeOrigin.EXPLICIT_CLAIM, actor_employee_id
        )

    async def claim_by_credit_code(
        self, holder: Account, claimant_id: int, actor_employee_id: int | None
    ) -> OwnershipDispute:
        """Creating an account whose credit code ``holder`` (another manager's account,
        outside the caller's scope) already has: a dispute instead of a second record."""
        assert holder.id is not None
        locked = await self.repository.lock_account(holder.id, None)
        assert locked is not None
        return await self._open(
            locked, claimant_id, CODE_MATCH_REASON, DisputeOrigin.CREDIT_CODE_MATCH,
            actor_employee_id,
        )  # fmt: skip

    async def claim_for_new_account(
        self, holder: Account, claimant_id: int, actor_employee_id: int | None
    ) -> ClaimOpened:
        """:meth:`claim_by_credit_code` as account creation answers it (202): the dispute
        as its claimant sees it, the account and its owner shown only once granted."""
        dispute = await self.claim_by_credit_code(holder, claimant_id, actor_employee_id)
        granted = dispute.state == DisputeState.GRANTED
        assert dispute.id is not None
        return ClaimOpened(
            record_id=dispute.id,
            location=f"/v1/clients/ownership-disputes/{dispute.id}",
            etag=etag_for(dispute.version),
            body=OwnershipDisputeRead.of(dispute, reveal=granted).model_dump(mode="json"),
        )

    async def _open(
        self,
        account: Account,
        claimant_id: int,
        reason: str,
        origin: DisputeOrigin,
        actor_employee_id: int | None,
    ) -> OwnershipDispute:
        assert account.id is not None
        await self._require_active_claimant(claimant_id)
        pending = await self.repository.pending_for_account(account.id)
        if pending is not None:
            # DESIGN "Revealing": a dispute may reveal that one exists (its id), never the
            # account's id, name, owner or credit code.
            raise DisputeOpen(
                f"ownership dispute {pending.id} over this account is still pending; it "
                "must be decided before another claim",
                extra={"ownership_dispute_id": pending.id},
            )
        last = await self.repository.last_activity(account.id)
        now = self.now()
        lapsed = protection_lapsed(last, now, self.protection_days)
        arbiter = None if lapsed else await self._arbiter(claimant_id, account.owner_id)
        dispute = await self.repository.add(
            OwnershipDispute(
                account_id=account.id,
                claimant_id=claimant_id,
                owner_id=account.owner_id,
                arbiter_id=arbiter,
                origin=origin.value,
                reason=reason,
                state=DisputeState.GRANTED if lapsed else DisputeState.PENDING,
                last_activity_at=last,
                protected_until=protected_until(last, self.protection_days),
                winner=Winner.CLAIMANT if lapsed else None,
                decided_at=now if lapsed else None,
            )
        )
        assert dispute.id is not None
        self._audit(dispute, "claim", actor_employee_id, before=None)
        if lapsed:
            await self.ownership.award(
                account.id,
                claimant_id,
                reason=_history_reason(dispute.id, "granted (protection lapsed)", reason),
                actor_employee_id=actor_employee_id,
            )
            await self.listener.decided(dispute)  # decided at once: the parties are told
        else:
            await self.listener.filed(dispute)
        return dispute

    async def _require_active_claimant(self, claimant_id: int) -> None:
        statuses = await self.org.statuses([claimant_id])
        status = statuses.get(claimant_id)
        if status != ACTIVE:
            raise UnprocessableContent(
                owner_problem(claimant_id, status or "unknown"),
                extra=_field_problem("claimant_id", "not an active employee", "inactive_employee"),
            )

    async def _arbiter(self, claimant_id: int, owner_id: int) -> int | None:
        """The lowest common manager of the two (rules.arbiter_for) from the org copy."""
        manager_of: dict[int, int | None] = {}
        active: set[int] = set()
        for person in (claimant_id, owner_id):
            below = person
            for boss in await self.org.manager_chain(person):
                manager_of[below] = boss.employee_id
                if boss.status == ACTIVE:
                    active.add(boss.employee_id)
                below = boss.employee_id
            manager_of.setdefault(below, None)
        return arbiter_for(claimant_id, owner_id, manager_of, active)

    async def get(self, dispute_id: int, viewer: Viewer) -> OwnershipDispute:
        dispute = await self.repository.visible(dispute_id, viewer)
        if dispute is None:
            raise dispute_missing(dispute_id)
        return dispute

    async def list(
        self,
        viewer: Viewer,
        *,
        state: DisputeState | None,
        for_me: bool,
        before_id: int | None,
        limit: int,
    ) -> list[OwnershipDispute]:
        rows = await self.repository.list(
            viewer, state=state, for_me=for_me, before_id=before_id, limit=limit
        )
        return list(rows)

    async def revealed(
        self, disputes: Collection[OwnershipDispute], viewer: Viewer, owner_ids: OwnerScope
    ) -> Mapping[int, bool]:
        """For each dispute, whether the viewer is shown its account and owner."""
        seen = await self.repository.visible_account_ids(
            {d.account_id for d in disputes}, _reading(owner_ids)
        )
        return {
            d.id: reveals_account(viewer, d.owner_id, d.account_id in seen)
            for d in disputes
            if d.id is not None
        }

    async def decide(
        self,
        dispute_id: int,
        viewer: Viewer,
        *,
        winner: Winner,
        reason: str,
        if_match: str | None,
    ) -> OwnershipDispute:
        """The arbiter's decision: recorded in the ownership history; the account (and its
        open work) goes to the claimant if he wins."""
        dispute = await self.repository.visible(dispute_id, viewer, for_update=True)
        if dispute is None:
            raise dispute_missing(dispute_id)
        me = viewer.employee_id
        if not may_decide(
            me=me, claimant_id=dispute.claimant_id, owner_id=dispute.owner_id,
            arbiter_id=dispute.arbiter_id, may_arbitrate_any=viewer.may_arbitrate_any,
        ):  # fmt: skip
            who = (
                "a department manager or administrator who is not a party"
                if dispute.arbiter_id is None
                else f"employee {dispute.arbiter_id}, the parties' lowest common manager"
            )
            raise Forbidden(f"ownership dispute {dispute_id} is decided by {who}")
        check_if_match(if_match, dispute.version)
        if dispute.state != DisputeState.PENDING:
            raise InvalidTransition(
                f"ownership dispute {dispute_id} is already decided ({dispute.state})",
                extra={"current_status": dispute.state, "allowed": []},
            )
        assert dispute.id is not None
        before = {"state": dispute.state, "version": dispute.version}
        if winner is Winner.CLAIMANT:
            await self.ownership.award(
                dispute.account_id,
                dispute.claimant_id,
                reason=_history_reason(dispute.id, "decided for the claimant", reason),
                actor_employee_id=me,
            )
            dispute.state = DisputeState.CLAIMANT_WON
        else:
            self.ownership.record_kept(
                dispute.account_id,
                dispute.owner_id,
                reason=_history_reason(dispute.id, "decided for the owner", reason),
                actor_employee_id=me,
            )
            dispute.state = DisputeState.OWNER_KEPT
        dispute.winner = winner.value
        dispute.decided_by = me
        dispute.decision_reason = reason
        dispute.decided_at = self.now()
        dispute.version += 1
        dispute = await self.repository.add(dispute)
        self._audit(dispute, "decide", me, before=before)
        await self.listener.decided(dispute)
        return dispute

    def _audit(
        self,
        dispute: OwnershipDispute,
        action: str,
        actor: int | None,
        *,
        before: Mapping[str, Any] | None,
    ) -> None:
        assert dispute.id is not None
        self.audit.record(
            entity=AuditEntity.OWNERSHIP_DISPUTE,
            entity_id=dispute.id,
            account_id=dispute.account_id,
            action=action,
            actor_employee_id=actor,
            before=dict(before) if before else None,
            after={
                "state": dispute.state,
                "origin": dispute.origin,
                "claimant_id": dispute.claimant_id,
                "owner_id": dispute.owner_id,
                "arbiter_id": dispute.arbiter_id,
                "winner": dispute.winner,
                "reason": dispute.reason,
                "decision_reason": dispute.decision_reason,
                "protected_until": dispute.protected_until.isoformat(),
                "version": dispute.version,
            },
        )


def _reading(owner_ids: OwnerScope) -> OwnerScope:
    """The caller's read scope (read-level team members see the account they claim)."""
    reading = getattr(owner_ids, "reading", None)
    return reading() if callable(reading) else owner_ids


def _history_reason(dispute_id: int, outcome: str, reason: str) -> str:
    """The ownership history's reason for a dispute's outcome (its column holds 200)."""
    text = f"ownership dispute {dispute_id} {outcome}: {reason}"
    return text if len(text) <= HISTORY_REASON_LENGTH else text[: HISTORY_REASON_LENGTH - 1] + "…"
