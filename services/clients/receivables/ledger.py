"""Moving money between payments and invoice lines: allocate, release, reverse. Every
operation keeps ``line.paid_amount`` = its live allocations and ``payment.unallocated_amount``
= amount − its allocations, in the same flush. Callers hold the ERP apply lock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from datetime import date
from decimal import Decimal

from services.clients.rates.rules import to_base
from services.clients.receivables.models import Invoice, InvoiceLine, Payment, PaymentAllocation
from services.clients.receivables.repository import ReceivablesRepository
from services.clients.receivables.rules import OpenLine, allocate_payment

ZERO = Decimal(0)

OnLinesPaidOff = Callable[[Collection[int]], Awaitable[None]]
"""What follows invoice lines being paid in full (services.clients.reactions)."""


def base_amount(amount: Decimal, invoice: Invoice, base: str) -> Decimal | None:
    """``amount`` of the invoice's currency in the base currency at the invoice's rate."""
    return base_amount_at(amount, invoice.currency, invoice.base_rate, base)


def base_amount_at(
    amount: Decimal, currency: str, rate: Decimal | None, base: str
) -> Decimal | None:
    """``amount`` of ``currency`` in the base currency at an invoice's ``rate`` (none when a
    foreign invoice has no rate)."""
    if currency != base and rate is None:
        return None
    return to_base(amount, currency, base, rate)


def open_amount(line: InvoiceLine) -> Decimal:
    return line.amount - line.paid_amount


def refresh_status(invoice: Invoice, lines: Iterable[InvoiceLine]) -> None:
    """Open or paid from the lines; a cancelled invoice stays cancelled."""
    if invoice.status != "cancelled":
        invoice.status = "paid" if all(open_amount(line) == 0 for line in lines) else "open"


class Ledger:
    """Allocation bookkeeping on one session."""

    def __init__(
        self, repository: ReceivablesRepository, *, base: str, on_paid_off: OnLinesPaidOff
    ) -> None:
        self.repository = repository
        self.base = base
        self.on_paid_off = on_paid_off

    async def allocate_to_line(
        self, payment: Payment, line: InvoiceLine, invoice: Invoice, amount: Decimal
    ) -> PaymentAllocation | None:
        """Apply up to ``amount`` (capped by the line's open amount and what is left of the
        payment); None when nothing could be applied."""
        applied = min(amount, open_amount(line), payment.unallocated_amount)
        if applied <= 0:
            return None
        allocation = PaymentAllocation(
            payment_id=payment.id or 0,
            invoice_line_id=line.id or 0,
            amount=applied,
            amount_base=base_amount(applied, invoice, self.base),
        )
        line.paid_amount += applied
        payment.unallocated_amount -= applied
        self.repository.session.add_all([line, payment])
        await self.repository.add(allocation)
        if open_amount(line) == 0 and line.id is not None:
            # Paid off: its open collection tasks close in this same transaction.
            await self.on_paid_off([line.id])
        return allocation

    async def allocate_oldest_first(
        self,
        payment: Payment,
        lines: Sequence[InvoiceLine],
        invoices: dict[int, Invoice],
        amount: Decimal,
    ) -> list[PaymentAllocation]:
        """Apply ``amount`` of the payment to ``lines``, oldest due first
        (``rules.allocate_payment``); the rest stays unallocated on the payment."""
        by_id = {str(line.id): line for line in lines}
        plan = allocate_payment(
            min(amount, payment.unallocated_amount),
            [OpenLine(str(line.id), line.due_date, open_amount(line)) for line in lines],
        )
        made: list[PaymentAllocation] = []
        for step in plan.allocations:
            line = by_id[step.line_id]
            allocation = await self.allocate_to_line(
                payment, line, invoices[line.invoice_id], step.amount
            )
            if allocation is not None:
                made.append(allocation)
        return made

    async def release_lines(self, lines: Sequence[InvoiceLine], *, delete_history: bool) -> None:
        """Undo the allocations to these lines: the money goes back to its payments as
        unallocated credit. ``delete_history`` also drops allocations of reversed payments
        (needed before the lines themselves are deleted)."""
        if not lines:
            return
        ids = [line.id for line in lines if line.id is not None]
        for allocation, payment in await self.repository.live_allocations_of_lines(ids):
            payment.unallocated_amount += allocation.amount
            self.repository.session.add(payment)
            await self.repository.delete(allocation)
        for line in lines:
            line.paid_amount = ZERO
            self.repository.session.add(line)
        if delete_history:
            for allocation in await self.repository.all_allocations_of_lines(ids):
                await self.repository.delete(allocation)
        await self.repository.session.flush()

    async def reverse(self, payment: Payment, on: date, reason: str | None) -> list[int]:
        """Undo the payment's allocations (kept as history, no longer counted from ``on``);
        the ids of the invoices it had paid, to refresh their status."""
        touched: set[int] = set()
        for allocation, line in await self.repository.allocations_of_payment(payment.id or 0):
            line.paid_amount = max(ZERO, line.paid_amount - allocation.amount)
            self.repository.session.add(line)
            touched.add(line.invoice_id)
        payment.status = "reversed"
        payment.reversed_on = on
        payment.reversal_reason = reason
        payment.unallocated_amount = ZERO
        self.repository.session.add(payment)
        await self.repository.session.flush()
        return sorted(touched)

    async def refresh_invoices(self, invoice_ids: Iterable[int]) -> None:
        ids = list(invoice_ids)
        if not ids:
            return
        lines = await self.repository.lines(ids)
        for invoice_id in ids:
            invoice = await self.repository.invoice(invoice_id, for_update=True)
            if invoice is not None:
                refresh_status(invoice, [line for line in lines if line.invoice_id == invoice_id])
                self.repository.session.add(invoice)
        await self.repository.session.flush()
