"""Credit score (信用分数): changed only by an adjustment within the actor's authority,
taken from their position's limits in the org copy. Never commits."""

from __future__ import annotations

from collections.abc import Collection

from services.clients.accounts.repository import AccountRepository
from services.clients.accounts.rules import (
    CreditAdjustmentRefused,
    CreditRefusal,
    check_credit_adjustment,
)
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail
from services.clients.credit.models import CreditAdjustment
from services.clients.credit.repository import CreditRepository
from services.clients.credit.schemas import CreditAdjustmentCreate
from services.clients.org.service import OrgService
from shared.errors import Conflict, DomainError, Forbidden, UnprocessableContent

CREDIT_FLOOR = 0
CREDIT_CEILING = 100

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
    ) -> None:
        self.accounts = accounts
        self.repository = repository
        self.org = org
        self.audit = audit

    async def adjust(
        self,
        account_id: int,
        data: CreditAdjustmentCreate,
        *,
        actor_employee_id: int,
        owner_ids: Collection[int] | None,
    ) -> CreditAdjustment:
        account = await self.accounts.visible(account_id, owner_ids, for_update=True)
        if account.status == "archived":
            raise Conflict(f"account {account_id} is archived; restore it before adjusting it")
        max_delta = await self.org.credit_adjustment_limit(actor_employee_id)
        try:
            new_score = check_credit_adjustment(
                account.credit_score, data.delta, max_delta, CREDIT_FLOOR, CREDIT_CEILING
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
        assert max_delta is not None
        before = account.credit_score
        account.credit_score = new_score
        account.version += 1
        await self.accounts.add(account)
        adjustment = await self.repository.add(
            CreditAdjustment(
                account_id=account_id,
                delta=data.delta,
                score_before=before,
                score_after=new_score,
                reason=data.reason,
                actor_employee_id=actor_employee_id,
                actor_max_delta=max_delta,
            )
        )
        assert adjustment.id is not None
        self.audit.record(
            entity=AuditEntity.CREDIT_ADJUSTMENT,
            entity_id=adjustment.id,
            account_id=account_id,
            action="adjust",
            actor_employee_id=actor_employee_id,
            before={"credit_score": before},
            after={"credit_score": new_score, "delta": data.delta, "reason": data.reason},
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
