"""Every query of collection: dunning candidates, collection tasks, credit limits and the
parts of credit exposure."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.access import visible_accounts
from services.clients.collection.models import CollectionTask, CreditLimit
from services.clients.db import Repository
from services.clients.org.repository import reporting_subtree_ids

DUNNING_LOCK = 0x4B414D44  # "KAMD": one dunning run at a time
ZERO = Decimal(0)


@dataclass(frozen=True)
class TaskQuery:
    """Filters of the collection task list."""

    owner_ids: Sequence[int] | None = None
    team_of: int | None = None
    account_id: int | None = None
    statuses: Sequence[str] | None = None
    levels: Sequence[int] | None = None
    due_from: date | None = None
    due_to: date | None = None


@dataclass(frozen=True)
class DunningCandidate:
    """An open line of a live invoice with its dunning state and who would hold a task."""

    line_id: int
    invoice_id: int
    line_no: int
    due_date: date
    open_amount: Decimal
    currency: str
    account_id: int
    owner_id: int
    manager_id: int | None
    last_level: int | None


@dataclass(frozen=True)
class ExposureParts:
    """One account's exposure in the base currency; ``unconverted_lines`` are open lines
    of foreign-currency invoices without a rate (left out of ``open_receivables``)."""

    open_receivables: Decimal = ZERO
    uninvoiced_contracts: Decimal = ZERO
    unconverted_lines: int = 0


@dataclass(frozen=True)
class CreditWarningRow:
    account_id: int
    legal_name: str
    owner_id: int
    limit: Decimal
    currency: str
    members: int
    open_receivables: Decimal
    uninvoiced_contracts: Decimal

    @property
    def id(self) -> int:  # the keyset key of the list
        return self.account_id


def _in_scope(owner_ids: Collection[int] | None) -> Any:
    return visible_accounts(col(CollectionTask.account_id), owner_ids)


_CANDIDATES = text(
    """
SELECT l.id, l.invoice_id, l.line_no, l.due_date, l.amount - l.paid_amount, i.currency,
       a.id, a.owner_id, e.manager_id, last.level
FROM clients.invoice_lines l
JOIN clients.invoices i ON i.id = l.invoice_id
JOIN clients.accounts a ON a.id = i.account_id
LEFT JOIN clients.org_employees e ON e.employee_id = a.owner_id
LEFT JOIN LATERAL (
    SELECT t.level FROM clients.collection_tasks t
    WHERE t.invoice_line_id = l.id ORDER BY t.level DESC LIMIT 1
) last ON true
WHERE i.status <> 'cancelled' AND l.paid_amount < l.amount
  AND i.issue_date <= :as_of AND l.due_date <= :latest_due AND l.id > :after
ORDER BY l.id
LIMIT :limit
"""
)

# Parts of exposure per account: open lines converted at their invoice's rate (to the cent
# per line, as ``rates.rules.to_base``), and per signed contract its base value minus the
# base value of the live invoices linked to it, not below 0 (``uninvoiced_contract_value``).
_EXPOSURE_PARTS = """
open_parts AS (
    SELECT i.account_id,
           sum(CASE WHEN i.currency = :base THEN l.amount - l.paid_amount
                    ELSE round((l.amount - l.paid_amount) * i.base_rate, 2) END) AS open_base,
           count(*) FILTER (WHERE i.currency <> :base AND i.base_rate IS NULL) AS unconverted
    FROM clients.invoice_lines l JOIN clients.invoices i ON i.id = l.invoice_id
    WHERE i.status <> 'cancelled' AND l.paid_amount < l.amount
      AND i.account_id IN (SELECT account_id FROM wanted)
    GROUP BY i.account_id
),
invoiced AS (
    SELECT contract_id, sum(COALESCE(amount_base, 0)) AS total FROM clients.invoices
    WHERE status <> 'cancelled' AND contract_id IS NOT NULL
      AND account_id IN (SELECT account_id FROM wanted)
    GROUP BY contract_id
),
contract_parts AS (
    SELECT c.account_id, sum(GREATEST(c.amount_base - COALESCE(v.total, 0), 0)) AS uninvoiced
    FROM clients.contracts c LEFT JOIN invoiced v ON v.contract_id = c.id
    WHERE c.status = 'signed' AND c.amount_base IS NOT NULL
      AND c.account_id IN (SELECT account_id FROM wanted)
    GROUP BY c.account_id
)
"""

_EXPOSURE_OF = text(
    "WITH wanted AS (SELECT unnest(CAST(:ids AS integer[])) AS account_id),"
    + _EXPOSURE_PARTS
    + """
