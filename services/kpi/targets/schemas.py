"""Request and response bodies of target plans."""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.money import ExactDecimal
from shared.numbers import JsonInt

# Relative shares are stored as NUMERIC(18, 6): bounded well inside it, so a huge share is
# a 422 and not a numeric overflow in the database.
MAX_SHARE = 1_000_000_000


class PersonShare(BaseModel):
    model_config = ConfigDict(extra="forbid")

    employee_id: JsonInt = Field(ge=1, le=2_147_483_647, examples=[12])
    share: ExactDecimal = Field(ge=0, le=MAX_SHARE, examples=["1"])


class TeamShare(BaseModel):
    """A team (a department unit in staff) and its people, each with a relative share."""

    model_config = ConfigDict(extra="forbid")

    team_id: JsonInt = Field(ge=1, le=2_147_483_647, examples=[4])
    share: ExactDecimal = Field(ge=0, le=MAX_SHARE, examples=["60"])
    people: list[PersonShare] = Field(min_length=1, max_length=500)


class TargetPlanCreate(BaseModel):
    """An annual target for a department, split to teams, people and months at once."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "indicator_id": 1,
                    "year": 2026,
                    "department_id": 3,
                    "total": "12000000.00",
                    "seasonal_weights": ["6", "6", "8", "8", "8", "9",
                                         "9", "9", "9", "9", "9", "10"],
                    "note": "2026年度渠道销售计划",
                    "teams": [
                        {"team_id": 4, "share": "60", "people": [
                            {"employee_id": 12, "share": "1"}, {"employee_id": 15, "share": "1"}]},
                        {"team_id": 5, "share": "40",
                         "people": [{"employee_id": 21, "share": "1"}]},
                    ],
                }
            ]
        },
    )  # fmt: skip

    indicator_id: JsonInt = Field(ge=1)
    year: JsonInt = Field(ge=2000, le=2999)
    department_id: JsonInt = Field(ge=1)
    total: ExactDecimal
    seasonal_weights: list[ExactDecimal] | None = Field(default=None, min_length=12, max_length=12)
    note: str = Field(default="", max_length=500)
    teams: list[TeamShare] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        teams = [team.team_id for team in self.teams]
        if len(set(teams)) != len(teams):
            raise ValueError("a team appears more than once")
        people = [person.employee_id for team in self.teams for person in team.people]
        if len(set(people)) != len(people):
            raise ValueError("an employee appears more than once in the plan")
        return self


class RebalanceChange(StrEnum):
    JOIN = "join"
    LEAVE = "leave"


class TargetRebalance(BaseModel):
    """Someone joins or leaves a team from a month on; each month's team total is kept."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"team_id": 4, "employee_id": 30, "change": "join", "effective_month": 7}]
        },
    )

    team_id: JsonInt = Field(ge=1)
    employee_id: JsonInt = Field(ge=1)
    change: RebalanceChange
    effective_month: JsonInt = Field(ge=1, le=12)
    share: ExactDecimal | None = Field(
        default=None, description="A joiner's fraction of each remaining month (0–1)"
    )


class PersonTarget(BaseModel):
    employee_id: int
    amount: ExactDecimal
    months: dict[int, ExactDecimal]


class TeamTarget(BaseModel):
    team_id: int
    amount: ExactDecimal
    people: list[PersonTarget]


class TargetPlanRead(BaseModel):
    """A plan and its parts; every level adds up exactly to its parent."""

    id: int
    indicator_id: int
    year: int
    department_id: int
    total: ExactDecimal
    seasonal_weights: list[ExactDecimal] | None
    note: str
    version: int
    teams: list[TeamTarget]


class TargetPlanSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    indicator_id: int
    year: int
    department_id: int
    total: ExactDecimal
    version: int


class MonthlyTarget(BaseModel):
    """One person's target for one month of the plan."""

    employee_id: int
    month: str = Field(description="YYYY-MM", examples=["2026-03"])
    amount: ExactDecimal = Field(description="In the KPI base currency, to the cent.")


class MonthlyTargets(BaseModel):
    """The month targets of some people under one indicator's plans of a year."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "indicator": "sales_amount",
                    "year": 2026,
                    "items": [{"employee_id": 12, "month": "2026-03", "amount": "250000.00"}],
                }
            ]
        }
    )

    indicator: str
    year: int
    items: list[MonthlyTarget]
