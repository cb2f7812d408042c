"""Exchange rates (汇率): posting the date-effective rate table and converting amounts to
the base currency with it. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy.exc import IntegrityError

from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail, changed_fields, snapshot
from services.clients.rates.models import ExchangeRate
from services.clients.rates.repository import RateRepository
from services.clients.rates.rules import MissingRate, to_base
from services.clients.rates.schemas import ExchangeRateSet, RateInForce, RateSource
from shared.errors import ConcurrentChange, NotFound, UnprocessableContent


class RateService:
    """The rate table of one base currency."""

    def __init__(self, repository: RateRepository, audit: AuditTrail, *, base: str) -> None:
        self.repository = repository
        self.audit = audit
        self.base = base

    async def put(
        self,
        currency: str,
        effective_on: date,
        data: ExchangeRateSet,
        actor_employee_id: int | None,
    ) -> tuple[ExchangeRate, bool]:
        """Create or replace the rate of ``currency`` from ``effective_on``; True if created.

        Amounts already converted (signed contracts) keep the value they were signed at.
        """
        if currency == self.base:
            raise UnprocessableContent(
                f"{currency} is the base currency; it always converts at 1",
                extra={
                    "errors": [
                        {
                            "loc": ["path", "currency"],
                            "msg": "the base currency has no rate",
                            "type": "base_currency",
                        }
                    ]
                },
            )
        rate = await self.repository.get(currency, effective_on)
        created = rate is None
        before = None if rate is None else snapshot(rate)
        if rate is None:
            rate = ExchangeRate(
                currency=currency,
                effective_on=effective_on,
                rate=data.rate,
                source=data.source.value,
            )
        elif rate.rate == data.rate and rate.source == data.source.value:
            return rate, False
        else:
            rate.version += 1
        rate.rate = data.rate
        rate.source = data.source.value
        rate.created_by = actor_employee_id
        try:
            rate = await self.repository.add(rate)
        except IntegrityError as exc:  # a concurrent PUT created the same day
            raise ConcurrentChange(
                f"the {currency} rate from {effective_on} was posted at the same time; retry"
            ) from exc
        assert rate.id is not None
        old, new = (
            (None, snapshot(rate)) if before is None else changed_fields(before, snapshot(rate))
        )
        self.audit.record(
            entity=AuditEntity.EXCHANGE_RATE,
            entity_id=rate.id,
            account_id=None,
            action="create" if created else "update",
            actor_employee_id=actor_employee_id,
            before=old,
            after=new,
        )
        return rate, created

    async def in_force(self, currency: str, on: date) -> RateInForce:
        """The rate applying on ``on``; 404 when none is posted on or before it."""
        if currency == self.base:
            return RateInForce(
                currency=currency,
                base_currency=self.base,
                on=on,
                rate=Decimal("1"),
                effective_on=None,
                source=None,
            )
        rate = await self.repository.in_force(currency, on)
        if rate is None:
            raise NotFound(str(MissingRate(currency, self.base, on)))
        return RateInForce(
            currency=currency,
            base_currency=self.base,
            on=on,
            rate=rate.rate,
            effective_on=rate.effective_on,
            source=RateSource(rate.source),
        )

    async def convert(self, amount: Decimal, currency: str, on: date) -> Decimal:
        """``amount`` of ``currency`` in the base currency at the rate in force on ``on``.

        Raises :class:`MissingRate` when a foreign currency has no rate on or before ``on``.
        """
        if currency == self.base:
            return to_base(amount, currency, self.base, None)
        rate = await self.repository.in_force(currency, on)
        if rate is None:
            raise MissingRate(currency, self.base, on)
        return to_base(amount, currency, self.base, rate.rate)

    async def list(
        self, *, currency: str | None, on: date | None, after_id: int | None, limit: int
    ) -> Sequence[ExchangeRate]:
        return await self.repository.list(currency=currency, on=on, after_id=after_id, limit=limit)
