"""The ERP's event contract (docs/contracts.md, "ERP → clients"): the documents it sends
and the events that carry them. Unknown fields are ignored."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, model_validator

from services.clients.receivables.schemas import ErpRef, LineNo, require_positive
from shared.money import Money
from shared.numbers import JsonInt
from shared.periods import IsoDay, IsoInstant


class ErpDueLine(BaseModel):
    model_config = ConfigDict(extra="ignore")

    line_no: LineNo
    due_date: IsoDay
    amount: Money


class ErpInvoice(BaseModel):
    """``invoice.upserted``: the whole invoice as it now is."""

    model_config = ConfigDict(extra="ignore")

    document_no: ErpRef
    account_ref: ErpRef
    contract_ref: ErpRef | None = None
    total: Money
    issue_date: IsoDay
    due_lines: list[ErpDueLine] = Field(min_length=1, max_length=120)
    status: Literal["open", "cancelled"]
    version: JsonInt = Field(ge=1, le=2_147_483_647)

    @model_validator(mode="after")
    def _lines_add_up(self) -> ErpInvoice:
        require_positive(self.total, "total")
        numbers = [line.line_no for line in self.due_lines]
        if len(set(numbers)) != len(numbers):
            raise ValueError(f"due line numbers repeat: {numbers}")
        for line in self.due_lines:
            require_positive(line.amount, f"due line {line.line_no}")
            if line.amount.currency != self.total.currency:
                raise ValueError(f"due line {line.line_no} is not in {self.total.currency}")
        if sum((line.amount.amount for line in self.due_lines), Decimal(0)) != self.total.amount:
            raise ValueError("the due lines do not add up to the total")
        return self


class ErpAllocation(BaseModel):
    model_config = ConfigDict(extra="ignore")

    document_no: ErpRef
    line_no: LineNo | None = None
    amount: Money


class ErpPayment(BaseModel):
    """``payment.received``: a new payment with the ERP's allocations (may be empty)."""

    model_config = ConfigDict(extra="ignore")

    erp_ref: ErpRef
    account_ref: ErpRef
    amount: Money
    received_on: IsoDay
    allocations: list[ErpAllocation] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def _allocations_fit(self) -> ErpPayment:
        require_positive(self.amount, "amount")
        for allocation in self.allocations:
            require_positive(allocation.amount, f"the allocation to {allocation.document_no}")
            if allocation.amount.currency != self.amount.currency:
                raise ValueError(f"the allocation to {allocation.document_no} is not in "
                                 f"{self.amount.currency}")  # fmt: skip
        total = sum((a.amount.amount for a in self.allocations), Decimal(0))
        if total > self.amount.amount:
            raise ValueError("the allocations exceed the payment's amount")
        return self


class ErpReversal(BaseModel):
    """``payment.reversed``: a received payment is cancelled."""

    model_config = ConfigDict(extra="ignore")

    erp_ref: ErpRef
    reversed_on: IsoDay
    reason: Annotated[str, StringConstraints(max_length=200)] | None = None


class _Event(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    occurred_at: IsoInstant | None = None


class InvoiceUpserted(_Event):
    type: Literal["invoice.upserted"]
    data: ErpInvoice


class PaymentReceived(_Event):
    type: Literal["payment.received"]
    data: ErpPayment


class PaymentReversed(_Event):
    type: Literal["payment.reversed"]
    data: ErpReversal


# The event union, written once: add an event type here, its handler in
# erp.ingest.ErpIngest.HANDLERS, and (if others wait for it) in ErpIngest.FOLLOW_UPS.
AnyErpEvent = InvoiceUpserted | PaymentReceived | PaymentReversed
ErpEvent = Annotated[AnyErpEvent, Field(discriminator="type")]
EVENT: TypeAdapter[AnyErpEvent] = TypeAdapter(ErpEvent)
