"""Bonus bases and rewards/penalties (奖惩): set, propose, decide (four eyes). Never commits."""

from __future__ import annotations

from datetime import datetime

from services.kpi.access import KpiScope
from services.kpi.appraisals.repository import AppraisalRepository
from services.kpi.audit.models import kpi_audit_entry
from services.kpi.bonus.models import BonusBase, RewardPenalty
from services.kpi.bonus.repository import BonusRepository
from services.kpi.bonus.rules import AdjustmentState, may_decide
from services.kpi.bonus.schemas import (
    BonusBaseRead,
    BonusBaseSet,
    MoneyIn,
    RewardPenaltyDecision,
    RewardPenaltyPropose,
    RewardPenaltyRead,
)
from services.kpi.cycles.repository import CycleRepository
from shared.errors import Forbidden, InvalidTransition, NotFound, UnprocessableContent
from shared.money import Money


def base_read(row: BonusBase) -> BonusBaseRead:
    return BonusBaseRead.model_validate(
        {**row.model_dump(), "amount": Money(amount=row.amount, currency=row.currency)}
    )


def adjustment_read(row: RewardPenalty) -> RewardPenaltyRead:
    return RewardPenaltyRead.model_validate(
        {**row.model_dump(), "amount": Money(amount=row.amount, currency=row.currency)}
    )


class BonusService:
    def __init__(
        self,
        repository: BonusRepository,
        cycles: CycleRepository,
        appraisals: AppraisalRepository,
        *,
        scope: KpiScope,
        currency: str,
    ) -> None:
        self.repository = repository
        self.cycles = cycles
        self.appraisals = appraisals
        self.scope = scope
        self.currency = currency

    def _in_base_currency(self, amount: MoneyIn) -> None:
        if amount.currency != self.currency:
            raise UnprocessableContent(
                f"bonus amounts are in the base currency {self.currency}, not {amount.currency}"
            )

    async def set_base(self, data: BonusBaseSet, *, actor_employee_id: int) -> BonusBaseRead:
        self._in_base_currency(data.amount)
        if data.employee_id is not None and not self.scope.covers_employee(data.employee_id):
            raise NotFound(f"employee {data.employee_id} does not exist")
        row = await self.repository.set_base(
            BonusBase(
                period=data.period, position_code=data.position_code,
                employee_id=data.employee_id, amount=data.amount.amount,
                currency=data.amount.currency, set_by=actor_employee_id,
            )
        )  # fmt: skip
        return base_read(row)

    async def bases(self, period: str) -> list[BonusBaseRead]:
        return [base_read(row) for row in await self.repository.bases(period, self.scope)]

    async def propose(
        self, cycle_id: int, data: RewardPenaltyPropose, *, actor_employee_id: int
    ) -> RewardPenaltyRead:
        """Propose a reward or penalty for someone appraised in the cycle and in scope."""
        self._in_base_currency(data.amount)
        if await self.cycles.get(cycle_id) is None:
            raise NotFound(f"cycle {cycle_id} does not exist")
        appraised = await self.appraisals.list_page(
            cycle_id=cycle_id, state=None, employee_id=data.employee_id, department_id=None,
            after_id=None, limit=1, scope=self.scope,
        )  # fmt: skip
        if not appraised:
            raise UnprocessableContent(
                f"employee {data.employee_id} is not appraised in cycle {cycle_id}",
                extra={"employee_id": data.employee_id},
            )
        row = await self.repository.add_adjustment(
            RewardPenalty(
                cycle_id=cycle_id, employee_id=data.employee_id, kind=data.kind.value,
                amount=data.amount.amount, currency=data.amount.currency, reason=data.reason,
                proposed_by=actor_employee_id,
            )
        )  # fmt: skip
        return adjustment_read(row)

    async def list_for_cycle(self, cycle_id: int) -> list[RewardPenaltyRead]:
        if await self.cycles.get(cycle_id) is None:
            raise NotFound(f"cycle {cycle_id} does not exist")
        return [adjustment_read(r) for r in await self.repository.adjustments(cycle_id, self.scope)]

    async def read(self, adjustment_id: int) -> RewardPenaltyRead:
        """One reward or penalty, if its employee is in the caller's scope."""
        row = await self.repository.adjustment(adjustment_id)
        if row is None or not self.scope.covers_employee(row.employee_id):
            raise NotFound(f"reward/penalty {adjustment_id} does not exist")
        return adjustment_read(row)

    async def decide(
        self,
        adjustment_id: int,
        data: RewardPenaltyDecision,
        *,
        approve: bool,
        actor_employee_id: int,
        actor: str | None,
    ) -> RewardPenaltyRead:
        """Approve or reject a proposal: by another person than its proposer, once."""
        row = await self.repository.adjustment(adjustment_id, for_update=True)
        if row is None or not self.scope.covers_employee(row.employee_id):
            raise NotFound(f"reward/penalty {adjustment_id} does not exist")
        if not may_decide(row.proposed_by, actor_employee_id):
            raise Forbidden("the one who proposed a reward or penalty does not decide it")
        if row.state != AdjustmentState.PROPOSED:
            raise InvalidTransition(f"reward/penalty {adjustment_id} is already {row.state}")
        state = AdjustmentState.APPROVED if approve else AdjustmentState.REJECTED
        row.state = state.value
        row.decided_by = actor_employee_id
        row.decision_note = data.note
        decided_at = await self.repository.now()
        assert isinstance(decided_at, datetime)
        row.decided_at = decided_at
        row = await self.repository.save(row)
        await self.repository.add_audit_entry(
            kpi_audit_entry(
                action=f"reward_penalty_{state.value}", entity="reward_penalty",
                entity_id=str(adjustment_id), actor=actor, actor_employee_id=actor_employee_id,
                before={"state": AdjustmentState.PROPOSED.value},
                after={"state": state.value, "employee_id": row.employee_id,
                       "cycle_id": row.cycle_id, "kind": row.kind, "amount": str(row.amount),
                       "currency": row.currency, "reason": row.reason,
                       "proposed_by": row.proposed_by, "note": data.note},
            )
        )  # fmt: skip
        return adjustment_read(row)
