"""Every query of grading: the grade history and the contract value grades are based on."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from decimal import Decimal

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.grading.models import GradeChange


class GradingRepository:
    """Queries for grading, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add_change(self, change: GradeChange) -> None:
        self.session.add(change)

    async def history(
        self, account_id: int, *, before_id: int | None, limit: int
    ) -> Sequence[GradeChange]:
        """Newest first."""
        query = (
            select(GradeChange)
            .where(col(GradeChange.account_id) == account_id)
            .order_by(col(GradeChange.id).desc())
            .limit(limit)
        )
        if before_id is not None:
            query = query.where(col(GradeChange.id) < before_id)
        result = await self.session.exec(query)
        return result.all()

    async def signed_contract_values(
        self, account_ids: Collection[int], start: date, end: date
    ) -> dict[int, Decimal]:
        """Signed contract value (base currency) per account with a signing date in
        ``[start, end]``.

        PLUG-IN POINT: contracts arrive in part 2. Until a ``contracts`` table exists every
        account has 0; replace the body with one grouped SUM over signed contracts
        (converted to the base currency) and grading, recomputation and the group roll-up
        pick it up unchanged.
        """
        return dict.fromkeys(account_ids, Decimal("0"))
