"""Bodies of the receivables API and of the ERP events it receives."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.config import JsonDict

from shared.money import ExactDecimal, Money
from shared.numbers import NotABoolean
from shared.periods import IsoDay

ErpRef = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^\S+$")
]
Id = Annotated[int, Field(ge=1, le=2_147_483_647), NotABoolean]
LineNo = Annotated[int, Field(ge=1, le=999), NotABoolean]

MONEY_EXAMPLE: JsonDict = {"amount": "1500.00", "currency": "CNY"}


def require_positive(money: Money, what: str) -> None:
    if money.amount <= 0:
        raise ValueError(f"{what} must be greater than zero, got {money.amount}")


class DeliveryOutcome(StrEnum):
    """What became of an ERP event: ``applied``; ``applied_with_warnings`` (applied, but
    some of it could not be, see the reasons); ``conflict`` (refused, nothing of it
    applied, see the reasons); ``pending`` (waiting for its invoice, account or payment);
    ``duplicate`` (this delivery was received before: see its status)."""

    APPLIED = "applied"
    APPLIED_WITH_WARNINGS = "applied_with_warnings"
    CONFLICT = "conflict"
    PENDING = "pending"
    DUPLICATE = "duplicate"


class ReasonCode(StrEnum):
    """Why an ERP event was not applied as sent.

    Warnings (the rest of the event is applied; the money stays unallocated credit on the
    payment): ``invoice_cancelled``, ``currency_mismatch`` (the invoice is in another
    currency), ``line_missing`` (the invoice has no such line), ``line_settled`` (the line
    or invoice is already paid), ``exceeds_open_amount`` (only part of the allocation
    fitted). Conflicts (the event is refused): ``amount_differs``, ``account_differs``,
    ``received_on_differs`` (a payment announced again under a known ``erp_ref`` with other
    facts than the first time: a correction is a reversal and a new payment)."""

    INVOICE_CANCELLED = "invoice_cancelled"
    CURRENCY_MISMATCH = "currency_mismatch"
    LINE_MISSING = "line_missing"
    LINE_SETTLED = "line_settled"
    EXCEEDS_OPEN_AMOUNT = "exceeds_open_amount"
    AMOUNT_DIFFERS = "amount_differs"
    ACCOUNT_DIFFERS = "account_differs"
    RECEIVED_ON_DIFFERS = "received_on_differs"


class ReceiptReason(BaseModel):
    """One reason an event was applied with warnings or refused."""

    code: ReasonCode
    detail: str
    document_no: str | None = None
    line_no: int | None = None
    unapplied: Money | None = Field(
        default=None, description="The money of the allocation that was not applied."
    )


class DeliveryReceipt(BaseModel):
    """What became of one delivery (see :class:`DeliveryOutcome`)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"webhook_id": "evt_00000042", "outcome": "applied", "detail": None,
                 "reasons": []},
                {"webhook_id": "evt_00000043", "outcome": "applied_with_warnings",
                 "detail": None,
                 "reasons": [{"code": "line_settled", "document_no": "INV-2026-0001",
                              "line_no": 1, "detail": "line 1 of INV-2026-0001 is paid",
                              "unapplied": {"amount": "500.00", "currency": "CNY"}}]},
            ]
        }
    )  # fmt: skip

    webhook_id: str
    outcome: DeliveryOutcome
    detail: str | None = None
    reasons: list[ReceiptReason] = Field(default_factory=list)


class ErpEventStatus(BaseModel):
    """An ERP event as we hold it: how it was settled, or what it still waits for."""

    event_id: str = Field(description="The event's id (its webhook-id).")
    type: str
    received_at: datetime
    outcome: DeliveryOutcome = Field(description="Never `duplicate` here.")
    applied_at: datetime | None = Field(description="When it was settled (null: pending).")
    waiting_for: str | None = Field(description="What a pending event waits for.")
    reasons: list[ReceiptReason]


class PendingRetry(BaseModel):
    """How many waiting ERP events were applied by a retry, and how many still wait."""

    applied: int
    still_pending: int


# --------------------------------------------------------------------------------------
# Reads
# --------------------------------------------------------------------------------------


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    CANCELLED = "cancelled"


