"""Grading (客户分级): the computed grade from trailing-12-month contract value, manual
overrides with reason and expiry, and the history of every change. Never commits."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date
from decimal import Decimal
from typing import Protocol

from services.clients.accounts.models import Account
from services.clients.accounts.repository import AccountRepository
from services.clients.accounts.rules import (
    EffectiveGrade,
    Grade,
    GradeOverride,
    GradeSource,
    GradeThresholds,
    PaymentBehaviourCap,
    computed_grade,
    effective_grade,
    must_record_grade_change,
    trailing_twelve_months,
)
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail
from services.clients.grading.models import GradeChange
from services.clients.grading.repository import GradingRepository
from services.clients.grading.schemas import BulkRegradeResult, GradeOverrideSet, GradeRead
from shared.errors import NotFound, RecordClosed, UnprocessableContent
from shared.money import Money, quantize_cents

BULK_BATCH = 500


class _Unset:
    """Marks an argument not given (None is a meaningful value: nothing overdue)."""


UNSET = _Unset()


def _override_of(account: Account) -> GradeOverride | None:
    if account.grade_override is None:
        return None
    return GradeOverride(
        grade=Grade(account.grade_override),
        reason=account.grade_override_reason or "",
        expires_on=account.grade_override_expires_on,
    )


def _in_force(account: Account) -> EffectiveGrade:
    return EffectiveGrade(Grade(account.grade), GradeSource(account.grade_source))


class GradeChangeListener(Protocol):
    """Told, in the same session, when an account's grade in force changed (the visit
    planner re-plans the future); injected so grading imports nothing of its listeners."""

    async def grade_changed(
        self, account: Account, previous_grade: str, *, actor_employee_id: int | None
    ) -> None: ...


class GradingService:
    """Grades of accounts, in the company's calendar."""

    def __init__(
        self,
        accounts: AccountRepository,
        repository: GradingRepository,
        audit: AuditTrail,
        *,
        thresholds: GradeThresholds,
        currency: str,
        today: Callable[[], date],
        on_grade_change: GradeChangeListener | None = None,
        payment_cap: PaymentBehaviourCap | None = None,
    ) -> None:
        self.accounts = accounts
        self.repository = repository
        self.audit = audit
        self.thresholds = thresholds
        self.currency = currency
        self.today = today
        self.on_grade_change = on_grade_change
        self.payment_cap = payment_cap

    async def contract_value(self, account_ids: Collection[int], as_of: date) -> dict[int, Decimal]:
        """Trailing-12-month signed contract value per account (0 until contracts exist)."""
        start, end = trailing_twelve_months(as_of)
        return await self.repository.signed_contract_values(account_ids, start, end)

    async def oldest_days_overdue(
        self, account_ids: Collection[int], as_of: date
    ) -> dict[int, int | None]:
        """Days overdue of each account's oldest open receivable line (None: nothing open),
        for the payment behaviour cap; one grouped query, all empty when the cap is off."""
        if self.payment_cap is None:
            return dict.fromkeys(account_ids)
        due = await self.repository.oldest_open_due_dates(account_ids)
        return {
            account_id: (as_of - due[account_id]).days if account_id in due else None
            for account_id in account_ids
        }

    async def _account(self, account_id: int, owner_ids: Collection[int] | None) -> Account:
        return await self.accounts.visible(account_id, owner_ids, for_update=True)

    async def evaluate(
        self,
        account: Account,
        *,
        actor_employee_id: int | None,
        first: bool = False,
        value: Decimal | None = None,
        overdue_days: int | _Unset | None = UNSET,
    ) -> GradeRead:
        """Recompute one account's grade and record it when the grade or its source moved.

        The computed grade is capped by payment behaviour (an open line more than
        ``payment_cap.more_than_days`` overdue: at most B); an override still wins."""
        assert account.id is not None
        as_of = self.today()
        if value is None:
            value = (await self.contract_value([account.id], as_of))[account.id]
        if isinstance(overdue_days, _Unset):
            overdue_days = (await self.oldest_days_overdue([account.id], as_of))[account.id]
        computed = computed_grade(value, self.thresholds, overdue_days, self.payment_cap)
        override = _override_of(account)
        current = effective_grade(computed, override, as_of)
        previous = None if first else _in_force(account)
        changed = must_record_grade_change(previous, current)
        before = {
            "grade": account.grade,
            "grade_source": account.grade_source,
            "computed_grade": account.computed_grade,
        }
        if override is not None and not override.applies_on(as_of):
            account.grade_override = None
            account.grade_override_reason = None
            account.grade_override_expires_on = None
            account.grade_override_by = None
        moved = changed or account.computed_grade != computed.value
        if changed:
            self.repository.add_change(
                GradeChange(
                    account_id=account.id,
                    previous_grade=previous.grade.value if previous else None,
                    grade=current.grade.value,
                    source=current.source.value,
                    computed_grade=computed.value,
                    contract_value=quantize_cents(value),
                    currency=self.currency,
                    reason=current.reason,
                    override_expires_on=account.grade_override_expires_on,
                    actor_employee_id=actor_employee_id,
                )
            )
        if moved and not first:
            account.grade = current.grade.value
            account.grade_source = current.source.value
            account.computed_grade = computed.value
            account.version += 1
            await self.accounts.add(account)
            self.audit.record(
                entity=AuditEntity.GRADE,
                entity_id=account.id,
                account_id=account.id,
                action="regrade",
                actor_employee_id=actor_employee_id,
                before=before,
                after={
                    "grade": account.grade,
                    "grade_source": account.grade_source,
                    "computed_grade": account.computed_grade,
                },
            )
            if self.on_grade_change is not None and before["grade"] != account.grade:
                await self.on_grade_change.grade_changed(
                    account, before["grade"], actor_employee_id=actor_employee_id
                )
        elif first:
            account.grade = current.grade.value
            account.grade_source = current.source.value
            account.computed_grade = computed.value
            await self.accounts.add(account)
        return GradeRead(
            account_id=account.id,
            grade=current.grade,
            source=current.source,
            computed_grade=computed,
            override_reason=account.grade_override_reason,
            override_expires_on=account.grade_override_expires_on,
            contract_value_12m=Money.rounded(value, self.currency),
            oldest_days_overdue=overdue_days,
            changed=changed,
        )

    async def regrade_accounts(self, account_ids: Collection[int]) -> int:
        """Recompute the grades of accounts whose facts just moved (no actor: a system
        change), archived ones left alone, in id order (row locks in one order); how many
        changed."""
        live = [
            account
            for account in await self.accounts.get_many(sorted(account_ids), for_update=True)
            if account.status != "archived"
        ]
        return await self._regrade_locked(sorted(live, key=lambda a: a.id or 0))

    async def _regrade_locked(self, accounts: list[Account]) -> int:
        """Evaluate accounts locked already, as the system; their facts in two grouped
        queries (an ERP batch or a bulk round regrades hundreds); how many changed."""
        ids = [account.id for account in accounts if account.id is not None]
        values = await self.contract_value(ids, self.today())
        overdue = await self.oldest_days_overdue(ids, self.today())
        changed = 0
        for account in accounts:
            assert account.id is not None
            result = await self.evaluate(
                account,
                actor_employee_id=None,
                value=values[account.id],
                overdue_days=overdue[account.id],
            )
            changed += int(result.changed)
        return changed

    async def recompute(
        self, account_id: int, owner_ids: Collection[int] | None, actor_employee_id: int | None
    ) -> GradeRead:
        account = await self._account(account_id, owner_ids)
        return await self.evaluate(account, actor_employee_id=actor_employee_id)

    async def set_override(
        self,
        account_id: int,
        data: GradeOverrideSet,
        owner_ids: Collection[int] | None,
        actor_employee_id: int | None,
    ) -> GradeRead:
        if data.expires_on is not None and data.expires_on <= self.today():
            raise UnprocessableContent(
                f"expires_on {data.expires_on} is not in the future; an override must apply "
                "for at least one day",
                extra={
                    "errors": [
                        {
                            "loc": ["body", "expires_on"],
                            "msg": "must be after today",
                            "type": "date",
                        }
                    ]
                },
            )
        account = await self._account(account_id, owner_ids)
        if account.status == "archived":
            raise RecordClosed(f"account {account_id} is archived; restore it before grading it")
        account.grade_override = data.grade.value
        account.grade_override_reason = data.reason
        account.grade_override_expires_on = data.expires_on
        account.grade_override_by = actor_employee_id
        # A new override with the same letter and source still changes reason/expiry: force
        # a history entry by treating the previous state as computed.
        result = await self.evaluate(account, actor_employee_id=actor_employee_id)
        if not result.changed:
            assert account.id is not None
            self.repository.add_change(
                GradeChange(
                    account_id=account.id,
                    previous_grade=account.grade,
                    grade=result.grade.value,
                    source=result.source.value,
                    computed_grade=result.computed_grade.value,
                    contract_value=result.contract_value_12m.amount,
                    currency=self.currency,
                    reason=data.reason,
                    override_expires_on=data.expires_on,
                    actor_employee_id=actor_employee_id,
                )
            )
            account.version += 1
            await self.accounts.add(account)
            self.audit.record(
                entity=AuditEntity.GRADE,
                entity_id=account.id,
                account_id=account.id,
                action="override",
                actor_employee_id=actor_employee_id,
                after={
                    "grade_override": data.grade.value,
                    "reason": data.reason,
                    "expires_on": data.expires_on.isoformat() if data.expires_on else None,
                },
            )
            result = result.model_copy(update={"changed": True})
        return result

    async def remove_override(
        self, account_id: int, owner_ids: Collection[int] | None, actor_employee_id: int | None
    ) -> GradeRead:
        account = await self._account(account_id, owner_ids)
        if account.grade_override is None:
            raise NotFound(f"account {account_id} has no grade override")
        account.grade_override = None
        account.grade_override_reason = None
        account.grade_override_expires_on = None
        account.grade_override_by = None
        return await self.evaluate(account, actor_employee_id=actor_employee_id)

    async def history(
        self,
        account_id: int,
        owner_ids: Collection[int] | None,
        *,
        before_id: int | None,
        limit: int,
    ) -> list[GradeChange]:
        await self.accounts.visible(account_id, owner_ids)
        return list(await self.repository.history(account_id, before_id=before_id, limit=limit))

    async def recompute_all(self) -> BulkRegradeResult:
        """Recompute every account that is not archived, in batches (the scheduled job)."""
        evaluated = changed = 0
        after_id = 0
        while True:
            ids = await self.accounts.ids_after(after_id, BULK_BATCH)
            if not ids:
                break
            accounts = list(await self.accounts.get_many(ids, for_update=True))
            changed += await self._regrade_locked(accounts)
            evaluated += len(accounts)
            after_id = ids[-1]
        return BulkRegradeResult(evaluated=evaluated, changed=changed)
