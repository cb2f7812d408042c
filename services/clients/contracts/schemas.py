"""Bodies of the contracts API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from services.clients.collection.schemas import SigningCreditWarning
from services.clients.contracts.rules import ContractStatus
from services.clients.rates.rules import CURRENCY_PATTERN
from shared.money import MAX_ABS_AMOUNT, ExactDecimal, Money, quantize_cents
from shared.periods import IsoDay

Number = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Currency = Annotated[str, StringConstraints(pattern=CURRENCY_PATTERN, max_length=3)]


def _positive_cents(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("amount must be greater than 0")
    if value > MAX_ABS_AMOUNT:
        raise ValueError(f"amount must be at most {MAX_ABS_AMOUNT}")
    if quantize_cents(value) != value:
        raise ValueError("amount has more than two decimal places")
    return quantize_cents(value)


Amount = Annotated[ExactDecimal, AfterValidator(_positive_cents)]


def _check_period(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise ValueError(f"end_date {end} is before start_date {start}")


class ContractCreate(BaseModel):
    """A new draft contract."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "number": "HT-2026-0142",
                    "title": "2027年度配电运维服务合同",
                    "amount": "1250000.00",
                    "currency": "CNY",
                    "start_date": "2027-01-01",
                    "end_date": "2027-12-31",
                }
            ]
        },
    )

    number: Number
    title: Title
    amount: Amount
    currency: Currency
    start_date: IsoDay
    end_date: IsoDay

    @model_validator(mode="after")
    def _period_in_order(self) -> ContractCreate:
        _check_period(self.start_date, self.end_date)
        return self


class ContractUpdate(BaseModel):
    """A partial change of a draft (needs If-Match)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"amount": "1300000.00"}]}
    )

    number: Number | None = None
    title: Title | None = None
    amount: Amount | None = None
    currency: Currency | None = None
    start_date: IsoDay | None = None
    end_date: IsoDay | None = None

    @model_validator(mode="after")
    def _period_in_order(self) -> ContractUpdate:
        _check_period(self.start_date, self.end_date)
        return self


class ContractSign(BaseModel):
    """Signing a draft; the day defaults to today and may not be in the future."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"signed_on": "2026-11-28"}]}
    )

    signed_on: IsoDay | None = None


class ContractTerminate(BaseModel):
    """Ending a signed contract early, with the reason."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"terminated_on": "2026-12-31", "reason": "客户业务调整，双方协商解除"}]
        },
    )

    terminated_on: IsoDay | None = Field(default=None, description="Default: today.")
    reason: Reason


class ContractRenew(BaseModel):
    """The next contract of a chain: a draft copying title and currency."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"number": "HT-2027-0031", "amount": "1400000.00", "end_date": "2028-12-31"}
            ]
        },
    )

    number: Number
    title: Title | None = Field(default=None, description="Default: the previous title.")
    amount: Amount | None = Field(default=None, description="Default: the previous amount.")
    start_date: IsoDay | None = Field(
        default=None, description="Default: the day after the previous contract ends."
    )
    end_date: IsoDay

    @model_validator(mode="after")
    def _period_in_order(self) -> ContractRenew:
        _check_period(self.start_date, self.end_date)
        return self


class ContractRead(BaseModel):
    """A contract; ``status`` shows "expired" for a signed contract past its end date."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 55,
                    "account_id": 42,
                    "number": "HT-2026-0142",
                    "title": "2027年度配电运维服务合同",
                    "amount": {"amount": "180000.00", "currency": "USD"},
                    "amount_base": {"amount": "1282410.00", "currency": "CNY"},
                    "signed_on": "2026-11-28",
                    "start_date": "2027-01-01",
                    "end_date": "2027-12-31",
                    "status": "signed",
                    "renewal_of_id": None,
                    "owner_id": 12,
                    "signed_by": 12,
                    "terminated_on": None,
                    "termination_reason": None,
                    "version": 2,
                    "created_at": "2026-11-20T02:00:00+00:00",
                    "updated_at": "2026-11-28T03:00:00+00:00",
                }
            ]
        }
    )

    id: int
    account_id: int
    number: str
    title: str
    amount: Money
    amount_base: Money | None = Field(description="Fixed at signing; null for drafts.")
    signed_on: date | None
    start_date: date
    end_date: date
    status: ContractStatus
    renewal_of_id: int | None
    owner_id: int = Field(description="The employee credited (account owner at signing).")
    signed_by: int | None
    terminated_on: date | None
    termination_reason: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class ContractSigned(ContractRead):
    """A contract just signed, with a credit warning when the account's (or its group's)
    credit exposure is now above its limit (signing is never blocked by it)."""

    credit_warning: SigningCreditWarning | None = Field(
        default=None, description="Null when no credit limit is exceeded."
    )


@dataclass(frozen=True)
class ContractQuery:
    """Filters of the contract lists (every one optional; all given must match)."""

    account_id: int | None = None
    owner_ids: list[int] | None = None
    team_of: int | None = None
    statuses: list[str] | None = None
    signed_from: date | None = None
    signed_to: date | None = None
    text: str | None = None
    currency: str | None = None
