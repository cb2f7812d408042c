"""Every query on invoices, payments, allocations and the ERP inbox."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy
from sqlalchemy import bindparam, case, func, text, update
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.access import visible_accounts
from services.clients.accounts.models import Account
from services.clients.accounts.names import with_names
from services.clients.keyset import FAR_FUTURE_DAY, ListOrder
from services.clients.org.models import OrgEmployee
from services.clients.receivables.apply_locks import GATE, SPACE, LockedRecord, lock_order
from services.clients.receivables.models import (
    ErpInboxEvent,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentAllocation,
)

PENDING_BATCH = 200


@dataclass(frozen=True)
class InvoiceQuery:
    account_id: int | None = None
    owner_ids: Sequence[int] | None = None
    statuses: Sequence[str] | None = None
    due_from: date | None = None
    due_to: date | None = None
    overdue_on: date | None = None
    """Only invoices with a line still open and due before this day."""
    ids: Sequence[int] | None = None


@dataclass(frozen=True)
class PaymentQuery:
    account_id: int | None = None
    owner_ids: Sequence[int] | None = None
    status: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    unallocated_only: bool = False


@dataclass(frozen=True)
class AgeingLine:
    """One invoice line's open amount as of a day, with the keys an ageing groups by."""

    line_id: int
    due_date: date
    open_amount: Decimal
    base_rate: Decimal | None
    currency: str
    account_id: int
    owner_id: int
    team_id: int | None
    department_id: int | None
    group_id: int


# The ERP ingest's statements, built once: each delivery runs about a dozen, and building a
# statement and its cache key again per call measured about a fifth of the ingest's CPU.
_STORE_EVENT = (
    insert(ErpInboxEvent)
    .values(
        webhook_id=bindparam("webhook_id"),
        event_type=bindparam("event_type"),
        payload=bindparam("payload", type_=JSONB),
    )
    .on_conflict_do_nothing(index_elements=["webhook_id"])
    .returning(col(ErpInboxEvent.id))
)
_ENTER_SHARED = text("SELECT pg_advisory_xact_lock_shared(:k)")
_ENTER_ALONE = text("SELECT pg_advisory_xact_lock(:k)")


def _lock_records_statement(count: int) -> sqlalchemy.TextClause:
    # One statement for all of them; a select list is evaluated left to right, so they are
    # taken in the order given.
    calls = ", ".join(f"pg_advisory_xact_lock(:space, :k{i})" for i in range(count))
    return text(f"SELECT {calls}")


_LOCK_RECORDS = {count: _lock_records_statement(count) for count in range(1, 9)}
_TRY_LOCK_RECORD = text("SELECT pg_try_advisory_xact_lock(:space, :k)")


class MoreLocksNeeded(Exception):
    """Applying needs the locks of ``records`` too, and another holds one of them: taken
    now, out of order, two appliers could wait for each other. The applier starts again
    from its savepoint, taking them all in order."""

    def __init__(self, records: Iterable[LockedRecord]) -> None:
        super().__init__("more ERP record locks needed")
        self.records = set(records)


