"""Bodies of the opportunities API (销售机会) and of the pipeline's stages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic.config import JsonDict

from services.clients.opportunities.rules import Outcome
from services.clients.rates.rules import CURRENCY_PATTERN
from shared.money import MAX_ABS_AMOUNT, ExactDecimal, Money, quantize_cents
from shared.numbers import NotABoolean
from shared.periods import IsoDay, Month

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Source = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Role = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30, pattern=r"^\S+$")
]
Currency = Annotated[str, StringConstraints(pattern=CURRENCY_PATTERN, max_length=3)]
StageCode = Annotated[
    str, StringConstraints(min_length=1, max_length=30, pattern=r"^[a-z][a-z0-9_]*$")
]
Percent = Annotated[int, Field(ge=0, le=100), NotABoolean]
Id = Annotated[int, Field(ge=1, le=2_147_483_647), NotABoolean]
Position = Annotated[int, Field(ge=1, le=10_000), NotABoolean]


def _cents(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError("must not be negative")
    if value > MAX_ABS_AMOUNT:
        raise ValueError(f"must be at most {MAX_ABS_AMOUNT}")
    if quantize_cents(value) != value:
        raise ValueError("has more than two decimal places")
    return quantize_cents(value)


def _quantity(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("quantity must be greater than 0")
    if value > Decimal("999999999999999"):
        raise ValueError("quantity is too large")
    if value.quantize(Decimal("0.001")) != value:
        raise ValueError("quantity has more than three decimal places")
    return value


def _discount(value: Decimal) -> Decimal:
    if not 0 <= value <= 100:
        raise ValueError("discount_percent must be between 0 and 100")
    if quantize_cents(value) != value:
        raise ValueError("discount_percent has more than two decimal places")
    return value


Amount = Annotated[ExactDecimal, AfterValidator(_cents)]
Quantity = Annotated[ExactDecimal, AfterValidator(_quantity)]
Discount = Annotated[ExactDecimal, AfterValidator(_discount)]


class DecisionRole(StrEnum):
    """A key contact's part in the decision."""

    DECISION_MAKER = "decision_maker"  # 决策者
    USER = "user"  # 使用者
    INFLUENCER = "influencer"  # 影响者
    TECHNICAL = "technical"  # 技术把关
    BUYER = "buyer"  # 采购
    OTHER = "other"


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    employee_id: Id
    role: Role = Field(description="The member's part, e.g. presales (售前), delivery.")


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contact_id: Id
    role: DecisionRole


class LineIn(BaseModel):
    """A catalogue product in the opportunity; the unit price defaults to its list price
    (then the currencies must agree)."""

    model_config = ConfigDict(extra="forbid")

    product_id: Id
    quantity: Quantity
    unit_price: Amount | None = None
    discount_percent: Discount = Decimal("0")


_CREATE_EXAMPLE: JsonDict = {
    "name": "2027年度配电运维服务",
    "amount": "1250000.00",
    "currency": "CNY",
    "expected_close_month": "2027-03",
    "stage_code": "lead",
    "source": "老客户推荐",
    "owner_id": 12,
    "next_step": "拜访设备处王处长，确认运维范围",
    "next_step_date": "2026-12-12",
    "members": [{"employee_id": 12, "role": "presales"}],
    "contacts": [{"contact_id": 7, "role": "decision_maker"}],
    "lines": [
        {"product_id": 3, "quantity": "1", "unit_price": "1250000.00", "discount_percent": "0"}
    ],
}


class OpportunityCreate(BaseModel):
    """A new opportunity on an account. ``stage_code`` defaults to the first open stage and
    ``owner_id`` to the account's owner; a probability other than the stage's default needs
    ``probability_reason``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_CREATE_EXAMPLE]})

    name: Name
    amount: Amount
    currency: Currency
    expected_close_month: Month
    stage_code: StageCode | None = None
    probability: Percent | None = None
    probability_reason: Reason | None = None
    source: Source | None = None
    owner_id: Id | None = None
    next_step: Text | None = None
    next_step_date: IsoDay | None = None
    members: list[MemberIn] = Field(default_factory=list, max_length=20)
    contacts: list[ContactIn] = Field(default_factory=list, max_length=30)
    lines: list[LineIn] = Field(default_factory=list, max_length=100)


class OpportunityUpdate(BaseModel):
    """A partial change (needs If-Match). ``members``, ``contacts`` and ``lines`` replace
    the lists when sent. The stage moves through ``/stage``, ``/win`` and ``/lose``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "amount": "1180000.00",
                    "probability": 40,
                    "probability_reason": "客户预算收紧，竞争对手报价更低",
                    "owner_id": 12,
                    "next_step": "提交修订方案",
                    "next_step_date": "2026-12-20",
                }
            ]
        },
    )

    name: Name | None = None
    amount: Amount | None = None
    currency: Currency | None = None
    expected_close_month: Month | None = None
    probability: Percent | None = None
    probability_reason: Reason | None = None
    source: Source | None = None
    owner_id: Id | None = None
    next_step: Text | None = None
    next_step_date: IsoDay | None = None
    members: list[MemberIn] | None = Field(default=None, max_length=20)
    contacts: list[ContactIn] | None = Field(default=None, max_length=30)
    lines: list[LineIn] | None = Field(default=None, max_length=100)


