"""Request and response bodies of bonus bases and rewards/penalties (奖惩)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.kpi.bonus.rules import AdjustmentKind, AdjustmentState
from shared.money import ExactDecimal, Money
from shared.numbers import JsonInt, NotABoolean

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=1000)]
Period = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}(-[0-9]{2}|-Q[1-4])?$")]
EmployeeId = Annotated[int, Field(ge=1, le=2_147_483_647), NotABoolean]


class MoneyIn(BaseModel):
    """An amount to the cent with its currency (the input form of ``Money``)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"amount": "500.00", "currency": "CNY"}]}
    )

    amount: ExactDecimal
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$", max_length=3)]

    @property
    def money(self) -> Money:
        return Money(amount=self.amount, currency=self.currency)

    @model_validator(mode="after")
    def _to_the_cent(self) -> Self:
        Money(amount=self.amount, currency=self.currency)  # the same rules as stored money
        return self


class BonusBaseSet(BaseModel):
    """The bonus base of a period for a position or for one person (exactly one of them)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"period": "2026-11", "position_code": "KA-KAM",
                 "amount": {"amount": "8000.00", "currency": "CNY"}},
            ]
        },
    )  # fmt: skip

    period: Period = Field(description="The cycle's period: 2026-11, 2026-Q4 or 2026.")
    position_code: str | None = Field(default=None, min_length=1, max_length=40)
    employee_id: EmployeeId | None = Field(
        default=None, json_schema_extra={"x-kam-ref": "employee"}
    )
    amount: MoneyIn

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if (self.position_code is None) == (self.employee_id is None):
            raise ValueError("give either position_code or employee_id")
        if self.amount.amount < 0:
            raise ValueError("a bonus base is not negative")
        return self


class BonusBaseRead(BaseModel):
    id: int
    period: str
    position_code: str | None
    employee_id: int | None
    amount: Money
    set_by: int | None
    created_at: datetime


class RewardPenaltyPropose(BaseModel):
    """A reward or penalty for one employee of the cycle, with the reason."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"employee_id": 12, "kind": "reward",
                 "amount": {"amount": "500.00", "currency": "CNY"},
                 "reason": "成功签约年度重点客户"},
            ]
        },
    )  # fmt: skip

    employee_id: JsonInt = Field(ge=1, json_schema_extra={"x-kam-ref": "employee"})
    kind: AdjustmentKind
    amount: MoneyIn
    reason: Reason

    @model_validator(mode="after")
    def _positive(self) -> Self:
        if self.amount.amount <= 0:
            raise ValueError("the amount of a reward or penalty is above zero")
        return self


class RewardPenaltyDecision(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"note": "同意"}]})

    note: str | None = Field(default=None, max_length=1000)


class RewardPenaltyRead(BaseModel):
    id: int
    cycle_id: int
    employee_id: int
    kind: AdjustmentKind
    amount: Money
    reason: str
    state: AdjustmentState
    proposed_by: int
    decided_by: int | None
    decision_note: str | None
    decided_at: datetime | None
    created_at: datetime
