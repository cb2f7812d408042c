"""Applying a batch of ERP deliveries set-based, in one transaction (issue 26). Never commits.

The common case — a ``payment.received`` without allocations, for a known account, under a
reference not received before, not repeated in the batch and awaited by no waiting
reversal — is applied here with one statement per step for the whole batch: the locks
(the same records, in the same ascending order, as services.clients.erp.ingest takes one
event at a time), the inbox rows, the payments, their allocations oldest due first
(batch_rules, the ledger's rule), the lines and invoices paid, the audit entries and the
reactions. Everything else — invoices, reversals, explicit allocations, repeats, unknown
accounts, and every other event of an account one of those concerns — is left to the
one-at-a-time path (:class:`ErpIngest`), in arrival order, so an account's events never
pass each other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from services.clients.audit.service import AuditTrail
from services.clients.erp.batch_repository import BatchRepository, applied_inbox_row
from services.clients.erp.batch_rules import LedgerLine, NewPayment, allocate_batch
from services.clients.erp.events import AnyErpEvent, InvoiceUpserted, PaymentReceived
from services.clients.erp.ingest import OnReceivablesChanged, record_receipt
from services.clients.rates.rules import to_base
from services.clients.rates.service import RateService
from services.clients.receivables.apply_locks import LockedRecord, record_key
from services.clients.receivables.ledger import OnLinesPaidOff, base_amount_at
from services.clients.receivables.models import Payment
from services.clients.receivables.schemas import DeliveryOutcome, DeliveryReceipt
from shared.errors import NotFound


@dataclass(frozen=True)
class Delivery:
    """A verified, parsed delivery waiting to be applied."""

    webhook_id: str
    event: AnyErpEvent
    payload: dict[str, Any]


@dataclass(frozen=True)
class BatchOutcome:
    """The receipts of the deliveries settled here (by their index in the batch) and the
    indexes left to the one-at-a-time path, in arrival order."""

    receipts: dict[int, DeliveryReceipt]
    one_at_a_time: list[int]


def _account_ref(event: AnyErpEvent) -> str | None:
    return getattr(event.data, "account_ref", None)


def _duplicate(webhook_id: str) -> DeliveryReceipt:
    return DeliveryReceipt(
        webhook_id=webhook_id,
        outcome=DeliveryOutcome.DUPLICATE,
        detail="this delivery was received before",
    )


def _common_payments(
    deliveries: Sequence[Delivery], live: Sequence[int]
) -> dict[int, PaymentReceived]:
    """Of the ``live`` deliveries (the others are repeats), those that may be applied
    set-based, before looking at the database."""
    refs = Counter(
        event.data.erp_ref
        for event in (deliveries[i].event for i in live)
        if not isinstance(event, InvoiceUpserted)
    )
    common: dict[int, PaymentReceived] = {}
    for index in live:
        event = deliveries[index].event
        if (
            isinstance(event, PaymentReceived)
            and not event.data.allocations
            and refs[event.data.erp_ref] == 1
        ):
            common[index] = event
    others = {_account_ref(deliveries[i].event) for i in live if i not in common}
    return {i: e for i, e in common.items() if e.data.account_ref not in others}


class BulkApplier:
    """Applies the common payments of a batch together, on one session."""

    def __init__(
        self,
        repository: BatchRepository,
        rates: RateService,
        audit: AuditTrail,
        *,
        base: str,
        on_paid_off: OnLinesPaidOff,
        on_changed: OnReceivablesChanged | None,
        now: Callable[[], datetime],
    ) -> None:
        self.repository = repository
        self.rates = rates
        self.audit = audit
        self.base = base
        self.on_paid_off = on_paid_off
        self.on_changed = on_changed
        self.now = now

    async def apply(self, deliveries: Sequence[Delivery]) -> BatchOutcome:
        before = await self.repository.received_before({d.webhook_id for d in deliveries})
        receipts = {
            index: _duplicate(delivery.webhook_id)
            for index, delivery in enumerate(deliveries)
            if delivery.webhook_id in before
        }
        # A webhook id twice in the batch: the later copies go one at a time after the
        # first (found duplicates there), and change nothing here.
        firsts: dict[str, int] = {}
        for index, delivery in enumerate(deliveries):
            if index not in receipts:
                firsts.setdefault(delivery.webhook_id, index)
        common = _common_payments(deliveries, sorted(firsts.values()))
        accounts = await self.repository.accounts_by_credit_code(
            {event.data.account_ref for event in common.values()}
        )
        common = {i: e for i, e in common.items() if e.data.account_ref in accounts}
        if common:
            await self.repository.enter_erp_apply()
            records: set[LockedRecord] = set()
            for event in common.values():
                records.add(("payment", event.data.erp_ref))
                records.add(("account", accounts[event.data.account_ref][0]))
            # Locks someone else holds are not waited for here (a batch would hold up every
            # other account's deliveries in it): their accounts' events wait on the
            # one-at-a-time path, after this batch.
            busy = await self.repository.try_lock_records(records)
            # Under the locks: a reference received meanwhile, or awaited by a reversal,
            # takes its account's events to the one-at-a-time path too.
            taken = await self.repository.refs_not_new({e.data.erp_ref for e in common.values()})
            slow = {
                e.data.account_ref
                for e in common.values()
                if e.data.erp_ref in taken
                or record_key("payment", e.data.erp_ref) in busy
                or record_key("account", accounts[e.data.account_ref][0]) in busy
            }
            common = {i: e for i, e in common.items() if e.data.account_ref not in slow}
        if common:
            receipts.update(await self._apply_common(deliveries, common, accounts))
        rest = [index for index in range(len(deliveries)) if index not in receipts]
        return BatchOutcome(receipts, rest)

    async def _apply_common(
        self,
        deliveries: Sequence[Delivery],
        common: dict[int, PaymentReceived],
        accounts: dict[str, tuple[int, int]],
    ) -> dict[int, DeliveryReceipt]:
        now = self.now()
        stored = await self.repository.store_applied(
            [
                applied_inbox_row(deliveries[i].webhook_id, e.type, deliveries[i].payload, now)
                for i, e in common.items()
            ]
        )
        receipts: dict[int, DeliveryReceipt] = {}
        new: list[PaymentReceived] = []
        for index, event in common.items():
            if deliveries[index].webhook_id in stored:
                new.append(event)
                receipts[index] = DeliveryReceipt(
                    webhook_id=deliveries[index].webhook_id, outcome=DeliveryOutcome.APPLIED
                )
            else:  # stored by another since received_before
                receipts[index] = _duplicate(deliveries[index].webhook_id)
        if new:
            await self._receive(new, accounts)
        return receipts

    async def _rate(self, currency: str, on: date) -> Decimal | None:
        """The rate ``rates.convert`` would use (none missing), read once per batch."""
        try:
            return (await self.rates.in_force(currency, on)).rate
        except NotFound:
            return None

    async def _receive(
        self, events: Sequence[PaymentReceived], accounts: dict[str, tuple[int, int]]
    ) -> None:
        """Store the new payments and allocate them oldest due first, in arrival order."""
        rates: dict[tuple[str, date], Decimal | None] = {}
        payments: list[Payment] = []
        for event in events:
            data = event.data
            account_id, owner_id = accounts[data.account_ref]
            day = (data.amount.currency, data.received_on)
            if day not in rates:
                rates[day] = await self._rate(*day)
            rate = rates[day]
            payments.append(Payment(
                erp_ref=data.erp_ref,
                account_id=account_id,
                amount=data.amount.amount,
                currency=data.amount.currency,
                amount_base=None if rate is None
                else to_base(data.amount.amount, data.amount.currency, self.base, rate),
                received_on=data.received_on,
                source="erp",
                unallocated_amount=data.amount.amount,
                owner_id=owner_id,
            ))  # fmt: skip
        lines = await self.repository.open_lines({p.account_id for p in payments})
        rate_of_invoice = {line.invoice_id: rate for line, rate in lines}
        ledger = [line for line, _rate in lines]
        plans, still_open = allocate_batch(
            [NewPayment(p.erp_ref, p.account_id, p.currency, p.amount) for p in payments], ledger
        )
        for payment in payments:
            payment.unallocated_amount = plans[payment.erp_ref].unallocated
        ids = await self.repository.insert_payments(
            [p.model_dump(exclude={"id", "created_at", "updated_at"}) for p in payments]
        )
        by_id = {line.line_id: line for line in ledger}
        allocations: list[dict[str, Any]] = []
        paid: dict[int, Decimal] = {}
        for payment in payments:
            payment.id = ids[payment.erp_ref]
            for step in plans[payment.erp_ref].allocations:
                line = by_id[int(step.line_id)]
                allocations.append({
                    "payment_id": payment.id,
                    "invoice_line_id": line.line_id,
                    "amount": step.amount,
                    "amount_base": base_amount_at(
                        step.amount, line.currency, rate_of_invoice[line.invoice_id], self.base
                    ),
                })  # fmt: skip
                paid[line.line_id] = paid.get(line.line_id, Decimal(0)) + step.amount
        await self.repository.insert_allocations(allocations)
        await self.repository.pay_lines(paid)
        await self._settle_lines(ledger, paid, still_open)
        for payment in payments:
            record_receipt(self.audit, payment)
        if self.on_changed is not None:
            await self.on_changed(sorted({p.account_id for p in payments}))

    async def _settle_lines(
        self, ledger: Sequence[LedgerLine], paid: dict[int, Decimal], still_open: dict[int, Decimal]
    ) -> None:
        """Lines paid off close their collection tasks; invoices with no line open are paid."""
        paid_off = [line_id for line_id in paid if still_open[line_id] == 0]
        if paid_off:
            await self.on_paid_off(paid_off)
        touched = {line.invoice_id for line in ledger if line.line_id in paid}
        open_invoices = {line.invoice_id for line in ledger if still_open[line.line_id] > 0}
        await self.repository.mark_invoices_paid(sorted(touched - open_invoices))
