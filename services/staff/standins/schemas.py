"""Request and response models of stand-ins."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.numbers import NotABoolean
from shared.periods import IsoDay

EmployeeId = Annotated[int, Field(ge=1, le=2_147_483_647), NotABoolean]


class StandInCreate(BaseModel):
    """Name a stand-in for an absent person over days of the company calendar (inclusive)."""

    model_config = ConfigDict(extra="forbid")

    absent_employee_id: EmployeeId = Field(description="The person who will be away.")
    stand_in_employee_id: EmployeeId = Field(description="The colleague who acts for them.")
    starts_on: IsoDay = Field(examples=["2026-12-14"])
    ends_on: IsoDay = Field(examples=["2026-12-18"])
    note: str | None = Field(default=None, max_length=200, examples=["年假"])

    @model_validator(mode="after")
    def _ordered(self) -> StandInCreate:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on must not be before starts_on")
        if self.absent_employee_id == self.stand_in_employee_id:
            raise ValueError("a person cannot stand in for themselves")
        return self


class StandInRead(BaseModel):
    """One stand-in."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    absent_employee_id: int
    stand_in_employee_id: int
    starts_on: date
    ends_on: date
    note: str | None
    named_by: str
    cancelled_at: datetime | None
    created_at: datetime


class MyStandIns(BaseModel):
    """The caller's stand-ins: who acts for me (now or later), and for whom I act today."""

    today: date = Field(description="Today in the company time zone.")
    named_for_me: list[StandInRead]
    standing_in_for_today: list[StandInRead]
