"""Request and response bodies of appraisal cycles and calibration."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.kpi.appraisals.rules import CycleState
from shared.money import ExactDecimal
from shared.numbers import JsonInt, NotABoolean
from shared.periods import AnyPeriod, PeriodKind


class CycleCreate(BaseModel):
    """A cycle over a period; creating it creates every appraisal of the population."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "2026年11月大客户部月度考核",
                    "period": "2026-11",
                    "template_ids": [1, 2],
                    "department_ids": [3],
                    "position_codes": ["KA-SPEC", "KA-KAM"],
                }
            ]
        },
    )

    name: str = Field(min_length=1, max_length=100)
    period: AnyPeriod
    template_ids: list[JsonInt] = Field(min_length=1, max_length=50)
    department_ids: list[JsonInt] | None = Field(default=None, max_length=200)
    position_codes: list[Annotated[str, StringConstraints(max_length=32)]] | None = Field(
        default=None, max_length=100
    )


class CycleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    period_kind: PeriodKind
    period: str = Field(examples=["2026-11"])
    state: CycleState
    template_ids: list[int]
    department_ids: list[int] | None
    position_codes: list[str] | None
    appraisal_count: int
    version: int
    created_at: datetime
    updated_at: datetime


class CycleTransition(BaseModel):
    """Move the cycle to the next state (open → collecting → … → closed)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"state": "collecting"}]}
    )

    state: CycleState


class GradeExcess(BaseModel):
    grade: str = Field(examples=["A"])
    count: int
    total: int
    max_count: int
    share_percent: ExactDecimal
    max_share_percent: ExactDecimal


class DepartmentCalibration(BaseModel):
    """One department's grade distribution against the target distribution."""

    department_id: int | None
    total: int
    awaiting_review: int = Field(description="Appraisals not yet through manager review")
    pending_calibration: int
    locked: int
    grades: dict[str, int] = Field(examples=[{"S": 0, "A": 1, "B": 3, "C": 1, "D": 0}])
    violations: list[GradeExcess]


class CalibrationOverview(BaseModel):
    cycle_id: int
    target_max_share: dict[str, ExactDecimal] = Field(examples=[{"S": "10", "A": "20"}])
    departments: list[DepartmentCalibration]


class CalibrationLock(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"department_id": 3}]}
    )

    department_id: Annotated[int, Field(ge=1), NotABoolean] | None


class CalibrationLocked(BaseModel):
    department_id: int | None
    locked: int = Field(examples=[12])