class PaymentStatus(StrEnum):
    RECEIVED = "received"
    REVERSED = "reversed"


class InvoiceRead(BaseModel):
    """An invoice; ``open_amount`` is what is still unpaid today."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "erp_document_no": "INV-2026-0001",
                    "account_id": 42,
                    "contract_id": 3,
                    "amount": {"amount": "3000.00", "currency": "CNY"},
                    "amount_base": {"amount": "3000.00", "currency": "CNY"},
                    "open_amount": MONEY_EXAMPLE,
                    "issue_date": "2026-11-01",
                    "status": "open",
                    "erp_version": 3,
                    "owner_id": 12,
                    "created_at": "2026-11-01T02:00:00+00:00",
                    "updated_at": "2026-11-20T02:15:00+00:00",
                }
            ]
        }
    )

    id: int
    erp_document_no: str
    account_id: int
    contract_id: int | None
    amount: Money
    amount_base: Money | None
    open_amount: Money
    issue_date: date
    status: InvoiceStatus
    erp_version: int
    owner_id: int = Field(description="The employee credited with collecting it.")
    created_at: datetime
    updated_at: datetime
    next_due_date: date | None = Field(
        default=None,
        description="The earliest due date among the lines still open (null when paid or "
        "cancelled).",
    )
    days_overdue: int = Field(
        default=0, description="Days since `next_due_date` when it has passed, else 0."
    )
    account_name: str | None = Field(
        default=None, description="The account's legal name (in lists)."
    )
    owner_name: str | None = Field(
        default=None, description="The credited owner's name (org copy; null while unknown)."
    )


class InvoiceSort(StrEnum):
    """Sort orders of the invoice list; ``-`` is descending, ties break on the id."""

    ID = "id"
    NEXT_DUE_DATE = "next_due_date"
    NEXT_DUE_DATE_DESC = "-next_due_date"
    DAYS_OVERDUE_DESC = "-days_overdue"


class InvoiceLineRead(BaseModel):
    id: int
    line_no: int
    due_date: date
    amount: Money
    paid_amount: Money
    open_amount: Money
    days_overdue: int = Field(description="Today minus the due date (negative: not yet due).")


class AllocationRead(BaseModel):
    id: int
    payment_id: int
    payment_ref: str
    invoice_line_id: int
    line_no: int
    amount: Money
    received_on: date
    reversed: bool


class InvoiceDetail(InvoiceRead):
    """An invoice with its due lines and the payments allocated to them."""

    lines: list[InvoiceLineRead]
    allocations: list[AllocationRead]


class PaymentRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 5,
                    "erp_ref": "PAY-2026-0007",
                    "account_id": 42,
                    "amount": MONEY_EXAMPLE,
                    "amount_base": MONEY_EXAMPLE,
                    "unallocated_amount": {"amount": "0.00", "currency": "CNY"},
                    "received_on": "2026-11-20",
                    "status": "received",
                    "reversed_on": None,
                    "source": "erp",
                    "owner_id": 12,
                    "created_at": "2026-11-20T02:15:00+00:00",
                }
            ]
        }
    )

    id: int
    erp_ref: str
    account_id: int
    amount: Money
    amount_base: Money | None
    unallocated_amount: Money
    received_on: date
    status: PaymentStatus
    reversed_on: date | None
    source: Literal["erp", "manual", "write_off"]
    owner_id: int
    created_at: datetime


class MoneyInput(BaseModel):
    """An amount to the cent, above zero, with its currency (input form of ``Money``)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"amount": "1500.00", "currency": "CNY"}]}
    )

    amount: ExactDecimal
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$", max_length=3)]

    @model_validator(mode="after")
    def _to_the_cent(self) -> MoneyInput:
        Money(amount=self.amount, currency=self.currency)  # the same rules as stored money
        if self.amount <= 0:
            raise ValueError(f"amount must be greater than zero, got {self.amount}")
        return self


class ManualAllocation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    invoice_id: Id
    line_no: LineNo | None = Field(default=None, description="None: oldest open line first.")
    amount: MoneyInput


