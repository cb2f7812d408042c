"""Every query on credit adjustments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
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
        return await self.account_history(
            CreditAdjustment, account_id, before_id=before_id, limit=limit
        )

    async def authority_used(self, account_id: int, actor_employee_id: int, since: datetime) -> int:
        """The absolute deltas one actor applied on his own authority to one account since
        ``since`` (adjustments applied on an approved request do not count)."""
        query = select(func.coalesce(func.sum(func.abs(col(CreditAdjustment.delta))), 0)).where(
            col(CreditAdjustment.account_id) == account_id,
            col(CreditAdjustment.actor_employee_id) == actor_employee_id,
            col(CreditAdjustment.approval_id).is_(None),
            col(CreditAdjustment.created_at) >= since,
        )
        return int((await self.session.exec(query)).one())
