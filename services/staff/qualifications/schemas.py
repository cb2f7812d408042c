"""Response bodies of the qualification check and the qualification rate."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field


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
