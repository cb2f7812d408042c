"""Credit limits and credit exposure (信用额度/风险敞口). Exposure is open receivables plus
signed-but-uninvoiced contract value, in the base currency; a group's limit sits on its top
account and covers the exposure of the whole group. Never commits."""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

from services.clients.accounts.repository import AccountRepository
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail, snapshot
from services.clients.collection.models import CreditLimit
from services.clients.collection.repository import CollectionRepository, ExposureParts
from services.clients.collection.rules import credit_exposure, credit_limit_exceeded, sum_exposure
from services.clients.collection.schemas import (
    CreditExposureRead,
    CreditLimitRead,
    CreditLimitSet,
    CreditWarning,
    ExposureFigures,
    GroupExposure,
    SigningCreditWarning,
)
from shared.concurrency import check_if_match
from shared.errors import NotFound, UnprocessableContent
from shared.money import Money


class CreditService:
    """Credit limits, exposure and warnings, in the base currency."""

    def __init__(
        self,
        accounts: AccountRepository,
        repository: CollectionRepository,
        audit: AuditTrail,
        *,
        base: str,
    ) -> None:
        self.accounts = accounts
        self.repository = repository
        self.audit = audit
        self.base = base

    def _money(self, amount: Decimal) -> Money:
        return Money.rounded(amount, self.base)

    async def _limit_read(self, limit: CreditLimit) -> CreditLimitRead:
        heads_group = bool(await self.accounts.group_members(limit.account_id, owner_ids=None))
        account = await self.accounts.get(limit.account_id)
        assert account is not None and limit.updated_at is not None
        return CreditLimitRead(
            account_id=limit.account_id,
            amount=Money.of(limit.amount, limit.currency),
            reason=limit.reason,
            set_by=limit.set_by,
            applies_to_group=heads_group and account.parent_id is None,
            version=limit.version,
            updated_at=limit.updated_at,
        )

    async def get_limit(
        self, account_id: int, owner_ids: Collection[int] | None
    ) -> CreditLimitRead:
        await self.accounts.visible(account_id, owner_ids)
        limit = await self.repository.credit_limit(account_id)
        if limit is None:
            raise NotFound(f"account {account_id} has no credit limit")
        return await self._limit_read(limit)

    async def set_limit(
        self,
        account_id: int,
        data: CreditLimitSet,
        if_match: str | None,
        owner_ids: Collection[int] | None,
        actor_employee_id: int | None,
    ) -> CreditLimitRead:
        """Create or replace the limit (If-Match checked when sent and a limit exists)."""
        if data.amount.currency != self.base:
            raise UnprocessableContent(
                f"a credit limit is set in the base currency {self.base}",
                extra={
                    "errors": [
                        {
                            "loc": ["body", "amount", "currency"],
                            "msg": f"must be {self.base}",
                            "type": "currency",
                        }
                    ]
                },
            )
        await self.accounts.visible(account_id, owner_ids)
        limit = await self.repository.credit_limit(account_id, for_update=True)
        before = None
        if limit is None:
            limit = CreditLimit(
                account_id=account_id,
                amount=data.amount.amount,
                currency=self.base,
                reason=data.reason,
                set_by=actor_employee_id,
            )
        else:
            if if_match is not None:
                check_if_match(if_match, limit.version)
            before = snapshot(limit)
            limit.amount = data.amount.amount
            limit.currency = self.base
            limit.reason = data.reason
            limit.set_by = actor_employee_id
            limit.version += 1
        await self.repository.add(limit)
        self.audit.record(
            entity=AuditEntity.CREDIT_LIMIT,
            entity_id=account_id,
            account_id=account_id,
            action="create" if before is None else "update",
            actor_employee_id=actor_employee_id,
            before=before,
            after=snapshot(limit),
        )
        return await self._limit_read(limit)

    # ---------------------------------------------------------------- exposure

    def _figures(self, parts: ExposureParts, limit: Decimal | None) -> ExposureFigures:
        exposure = credit_exposure(parts.open_receivables, parts.uninvoiced_contracts)
        return ExposureFigures(
            limit=None if limit is None else self._money(limit),
            exposure=self._money(exposure),
            open_receivables=self._money(parts.open_receivables),
            uninvoiced_contracts=self._money(parts.uninvoiced_contracts),
            exceeded=credit_limit_exceeded(exposure, limit),
            unconverted_lines=parts.unconverted_lines,
        )

    async def _limit_amount(self, account_id: int) -> Decimal | None:
        limit = await self.repository.credit_limit(account_id)
        return None if limit is None else limit.amount

    async def exposure(
        self, account_id: int, owner_ids: Collection[int] | None
    ) -> CreditExposureRead:
        """The account's own exposure against its own limit, and, when it is in a group,
        the group's (every account under its top account) against the top's limit. The
        group figures cover members the caller may not see (only sums are shown)."""
        await self.accounts.visible(account_id, owner_ids)
        top_id = (await self.accounts.ancestors(account_id))[-1]
        members = [top_id] + [
            member.id
            for member in await self.accounts.group_members(top_id, owner_ids=None)
            if member.id is not None
        ]
        parts = await self.repository.exposure_parts(members, self.base)
        own = self._figures(parts[account_id], await self._limit_amount(account_id))
        group = None
        if len(members) > 1:
            open_total, uninvoiced_total = sum_exposure(
                (p.open_receivables, p.uninvoiced_contracts) for p in parts.values()
            )
            figures = self._figures(
                ExposureParts(
                    open_total, uninvoiced_total, sum(p.unconverted_lines for p in parts.values())
                ),
                await self._limit_amount(top_id),
            )
            group = GroupExposure(
                **figures.model_dump(), top_account_id=top_id, members=len(members)
            )
        return CreditExposureRead(
            **own.model_dump(),
            account_id=account_id,
            group=group,
            warning=own.exceeded or (group is not None and group.exceeded),
        )

    async def signing_warning(self, account_id: int) -> SigningCreditWarning | None:
        """After a contract is signed: a warning when the account's or its group's
        exposure is now above its limit (signing is never blocked by it)."""
        exposure = await self.exposure(account_id, None)
        if not exposure.warning:
            return None
        which = "the group's" if exposure.group is not None and exposure.group.exceeded else "its"
        return SigningCreditWarning(
            exposure=exposure,
            message=f"account {account_id}'s exposure is above {which} credit limit",
        )

    async def warnings(
        self, owner_ids: Collection[int] | None, *, after_id: int | None, limit: int
    ) -> list[CreditWarning]:
        """Limit holders in scope whose covered exposure is above their limit, by id."""
        rows = await self.repository.credit_warnings(
            self.base, owner_ids=owner_ids, after_id=after_id, limit=limit
        )
        items = []
        for row in rows:
            exposure = credit_exposure(
                Decimal(row.open_receivables), Decimal(row.uninvoiced_contracts)
            )
            items.append(
                CreditWarning(
                    id=row.account_id,
                    account_id=row.account_id,
                    legal_name=row.legal_name,
                    owner_id=row.owner_id,
                    applies_to_group=row.members > 1,
                    members=row.members,
                    limit=Money.of(row.limit, row.currency),
                    exposure=self._money(exposure),
                    over_by=self._money(exposure - row.limit),
                )
            )
        return items
