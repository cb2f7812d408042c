"""Bodies of the grading API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.clients.accounts.rules import Grade, GradeSource
from shared.money import Money
from shared.periods import IsoDay

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class GradeOverrideSet(BaseModel):
    """A manual grade with its reason and, optionally, the day it stops applying."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "grade": "A",
                    "reason": "集团战略客户，年度框架协议在谈",
                    "expires_on": "2027-06-30",
                }
            ]
        },
    )

    grade: Grade
    reason: Reason
    expires_on: IsoDay | None = Field(
        default=None, description="From this day on the computed grade applies again."
    )


class GradeRead(BaseModel):
    """An account's grade in force and where it comes from."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "account_id": 42,
                    "grade": "A",
                    "source": "override",
                    "computed_grade": "B",
                    "override_reason": "集团战略客户",
                    "override_expires_on": "2027-06-30",
                    "contract_value_12m": {"amount": "1800000.00", "currency": "CNY"},
                    "changed": True,
                }
            ]
        }
    )

    account_id: int
    grade: Grade
    source: GradeSource
    computed_grade: Grade
    override_reason: str | None
    override_expires_on: date | None
    contract_value_12m: Money
    oldest_days_overdue: int | None = Field(
        default=None,
        description="Days overdue of the oldest open receivable line (payment behaviour: "
        "more than grade_cap_overdue_days caps the computed grade at B); null when none.",
    )
    changed: bool = Field(description="Whether this call changed the grade or its source.")


class GradeChangeRead(BaseModel):
    """One entry of the grade history."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    account_id: int
    previous_grade: Grade | None
    grade: Grade
    source: GradeSource
    computed_grade: Grade
    contract_value: Decimal = Field(examples=["1800000.00"])
    currency: str = Field(examples=["CNY"])
    reason: str | None = Field(examples=["集团战略客户"])
    override_expires_on: date | None
    actor_employee_id: int | None
    changed_at: datetime


class BulkRegradeResult(BaseModel):
    """What a bulk recomputation did."""

    evaluated: int = Field(examples=[300])
    changed: int = Field(examples=[12])
