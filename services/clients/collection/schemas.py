"""Bodies of the collection API: dunning runs, collection tasks, credit limits, exposure."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.clients.collection.rules import DunningChannel
from shared.money import ExactDecimal, Money

Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class TaskStatus(StrEnum):
    """open; done (by its owner); cancelled (superseded by the next level, or the line was
    cancelled or removed); closed_paid (the line was paid in full)."""

    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"
    CLOSED_PAID = "closed_paid"


class CollectionTaskRead(BaseModel):
    """A collection task (催款任务): one dunning level reached by one invoice line."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 311,
                    "account_id": 42,
                    "invoice_id": 88,
                    "invoice_line_id": 140,
                    "line_no": 1,
                    "line_due_date": "2026-10-31",
                    "open_amount": {"amount": "120000.00", "currency": "CNY"},
                    "level": 3,
                    "channel": "visit",
                    "days_overdue": 15,
                    "escalated_to": None,
                    "triggered_on": "2026-11-15",
                    "due_on": "2026-11-18",
                    "owner_id": 12,
                    "status": "open",
                    "closed_at": None,
                    "done_by": None,
                    "note": None,
                    "version": 1,
                    "created_at": "2026-11-15T01:00:00+00:00",
                }
            ]
        },
    )

    id: int
    account_id: int
    invoice_id: int
    invoice_line_id: int | None = Field(description="Null once the ERP removed the line.")
    line_no: int
    line_due_date: date
    open_amount: Money = Field(description="Open on the line when the level was reached.")
    level: int
    channel: DunningChannel
    days_overdue: int = Field(description="Days overdue on the run day (negative: before due).")
    escalated_to: int | None = Field(description="The owner's manager, for escalated levels.")
    triggered_on: date = Field(description="The dunning run's as-of day.")
    due_on: date
    owner_id: int = Field(description="Follows handovers while open; frozen once closed.")
    status: TaskStatus
    closed_at: datetime | None
    done_by: int | None
    note: str | None
    version: int
    created_at: datetime


class TaskDone(BaseModel):
    """Mark a task done, with what was agreed (e.g. the promised payment date)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"note": "财务总监承诺12月5日前付款"}]},
    )

    note: Note | None = None


class DunningRunResult(BaseModel):
    """What a dunning run did as of its day."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "as_of": "2026-11-30",
                    "lines_checked": 37,
                    "tasks_created": 9,
                    "superseded": 4,
                    "closed_paid": 2,
                    "cancelled": 0,
                }
            ]
        }
    )

    as_of: date
    lines_checked: int = Field(description="Open lines old enough for the first level.")
    tasks_created: int
    superseded: int = Field(description="Open tasks cancelled because their line stepped up.")
    closed_paid: int = Field(description="Open tasks closed because their line is paid.")
    cancelled: int = Field(description="Open tasks of cancelled or removed lines.")


# --------------------------------------------------------------------------------------
# Credit limits and exposure
# --------------------------------------------------------------------------------------


class LimitAmount(BaseModel):
    """A credit limit amount to the cent, zero or more (0: no credit at all)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"amount": "3000000.00", "currency": "CNY"}]},
    )

    amount: ExactDecimal
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$", max_length=3)]

    @model_validator(mode="after")
    def _to_the_cent(self) -> LimitAmount:
        Money(amount=self.amount, currency=self.currency)  # the same rules as stored money
        if self.amount < 0:
            raise ValueError(f"a credit limit cannot be negative, got {self.amount}")
        return self


class CreditLimitSet(BaseModel):
    """An account's credit limit in the base currency; on a group's top account it is the
    limit of the whole group."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"amount": {"amount": "3000000.00", "currency": "CNY"}, "reason": "年度授信评审"}
            ]
        },
    )

    amount: LimitAmount
    reason: Reason


class CreditLimitRead(BaseModel):
    """A credit limit and who set it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "account_id": 42,
                    "amount": {"amount": "3000000.00", "currency": "CNY"},
                    "reason": "年度授信评审",
                    "set_by": 950,
                    "applies_to_group": False,
                    "version": 2,
                    "updated_at": "2026-11-30T02:00:00+00:00",
                }
            ]
        }
    )

    account_id: int
    amount: Money
    reason: str
    set_by: int | None
    applies_to_group: bool = Field(
        description="True on a group's top account: the limit covers the whole group."
    )
    version: int
    updated_at: datetime


class ExposureFigures(BaseModel):
    """Exposure in the base currency = open receivables + signed-but-uninvoiced contracts."""

    limit: Money | None = Field(description="Null when no limit is set (never exceeded).")
    exposure: Money
    open_receivables: Money
    uninvoiced_contracts: Money
    exceeded: bool
    unconverted_lines: int = Field(
        description="Open foreign-currency lines without a rate, left out of the sum."
    )


class GroupExposure(ExposureFigures):
    """The whole group's exposure against the limit on its top account."""

    top_account_id: int
    members: int = Field(description="Accounts in the group, the top one included.")


class CreditExposureRead(ExposureFigures):
    """An account's own exposure against its own limit, and its group's when in one."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "account_id": 43,
                    "limit": None,
                    "exposure": {"amount": "800000.00", "currency": "CNY"},
                    "open_receivables": {"amount": "300000.00", "currency": "CNY"},
                    "uninvoiced_contracts": {"amount": "500000.00", "currency": "CNY"},
                    "exceeded": False,
                    "unconverted_lines": 0,
                    "group": {
                        "top_account_id": 42,
                        "members": 3,
                        "limit": {"amount": "2000000.00", "currency": "CNY"},
                        "exposure": {"amount": "2150000.00", "currency": "CNY"},
                        "open_receivables": {"amount": "650000.00", "currency": "CNY"},
                        "uninvoiced_contracts": {"amount": "1500000.00", "currency": "CNY"},
                        "exceeded": True,
                        "unconverted_lines": 0,
                    },
                    "warning": True,
                }
            ]
        }
    )

    account_id: int
    group: GroupExposure | None = Field(description="Null when the account is in no group.")
    warning: bool = Field(description="Its own or its group's limit is exceeded.")


class CreditWarning(BaseModel):
    """A limit holder whose exposure is above its limit (the group's, on a top account)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 42,
                    "account_id": 42,
                    "legal_name": "华东电网建设有限公司",
                    "owner_id": 12,
                    "applies_to_group": True,
                    "members": 3,
                    "limit": {"amount": "2000000.00", "currency": "CNY"},
                    "exposure": {"amount": "2150000.00", "currency": "CNY"},
                    "over_by": {"amount": "150000.00", "currency": "CNY"},
                }
            ]
        }
    )

    id: int = Field(description="The limit holder's account id (the list's cursor key).")
    account_id: int
    legal_name: str
    owner_id: int
    applies_to_group: bool
    members: int
    limit: Money
    exposure: Money
    over_by: Money


class SigningCreditWarning(BaseModel):
    """Signing went through, but the account's (or its group's) exposure is now above
    its credit limit."""

    exposure: CreditExposureRead
    message: str
