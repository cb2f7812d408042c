"""Request and response bodies of appraisals and their review flow."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.kpi.appraisals.rules import AppraisalState
from shared.money import ExactDecimal
from shared.numbers import JsonInt

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=1000)]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class ActualSource(StrEnum):
    """Where an actual value came from."""

    MANUAL = "manual"
    MANUAL_OVERRIDE = "manual_override"
    """A reviewer's value replacing a collected one; collection leaves it in place."""
    CLIENTS_METRICS = "clients_metrics"
    STAFF_QUALIFICATIONS = "staff_qualifications"


class AppraisalItemRead(BaseModel):
    """A line of the sheet with everything that explains its score."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    title: str
    kind: str
    indicator_id: int | None
    weight: ExactDecimal
    target: ExactDecimal | None
    scoring_rule: dict[str, Any] | None
    rating_scale: dict[str, Any] | None
    actual: ExactDecimal | None
    actual_source: ActualSource | None = None
    actual_recorded_at: datetime | None = None
    self_rating: ExactDecimal | None
    self_comment: str | None
    manager_rating: ExactDecimal | None
    adjusted_score: ExactDecimal | None
    adjustment_reason: str | None
    score: ExactDecimal | None


class AppraisalSummary(BaseModel):
    """An appraisal in a list."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    cycle_id: int
    employee_id: int
    template_id: int
    department_id: int | None
    manager_id: int | None
    position_code: str | None
    state: AppraisalState
    score: ExactDecimal | None
    grade: str | None
    final_score: ExactDecimal | None
    final_grade: str | None
    version: int
    cycle_name: str | None = Field(default=None, examples=["2026年11月月度考核"])
    employee_name: str | None = Field(
        default=None, description="From the org copy (null while it does not know him)."
    )


class AppraisalRead(AppraisalSummary):
    """An appraisal with its sheet."""

    self_comment: str | None
    manager_comment: str | None
    calibration_reason: str | None
    appeal_reason: str | None
    appeal_resolution: str | None
    items: list[AppraisalItemRead] = Field(default_factory=list)


class ActualEntry(BaseModel):
    """A value typed in by a reviewer (kept as a snapshot with its time and author).

    Only the appraised person's manager or the appraisal administrator enters actuals. On
    an automatic indicator the entry overrides the collected value and needs a ``reason``;
    the override is written to the KPI audit log with the value before and after.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"value": "92.5", "note": "财务月报口径"},
                {"value": "88", "reason": "月末到账款项未进入客户档案,按财务确认数修正"},
            ]
        },
    )

    value: ExactDecimal
    note: str = Field(default="", max_length=500)
    reason: str | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description="Why a collected (automatic) value is overridden; required there.",
    )


class ActualSnapshotRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    value: ExactDecimal
    source: ActualSource
    recorded_by: int | None
    note: str
    recorded_at: datetime


class SelfRating(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_id: JsonInt = Field(ge=1)
    rating: ExactDecimal | None = None
    comment: Comment | None = None


class SelfAssessment(BaseModel):
    """The employee's own comments and ratings (自评)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "comment": "本月完成拜访计划,回款略低于目标。",
                    "ratings": [{"item_id": 3, "rating": "4", "comment": "积极配合团队"}],
                }
            ]
        },
    )

    comment: Comment = ""
    ratings: list[SelfRating] = Field(default_factory=list, max_length=50)


class ManagerRating(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_id: JsonInt = Field(ge=1)
    rating: ExactDecimal


class ScoreAdjustment(BaseModel):
    """A manager's override of an indicator item's score, with the reason."""

    model_config = ConfigDict(extra="forbid")

    item_id: JsonInt = Field(ge=1)
    score: ExactDecimal = Field(description="0–200")
    reason: Reason


class ManagerReview(BaseModel):
    """The manager's ratings, comments and adjustments (上级评价)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "comment": "工作认真,回款需加强跟进。",
                    "ratings": [{"item_id": 3, "rating": "4"}],
                    "adjustments": [
                        {"item_id": 2, "score": "90", "reason": "大额回款次月1日到账,酌情调整"}
                    ],
                }
            ]
        },
    )

    comment: Comment = ""
    ratings: list[ManagerRating] = Field(default_factory=list, max_length=50)
    adjustments: list[ScoreAdjustment] = Field(default_factory=list, max_length=50)


class CalibrationAdjustment(BaseModel):
    """The appraisal administrator changes the final score and/or grade, with the reason."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"grade": "B", "band_override": True, "reason": "部门A等比例超过20%,按排名调整"}
            ]
        },
    )

    final_score: ExactDecimal | None = None
    grade: str | None = Field(default=None, min_length=1, max_length=10)
    band_override: bool = Field(
        default=False,
        description="Required to give a grade outside the final score's band (audited).",
    )
    reason: Reason


class AppealLodge(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "回款数据未计入12月31日到账款项"}]},
    )

    reason: Reason


class AppealResolution(BaseModel):
    """The outcome of an appeal; a changed result needs a new score or grade."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"resolution": "核实后补录回款,等级调整为A", "grade": "A"}]
        },
    )

    resolution: Reason
    final_score: ExactDecimal | None = None
    grade: str | None = Field(default=None, min_length=1, max_length=10)
    band_override: bool = Field(
        default=False,
        description="Required to give a grade outside the final score's band (audited).",
    )
    distribution_exception: Reason | None = Field(
        default=None,
        description=(
            "Why a changed grade may exceed the department's target distribution; without "
            "it such a change is refused (409). Recorded in the audit log."
        ),
    )


class AppraisalEventRead(BaseModel):
    """One decision in the appraisal's history."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    action: str
    from_state: str | None
    to_state: str | None
    actor_employee_id: int | None
    detail: dict[str, Any]
    at: datetime
