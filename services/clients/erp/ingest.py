"""Applying ERP events (docs/contracts.md, "ERP → clients"). Never commits.

Each delivery is stored once in ``erp_inbox`` (its webhook id is unique), then applied
under the locks of the invoices, payments and accounts it touches
(services.clients.receivables.apply_locks), so independent events apply side by side. An
event that cannot be applied yet (an unknown account, a payment naming an invoice not seen
yet, a reversal of a payment not seen yet) stays pending with the reason, and is applied
when its prerequisite arrives (or by a retry). The same document under another webhook id
has one effect: invoices keep the highest ``version``, payments are keyed by ``erp_ref``,
allocations already made are not made again.

Nothing is dropped in silence: an allocation that cannot be made (cancelled invoice,
another currency, no such line, a line already paid) leaves its money unallocated and the
event is settled ``applied_with_warnings`` with the reasons; a payment announced again
with other facts than the first time is refused (``conflict``) and nothing of it applied.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import structlog

from services.clients.accounts.models import Account
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail, snapshot
from services.clients.erp.events import (
    EVENT,
    AnyErpEvent,
    ErpAllocation,
    ErpInvoice,
    ErpPayment,
    ErpReversal,
    InvoiceUpserted,
    PaymentReceived,
)
from services.clients.erp.repository import ErpReferences
from services.clients.rates.rules import MissingRate
from services.clients.rates.service import RateService
from services.clients.receivables.apply_locks import LockedRecord
from services.clients.receivables.ledger import (
    Ledger,
    OnLinesPaidOff,
    base_amount,
    open_amount,
    refresh_status,
)
from services.clients.receivables.models import ErpInboxEvent, Invoice, InvoiceLine, Payment
from services.clients.receivables.repository import MoreLocksNeeded, ReceivablesRepository
from services.clients.receivables.schemas import (
    DeliveryOutcome,
    DeliveryReceipt,
    ReasonCode,
    ReceiptReason,
)
from shared.errors import NotFound
from shared.money import Money

log = structlog.get_logger(__name__)
MAX_FOLLOW_UPS = 1000
LOCK_ROUNDS = 3
"""Attempts at an event with the record locks known so far, before applying it alone."""

OnReceivablesChanged = Callable[[Collection[int]], Awaitable[None]]
"""What follows, elsewhere, an applied event that changed these accounts' receivables
(services.clients.reactions: they are re-graded)."""
OnEventApplied = Callable[[int], Awaitable[None]]
"""Told of an event (by id) that waited and is now applied (a new event applied at once
has nothing waiting on it)."""


def _payments_waiting_for_invoice(event: AnyErpEvent) -> tuple[str, dict[str, Any]]:
    assert isinstance(event, InvoiceUpserted)
    return "payment.received", {"data": {"allocations": [{"document_no": event.data.document_no}]}}


def _reversals_waiting_for_payment(event: AnyErpEvent) -> tuple[str, dict[str, Any]]:
    assert isinstance(event, PaymentReceived)
    return "payment.reversed", {"data": {"erp_ref": event.data.erp_ref}}


# Events that may wait for what an event of this type brings: the waiting type and the
# JSON its stored payload contains.
FOLLOW_UPS: dict[str, Callable[[AnyErpEvent], tuple[str, dict[str, Any]]]] = {
    "invoice.upserted": _payments_waiting_for_invoice,
    "payment.received": _reversals_waiting_for_payment,
}


def record_receipt(audit: AuditTrail, payment: Payment) -> None:
    """The audit entry of a payment received from the ERP, as received (before its
    allocations)."""
    assert payment.id is not None
    audit.record(
        entity=AuditEntity.PAYMENT,
        entity_id=payment.id,
        account_id=payment.account_id,
        action="erp_receive",
        actor_employee_id=None,
        after=snapshot(payment.model_copy(update={"unallocated_amount": payment.amount})),
    )


@dataclass
class Settlement:
    """How applying one event ended: the reason it waits, or its outcome and reasons."""

    waiting: str | None = None
    warnings: list[ReceiptReason] = field(default_factory=list)
    conflicts: list[ReceiptReason] = field(default_factory=list)

    @property
    def outcome(self) -> DeliveryOutcome:
        if self.waiting is not None:
            return DeliveryOutcome.PENDING
        if self.conflicts:
            return DeliveryOutcome.CONFLICT
        return DeliveryOutcome.APPLIED_WITH_WARNINGS if self.warnings else DeliveryOutcome.APPLIED

    @property
    def reasons(self) -> list[ReceiptReason]:
        return self.conflicts or self.warnings


class ErpIngest:
    """Receives ERP events for the clients service."""

    def __init__(
        self,
        repository: ReceivablesRepository,
        references: ErpReferences,
        rates: RateService,
        audit: AuditTrail,
        *,
        base: str,
        on_paid_off: OnLinesPaidOff,
        on_changed: OnReceivablesChanged | None = None,
        on_applied: OnEventApplied | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.repository = repository
        self.references = references
        self.rates = rates
        self.audit = audit
        self.base = base
        self.ledger = Ledger(repository, base=base, on_paid_off=on_paid_off)
        self.now = now
        self.on_changed = on_changed
        self.on_applied = on_applied
        self._follow_ups = 0
        self._changed_accounts: set[int] = set()
        self._settlement = Settlement()  # of the event being applied
        # One handler per event type: the event's document in, the reason it waits out.
        self._handlers: dict[str, Callable[[Any], Awaitable[str | None]]] = {
            "invoice.upserted": self._upsert_invoice,
            "payment.received": self._receive_payment,
            "payment.reversed": self._reverse_payment,
        }

    @staticmethod
    def parse(payload: Any) -> AnyErpEvent:
        """The event ``payload`` carries (raises pydantic's ValidationError)."""
        return EVENT.validate_python(payload)

    async def receive(
        self,
        webhook_id: str,
        event: AnyErpEvent,
        payload: dict[str, Any],
    ) -> DeliveryReceipt:
        """Store the delivery once and apply it (or keep it pending)."""
        stored = await self.repository.store_event(webhook_id, event.type, payload)
        if stored is None:
            return DeliveryReceipt(
                webhook_id=webhook_id,
                outcome=DeliveryOutcome.DUPLICATE,
                detail="this delivery was received before",
            )
        settled = await self._apply_locked(stored, event)
        return DeliveryReceipt(
            webhook_id=webhook_id,
            outcome=settled.outcome,
            detail=settled.waiting,
            reasons=settled.reasons,
        )

    async def retry_pending(self) -> int:
        """Try every waiting event again (e.g. after an account got its credit code): alone,
        since they are many and unrelated (their locks could not be taken in one order)."""
        await self.repository.enter_erp_apply(alone=True)
        applied = 0
        for row in await self.repository.pending_events():
            settled = await self._apply_stored(row)
            if settled is not None and settled.waiting is None:
                applied += 1
        await self._react()
        return applied

    async def _apply_locked(self, event_id: int, event: AnyErpEvent) -> Settlement:
        """Apply a new event beside the other appliers, under the locks of its records
        and of the events waiting for it (read without locks first). One that turns out
        to need another lock someone holds starts again from its savepoint with that one
        too; after :data:`LOCK_ROUNDS` such rounds, it waits to apply alone."""
        await self.repository.enter_erp_apply()
        records = await self._records(event)
        follow_up = FOLLOW_UPS.get(event.type)
        if follow_up is not None:
            waiting_type, contains = follow_up(event)
            for row in await self.repository.pending_events_containing(waiting_type, contains):
                records |= await self._records(EVENT.validate_python(row.payload))
        held = self.repository.held_locks()
        for _ in range(LOCK_ROUNDS):
            savepoint = await self.repository.session.begin_nested()
            try:
                await self.repository.lock_records(records)
                settled = await self._apply(event_id, event)
                await self._react()
            except MoreLocksNeeded as more:
                await savepoint.rollback()
                self.repository.locks_released(held)
                self._reset()
                records |= more.records
                continue
            await savepoint.commit()
            return settled
        log.info("erp_event_applied_alone", event_type=event.type)
        await self.repository.enter_erp_apply(alone=True)
        await self.repository.lock_records(records)
        settled = await self._apply(event_id, event)
        await self._react()
        return settled

    def _reset(self) -> None:
        """Forget what a rolled-back attempt did."""
        self._follow_ups = 0
        self._changed_accounts = set()
        self._settlement = Settlement()

    async def _lock(self, event: AnyErpEvent) -> None:
        """The locks of a follow-up's records (held already when it was known to wait)."""
        await self.repository.lock_records(await self._records(event), late=True)

    async def _records(self, event: AnyErpEvent) -> set[LockedRecord]:
        """The records applying ``event`` reads and writes (apply_locks)."""
        records: set[LockedRecord] = set()
        accounts: set[int] = set()
        if isinstance(event, InvoiceUpserted):
            records.add(("invoice", event.data.document_no))
            accounts.update(
                (await self.repository.invoice_accounts([event.data.document_no])).values()
            )
        else:
            records.add(("payment", event.data.erp_ref))
            accounts.update(await self.repository.payment_accounts(event.data.erp_ref))
        if isinstance(event, (InvoiceUpserted, PaymentReceived)):
            account_id = await self.repository.account_id_by_credit_code(event.data.account_ref)
            if account_id is not None:
                accounts.add(account_id)
        if isinstance(event, PaymentReceived):
            documents = {allocation.document_no for allocation in event.data.allocations}
            records.update(("invoice", document) for document in documents)
            accounts.update((await self.repository.invoice_accounts(documents)).values())
        records.update(("account", account_id) for account_id in accounts)
        return records

    async def _hold_account(self, account_id: int) -> None:
        """Before changing an account's ledger: its lock (held already, unless the account
        or the record's place in it changed since the locks were taken)."""
        await self.repository.lock_records([("account", account_id)], late=True)

    async def _react(self) -> None:
        """Tell the reaction which accounts' receivables the applied events changed."""
        changed, self._changed_accounts = self._changed_accounts, set()
        if changed and self.on_changed is not None:
            await self.on_changed(changed)

    async def _apply_stored(self, row: ErpInboxEvent) -> Settlement | None:
        # Re-read the applied mark: a follow-up may already have applied it.
        await self.repository.session.refresh(row)
        if row.applied_at is not None or row.id is None:
            return None
        # Warnings of an earlier, partial attempt (the allocations it made are not made
        # again, so they would not be found again).
        earlier = [ReceiptReason.model_validate(reason) for reason in row.reasons]
        event = EVENT.validate_python(row.payload)
        await self._lock(event)
        await self.repository.session.refresh(row)  # applied while we waited for the locks?
        if row.applied_at is not None:
            return None
        settled = await self._apply(row.id, event, earlier)
        if settled.waiting is None and self.on_applied is not None:
            await self.on_applied(row.id)
        return settled

    async def _apply(
        self, event_id: int, event: AnyErpEvent, earlier: list[ReceiptReason] | None = None
    ) -> Settlement:
        """Apply one stored event: what it waits for, or how it was settled."""
        self._settlement = settled = Settlement()
        settled.waiting = await self._handlers[event.type](event.data)
        for reason in earlier or []:
            if reason not in settled.warnings:
                settled.warnings.append(reason)
        applied_at = self.now() if settled.waiting is None else None
        await self.repository.mark_event(
            event_id,
            applied_at=applied_at,
            error=settled.waiting,
            outcome=settled.outcome.value,
            reasons=[reason.model_dump(mode="json") for reason in settled.reasons],
        )
        if settled.waiting is not None:
            log.info("erp_event_pending", event_type=event.type, reason=settled.waiting)
            return settled
        if settled.conflicts:
            log.warning("erp_event_conflict", event_type=event.type,
                        reasons=[reason.code.value for reason in settled.conflicts])  # fmt: skip
            return settled
        await self._apply_waiting_for(event)
        return settled

    async def _apply_waiting_for(self, event: AnyErpEvent) -> None:
        """Events that waited for what ``event`` just brought."""
        follow_up = FOLLOW_UPS.get(event.type)
        if follow_up is None:
            return
        waiting_type, contains = follow_up(event)
        rows = await self.repository.pending_events_containing(waiting_type, contains)
        for row in rows:
            self._follow_ups += 1
            if self._follow_ups > MAX_FOLLOW_UPS:  # a bound on one request's work
                return
            await self._apply_stored(row)

    async def _account(self, account_ref: str) -> Account | None:
        return await self.repository.account_by_credit_code(account_ref)

    async def _rate(self, currency: str, on: date) -> Decimal | None:
        try:
            return (await self.rates.in_force(currency, on)).rate
        except NotFound:
            return None

    async def _upsert_invoice(self, data: ErpInvoice) -> str | None:
        account = await self._account(data.account_ref)
        if account is None or account.id is None:
            return f"waiting for an account with credit code {data.account_ref}"
        await self._hold_account(account.id)
        invoice = await self.repository.invoice_by_document(data.document_no)
        if invoice is not None and data.version <= invoice.erp_version:
            return None  # an older or the same version: already reflected
        if invoice is not None:
            await self._hold_account(invoice.account_id)  # its lines move with it
        created = invoice is None
        before = None if invoice is None else snapshot(invoice)
        contract_id = (
            await self.references.contract_id(account.id, data.contract_ref)
            if data.contract_ref
            else None
        )
        rate = await self._rate(data.total.currency, data.issue_date)
        if invoice is None:
            invoice = Invoice(
                erp_document_no=data.document_no,
                account_id=account.id,
                owner_id=account.owner_id,  # credited for collecting it, kept on updates
                amount=data.total.amount,
                currency=data.total.currency,
                issue_date=data.issue_date,
                erp_version=data.version,
            )
        invoice.account_id = account.id
        invoice.contract_id = contract_id
        invoice.amount = data.total.amount
        invoice.currency = data.total.currency
        invoice.base_rate = rate
        invoice.amount_base = base_amount(data.total.amount, invoice, self.base)
        invoice.issue_date = data.issue_date
        invoice.erp_version = data.version
        if data.status == "cancelled":
            invoice.status = "cancelled"
        elif invoice.status == "cancelled":
            invoice.status = "open"
        await self.repository.add(invoice)
        assert invoice.id is not None
        lines = await self._sync_lines(invoice, data, cancelled=data.status == "cancelled")
        refresh_status(invoice, lines)
        await self.repository.add(invoice)
        self._changed_accounts.add(account.id)
        self.audit.record(
            entity=AuditEntity.INVOICE,
            entity_id=invoice.id,
            account_id=account.id,
            action="erp_create" if created else "erp_update",
            actor_employee_id=None,
            before=before,
            after=snapshot(invoice),
        )
        return None

    async def _sync_lines(
        self, invoice: Invoice, data: ErpInvoice, *, cancelled: bool
    ) -> list[InvoiceLine]:
        existing = {line.line_no: line for line in await self.repository.lines([invoice.id or 0])}
        wanted = {line.line_no: line for line in data.due_lines}
        gone = [line for no, line in existing.items() if no not in wanted]
        shrunk = [
            line
            for no, line in existing.items()
            if no in wanted and wanted[no].amount.amount < line.paid_amount
        ]
        released = list(existing.values()) if cancelled else gone + shrunk
        await self.ledger.release_lines(released, delete_history=False)
        if gone:
            await self.ledger.release_lines(gone, delete_history=True)
            for line in gone:
                await self.repository.delete(line)
        kept: list[InvoiceLine] = []
        for no, due in sorted(wanted.items()):
            line = existing.get(no) or InvoiceLine(
                invoice_id=invoice.id or 0,
                line_no=no,
                due_date=due.due_date,
                amount=due.amount.amount,
            )
            line.due_date = due.due_date
            line.amount = due.amount.amount
            line.amount_base = base_amount(due.amount.amount, invoice, self.base)
            await self.repository.add(line)
            kept.append(line)
        return kept

    async def _receive_payment(self, data: ErpPayment) -> str | None:
        payment = await self.repository.payment_by_ref(data.erp_ref)
        if payment is not None:
            self._settlement.conflicts = await self._differences(payment, data)
            if self._settlement.conflicts:
                return None  # refused: nothing of it is applied
        if payment is None:
            account = await self._account(data.account_ref)
            if account is None or account.id is None:
                return f"waiting for an account with credit code {data.account_ref}"
            await self._hold_account(account.id)
            payment = await self._create_payment(account, data)
            if not data.allocations:
                lines = await self.repository.open_lines_of_account(account.id, payment.currency)
                invoices = {line.invoice_id: await self._invoice(line.invoice_id) for line in lines}
                await self.ledger.allocate_oldest_first(
                    payment, lines, invoices, payment.unallocated_amount
                )
                await self.ledger.refresh_invoices(invoices)
                self._changed_accounts.add(account.id)
                return None
        if payment.status == "reversed":
            return None
        return await self._apply_explicit_allocations(payment, data)

    async def _differences(self, payment: Payment, data: ErpPayment) -> list[ReceiptReason]:
        """What a payment announced again says otherwise than the first time."""
        found: list[ReceiptReason] = []
        first = Money(amount=payment.amount, currency=payment.currency)
        if first != data.amount:
            found.append(ReceiptReason(
                code=ReasonCode.AMOUNT_DIFFERS,
                detail=f"payment {data.erp_ref} was received as {first.amount} "
                f"{first.currency}, now announced as {data.amount.amount} {data.amount.currency}",
            ))  # fmt: skip
        account = await self._account(data.account_ref)
        if account is None or account.id != payment.account_id:
            found.append(ReceiptReason(
                code=ReasonCode.ACCOUNT_DIFFERS,
                detail=f"payment {data.erp_ref} was received for another account than "
                f"{data.account_ref}",
            ))  # fmt: skip
        if payment.received_on != data.received_on:
            found.append(ReceiptReason(
                code=ReasonCode.RECEIVED_ON_DIFFERS,
                detail=f"payment {data.erp_ref} was received on {payment.received_on}, now "
                f"announced as received on {data.received_on}",
            ))  # fmt: skip
        return found

    def _warn(
        self, code: ReasonCode, detail: str, wanted: ErpAllocation, unapplied: Decimal
    ) -> None:
        self._settlement.warnings.append(
            ReceiptReason(
                code=code,
                detail=detail,
                document_no=wanted.document_no,
                line_no=wanted.line_no,
                unapplied=Money(amount=unapplied, currency=wanted.amount.currency),
            )
        )

    async def _invoice(self, invoice_id: int) -> Invoice:
        invoice = await self.repository.invoice(invoice_id)
        assert invoice is not None
        return invoice

    async def _create_payment(self, account: Account, data: ErpPayment) -> Payment:
        try:
            amount_base: Decimal | None = await self.rates.convert(
                data.amount.amount, data.amount.currency, data.received_on
            )
        except MissingRate:
            amount_base = None
        payment = Payment(
            erp_ref=data.erp_ref,
            account_id=account.id or 0,
            amount=data.amount.amount,
            currency=data.amount.currency,
            amount_base=amount_base,
            received_on=data.received_on,
            source="erp",
            unallocated_amount=data.amount.amount,
            owner_id=account.owner_id,
        )
        await self.repository.add(payment)
        record_receipt(self.audit, payment)
        return payment

    async def _apply_explicit_allocations(self, payment: Payment, data: ErpPayment) -> str | None:
        """The ERP's allocations not yet made; the invoices still missing, if any."""
        made = {
            (line.invoice_id, line.line_no)
            for _allocation, line in await self.repository.allocations_of_payment(payment.id or 0)
        }
        missing: list[str] = []
        touched: set[int] = set()
        for wanted in data.allocations:
            invoice = await self.repository.invoice_by_document(wanted.document_no)
            if invoice is None or invoice.id is None:
                missing.append(wanted.document_no)
                continue
            what = f"{wanted.document_no}" + (
                f" line {wanted.line_no}" if wanted.line_no is not None else ""
            )
            if invoice.status == "cancelled":
                self._warn(ReasonCode.INVOICE_CANCELLED, f"{what}: the invoice is cancelled",
                           wanted, wanted.amount.amount)  # fmt: skip
                continue
            await self._hold_account(invoice.account_id)
            if invoice.currency != payment.currency:
                self._warn(ReasonCode.CURRENCY_MISMATCH,
                           f"{what}: the invoice is in {invoice.currency}, the payment in "
                           f"{payment.currency}", wanted, wanted.amount.amount)  # fmt: skip
                continue
            if any(
                invoice_id == invoice.id and (wanted.line_no is None or line_no == wanted.line_no)
                for invoice_id, line_no in made
            ):
                continue  # applied before (a repeated or a retried event)
            lines = [
                line
                for line in await self.repository.lines([invoice.id])
                if wanted.line_no is None or line.line_no == wanted.line_no
            ]
            if not lines:
                self._warn(ReasonCode.LINE_MISSING, f"{what}: the invoice has no such line",
                           wanted, wanted.amount.amount)  # fmt: skip
                continue
            open_before = sum((open_amount(line) for line in lines), Decimal(0))
            allocations = await self.ledger.allocate_oldest_first(
                payment, lines, {invoice.id: invoice}, wanted.amount.amount
            )
            allocated = sum((allocation.amount for allocation in allocations), Decimal(0))
            if allocated < wanted.amount.amount:
                code = (
                    ReasonCode.LINE_SETTLED if open_before == 0 else ReasonCode.EXCEEDS_OPEN_AMOUNT
                )
                why = "is paid" if open_before == 0 else f"had {open_before} open"
                self._warn(code, f"{what} {why}; {wanted.amount.amount - allocated} of "
                           f"{wanted.amount.amount} stays unallocated", wanted,
                           wanted.amount.amount - allocated)  # fmt: skip
            touched.add(invoice.id)
            self._changed_accounts.add(invoice.account_id)
        await self.ledger.refresh_invoices(touched)
        if missing:
            return "waiting for invoice(s) " + ", ".join(sorted(set(missing)))
        return None

    async def _reverse_payment(self, data: ErpReversal) -> str | None:
        payment = await self.repository.payment_by_ref(data.erp_ref)
        if payment is None or payment.id is None:
            return f"waiting for payment {data.erp_ref}"
        if payment.status == "reversed":
            return None
        for account_id in await self.repository.payment_accounts(data.erp_ref):
            await self._hold_account(account_id)
        before = snapshot(payment)
        touched = await self.ledger.reverse(payment, data.reversed_on, data.reason)
        await self.ledger.refresh_invoices(touched)
        self._changed_accounts.update(
            [payment.account_id] + [(await self._invoice(i)).account_id for i in touched]
        )
        self.audit.record(
            entity=AuditEntity.PAYMENT,
            entity_id=payment.id,
            account_id=payment.account_id,
            action="erp_reverse",
            actor_employee_id=None,
            before=before,
            after=snapshot(payment),
        )
        return None
