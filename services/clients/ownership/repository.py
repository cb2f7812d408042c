"""Every query of ownership: history, handovers, and the service work that follows an owner."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import TextClause, text, update
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
        """Reassign the open work of the accounts to their new owner, as ``options`` say.

        Open tickets (not resolved or closed) and planned visits move; resolved tickets and
        completed visits stay with whoever did them, so the metrics keep crediting them.
        Planned contact touches (联络计划) follow the planned visits. Open collection tasks
        (催款) move; closed ones stay with whoever held them.
        """
        moved = {"open_tickets": 0, "planned_visits": 0, "collection_tasks": 0}
        if not account_ids:
            return moved
        params = {"ids": list(account_ids), "to": to_employee_id}
        if options.include_open_tickets:
            moved["open_tickets"] = await self._reassign(_OPEN_TICKETS, params)
        if options.include_planned_visits:
            moved["planned_visits"] = await self._reassign(_PLANNED_VISITS, params)
            await self._reassign(_PLANNED_TOUCHES, params)
        if options.include_collection_tasks:
            moved["collection_tasks"] = await self._reassign(_OPEN_COLLECTION_TASKS, params)
        return moved

    async def _reassign(self, statement: TextClause, params: dict[str, Any]) -> int:
        connection = await self.session.connection()
        result = await connection.execute(statement, params)
        return len(result.all())


_OPEN_TICKETS = text(
    "UPDATE clients.tickets SET owner_id = :to, version = version + 1, updated_at = now() "
    "WHERE account_id = ANY(CAST(:ids AS integer[])) AND owner_id <> :to "
    "AND status NOT IN ('resolved', 'closed') RETURNING id"
)
_PLANNED_VISITS = text(
    "UPDATE clients.visits SET owner_id = :to, version = version + 1, updated_at = now() "
    "WHERE account_id = ANY(CAST(:ids AS integer[])) AND owner_id <> :to "
    "AND status = 'planned' RETURNING id"
)
_PLANNED_TOUCHES = text(
    "UPDATE clients.contact_touches SET owner_id = :to, version = version + 1, "
    "updated_at = now() WHERE account_id = ANY(CAST(:ids AS integer[])) AND owner_id <> :to "
    "AND status = 'planned' RETURNING id"
)
_OPEN_COLLECTION_TASKS = text(
    "UPDATE clients.collection_tasks SET owner_id = :to, version = version + 1, "
    "updated_at = now() WHERE account_id = ANY(CAST(:ids AS integer[])) AND owner_id <> :to "
    "AND status = 'open' RETURNING id"
)
