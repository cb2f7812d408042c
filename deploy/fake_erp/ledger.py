"""The fake ERP's books: invoices, payments and the ordered log of their changes (in memory)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.money import Money

DocumentNo = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$")]
AccountRef = Annotated[str, Field(min_length=1, max_length=64)]


class EventType(StrEnum):
    """What happened in the ERP."""

    INVOICE_UPSERTED = "invoice.upserted"
    PAYMENT_RECEIVED = "payment.received"
    PAYMENT_REVERSED = "payment.reversed"


class DueLine(BaseModel):
    """One instalment of an invoice."""

    model_config = ConfigDict(extra="forbid")

    line_no: Annotated[int, Field(ge=1, le=999)]
    due_date: date
    amount: Money


class InvoiceIn(BaseModel):
    """An invoice as the control API creates or replaces it (upsert by document number)."""

    model_config = ConfigDict(extra="forbid")

    document_no: DocumentNo
    account_ref: AccountRef = Field(examples=["91310000MA1FL8XQ3B"])
    contract_ref: str | None = Field(default=None, max_length=64)
    total: Money
    issue_date: date
    due_lines: Annotated[list[DueLine], Field(min_length=1, max_length=60)]
    status: Literal["open", "cancelled"] = "open"

    @model_validator(mode="after")
    def _lines_add_up(self) -> InvoiceIn:
        numbers = [line.line_no for line in self.due_lines]
        if len(set(numbers)) != len(numbers):
            raise ValueError("due line numbers must be unique")
        if any(line.amount.currency != self.total.currency for line in self.due_lines):
            raise ValueError("every due line must be in the invoice's currency")
        if sum(line.amount.amount for line in self.due_lines) != self.total.amount:
            raise ValueError("the due lines must add up to the total")
        return self


class Invoice(InvoiceIn):
    """An invoice as the ERP holds it: ``version`` grows with every change."""

    version: int


class Allocation(BaseModel):
    """Part of a payment applied to an invoice (one due line, or the invoice as a whole)."""

    model_config = ConfigDict(extra="forbid")

    document_no: DocumentNo
    line_no: Annotated[int | None, Field(ge=1, le=999)] = None
    amount: Money


class PaymentIn(BaseModel):
    """A payment received; allocations may name invoices the ERP has not published yet."""

    model_config = ConfigDict(extra="forbid")

    erp_ref: DocumentNo
    account_ref: AccountRef
    amount: Money
    received_on: date
    allocations: Annotated[list[Allocation], Field(max_length=200)] = Field(default_factory=list)

    @model_validator(mode="after")
    def _allocations_fit(self) -> PaymentIn:
        if any(part.amount.currency != self.amount.currency for part in self.allocations):
            raise ValueError("allocations must be in the payment's currency")
        if any(part.amount.amount <= 0 for part in self.allocations):
            raise ValueError("allocations must be positive")
        if sum(part.amount.amount for part in self.allocations) > self.amount.amount:
            raise ValueError("allocations cannot exceed the payment (the rest is unallocated)")
        return self


class Payment(PaymentIn):
    """A payment as the ERP holds it."""

    reversed_on: date | None = None


class ReversalIn(BaseModel):
    """Reverse (cancel) a received payment, e.g. a bounced transfer."""

    model_config = ConfigDict(extra="forbid")

    reversed_on: date
    reason: str = Field(default="reversed", max_length=200)


class LedgerError(ValueError):
    """A control request the ERP refuses (unknown or already reversed payment …)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


CURSOR_PREFIX = "erp1:"


def encode_cursor(sequence: int) -> str:
    """An opaque cursor: the feed continues after event ``sequence``."""
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{sequence}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The sequence inside a cursor; :class:`LedgerError` (400) when it is not one of ours."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        raise LedgerError(400, "cursor is not valid") from None
    number = text.removeprefix(CURSOR_PREFIX)
    if not text.startswith(CURSOR_PREFIX) or not number.isdigit() or len(number) > 12:
        raise LedgerError(400, "cursor is not valid")
    return int(number)


class Ledger:
    """Invoices, payments and the change log; every change calls ``on_event`` once."""

    def __init__(self, on_event: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.invoices: dict[str, Invoice] = {}
        self.payments: dict[str, Payment] = {}
        self.events: list[dict[str, Any]] = []
        self.on_event = on_event

    def reset(self) -> None:
        """Forget every document and event."""
        self.invoices.clear()
        self.payments.clear()
        self.events.clear()

    def _emit(self, kind: EventType, data: BaseModel) -> dict[str, Any]:
        sequence = len(self.events) + 1
        event = {
            "id": f"evt_{sequence:08d}",
            "type": kind.value,
            "occurred_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "data": data.model_dump(mode="json"),
        }
        self.events.append(event)
        if self.on_event is not None:
            self.on_event(event)
        return event

    def upsert_invoice(self, invoice: InvoiceIn) -> tuple[Invoice, dict[str, Any]]:
        """Create or replace an invoice (its version grows); emits ``invoice.upserted``."""
        previous = self.invoices.get(invoice.document_no)
        stored = Invoice(**invoice.model_dump(), version=previous.version + 1 if previous else 1)
        self.invoices[stored.document_no] = stored
        return stored, self._emit(EventType.INVOICE_UPSERTED, stored)

    def receive_payment(self, payment: PaymentIn) -> tuple[Payment, dict[str, Any]]:
        """Record a new payment; emits ``payment.received``. A known ``erp_ref`` is a 409."""
        if payment.erp_ref in self.payments:
            raise LedgerError(409, f"payment {payment.erp_ref} exists already")
        stored = Payment(**payment.model_dump())
        self.payments[stored.erp_ref] = stored
        return stored, self._emit(EventType.PAYMENT_RECEIVED, stored)

    def reverse_payment(self, erp_ref: str, reversal: ReversalIn) -> dict[str, Any]:
        """Reverse a payment once; emits ``payment.reversed``."""
        payment = self.payments.get(erp_ref)
        if payment is None:
            raise LedgerError(404, f"payment {erp_ref} does not exist")
        if payment.reversed_on is not None:
            raise LedgerError(409, f"payment {erp_ref} is reversed already")
        self.payments[erp_ref] = payment.model_copy(update={"reversed_on": reversal.reversed_on})
        data = _Reversal(erp_ref=erp_ref, **reversal.model_dump())
        return self._emit(EventType.PAYMENT_REVERSED, data)

    def changes(self, after: int, limit: int) -> tuple[list[dict[str, Any]], int, bool]:
        """Events after sequence ``after``: the page, the sequence to continue from, more?"""
        page = self.events[after : after + limit]
        position = after + len(page)
        return page, position, position < len(self.events)


class _Reversal(ReversalIn):
    erp_ref: str
