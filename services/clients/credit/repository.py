"""Every query on credit adjustments."""

from __future__ import annotations

from collections.abc import Sequence

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
        return await self.account_history(
            CreditAdjustment, account_id, before_id=before_id, limit=limit
        )