_ACCOUNT_ID_BY_CREDIT_CODE = select(col(Account.id)).where(
    col(Account.credit_code) == bindparam("credit_code")
)
_INVOICE_ACCOUNTS_BY_DOCUMENT = select(col(Invoice.erp_document_no), col(Invoice.account_id)).where(
    col(Invoice.erp_document_no).in_(bindparam("documents", expanding=True))
)
_PAYMENT_ACCOUNT_BY_REF = select(col(Payment.id), col(Payment.account_id)).where(
    col(Payment.erp_ref) == bindparam("erp_ref")
)
_ACCOUNTS_ALLOCATED_BY_PAYMENT = (
    select(col(Invoice.account_id))
    .join(InvoiceLine, col(InvoiceLine.invoice_id) == col(Invoice.id))
    .join(PaymentAllocation, col(PaymentAllocation.invoice_line_id) == col(InvoiceLine.id))
    .where(col(PaymentAllocation.payment_id) == bindparam("payment_id"))
    .distinct()
)
_INVOICE_ACCOUNT = select(col(Invoice.account_id)).where(col(Invoice.id) == bindparam("invoice_id"))
_MARK_EVENT = (
    update(ErpInboxEvent)
    .where(col(ErpInboxEvent.id) == bindparam("event_id"))
    .values(
        applied_at=bindparam("applied_at"),
        error=bindparam("error"),
        outcome=bindparam("outcome"),
        reasons=bindparam("reasons", type_=JSONB),
    )
)
_PENDING = (
    select(ErpInboxEvent)
    .where(col(ErpInboxEvent.applied_at).is_(None))
    .order_by(col(ErpInboxEvent.received_at), col(ErpInboxEvent.id))
)
_PENDING_CONTAINING = _PENDING.where(
    col(ErpInboxEvent.payload).contains(bindparam("contains", type_=JSONB)),
    col(ErpInboxEvent.event_type) == bindparam("event_type"),
).limit(bindparam("limit"))
_ACCOUNT_BY_CREDIT_CODE = select(Account).where(
    col(Account.credit_code) == bindparam("credit_code")
)
_PAYMENT_BY_REF = (
    select(Payment)
    .where(col(Payment.erp_ref) == bindparam("erp_ref"))
    .with_for_update()
    .execution_options(populate_existing=True)
)
_OPEN_LINES_OF_ACCOUNT = (
    select(InvoiceLine)
    .join(Invoice, col(Invoice.id) == col(InvoiceLine.invoice_id))
    .where(
        col(Invoice.account_id) == bindparam("account_id"),
        col(Invoice.currency) == bindparam("currency"),
        col(Invoice.status) != "cancelled",
        col(InvoiceLine.paid_amount) < col(InvoiceLine.amount),
    )
    .order_by(col(InvoiceLine.due_date), col(InvoiceLine.id))
    .execution_options(populate_existing=True)
)


# The earliest due date among an invoice's lines still open (null when none is, or when it
# is cancelled): what "next due" and "days overdue" are read from.
NEXT_DUE_DATE = case(
    (col(Invoice.status) == "cancelled", None),
    else_=select(func.min(col(InvoiceLine.due_date)))
    .where(
        col(InvoiceLine.invoice_id) == col(Invoice.id),
        col(InvoiceLine.paid_amount) < col(InvoiceLine.amount),
    )
    .scalar_subquery(),
)
_DUE_OR_NEVER = func.coalesce(NEXT_DUE_DATE, FAR_FUTURE_DAY)
INVOICE_ORDERS = {
    order.name: order
    for order in (
        ListOrder("id", col(Invoice.id), False, "int"),
        ListOrder("next_due_date", _DUE_OR_NEVER, False, "day"),
        ListOrder("-next_due_date", _DUE_OR_NEVER, True, "day"),
        # the oldest overdue first is the earliest open due date first
        ListOrder("-days_overdue", _DUE_OR_NEVER, False, "day"),
    )
}


def _scope(owner_ids: Collection[int] | None) -> Any:
    return visible_accounts(col(Account.id), owner_ids)


