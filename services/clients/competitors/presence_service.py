"""Competitor intelligence (竞争对手信息): who else is at an account or in one of its
opportunities, what they offer at what price, their strengths and weaknesses, dated and
attributed; and the wins and losses per competitor. Never commits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from datetime import date
from decimal import Decimal
from typing import Any

from services.clients.accounts.repository import AccountRepository
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail
from services.clients.competitors.presence_models import CompetitorPresence
from services.clients.competitors.presence_repository import (
    CompetitorPresenceRepository,
    Tally,
)
from services.clients.competitors.presence_rules import win_rate
from services.clients.competitors.presence_schemas import (
    CompetitorPresenceCreate,
    CompetitorPresenceRead,
    CompetitorPresenceUpdate,
    CompetitorWinLoss,
    CompetitorWinLossReport,
)
from shared.concurrency import check_if_match
from shared.errors import NotFound, UnprocessableContent
from shared.money import Money

OwnerScope = Collection[int] | None


def presence_missing(presence_id: int) -> NotFound:
    return NotFound(f"competitor presence {presence_id} does not exist")


def _invalid(field: str, message: str, kind: str) -> UnprocessableContent:
    return UnprocessableContent(
        message, extra={"errors": [{"loc": ["body", field], "msg": message, "type": kind}]}
    )


class CompetitorPresenceService:
    """Competitor presences within the caller's data scope (the account)."""

    def __init__(
        self,
        repository: CompetitorPresenceRepository,
        accounts: AccountRepository,
        audit: AuditTrail,
        *,
        today: Callable[[], date],
        timezone: str,
    ) -> None:
        self.repository = repository
        self.accounts = accounts
        self.audit = audit
        self.today = today
        self.timezone = timezone

    async def read_many(self, rows: list[CompetitorPresence]) -> list[CompetitorPresenceRead]:
        names = await self.repository.competitor_names({p.competitor_id for p in rows})
        return [self._read(p, names.get(p.competitor_id, "")) for p in rows]

    @staticmethod
    def _read(p: CompetitorPresence, name: str) -> CompetitorPresenceRead:
        assert p.id is not None and p.created_at is not None and p.updated_at is not None
        price = None
        if p.price_seen_amount is not None and p.price_seen_currency is not None:
            price = Money.of(p.price_seen_amount, p.price_seen_currency)
        return CompetitorPresenceRead(
            id=p.id,
            account_id=p.account_id,
            opportunity_id=p.opportunity_id,
            competitor_id=p.competitor_id,
            competitor_name=name,
            products=p.products,
            price_seen=price,
            strengths=p.strengths,
            weaknesses=p.weaknesses,
            observed_on=p.observed_on,
            author_id=p.author_id,
            version=p.version,
            created_at=p.created_at,
            updated_at=p.updated_at,
        )

    async def get(self, presence_id: int, owner_ids: OwnerScope) -> CompetitorPresence:
        presence = await self.repository.get(presence_id, owner_ids)
        if presence is None:
            raise presence_missing(presence_id)
        return presence

    async def for_account(
        self,
        account_id: int,
        owner_ids: OwnerScope,
        *,
        competitor_id: int | None,
        before_id: int | None,
        limit: int,
    ) -> list[CompetitorPresence]:
        await self.accounts.visible(account_id, owner_ids)
        rows = await self.repository.list(
            account_id=account_id,
            opportunity_id=None,
            competitor_id=competitor_id,
            before_id=before_id,
            limit=limit,
        )
        return list(rows)

    async def for_opportunity(
        self, opportunity_id: int, owner_ids: OwnerScope, *, before_id: int | None, limit: int
    ) -> list[CompetitorPresence]:
        if await self.repository.opportunity_account(opportunity_id, owner_ids) is None:
            raise NotFound(f"opportunity {opportunity_id} does not exist")
        rows = await self.repository.list(
            account_id=None,
            opportunity_id=opportunity_id,
            competitor_id=None,
            before_id=before_id,
            limit=limit,
        )
        return list(rows)

    async def create(
        self,
        account_id: int,
        data: CompetitorPresenceCreate,
        owner_ids: OwnerScope,
        author: int,
    ) -> CompetitorPresence:
        await self.accounts.visible(account_id, owner_ids)
        if data.opportunity_id is not None:
            found = await self.repository.opportunity_account(data.opportunity_id, owner_ids)
            if found != account_id:
                raise _invalid(
                    "opportunity_id",
                    f"opportunity {data.opportunity_id} is not an opportunity of account "
                    f"{account_id}",
                    "not_of_account",
                )
        competitor = await self.repository.competitor(data.competitor_id)
        if competitor is None:
            raise _invalid(
                "competitor_id", f"competitor {data.competitor_id} does not exist", "unknown"
            )
        observed_on = data.observed_on or self.today()
        self._check_day(observed_on)
        presence = CompetitorPresence(
            account_id=account_id,
            opportunity_id=data.opportunity_id,
            competitor_id=data.competitor_id,
            products=data.products,
            price_seen_amount=None if data.price_seen is None else data.price_seen.amount,
            price_seen_currency=None if data.price_seen is None else data.price_seen.currency,
            strengths=data.strengths,
            weaknesses=data.weaknesses,
            observed_on=observed_on,
            author_id=author,
        )
        presence = await self.repository.add(presence)
        self._audit(presence, "create", author, before=None)
        return presence

    async def update(
        self,
        presence_id: int,
        data: CompetitorPresenceUpdate,
        if_match: str | None,
        owner_ids: OwnerScope,
        actor: int | None,
    ) -> CompetitorPresence:
        presence = await self.repository.get(presence_id, owner_ids, for_update=True)
        if presence is None:
            raise presence_missing(presence_id)
        check_if_match(if_match, presence.version)
        before = self._summary(presence)
        given = data.model_fields_set
        for field in ("products", "strengths", "weaknesses"):
            if field in given:
                setattr(presence, field, getattr(data, field))
        if "price_seen" in given:
            price = data.price_seen
            presence.price_seen_amount = None if price is None else price.amount
            presence.price_seen_currency = None if price is None else price.currency
        if data.observed_on is not None:
            self._check_day(data.observed_on)
            presence.observed_on = data.observed_on
        presence.version += 1
        presence = await self.repository.add(presence)
        self._audit(presence, "update", actor, before=before)
        return presence

    async def win_loss(
        self, owner_ids: OwnerScope, closed_from: date | None, closed_to: date | None
    ) -> CompetitorWinLossReport:
        """Per competitor: opportunities won where it was present and lost to it, closed
        in the period (company days, both ends included) and in the caller's scope."""
        won = await self.repository.won_against(owner_ids, self.timezone, closed_from, closed_to)
        lost = await self.repository.lost_to(owner_ids, self.timezone, closed_from, closed_to)
        names = await self.repository.competitor_names({c for c, _ in won} | {c for c, _ in lost})
        lines = []
        for competitor_id, name in names.items():
            won_count, won_amounts = _tally_of(won, competitor_id)
            lost_count, lost_amounts = _tally_of(lost, competitor_id)
            lines.append(
                CompetitorWinLoss(
                    competitor_id=competitor_id,
                    competitor_name=name,
                    won_against=won_count,
                    lost_to=lost_count,
                    win_rate=win_rate(won_count, lost_count),
                    won_amounts=won_amounts,
                    lost_amounts=lost_amounts,
                )
            )
        lines.sort(key=lambda w: (-(w.won_against + w.lost_to), w.competitor_name, w.competitor_id))
        return CompetitorWinLossReport(
            closed_from=closed_from, closed_to=closed_to, competitors=lines
        )

    def _check_day(self, observed_on: date) -> None:
        if observed_on > self.today():
            raise _invalid("observed_on", "an observation cannot be dated in the future", "future")

    @staticmethod
    def _summary(p: CompetitorPresence) -> dict[str, Any]:
        return {
            "competitor_id": p.competitor_id,
            "opportunity_id": p.opportunity_id,
            "products": p.products,
            "price_seen_amount": None if p.price_seen_amount is None else str(p.price_seen_amount),
            "price_seen_currency": p.price_seen_currency,
            "strengths": p.strengths,
            "weaknesses": p.weaknesses,
            "observed_on": p.observed_on.isoformat(),
            "author_id": p.author_id,
        }

    def _audit(
        self,
        p: CompetitorPresence,
        action: str,
        actor: int | None,
        *,
        before: dict[str, Any] | None,
    ) -> None:
        assert p.id is not None
        self.audit.record(
            entity=AuditEntity.COMPETITOR_PRESENCE,
            entity_id=p.id,
            account_id=p.account_id,
            action=action,
            actor_employee_id=actor,
            before=before,
            after=self._summary(p),
        )


def _tally_of(tally: Tally, competitor_id: int) -> tuple[int, list[Money]]:
    count = 0
    amounts: dict[str, Decimal] = defaultdict(Decimal)
    for (cid, currency), (n, total) in tally.items():
        if cid == competitor_id:
            count += n
            amounts[currency] += total
    return count, [Money.of(amounts[c], c) for c in sorted(amounts)]
