"""Every query of ownership: history, handovers, and the service work that follows an owner."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.ownership.models import Handover, OwnershipChange
from services.clients.ownership.schemas import TransferOptions


class OwnershipRepository:
    """Queries for ownership, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add_change(self, change: OwnershipChange) -> None:
        self.session.add(change)

    async def history(
        self, account_id: int, *, before_id: int | None, limit: int
    ) -> Sequence[OwnershipChange]:
        """Newest first."""
        query = (
            select(OwnershipChange)
            .where(col(OwnershipChange.account_id) == account_id)
            .order_by(col(OwnershipChange.id).desc())
            .limit(limit)
        )
        if before_id is not None:
            query = query.where(col(OwnershipChange.id) < before_id)
        result = await self.session.exec(query)
        return result.all()

    async def get_handover(self, handover_id: uuid.UUID) -> Handover | None:
        result = await self.session.exec(
            select(Handover).where(col(Handover.handover_id) == handover_id)
        )
        return result.first()

    async def claim_handover(self, handover: Handover) -> bool:
        """Insert the handover row unless its id is already there; False if it was.

        A concurrent request with the same id waits here on the unique index until the
        first one commits (then gets False) or rolls back (then claims it itself).
        """
        statement = (
            insert(Handover)
            .values(
                handover_id=handover.handover_id,
                from_employee_id=handover.from_employee_id,
                to_employee_id=handover.to_employee_id,
                reason=handover.reason,
                request=handover.request,
                result=handover.result,
            )
            .on_conflict_do_nothing(index_elements=[col(Handover.handover_id)])
            .returning(col(Handover.id))
        )
        result = await self.session.exec(statement)
        return result.first() is not None

    async def complete_handover(self, handover_id: uuid.UUID, result: dict[str, Any]) -> None:
        await self.session.exec(
            update(Handover).where(col(Handover.handover_id) == handover_id).values(result=result)
        )

    async def move_service_work(
        self,
        account_ids: Collection[int],
        to_employee_id: int,
        options: TransferOptions,
    ) -> dict[str, int]:
        """Reassign the open tickets, planned visits and collection tasks of the accounts.

        PLUG-IN POINT: tickets, visits and collection tasks arrive with part 2 and the
        receivables issue. Each adds one UPDATE here (guarded by its option) returning how
        many rows it moved; until then nothing exists to move and every count is 0.
        """
        return {"open_tickets": 0, "planned_visits": 0, "collection_tasks": 0}
