"""Credit score (信用分数): changed only by an adjustment within the actor's authority,
taken from their position's limits in the org copy, as a limit per account per period
summed over the actor's own adjustments; past it, by a request his superior approves
(approvals domain). Never commits."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from services.clients.accounts.models import Account
from services.clients.accounts.repository import AccountRepository
from services.clients.accounts.rules import (
    CreditAdjustmentRefused,
    CreditRefusal,
    check_credit_adjustment,
)
from services.clients.approvals.models import ApprovalRequest
from services.clients.approvals.service import ApprovalService, ChangeMoved
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail
from services.clients.credit.models import CreditAdjustment
from services.clients.credit.repository import CreditRepository
from services.clients.credit.rules import AuthorityPeriod, period_start, within_authority
from services.clients.credit.schemas import CreditAdjustmentCreate
from services.clients.org.service import OrgService
from shared.errors import DomainError, Forbidden, RecordClosed, UnprocessableContent

CREDIT_FLOOR = 0
CREDIT_CEILING = 100
CREDIT_ADJUSTMENT = "credit_adjustment"  # the kind of its above-authority requests

# Authority refusals are about who asks (403); the others about what is asked (422).
_STATUS_OF_REFUSAL: dict[CreditRefusal, type[DomainError]] = {
    CreditRefusal.NO_AUTHORITY: Forbidden,
    CreditRefusal.BEYOND_AUTHORITY: Forbidden,
    CreditRefusal.ZERO_DELTA: UnprocessableContent,
    CreditRefusal.BELOW_FLOOR: UnprocessableContent,
    CreditRefusal.ABOVE_CEILING: UnprocessableContent,
}


class CreditService:
    """Adjust credit scores and list their history."""

    def __init__(
        self,
        accounts: AccountRepository,
        repository: CreditRepository,
        org: OrgService,
        audit: AuditTrail,
        approvals: ApprovalService,
        *,
        timezone: str,
        period: AuthorityPeriod,
        now: Callable[[], datetime],
    ) -> None:
        self.accounts = accounts
        self.repository = repository
        self.org = org
        self.audit = audit
        self.approvals = approvals
        self.timezone = timezone
        self.period = period
        self.now = now

    async def adjust(
        self,
        account_id: int,
        data: CreditAdjustmentCreate,
        *,
        actor_employee_id: int,
        owner_ids: Collection[int] | None,
    ) -> CreditAdjustment | ApprovalRequest:
        """Apply the adjustment within the actor's authority on this account this period;
        past it, file a request to the actor's superior instead (applied on approval)."""
        account = await self.accounts.visible(account_id, owner_ids, for_update=True)
        if account.status == "archived":
            raise RecordClosed(f"account {account_id} is archived; restore it before adjusting it")
        max_delta = await self.org.credit_adjustment_limit(actor_employee_id)
        new_score = self._checked(account.credit_score, data.delta, max_delta, actor_employee_id)
        assert max_delta is not None
        since = period_start(self.now(), self.timezone, self.period)
        used = await self.repository.authority_used(account_id, actor_employee_id, since)
        if not within_authority(used, data.delta, max_delta):
            return await self.approvals.file(
                kind=CREDIT_ADJUSTMENT,
                account_id=account_id,
                payload={
                    "delta": data.delta,
                    "reason": data.reason,
                    "score_before": account.credit_score,
                    "max_delta": max_delta,
                    "authority_used": used,
                },
                reason=data.reason,
                requested_by=actor_employee_id,
            )
        return await self._apply(
            account,
            new_score,
            data.delta,
            data.reason,
            actor_employee_id=actor_employee_id,
            actor_max_delta=max_delta,
            audit_actor=actor_employee_id,
        )

    async def apply_approved(self, request: ApprovalRequest, approver: int) -> dict[str, Any]:
        """Apply an approved credit request, re-validated: the account must still have the
        score it had when the request was made (else ChangeMoved: nothing is applied)."""
        payload = request.payload
        account = await self.accounts.visible(request.account_id, None, for_update=True)
        if account.status == "archived":
            raise ChangeMoved(f"account {account.id} was archived since the request")
        if account.credit_score != payload["score_before"]:
            raise ChangeMoved(
                f"the credit score of account {account.id} changed from "
                f"{payload['score_before']} to {account.credit_score} since the request"
            )
        delta = int(payload["delta"])
        try:
            new_score = check_credit_adjustment(
                account.credit_score, delta, abs(delta), CREDIT_FLOOR, CREDIT_CEILING
            )
        except CreditAdjustmentRefused as refusal:
            raise ChangeMoved(str(refusal)) from refusal
        adjustment = await self._apply(
            account,
            new_score,
            delta,
            str(payload["reason"]),
            actor_employee_id=request.requested_by,
            actor_max_delta=int(payload["max_delta"]),
            audit_actor=approver,
            approval_id=request.id,
        )
        return {
            "credit_adjustment_id": adjustment.id,
            "credit_score_before": adjustment.score_before,
            "credit_score_after": adjustment.score_after,
        }

    def _checked(
        self, current: int, delta: int, max_delta: int | None, actor_employee_id: int
    ) -> int:
        """The new score, or the refusal: no authority at all (403), a zero change or a
        score outside [0, 100] (422). The size of the change is checked against the
        period's authority afterwards (past it, a request is filed, not refused)."""
        try:
            return check_credit_adjustment(
                current,
                delta,
                None if max_delta is None else abs(delta),
                CREDIT_FLOOR,
                CREDIT_CEILING,
            )
        except CreditAdjustmentRefused as refusal:
            detail = str(refusal)
            if refusal.refusal is CreditRefusal.NO_AUTHORITY:
                detail = (
                    f"employee {actor_employee_id} has no authority to adjust credit scores "
                    "(no adjust_credit_score limit on an active position)"
                )
            raise _STATUS_OF_REFUSAL[refusal.refusal](
                detail, extra={"refusal": refusal.refusal.value, "max_delta": max_delta}
            ) from refusal

    async def _apply(
        self,
        account: Account,
        new_score: int,
        delta: int,
        reason: str,
        *,
        actor_employee_id: int,
        actor_max_delta: int,
        audit_actor: int,
        approval_id: int | None = None,
    ) -> CreditAdjustment:
        assert account.id is not None
        before = account.credit_score
        account.credit_score = new_score
        account.version += 1
        await self.accounts.add(account)
        adjustment = await self.repository.add(
            CreditAdjustment(
                account_id=account.id,
                delta=delta,
                score_before=before,
                score_after=new_score,
                reason=reason,
                actor_employee_id=actor_employee_id,
                actor_max_delta=actor_max_delta,
                approval_id=approval_id,
                # The clock that places it in an authority period is the one that sums them.
                created_at=self.now(),
            )
        )
        assert adjustment.id is not None
        after: dict[str, Any] = {"credit_score": new_score, "delta": delta, "reason": reason}
        if approval_id is not None:
            after |= {"approval_id": approval_id, "requested_by": actor_employee_id}
        self.audit.record(
            entity=AuditEntity.CREDIT_ADJUSTMENT,
            entity_id=adjustment.id,
            account_id=account.id,
            action="adjust",
            actor_employee_id=audit_actor,
            before={"credit_score": before},
            after=after,
        )
        return adjustment

    async def history(
        self,
        account_id: int,
        owner_ids: Collection[int] | None,
        *,
        before_id: int | None,
        limit: int,
    ) -> list[CreditAdjustment]:
        await self.accounts.visible(account_id, owner_ids)
        return list(await self.repository.list(account_id, before_id=before_id, limit=limit))
