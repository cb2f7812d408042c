"""Every query on credit adjustments."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.credit.models import CreditAdjustment
from services.clients.db import Repository


class CreditRepository(Repository):
    """Queries for credit adjustments, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list(
        self, account_id: int, *, before_id: int | None, limit: int
    ) -> Sequence[CreditAdjustment]:
        """Newest first."""
        query = (
            select(CreditAdjustment)
            .where(col(CreditAdjustment.account_id) == account_id)
            .order_by(col(CreditAdjustment.id).desc())
            .limit(limit)
        )
        if before_id is not None:
            query = query.where(col(CreditAdjustment.id) < before_id)
        result = await self.session.exec(query)
        return result.all()
