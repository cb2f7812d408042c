"""Every query of the set-based ERP applier (services.clients.erp.bulk_apply): one
statement per step for a whole batch, built once."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY, INTEGER
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.accounts.models import Account
from services.clients.erp.batch_rules import LedgerLine
from services.clients.receivables.apply_locks import GATE, SPACE, LockedRecord, lock_order
from services.clients.receivables.models import (
    ErpInboxEvent,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentAllocation,
)

_ENTER_SHARED = text("SELECT pg_advisory_xact_lock_shared(:k)")
# Without waiting: the keys someone else holds (tried in any order, none waits).
_TRY_LOCK = text(
    "SELECT k FROM unnest(CAST(:keys AS int4[])) AS k "
    "WHERE NOT pg_try_advisory_xact_lock(:space, k)"
).bindparams(bindparam("keys", type_=ARRAY(INTEGER)))
_ACCOUNTS_BY_CREDIT_CODE = select(
    col(Account.credit_code), col(Account.id), col(Account.owner_id)
).where(col(Account.credit_code).in_(bindparam("codes", expanding=True)))
_KNOWN_PAYMENT_REFS = select(col(Payment.erp_ref)).where(
    col(Payment.erp_ref).in_(bindparam("refs", expanding=True))
)
_INBOX = ErpInboxEvent.__table__  # type: ignore[attr-defined]
_ERP_REF = _INBOX.c.payload["data"]["erp_ref"].astext
_WAITING_REVERSAL_REFS = select(_ERP_REF).where(
    col(ErpInboxEvent.applied_at).is_(None),
    col(ErpInboxEvent.event_type) == "payment.reversed",
    _ERP_REF.in_(bindparam("refs", expanding=True)),
)
_RECEIVED_BEFORE = select(_INBOX.c.webhook_id).where(
    _INBOX.c.webhook_id.in_(bindparam("ids", expanding=True))
)
_STORE_APPLIED = (
    pg_insert(_INBOX)
    .on_conflict_do_nothing(index_elements=["webhook_id"])
    .returning(_INBOX.c.webhook_id)
)
_OPEN_LINES = (
    select(
        col(InvoiceLine.id),
        col(InvoiceLine.invoice_id),
        col(Invoice.account_id),
        col(Invoice.currency),
        col(Invoice.base_rate),
        col(InvoiceLine.due_date),
        col(InvoiceLine.amount) - col(InvoiceLine.paid_amount),
    )
    .join(Invoice, col(Invoice.id) == col(InvoiceLine.invoice_id))
    .where(
        col(Invoice.account_id).in_(bindparam("accounts", expanding=True)),
        col(Invoice.status) != "cancelled",
        col(InvoiceLine.paid_amount) < col(InvoiceLine.amount),
    )
    .order_by(col(InvoiceLine.due_date), col(InvoiceLine.id))
)
# Core statements on the tables (not the ORM's bulk forms): plain executemany.
_PAYMENTS = Payment.__table__  # type: ignore[attr-defined]
_LINES = InvoiceLine.__table__  # type: ignore[attr-defined]
_INVOICES = Invoice.__table__  # type: ignore[attr-defined]
_INSERT_PAYMENTS = insert(_PAYMENTS).returning(
    _PAYMENTS.c.id, _PAYMENTS.c.erp_ref, sort_by_parameter_order=True
)
_INSERT_ALLOCATIONS = insert(PaymentAllocation.__table__)  # type: ignore[attr-defined]
_PAY_LINE = (
    update(_LINES)
    .where(_LINES.c.id == bindparam("line_id"))
    .values(paid_amount=_LINES.c.paid_amount + bindparam("paid"))
)
_INVOICES_PAID = (
    update(_INVOICES)
    .where(_INVOICES.c.id.in_(bindparam("ids", expanding=True)), _INVOICES.c.status != "cancelled")
    .values(status="paid")
)


class BatchRepository:
    """The applier's statements on one session (the batch's transaction)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enter_erp_apply(self) -> None:
        """Join the appliers of money facts (shared, as ReceivablesRepository's)."""
        await self.session.execute(_ENTER_SHARED, {"k": GATE})

    async def try_lock_records(self, records: Iterable[LockedRecord]) -> set[int]:
        """Take the records' locks that are free (held until commit); the keys of those
        another transaction holds (``apply_locks.record_key``)."""
        keys = lock_order(records)
        if not keys:
            return set()
        busy = await self.session.execute(_TRY_LOCK, {"space": SPACE, "keys": keys})
        return set(busy.scalars().all())

    async def accounts_by_credit_code(self, codes: Collection[str]) -> dict[str, tuple[int, int]]:
        """Credit code → (account id, owner id) of the accounts that exist."""
        if not codes:
            return {}
        rows = await self.session.execute(_ACCOUNTS_BY_CREDIT_CODE, {"codes": list(codes)})
        return {code: (account_id, owner_id) for code, account_id, owner_id in rows.all()}

    async def refs_not_new(self, refs: Collection[str]) -> set[str]:
        """Of these payment references, those received before or awaited by a waiting
        reversal."""
        if not refs:
            return set()
        params = {"refs": list(refs)}
        known = (await self.session.execute(_KNOWN_PAYMENT_REFS, params)).scalars().all()
        waiting = (await self.session.execute(_WAITING_REVERSAL_REFS, params)).scalars().all()
        return {*known, *waiting}

    async def received_before(self, webhook_ids: Collection[str]) -> set[str]:
        """Of these webhook ids, those stored already."""
        rows = await self.session.execute(_RECEIVED_BEFORE, {"ids": list(webhook_ids)})
        return set(rows.scalars().all())

    async def store_applied(self, rows: Sequence[dict[str, Any]]) -> set[str]:
        """Store the deliveries settled as applied; the webhook ids stored now (the others
        were received before)."""
        if not rows:
            return set()
        stored = await self.session.execute(_STORE_APPLIED, list(rows))
        return set(stored.scalars().all())

    async def open_lines(self, account_ids: Collection[int]) -> list[tuple[LedgerLine, Any]]:
        """The accounts' open lines on live invoices, oldest due first, each with its
        invoice's base rate."""
        rows = await self.session.execute(_OPEN_LINES, {"accounts": list(account_ids)})
        return [
            (LedgerLine(line_id, invoice_id, account_id, currency, due, open_amount), rate)
            for line_id, invoice_id, account_id, currency, rate, due, open_amount in rows.all()
        ]

    async def insert_payments(self, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
        """erp_ref → id of the payments inserted."""
        inserted = await self.session.execute(_INSERT_PAYMENTS, list(rows))
        return {erp_ref: payment_id for payment_id, erp_ref in inserted.all()}

    async def insert_allocations(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(_INSERT_ALLOCATIONS, list(rows))

    async def pay_lines(self, paid: dict[int, Decimal]) -> None:
        """Add ``paid`` to each line's paid amount."""
        if paid:
            rows = [{"line_id": line_id, "paid": amount} for line_id, amount in paid.items()]
            await self.session.execute(_PAY_LINE, rows)

    async def mark_invoices_paid(self, invoice_ids: Collection[int]) -> None:
        if invoice_ids:
            await self.session.execute(_INVOICES_PAID, {"ids": list(invoice_ids)})


def applied_inbox_row(
    webhook_id: str, event_type: str, payload: dict[str, Any], applied_at: datetime
) -> dict[str, Any]:
    """An erp_inbox row settled as applied at once (what mark_event would have written)."""
    return {
        "webhook_id": webhook_id,
        "event_type": event_type,
        "payload": payload,
        "applied_at": applied_at,
        "error": None,
        "outcome": "applied",
        "reasons": [],
    }