SELECT w.account_id, COALESCE(o.open_base, 0), COALESCE(c.uninvoiced, 0),
       COALESCE(o.unconverted, 0)
FROM wanted w
LEFT JOIN open_parts o ON o.account_id = w.account_id
LEFT JOIN contract_parts c ON c.account_id = w.account_id
"""
)

# Limit holders and the accounts their limit covers: the whole group below a top account,
# else the holder alone. Exceeded when the covered exposure is above the limit.
_CREDIT_WARNINGS = text(  # constant fragments only, no input: not an injection vector
    """
WITH RECURSIVE covered AS (
    SELECT a.id AS holder_id, a.id AS account_id, a.parent_id IS NULL AS whole_group
    FROM clients.credit_limits cl JOIN clients.accounts a ON a.id = cl.account_id
    WHERE cl.account_id > :after
      AND (CAST(:unscoped AS boolean) OR a.owner_id = ANY(CAST(:owners AS integer[])))
    UNION
    SELECT c.holder_id, a.id, c.whole_group
    FROM covered c JOIN clients.accounts a ON a.parent_id = c.account_id
    WHERE c.whole_group
),
wanted AS (SELECT DISTINCT account_id FROM covered),"""  # noqa: S608
    + _EXPOSURE_PARTS
    + """,
totals AS (
    SELECT c.holder_id, count(*) AS members,
           sum(COALESCE(o.open_base, 0)) AS open_base,
           sum(COALESCE(p.uninvoiced, 0)) AS uninvoiced
    FROM covered c
    LEFT JOIN open_parts o ON o.account_id = c.account_id
    LEFT JOIN contract_parts p ON p.account_id = c.account_id
    GROUP BY c.holder_id
)
SELECT a.id, a.legal_name, a.owner_id, cl.amount, cl.currency, t.members, t.open_base,
       t.uninvoiced
FROM totals t
JOIN clients.credit_limits cl ON cl.account_id = t.holder_id
JOIN clients.accounts a ON a.id = t.holder_id
WHERE t.open_base + t.uninvoiced > cl.amount
ORDER BY a.id
LIMIT :limit
"""
)

_SWEEP_PAID = text(
    """
UPDATE clients.collection_tasks t
SET status = 'closed_paid', closed_at = :now, version = t.version + 1, updated_at = now()
FROM clients.invoice_lines l
WHERE t.status = 'open' AND l.id = t.invoice_line_id AND l.paid_amount >= l.amount
RETURNING t.id, t.account_id
"""
)
_SWEEP_GONE = text(
    """
UPDATE clients.collection_tasks t
SET status = 'cancelled', closed_at = :now, version = t.version + 1, updated_at = now(),
    note = COALESCE(t.note, :note)
WHERE t.status = 'open' AND (
    t.invoice_line_id IS NULL
    OR t.invoice_id IN (SELECT id FROM clients.invoices WHERE status = 'cancelled'))