class PaymentCreate(BaseModel):
    """A payment registered by finance (e.g. a bank receipt the ERP has not sent yet)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "account_id": 42,
                    "reference": "BANK-20261120-0031",
                    "amount": MONEY_EXAMPLE,
                    "received_on": "2026-11-20",
                    "allocations": [{"invoice_id": 7, "line_no": 1, "amount": MONEY_EXAMPLE}],
                }
            ]
        },
    )

    account_id: Id
    reference: ErpRef = Field(description="The payment's reference (unique), e.g. the bank's.")
    amount: MoneyInput
    received_on: IsoDay
    allocations: list[ManualAllocation] = Field(
        default_factory=list,
        max_length=100,
        description="Empty: applied to the account's open lines, oldest due first.",
    )

    @model_validator(mode="after")
    def _amounts_fit(self) -> PaymentCreate:
        for allocation in self.allocations:
            if allocation.amount.currency != self.amount.currency:
                raise ValueError(f"allocations must be in {self.amount.currency}")
        if sum((a.amount.amount for a in self.allocations), Decimal(0)) > self.amount.amount:
            raise ValueError("the allocations exceed the payment's amount")
        return self


class OpenLineRead(BaseModel):
    invoice_id: int
    erp_document_no: str
    line_no: int
    due_date: date
    days_overdue: int
    amount: Money
    open_amount: Money


class AccountReceivables(BaseModel):
    """An account's open receivables today, per currency, with its unallocated credit."""

    account_id: int
    as_of: date
    open_lines: list[OpenLineRead] = Field(description="Oldest due first (at most 500).")
    open_total: list[Money]
    overdue_total: list[Money]
    unallocated_credit: list[Money]
    oldest_days_overdue: int | None


class AgeingGroup(StrEnum):
    ACCOUNT = "account"
    OWNER = "owner"
    TEAM = "team"
    DEPARTMENT = "department"
    GROUP = "group"


class AgeingBucketAmount(BaseModel):
    code: str = Field(examples=["1-30"])
    amount: Money


class AgeingRow(BaseModel):
    """One account, owner, team (the owner's manager), department or group customer (the
    top account of a hierarchy); ``key`` is its id (null: not known, e.g. no manager)."""

    key: int | None
    name: str | None = Field(
        default=None,
        description="The account's legal name, or the owner's or team manager's name (org "
        "copy); null for departments and unknown keys.",
        examples=["张伟"],
    )
    buckets: list[AgeingBucketAmount]
    total: Money


class AgeingReport(BaseModel):
    """Open receivables as of a date, in the base currency, per ageing bucket."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "as_of": "2026-12-31",
                    "by": "owner",
                    "buckets": ["current", "1-30", "31-60", "61-90", "91-180", "180+"],
                    "rows": [
                        {
                            "key": 12,
                            "buckets": [
                                {"code": "current", "amount": MONEY_EXAMPLE},
                                {"code": "1-30", "amount": MONEY_EXAMPLE},
                            ],
                            "total": {"amount": "3000.00", "currency": "CNY"},
                        }
                    ],
                    "totals": [{"code": "current", "amount": MONEY_EXAMPLE}],
                    "total": {"amount": "3000.00", "currency": "CNY"},
                    "lines_without_rate": 0,
                }
            ]
        }
    )

    as_of: date
    by: AgeingGroup
    buckets: list[str]
    rows: list[AgeingRow]
    totals: list[AgeingBucketAmount]
    total: Money
    lines_without_rate: int = Field(
        description="Open lines left out: foreign currency without a rate on the issue date."
    )


class WriteOffCreate(BaseModel):
    """Writing off (核销) what is left of an invoice line that will not be collected."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"reason": "客户破产清算，经财务总监批准核销", "written_off_on": "2026-11-30"},
                {"amount": {"amount": "400.50", "currency": "CNY"}, "reason": "尾差核销"},
            ]
        },
    )

    amount: MoneyInput | None = Field(
        default=None, description="In the invoice's currency; default: all that is open."
    )
    reason: str = Field(min_length=1, max_length=500)
    written_off_on: IsoDay | None = Field(default=None, description="Default today; not later.")