class StageMove(BaseModel):
    """Move an open opportunity to another open stage (forward or back). The probability
    becomes the stage's default unless one is given (with its reason)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"stage_code": "proposal", "note": "需求已确认，准备技术方案与报价"}]
        },
    )

    stage_code: StageCode
    probability: Percent | None = None
    probability_reason: Reason | None = None
    note: Text | None = None


class WinContract(BaseModel):
    """The contract a won opportunity signs: for the opportunity's amount and currency."""

    model_config = ConfigDict(extra="forbid")

    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
    title: Name | None = Field(default=None, description="Default: the opportunity's name.")
    start_date: IsoDay
    end_date: IsoDay
    signed_on: IsoDay | None = Field(default=None, description="Default: today.")


class OpportunityWin(BaseModel):
    """Win: either link a signed contract of the same account (``contract_id``) or have
    one drafted and signed now (``contract``); a prospect becomes an existing client."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"contract_id": 88, "note": "客户签字盖章，合同已回传"},
                {
                    "contract": {
                        "number": "HT-2027-0031",
                        "title": "2027年度配电运维服务合同",
                        "start_date": "2027-01-01",
                        "end_date": "2027-12-31",
                    }
                },
            ]
        },
    )

    contract_id: Id | None = None
    contract: WinContract | None = None
    note: Text | None = None


class OpportunityLose(BaseModel):
    """Lose, with the reason and, when known, the competitor that won."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reason": "价格高于中标价约8%，客户选择本地服务商", "competitor_id": 5}]
        },
    )

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    competitor_id: Id | None = None


class OpportunityReopen(BaseModel):
    """Reopen a lost opportunity into an open stage (a manager, with the reason)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"stage_code": "negotiation", "reason": "中标方放弃，客户重新议标"}]
        },
    )

    stage_code: StageCode
    reason: Reason


class MemberRead(BaseModel):
    employee_id: int
    role: str


class OpportunityContactRead(BaseModel):
    """A key contact; phone and e-mail masked for callers outside the owner's line."""

    contact_id: int
    role: DecisionRole
    name: str
    title: str | None
    phone: str | None
    email: str | None
    personal_data_masked: bool


class LineRead(BaseModel):
    product_id: int
    product_code: str
    product_name: str
    unit: str
    quantity: Decimal
    unit_price: Money
    discount_percent: Decimal
    total: Money


class OpportunityRead(BaseModel):
    """An opportunity; ``weighted_amount`` is the amount × probability, to the cent."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 21,
                    "account_id": 42,
                    "name": "2027年度配电运维服务",
                    "amount": {"amount": "1250000.00", "currency": "CNY"},
                    "weighted_amount": {"amount": "625000.00", "currency": "CNY"},
                    "expected_close_month": "2027-03",
                    "stage_code": "proposal",
                    "stage_name": "方案/报价",
                    "probability": 50,
                    "probability_reason": None,
                    "source": "老客户推荐",
                    "owner_id": 12,
                    "next_step": "提交技术方案",
                    "next_step_date": "2026-12-20",
                    "status": "open",
                    "contract_id": None,
                    "lost_reason": None,
                    "lost_to_competitor_id": None,
                    "version": 3,
                    "created_at": "2026-12-01T02:00:00Z",
                    "updated_at": "2026-12-05T02:00:00Z",
                    "closed_at": None,
                }
            ]
        }
    )

    id: int
    account_id: int
    name: str
    amount: Money
    weighted_amount: Money
    expected_close_month: Month
    stage_code: str
    stage_name: str
    probability: int
    probability_reason: str | None
    source: str | None
    owner_id: int
    next_step: str | None
    next_step_date: date | None
    status: Outcome
    contract_id: int | None
    lost_reason: str | None
    lost_to_competitor_id: int | None
    version: int
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class OpportunityDetail(OpportunityRead):
    """An opportunity with its team, key contacts and products."""

    members: list[MemberRead]
    contacts: list[OpportunityContactRead]
    lines: list[LineRead]
    lines_total: Money | None = Field(
        description="The lines' value after discounts (null without lines)."
    )


class StageChangeRead(BaseModel):
    """One entry of the stage history; ``seconds_in_stage`` is how long the opportunity
    stayed in ``to_stage_code`` (until now while it is still there and open)."""

    id: int
    from_stage_code: str | None
    to_stage_code: str
    probability: int
    owner_id: int
    actor_employee_id: int | None
    note: str | None
    changed_at: datetime
    seconds_in_stage: int


class StageHistory(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "opportunity_id": 21,
                    "changes": [],
                    "seconds_per_stage": {"lead": 86400, "qualified": 259200},
                }
            ]
        }
    )

    opportunity_id: int
    changes: list[StageChangeRead]
    seconds_per_stage: dict[str, int]


@dataclass(frozen=True)
class OpportunityQuery:
    account_id: int | None = None
    owner_ids: list[int] | None = None
    stage_codes: list[str] | None = None
    statuses: list[str] | None = None
    close_from: date | None = None
    close_to: date | None = None


class StageCreate(BaseModel):
    """A new open stage of the pipeline (won and lost exist once each)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "tender_prep",
                    "name": "投标准备",
                    "position": 35,
                    "default_probability": 60,
                }
            ]
        },
    )

    code: StageCode
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
    position: Position
    default_probability: Percent


class StageUpdate(BaseModel):
    """A partial change of a stage (needs If-Match); ``active`` false retires an open stage
    no open opportunity is in."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "方案/报价", "default_probability": 45}]},
    )

    name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)] | None
    ) = None
    position: Position | None = None
    default_probability: Percent | None = None
    active: bool | None = None


class StageRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "proposal",
                    "name": "方案/报价",
                    "position": 30,
                    "default_probability": 50,
                    "outcome": "open",
                    "active": True,
                    "version": 1,
                }
            ]
        }
    )

    code: str
    name: str
    position: int
    default_probability: int
    outcome: Outcome
    active: bool
    version: int