RETURNING t.id, t.account_id
"""
)


class CollectionRepository(Repository):
    """Queries for collection tasks and credit limits, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _execute(self, statement: Any, params: dict[str, Any] | None = None) -> Any:
        """Run a Core statement on the session's connection, after flushing the session so
        the statement sees every pending change."""
        await self.session.flush()
        connection = await self.session.connection()
        return await connection.execute(statement, params or {})

    # ---------------------------------------------------------------- dunning runs

    async def lock_dunning(self, *, wait: bool) -> bool:
        """Hold the dunning run's lock until the transaction ends; without ``wait``, False
        when another run holds it."""
        function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
        result = await self._execute(text(f"SELECT {function}(:k)"), {"k": DUNNING_LOCK})
        return wait or bool(result.scalar_one())

    async def dunning_candidates(
        self, as_of: date, latest_due: date, *, after_line_id: int, limit: int
    ) -> list[DunningCandidate]:
        """Open lines of live invoices issued by ``as_of`` and due on or before
        ``latest_due`` (so the first level can be reached), by line id."""
        result = await self._execute(
            _CANDIDATES,
            {"as_of": as_of, "latest_due": latest_due, "after": after_line_id, "limit": limit},
        )
        return [DunningCandidate(*row) for row in result.all()]

    async def supersede_open_tasks(self, line_ids: Collection[int], now: datetime) -> list[int]:
        """Cancel the open tasks of lines that step to a higher level; their ids."""
        if not line_ids:
            return []
        result = await self._execute(
            update(CollectionTask)
            .where(
                col(CollectionTask.invoice_line_id).in_(list(line_ids)),
                col(CollectionTask.status) == "open",
            )
            .values(
                status="cancelled",
                closed_at=now,
                note="superseded by the next dunning level",
                version=col(CollectionTask.version) + 1,
            )
            .returning(col(CollectionTask.id))
        )
        return [int(task_id) for task_id in result.scalars()]

    async def sweep_closed_lines(self, now: datetime) -> tuple[list[tuple[int, int]], ...]:
        """Close open tasks of lines paid in full (closed_paid) and cancel those of lines
        that are gone or whose invoice was cancelled: (paid, cancelled) as (id, account)."""
        paid = await self._execute(_SWEEP_PAID, {"now": now})
        paid_rows = [(task_id, account_id) for task_id, account_id in paid.all()]
        gone = await self._execute(
            _SWEEP_GONE, {"now": now, "note": "the invoice line was cancelled or removed"}
        )
        return paid_rows, [(task_id, account_id) for task_id, account_id in gone.all()]

    async def close_paid(
        self, line_ids: Collection[int], now: datetime
    ) -> list[tuple[int, int, int]]:
        """Close the open tasks of these (fully paid) lines: (id, account, level) of each."""
        if not line_ids:
            return []
        result = await self._execute(
            update(CollectionTask)
            .where(
                col(CollectionTask.invoice_line_id).in_(list(line_ids)),
                col(CollectionTask.status) == "open",
            )
            .values(
                status="closed_paid",
                closed_at=now,
                version=col(CollectionTask.version) + 1,
            )
            .returning(
                col(CollectionTask.id), col(CollectionTask.account_id), col(CollectionTask.level)
            )
        )
        return [(task_id, account_id, level) for task_id, account_id, level in result.all()]

    # ---------------------------------------------------------------- tasks

    async def task(
        self, task_id: int, *, owner_ids: Collection[int] | None, for_update: bool = False
    ) -> CollectionTask | None:
        query = select(CollectionTask).where(
            col(CollectionTask.id) == task_id, _in_scope(owner_ids)
        )
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.exec(query)).first()

    async def tasks(
        self,
        filters: TaskQuery,
        *,
        owner_ids: Collection[int] | None,
        after_id: int | None,
        limit: int,
    ) -> Sequence[CollectionTask]:
        """By id (oldest first)."""
        conditions: list[Any] = [_in_scope(owner_ids)]
        if filters.owner_ids:
            conditions.append(col(CollectionTask.owner_id).in_(list(filters.owner_ids)))
        if filters.team_of is not None:
            conditions.append(
                col(CollectionTask.owner_id).in_(reporting_subtree_ids(filters.team_of))
            )
        if filters.account_id is not None:
            conditions.append(col(CollectionTask.account_id) == filters.account_id)
        if filters.statuses:
            conditions.append(col(CollectionTask.status).in_(list(filters.statuses)))
        if filters.levels:
            conditions.append(col(CollectionTask.level).in_(list(filters.levels)))
        if filters.due_from is not None:
            conditions.append(col(CollectionTask.due_on) >= filters.due_from)
        if filters.due_to is not None:
            conditions.append(col(CollectionTask.due_on) <= filters.due_to)
        if after_id is not None:
            conditions.append(col(CollectionTask.id) > after_id)
        query = (
            select(CollectionTask).where(*conditions).order_by(col(CollectionTask.id)).limit(limit)
        )
        return (await self.session.exec(query)).all()

    # ---------------------------------------------------------------- credit

    async def credit_limit(
        self, account_id: int, *, for_update: bool = False
    ) -> CreditLimit | None:
        query = select(CreditLimit).where(col(CreditLimit.account_id) == account_id)
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        return (await self.session.exec(query)).first()

    async def exposure_parts(
        self, account_ids: Collection[int], base: str
    ) -> dict[int, ExposureParts]:
        """Every requested account's parts of exposure (zeros when it has none)."""
        if not account_ids:
            return {}
        result = await self._execute(_EXPOSURE_OF, {"ids": list(account_ids), "base": base})
        return {
            account_id: ExposureParts(Decimal(open_base), Decimal(uninvoiced), int(unconverted))
            for account_id, open_base, uninvoiced, unconverted in result.all()
        }

    async def credit_warnings(
        self, base: str, *, owner_ids: Collection[int] | None, after_id: int | None, limit: int
    ) -> list[CreditWarningRow]:
        """Limit holders (in scope) whose covered exposure is above their limit, by id."""
        result = await self._execute(
            _CREDIT_WARNINGS,
            {
                "base": base,
                "after": after_id or 0,
                "limit": limit,
                "unscoped": owner_ids is None,
                "owners": list(owner_ids or []),
            },
        )
        return [CreditWarningRow(*row) for row in result.all()]