class ReceivablesRepository:
    """Queries for receivables, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._held: set[int] = set()  # record locks this transaction holds (apply_locks)

    async def add(self, record: Any) -> None:
        self.session.add(record)
        await self.session.flush()

    # ---------------------------------------------------------------- ERP inbox

    async def store_event(
        self, webhook_id: str, event_type: str, payload: dict[str, Any]
    ) -> int | None:
        """Insert the delivery once; None when this webhook id is already stored (the
        unique index decides between concurrent duplicates)."""
        result = await self.session.execute(
            _STORE_EVENT,
            {"webhook_id": webhook_id, "event_type": event_type, "payload": payload},
        )
        return result.scalar_one_or_none()

    async def enter_erp_apply(self, *, alone: bool = False) -> None:
        """Join the appliers of money facts (held until the transaction ends); ``alone``:
        wait until no other applies, and keep them out (services.clients.receivables.
        apply_locks)."""
        await self.session.execute(_ENTER_ALONE if alone else _ENTER_SHARED, {"k": GATE})

    async def lock_records(self, records: Iterable[LockedRecord], *, late: bool = False) -> None:
        """Take the locks of ``records`` not held yet, in ascending key order (until the
        transaction ends). ``late``: some are held already, so waiting is only safe for
        keys above them all; any other taken by someone else raises
        :class:`MoreLocksNeeded` (what was taken stays until the savepoint is rolled back)."""
        records = list(records)
        keys = lock_order(records, self._held)
        if late and keys and self._held and keys[0] < max(self._held):
            for key in keys:
                taken = await self.session.execute(_TRY_LOCK_RECORD, {"space": SPACE, "k": key})
                if not taken.scalar_one():
                    raise MoreLocksNeeded(records)
                self._held.add(key)
            return
        for start in range(0, len(keys), 8):
            chunk = keys[start : start + 8]
            params: dict[str, int] = {"space": SPACE}
            params.update({f"k{i}": key for i, key in enumerate(chunk)})
            await self.session.execute(_LOCK_RECORDS[len(chunk)], params)
            self._held.update(chunk)

    def held_locks(self) -> frozenset[int]:
        return frozenset(self._held)

    def locks_released(self, kept: frozenset[int]) -> None:
        """After a rollback to a savepoint: only the locks ``kept`` (held before it) are."""
        self._held = set(kept)

    async def account_id_by_credit_code(self, credit_code: str) -> int | None:
        """The account's id, read without locking (to know which lock to take)."""
        return (
            await self.session.execute(_ACCOUNT_ID_BY_CREDIT_CODE, {"credit_code": credit_code})
        ).scalar_one_or_none()

    async def invoice_accounts(self, documents: Collection[str]) -> dict[str, int]:
        """The account of each of these ERP invoices known, read without locking."""
        if not documents:
            return {}
        rows = await self.session.execute(
            _INVOICE_ACCOUNTS_BY_DOCUMENT, {"documents": sorted(documents)}
        )
        return {document: account_id for document, account_id in rows.all()}

    async def invoice_account(self, invoice_id: int) -> int | None:
        """An invoice's account, read without locking."""
        return (
            await self.session.execute(_INVOICE_ACCOUNT, {"invoice_id": invoice_id})
        ).scalar_one_or_none()

    async def payment_accounts(self, erp_ref: str) -> set[int]:
        """The payment's account and the accounts of the invoices it is allocated to (none:
        no such payment), read without locking."""
        found = (await self.session.execute(_PAYMENT_ACCOUNT_BY_REF, {"erp_ref": erp_ref})).first()
        if found is None:
            return set()
        payment_id, account_id = found
        allocated = await self.session.execute(
            _ACCOUNTS_ALLOCATED_BY_PAYMENT, {"payment_id": payment_id}
        )
        return {account_id, *allocated.scalars()}

    async def mark_event(
        self,
        event_id: int,
        *,
        applied_at: datetime | None,
        error: str | None,
        outcome: str,
        reasons: list[dict[str, Any]],
    ) -> None:
        await self.session.execute(
            _MARK_EVENT,
            {"event_id": event_id, "applied_at": applied_at, "error": error,
             "outcome": outcome, "reasons": reasons},
        )  # fmt: skip

    async def pending_events(self, *, limit: int = PENDING_BATCH) -> Sequence[ErpInboxEvent]:
        """Events still waiting, oldest first."""
        return (await self.session.exec(_PENDING.limit(limit))).all()

    async def pending_events_containing(
        self, event_type: str, contains: dict[str, Any], *, limit: int = PENDING_BATCH
    ) -> Sequence[ErpInboxEvent]:
        """Waiting events of ``event_type`` whose payload contains ``contains`` (JSON
        containment, e.g. the payments naming one invoice), oldest first."""
        params = {"contains": contains, "event_type": event_type, "limit": limit}
        return (await self.session.exec(_PENDING_CONTAINING, params=params)).all()

    async def event(self, webhook_id: str) -> ErpInboxEvent | None:
        """The stored event of this webhook id (the event's id)."""
        query = select(ErpInboxEvent).where(col(ErpInboxEvent.webhook_id) == webhook_id)
        return (await self.session.exec(query)).first()

    async def pending_page(self, *, after_id: int | None, limit: int) -> Sequence[ErpInboxEvent]:
        """Events still waiting, in the order they arrived (keyset on the id)."""
        query = select(ErpInboxEvent).where(col(ErpInboxEvent.applied_at).is_(None))
        if after_id is not None:
            query = query.where(col(ErpInboxEvent.id) > after_id)
        return (await self.session.exec(query.order_by(col(ErpInboxEvent.id)).limit(limit))).all()

    async def count_pending(self) -> int:
        query = select(func.count()).where(col(ErpInboxEvent.applied_at).is_(None))
        return int((await self.session.exec(query)).one())

    # ---------------------------------------------------------------- accounts, contracts

    async def account_by_credit_code(self, credit_code: str) -> Account | None:
        params = {"credit_code": credit_code}
        return (await self.session.exec(_ACCOUNT_BY_CREDIT_CODE, params=params)).first()

    # ---------------------------------------------------------------- invoices

    async def invoice(
        self, invoice_id: int, *, owner_ids: Collection[int] | None = None, for_update: bool = False
    ) -> Invoice | None:
        query = (
            select(Invoice)
            .join(Account, col(Account.id) == col(Invoice.account_id))
            .where(col(Invoice.id) == invoice_id, _scope(owner_ids))
        )
        if for_update:
            query = query.with_for_update(of=Invoice).execution_options(populate_existing=True)
        return (await self.session.exec(query)).first()

    async def invoice_by_document(self, document_no: str) -> Invoice | None:
        query = (
            select(Invoice)
            .where(col(Invoice.erp_document_no) == document_no)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return (await self.session.exec(query)).first()

    async def lines(self, invoice_ids: Collection[int]) -> Sequence[InvoiceLine]:
        query = (
            select(InvoiceLine)
            .where(col(InvoiceLine.invoice_id).in_(list(invoice_ids)))
            .order_by(col(InvoiceLine.invoice_id), col(InvoiceLine.line_no))
            .execution_options(populate_existing=True)
        )
        return (await self.session.exec(query)).all()

    async def open_lines_of_account(self, account_id: int, currency: str) -> Sequence[InvoiceLine]:
        """Lines with something unpaid on the account's live invoices in ``currency``,
        oldest due first."""
        params = {"account_id": account_id, "currency": currency}
        return (await self.session.exec(_OPEN_LINES_OF_ACCOUNT, params=params)).all()

    def _invoice_conditions(
        self, filters: InvoiceQuery, owner_ids: Collection[int] | None
    ) -> list[Any]:
        conditions: list[Any] = [_scope(owner_ids)]
        if filters.ids:
            conditions.append(col(Invoice.id).in_(list(filters.ids)))
        if filters.account_id is not None:
            conditions.append(col(Invoice.account_id) == filters.account_id)
        if filters.owner_ids:
            conditions.append(col(Invoice.owner_id).in_(list(filters.owner_ids)))
        if filters.statuses:
            conditions.append(col(Invoice.status).in_(list(filters.statuses)))
        line_conditions = []
        if filters.due_from is not None:
            line_conditions.append(col(InvoiceLine.due_date) >= filters.due_from)
        if filters.due_to is not None:
            line_conditions.append(col(InvoiceLine.due_date) <= filters.due_to)
        if filters.overdue_on is not None:
            line_conditions += [
                col(InvoiceLine.due_date) < filters.overdue_on,
                col(InvoiceLine.paid_amount) < col(InvoiceLine.amount),
                col(Invoice.status) != "cancelled",
            ]
        if line_conditions:
            lines = select(InvoiceLine.id).where(
                col(InvoiceLine.invoice_id) == col(Invoice.id), *line_conditions
            )
            conditions.append(lines.exists())
        return conditions

    async def account_names(self, account_ids: Collection[int]) -> dict[int, str]:
        """Legal names of these accounts (one query for a whole report)."""
        if not account_ids:
            return {}
        result = await self.session.exec(
            select(col(Account.id), col(Account.legal_name)).where(
                col(Account.id).in_(list(account_ids))
            )
        )
        return {account_id: name for account_id, name in result.all() if account_id is not None}

    async def employee_names(self, employee_ids: Collection[int]) -> dict[int, str]:
        """Names of these employees from the org copy (one query for a whole report)."""
        if not employee_ids:
            return {}
        result = await self.session.exec(
            select(col(OrgEmployee.employee_id), col(OrgEmployee.name)).where(
                col(OrgEmployee.employee_id).in_(list(employee_ids))
            )
        )
        return dict(result.all())

    async def list_invoices(
        self,
        filters: InvoiceQuery,
        *,
        owner_ids: Collection[int] | None,
        order: ListOrder,
        after: Any,
        limit: int,
    ) -> Sequence[Any]:
        """One page in ``order``: rows of (invoice, sort value, account name, owner name)."""
        conditions = self._invoice_conditions(filters, owner_ids)
        if after is not None:
            conditions.append(after)
        query = with_names(
            sqlalchemy.select(Invoice, order.expression.label("sort_value")).join(
                Account, col(Account.id) == col(Invoice.account_id)
            ),
            None,
            col(Invoice.owner_id),
        ).add_columns(col(Account.legal_name).label("account_name"))
        query = query.where(*conditions).order_by(*order.clauses(col(Invoice.id))).limit(limit)
        result = await self.session.execute(query)  # rows of several columns
        return [(row[0], row[1], row[3], row[2]) for row in result.all()]

    async def count_invoices(
        self, filters: InvoiceQuery, *, owner_ids: Collection[int] | None
    ) -> int:
        """How many invoices the list's filters match in the caller's scope."""
        query = (
            sqlalchemy.select(func.count())
            .select_from(Invoice)
            .join(Account, col(Account.id) == col(Invoice.account_id))
            .where(*self._invoice_conditions(filters, owner_ids))
        )
        return int((await self.session.execute(query)).scalar_one())

    async def allocations_of_invoice(
        self, invoice_id: int
    ) -> Sequence[tuple[PaymentAllocation, InvoiceLine, Payment]]:
        query = (
            select(PaymentAllocation, InvoiceLine, Payment)
            .join(InvoiceLine, col(InvoiceLine.id) == col(PaymentAllocation.invoice_line_id))
            .join(Payment, col(Payment.id) == col(PaymentAllocation.payment_id))
            .where(col(InvoiceLine.invoice_id) == invoice_id)
            .order_by(col(PaymentAllocation.id))
        )
        return [(a, line, p) for a, line, p in (await self.session.exec(query)).all()]

    # ---------------------------------------------------------------- payments, allocations

    async def payment_by_ref(self, erp_ref: str) -> Payment | None:
        return (await self.session.exec(_PAYMENT_BY_REF, params={"erp_ref": erp_ref})).first()

    async def allocations_of_payment(
        self, payment_id: int
    ) -> Sequence[tuple[PaymentAllocation, InvoiceLine]]:
        query = (
            select(PaymentAllocation, InvoiceLine)
            .join(InvoiceLine, col(InvoiceLine.id) == col(PaymentAllocation.invoice_line_id))
            .where(col(PaymentAllocation.payment_id) == payment_id)
            .order_by(col(PaymentAllocation.id))
            .execution_options(populate_existing=True)
        )
        return [(a, line) for a, line in (await self.session.exec(query)).all()]

    async def live_allocations_of_lines(
        self, line_ids: Collection[int]
    ) -> Sequence[tuple[PaymentAllocation, Payment]]:
        """Allocations of received (not reversed) payments to these lines, newest first."""
        query = (
            select(PaymentAllocation, Payment)
            .join(Payment, col(Payment.id) == col(PaymentAllocation.payment_id))
            .where(
                col(PaymentAllocation.invoice_line_id).in_(list(line_ids)),
                col(Payment.status) == "received",
            )
            .order_by(col(PaymentAllocation.id).desc())
            .with_for_update(of=Payment)
            .execution_options(populate_existing=True)
        )
        return [(a, p) for a, p in (await self.session.exec(query)).all()]

    async def all_allocations_of_lines(
        self, line_ids: Collection[int]
    ) -> Sequence[PaymentAllocation]:
        """Every allocation to these lines, reversed payments' included."""
        query = select(PaymentAllocation).where(
            col(PaymentAllocation.invoice_line_id).in_(list(line_ids))
        )
        return (await self.session.exec(query)).all()

    async def delete(self, record: Any) -> None:
        await self.session.delete(record)
        await self.session.flush()

    async def payment(
        self, payment_id: int, *, owner_ids: Collection[int] | None
    ) -> Payment | None:
        """One payment of an account in scope."""
        query = (
            select(Payment)
            .join(Account, col(Account.id) == col(Payment.account_id))
            .where(_scope(owner_ids), col(Payment.id) == payment_id)
        )
        return (await self.session.exec(query)).first()

    async def list_payments(
        self, filters: PaymentQuery, *, owner_ids: Collection[int] | None, after_id: int | None,
        limit: int,
    ) -> Sequence[Payment]:  # fmt: skip
        query = (
            select(Payment)
            .join(Account, col(Account.id) == col(Payment.account_id))
            .where(_scope(owner_ids))
            .order_by(col(Payment.id))
            .limit(limit)
        )
        if after_id is not None:
            query = query.where(col(Payment.id) > after_id)
        if filters.account_id is not None:
            query = query.where(col(Payment.account_id) == filters.account_id)
        if filters.owner_ids:
            query = query.where(col(Payment.owner_id).in_(list(filters.owner_ids)))
        if filters.status is not None:
            query = query.where(col(Payment.status) == filters.status)
        if filters.received_from is not None:
            query = query.where(col(Payment.received_on) >= filters.received_from)
        if filters.received_to is not None:
            query = query.where(col(Payment.received_on) <= filters.received_to)
        if filters.unallocated_only:
            query = query.where(col(Payment.unallocated_amount) > 0)
        return (await self.session.exec(query)).all()

    async def open_lines_for_account_view(
        self, account_id: int, limit: int
    ) -> Sequence[tuple[InvoiceLine, Invoice]]:
        query = (
            select(InvoiceLine, Invoice)
            .join(Invoice, col(Invoice.id) == col(InvoiceLine.invoice_id))
            .where(
                col(Invoice.account_id) == account_id,
                col(Invoice.status) != "cancelled",
                col(InvoiceLine.paid_amount) < col(InvoiceLine.amount),
            )
            .order_by(col(InvoiceLine.due_date), col(InvoiceLine.id))
            .limit(limit)
        )
        return [(line, invoice) for line, invoice in (await self.session.exec(query)).all()]

    async def open_totals(
        self, account_id: int, today: date
    ) -> Sequence[tuple[str, Decimal, Decimal]]:
        """(currency, open, overdue) of the account's live invoices."""
        result = await self.session.execute(
            text(
                """
SELECT i.currency,
       sum(l.amount - l.paid_amount) AS open,
       sum(l.amount - l.paid_amount) FILTER (WHERE l.due_date < :today) AS overdue
FROM clients.invoice_lines l JOIN clients.invoices i ON i.id = l.invoice_id
WHERE i.account_id = :account AND i.status <> 'cancelled' AND l.paid_amount < l.amount
GROUP BY i.currency ORDER BY i.currency
"""
            ),
            {"account": account_id, "today": today},
        )
        return [(c, o, v or Decimal(0)) for c, o, v in result.all()]

    async def unallocated_credit(self, account_id: int) -> Sequence[tuple[str, Decimal]]:
        query = (
            select(Payment.currency, func.sum(Payment.unallocated_amount))
            .where(
                col(Payment.account_id) == account_id,
                col(Payment.status) == "received",
                col(Payment.unallocated_amount) > 0,
            )
            .group_by(col(Payment.currency))
            .order_by(col(Payment.currency))
        )
        return [(c, Decimal(s)) for c, s in (await self.session.exec(query)).all()]

    # ---------------------------------------------------------------- ageing, metrics

    async def ageing_lines(
        self, as_of: date, *, owner_ids: Collection[int] | None
    ) -> list[AgeingLine]:
        """Every line of a live invoice issued by ``as_of`` with its amount open on that day:
        the line minus allocations of payments received on or before it and not reversed by
        then. Grouping keys: the account's owner today, the owner's manager (team) and
        department from the org copy, and the top account of the account's group."""
        result = await self.session.execute(
            text(
                """
WITH RECURSIVE roots AS (
    SELECT id AS account_id, id AS root_id, parent_id FROM clients.accounts
    UNION ALL
    SELECT r.account_id, a.id, a.parent_id
    FROM roots r JOIN clients.accounts a ON a.id = r.parent_id
),
top AS (SELECT account_id, root_id FROM roots WHERE parent_id IS NULL),
paid AS (
    SELECT pa.invoice_line_id, sum(pa.amount) AS amount
    FROM clients.payment_allocations pa JOIN clients.payments p ON p.id = pa.payment_id
    WHERE p.received_on <= :as_of AND (p.reversed_on IS NULL OR p.reversed_on > :as_of)
    GROUP BY pa.invoice_line_id
)
SELECT l.id, l.due_date, l.amount - COALESCE(paid.amount, 0) AS open_amount,
       i.base_rate, i.currency, a.id AS account_id, a.owner_id,
       e.manager_id, e.department_id, COALESCE(top.root_id, a.id) AS group_id
FROM clients.invoice_lines l
JOIN clients.invoices i ON i.id = l.invoice_id
JOIN clients.accounts a ON a.id = i.account_id
LEFT JOIN clients.org_employees e ON e.employee_id = a.owner_id
LEFT JOIN top ON top.account_id = a.id
LEFT JOIN paid ON paid.invoice_line_id = l.id
WHERE i.status <> 'cancelled' AND i.issue_date <= :as_of
  AND l.amount - COALESCE(paid.amount, 0) > 0
  AND (CAST(:unscoped AS boolean) OR a.owner_id = ANY(CAST(:owners AS integer[])))
ORDER BY l.id
"""
            ),
            {
                "as_of": as_of,
                "unscoped": owner_ids is None,
                "owners": list(owner_ids or []),
            },
        )
        return [AgeingLine(*row) for row in result.all()]
