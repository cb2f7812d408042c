"""Roll-up bodies (汇总): ready for charts."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from shared.money import ExactDecimal


class GroupBy(StrEnum):
    """A department (the employee's unit in staff) or a team (a manager's direct reports)."""

    DEPARTMENT = "department"
    TEAM = "team"


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


class IndicatorAttainment(BaseModel):
    indicator_id: int = Field(examples=[2])
    items: int = Field(examples=[8])
    average_attainment_percent: ExactDecimal | None = Field(examples=["96.40"])
    average_score: ExactDecimal | None = Field(examples=["95.10"])


class GroupRollup(BaseModel):
    """One group: how many, average final score, grade distribution, indicator attainment."""

    group_id: int | None = Field(examples=[3])
    group_name: str | None = Field(
        default=None,
        description="A team's manager's name (org copy); null for departments, whose names "
        "live in staff.",
        examples=["王经理"],
    )
    appraisals: int
    scored: int
    average_score: ExactDecimal | None = Field(examples=["84.25"])
    grades: dict[str, int] = Field(examples=[{"S": 0, "A": 2, "B": 5, "C": 1, "D": 0}])
    indicators: list[IndicatorAttainment]


class CycleRollup(BaseModel):
    cycle_id: int
    period: str = Field(examples=["2026-11"])
    group_by: GroupBy
    groups: list[GroupRollup]


class TrendPoint(BaseModel):
    cycle_id: int
    period: str = Field(examples=["2026-10"])
    scored: int
    average_score: ExactDecimal | None
    grades: dict[str, int]


class Trend(BaseModel):
    """Average score and grade distribution over cycles, oldest first."""

    department_id: int | None
    period_kind: str = Field(examples=["month"])
    points: list[TrendPoint]
