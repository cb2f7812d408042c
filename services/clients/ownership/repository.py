"""Every query of ownership: history, handovers, and the service work that follows an owner.

A move is set-based: a handover of 5,000 accounts is a handful of statements (lock, update,
history, audit, open work), not a round trip per account, all in the request's transaction.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import TextClause, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.audit.schemas import AuditEntity
from services.clients.db import Repository
from services.clients.ownership.models import Handover, OwnershipChange
from services.clients.ownership.schemas import TransferOptions
from shared.audit_log import request_facts, stood_in_for


class OwnershipRepository(Repository):
    """Queries for ownership, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add_change(self, change: OwnershipChange) -> None:
        self.session.add(change)

    async def history(
        self, account_id: int, *, before_id: int | None, limit: int
    ) -> Sequence[OwnershipChange]:
        """Newest first."""
        return await self.account_history(
            OwnershipChange, account_id, before_id=before_id, limit=limit
        )

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

    async def lock_owned_by(self, owner_id: int) -> dict[int, int]:
        """Lock every account of ``owner_id``, archived ones included (nothing may be
        orphaned); ``{account id: owner id}`` in id order.

        Locks are taken in id order, like every other mover's, so two moves never deadlock;
        a row another transaction moves away meanwhile is skipped once that one commits.
        """
        return await self._lock(_LOCK_OWNED_BY, {"owner": owner_id})

    async def lock_accounts(
        self, account_ids: Collection[int], *, owner_ids: Collection[int] | None = None
    ) -> dict[int, int]:
        """Lock the accounts among ``account_ids`` that exist (and, when ``owner_ids`` is
        given, are owned by one of them); ``{account id: owner id}`` in id order."""
        owners = None if owner_ids is None else list(owner_ids)
        return await self._lock(_LOCK_LISTED, {"ids": list(account_ids), "owners": owners})

    async def _lock(self, statement: TextClause, params: dict[str, Any]) -> dict[int, int]:
        connection = await self.session.connection()
        result = await connection.execute(statement, params)
        return {account_id: owner_id for account_id, owner_id in result}

    async def move_accounts(
        self,
        previous_owners: Mapping[int, int],
        to_employee_id: int,
        *,
        reason: str,
        options: Mapping[str, bool],
        actor_employee_id: int | None,
        handover_id: uuid.UUID | None,
    ) -> None:
        """Give the locked accounts (``{account id: previous owner}``) to ``to_employee_id``
        and record each move: an ownership history entry and an audit entry per account
        (the entry :class:`AuditTrail` would write), one statement for each kind of row."""
        if not previous_owners:
            return
        moved = {"ids": list(previous_owners), "previous": list(previous_owners.values())}
        connection = await self.session.connection()
        await connection.execute(_MOVE_ACCOUNTS, {"ids": moved["ids"], "to": to_employee_id})
        await connection.execute(
            _RECORD_MOVES,
            {
                **moved,
                "to": to_employee_id,
                "reason": reason,
                "handover": handover_id,
                "options": json.dumps(dict(options)),
                "actor": actor_employee_id,
            },
        )
        facts = request_facts()
        await connection.execute(
            _AUDIT_MOVES,
            {
                **moved,
                "request_id": facts.get("request_id"),
                "actor_subject": facts.get("actor"),
                "on_behalf_of": facts.get("on_behalf_of"),
                "stood_in_for": sorted(stood_in_for()),
                "client_address": facts.get("client_address"),
                "actor": actor_employee_id,
                "entity": AuditEntity.OWNERSHIP.value,
                "after": json.dumps({"owner_id": to_employee_id, "reason": reason}),
            },
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

    async def move_open_opportunities(
        self,
        from_employee_id: int,
        to_employee_id: int,
        account_ids: Collection[int] | None,
        action: str = "handover",
    ) -> int:
        """Give the leaver's open opportunities (all, or those on ``account_ids``) to his
        successor, with an audit entry each (``action``: a handover or a transfer); won and
        lost ones stay credited to him."""
        facts = request_facts()
        connection = await self.session.connection()
        result = await connection.execute(
            _OPEN_OPPORTUNITIES,
            {
                "from": from_employee_id,
                "to": to_employee_id,
                "ids": None if account_ids is None else list(account_ids),
                "request_id": facts.get("request_id"),
                "actor_subject": facts.get("actor"),
                "client_address": facts.get("client_address"),
                "entity": AuditEntity.OPPORTUNITY.value,
                "action": action,
            },
        )
        return len(result.all())

    async def move_open_deals(
        self,
        from_employee_id: int,
        to_employee_id: int,
        account_ids: Collection[int] | None,
        action: str = "handover",
    ) -> tuple[int, int]:
        """Give the leaver's open quotations (he is their author; draft to sent) and
        undecided bids (he owns them) to his successor, all of them or those on
        ``account_ids``, with an audit entry each; how many of each."""
        facts = request_facts()
        connection = await self.session.connection()
        params = {
            "from": from_employee_id,
            "to": to_employee_id,
            "ids": None if account_ids is None else list(account_ids),
            "request_id": facts.get("request_id"),
            "actor_subject": facts.get("actor"),
            "client_address": facts.get("client_address"),
            "action": action,
        }
        quotations = await connection.execute(
            _OPEN_QUOTATIONS, {**params, "entity": AuditEntity.QUOTATION.value}
        )
        bids = await connection.execute(
            _UNDECIDED_BIDS, {**params, "entity": AuditEntity.BID.value}
        )
        return len(quotations.all()), len(bids.all())

    async def hand_over_opportunity_places(self, from_employee_id: int, to_employee_id: int) -> int:
        """The leaver's places on open opportunities' teams go to his successor (where the
        successor is not on that team already; there the leaver's place goes). The number
        moved; closed opportunities keep the team they had."""
        params = {"from": from_employee_id, "to": to_employee_id}
        moved = await self._reassign(_OPPORTUNITY_PLACES, params)
        connection = await self.session.connection()
        await connection.execute(_LEFT_OPPORTUNITY_PLACES, params)
        return moved

    async def _reassign(self, statement: TextClause, params: dict[str, Any]) -> int:
        connection = await self.session.connection()
        result = await connection.execute(statement, params)
        return len(result.all())


_LOCK_OWNED_BY = text(
    "SELECT id, owner_id FROM clients.accounts WHERE owner_id = :owner ORDER BY id FOR UPDATE"
)
_LOCK_LISTED = text(
    "SELECT id, owner_id FROM clients.accounts WHERE id = ANY(CAST(:ids AS integer[])) "
    "AND (CAST(:owners AS integer[]) IS NULL OR owner_id = ANY(CAST(:owners AS integer[]))) "
    "ORDER BY id FOR UPDATE"
)
_MOVE_ACCOUNTS = text(
    "UPDATE clients.accounts SET owner_id = :to, version = version + 1, updated_at = now() "
    "WHERE id = ANY(CAST(:ids AS integer[]))"
)
# The moves in account id order, so history and audit ids follow it as they did one by one.
_MOVED = (
    "FROM unnest(CAST(:ids AS integer[]), CAST(:previous AS integer[])) "
    "WITH ORDINALITY AS moved(account_id, previous, n) ORDER BY moved.n"
)
_RECORD_MOVES = text(
    "INSERT INTO clients.ownership_history (account_id, from_employee_id, to_employee_id, "
    "reason, handover_id, options, actor_employee_id) "
    "SELECT moved.account_id, moved.previous, CAST(:to AS integer), CAST(:reason AS text), "
    "CAST(:handover AS uuid), CAST(:options AS jsonb), CAST(:actor AS integer) " + _MOVED
)
_AUDIT_MOVES = text(
    "INSERT INTO clients.audit_log (service, request_id, actor, on_behalf_of, client_address, "
    "actor_employee_id, entity, entity_id, account_id, action, before, after) "
    "SELECT 'clients', CAST(:request_id AS text), CAST(:actor_subject AS text), "
    "COALESCE(CAST(:on_behalf_of AS text), CASE WHEN moved.previous = "
    "ANY(CAST(:stood_in_for AS integer[])) THEN 'employee:' || moved.previous END), "
    "CAST(:client_address AS text), CAST(:actor AS integer), "
    "CAST(:entity AS text), moved.account_id::text, moved.account_id, "
    "'transfer', jsonb_build_object('owner_id', moved.previous), CAST(:after AS jsonb) " + _MOVED
)
_OPEN_TICKETS = text(
    "UPDATE clients.tickets SET owner_id = :to, version = version + 1, updated_at = now() "
    "WHERE account_id = ANY(CAST(:ids AS integer[])) AND owner_id <> :to "
    "AND status NOT IN ('resolved', 'closed') RETURNING id"
)
_OPEN_OPPORTUNITIES = text(
    "WITH moved AS (UPDATE clients.opportunities SET owner_id = :to, version = version + 1, "
    "updated_at = now() WHERE owner_id = :from AND status = 'open' "
    "AND (CAST(:ids AS integer[]) IS NULL OR account_id = ANY(CAST(:ids AS integer[]))) "
    "RETURNING id, account_id) "
    "INSERT INTO clients.audit_log (service, request_id, actor, client_address, entity, "
    "entity_id, account_id, action, before, after) "
    "SELECT 'clients', CAST(:request_id AS text), CAST(:actor_subject AS text), "
    "CAST(:client_address AS text), CAST(:entity AS text), moved.id::text, moved.account_id, "
    "CAST(:action AS text), jsonb_build_object('owner_id', CAST(:from AS integer)), "
    "jsonb_build_object('owner_id', CAST(:to AS integer)) FROM moved ORDER BY moved.id "
    "RETURNING id"
)
_OPEN_QUOTATIONS = text(
    "WITH moved AS (UPDATE clients.quotations SET author_id = :to, version = version + 1, "
    "updated_at = now() WHERE author_id = :from "
    "AND state IN ('draft', 'pending_approval', 'approved', 'sent') "
    "AND (CAST(:ids AS integer[]) IS NULL OR account_id = ANY(CAST(:ids AS integer[]))) "
    "RETURNING id, account_id) "
    "INSERT INTO clients.audit_log (service, request_id, actor, client_address, entity, "
    "entity_id, account_id, action, before, after) "
    "SELECT 'clients', CAST(:request_id AS text), CAST(:actor_subject AS text), "
    "CAST(:client_address AS text), CAST(:entity AS text), moved.id::text, moved.account_id, "
    "CAST(:action AS text), jsonb_build_object('author_id', CAST(:from AS integer)), "
    "jsonb_build_object('author_id', CAST(:to AS integer)) FROM moved ORDER BY moved.id "
    "RETURNING id"
)
_UNDECIDED_BIDS = text(
    "WITH moved AS (UPDATE clients.bids SET owner_id = :to, version = version + 1, "
    "updated_at = now() WHERE owner_id = :from AND result IS NULL "
    "AND (CAST(:ids AS integer[]) IS NULL OR account_id = ANY(CAST(:ids AS integer[]))) "
    "RETURNING id, account_id) "
    "INSERT INTO clients.audit_log (service, request_id, actor, client_address, entity, "
    "entity_id, account_id, action, before, after) "
    "SELECT 'clients', CAST(:request_id AS text), CAST(:actor_subject AS text), "
    "CAST(:client_address AS text), CAST(:entity AS text), moved.id::text, moved.account_id, "
    "CAST(:action AS text), jsonb_build_object('owner_id', CAST(:from AS integer)), "
    "jsonb_build_object('owner_id', CAST(:to AS integer)) FROM moved ORDER BY moved.id "
    "RETURNING id"
)
_OPPORTUNITY_PLACES = text(
    "UPDATE clients.opportunity_members SET employee_id = :to WHERE employee_id = :from "
    "AND opportunity_id IN (SELECT id FROM clients.opportunities WHERE status = 'open') "
    "AND opportunity_id NOT IN "
    "(SELECT opportunity_id FROM clients.opportunity_members WHERE employee_id = :to) "
    "RETURNING opportunity_id"
)
_LEFT_OPPORTUNITY_PLACES = text(
    "DELETE FROM clients.opportunity_members WHERE employee_id = :from "
    "AND opportunity_id IN (SELECT id FROM clients.opportunities WHERE status = 'open')"
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
