"""Response bodies of the qualification check and the qualification rate."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.numbers import JsonInt


class RequirementRead(BaseModel):
    """One requirement of the position and whether the employee meets it."""

    requirement: str = Field(examples=["education_level"])
    required: Any = Field(examples=["bachelor"])
    actual: Any = Field(examples=["associate"])
    met: bool
    mandatory: bool = Field(description="Counts for 任职资格达标率 (education and years).")


class QualificationCheck(BaseModel):
    """An employee against the approved description of their position."""

    employee_id: int
    position_code: str | None
    position_version_no: int | None = Field(description="The approved version checked against.")
    assessable: bool = Field(description="False without a position with approved requirements.")
    meets_all: bool | None
    requirements: list[RequirementRead]
    missing: list[str] = Field(description="Requirements not met, mandatory or not.")


class QualificationRate(BaseModel):
    """员工任职资格达标率 of a department and everything below it."""

    department_id: int
    employees: int = Field(description="Current employees (active or on leave).")
    assessed: int = Field(description="Those whose position has approved requirements.")
    meeting_all: int
    rate_percent: Decimal | None = Field(examples=["83.33"], description="null when none assessed")
    not_meeting: list[int] = Field(description="Ids of assessed employees who miss something.")


class QualificationMetricsRequest(BaseModel):
    """The employees whose 员工任职资格达标率 an appraisal cycle needs."""

    model_config = ConfigDict(extra="forbid")

    period: str = Field(
        pattern=r"^[0-9]{4}(-[0-9]{2}|-Q[1-4])?$",
        examples=["2026-11"],
        description="Echoed: qualifications have no history, so the rate is as of now.",
    )
    employee_ids: list[JsonInt] = Field(min_length=1, max_length=1000)


class QualificationMetricsItem(BaseModel):
    employee_id: int
    department_id: int | None
    qualification_rate: Decimal | None = Field(
        examples=["83.33"],
        description="Rate (percent) of the employee's department, sub-departments included; "
        "null when nobody there is assessed or the employee has no department.",
    )


class QualificationMetrics(BaseModel):
    period: str
    items: list[QualificationMetricsItem]
