"""Every query on exchange rates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.db import Repository
from services.clients.rates.models import ExchangeRate


class RateRepository(Repository):
    """Queries for exchange rates, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, currency: str, effective_on: date) -> ExchangeRate | None:
        result = await self.session.exec(
            select(ExchangeRate)
            .where(
                col(ExchangeRate.currency) == currency,
                col(ExchangeRate.effective_on) == effective_on,
            )
            .with_for_update()
        )
        return result.first()

    async def in_force(self, currency: str, on: date) -> ExchangeRate | None:
        """The latest rate of ``currency`` effective on or before ``on``."""
        result = await self.session.exec(
            select(ExchangeRate)
            .where(col(ExchangeRate.currency) == currency, col(ExchangeRate.effective_on) <= on)
            .order_by(col(ExchangeRate.effective_on).desc())
            .limit(1)
        )
        return result.first()

    async def list(
        self,
        *,
        currency: str | None,
        on: date | None,
        after_id: int | None,
        limit: int,
    ) -> Sequence[ExchangeRate]:
        """Rates by id; with ``on``, only the one in force on that day per currency."""
        query = select(ExchangeRate)
        if currency is not None:
            query = query.where(col(ExchangeRate.currency) == currency)
        if on is not None:
            newer = aliased(ExchangeRate)
            later_in_force = (
                select(col(newer.id))
                .where(
                    col(newer.currency) == col(ExchangeRate.currency),
                    col(newer.effective_on) > col(ExchangeRate.effective_on),
                    col(newer.effective_on) <= on,
                )
                .exists()
            )
            query = query.where(col(ExchangeRate.effective_on) <= on, ~later_in_force)
        if after_id is not None:
            query = query.where(col(ExchangeRate.id) > after_id)
        result = await self.session.exec(query.order_by(col(ExchangeRate.id)).limit(limit))
        return result.all()
