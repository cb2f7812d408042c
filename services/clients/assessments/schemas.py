"""Bodies of the assessments API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.clients.accounts.schemas import EmployeeId
from shared.money import ExactDecimal
from shared.periods import IsoDay

Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
NeedText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Score = Annotated[ExactDecimal, Field(ge=0, le=5, decimal_places=1)]
Weight = Annotated[ExactDecimal, Field(ge=0, le=1000, decimal_places=2)]


class AssessmentKind(StrEnum):
    """需求分析 (needs) or 关系评估 (relationship)."""

    NEEDS = "needs"
    RELATIONSHIP = "relationship"


class NeedPriority(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Dimension(BaseModel):
    """One scored dimension: a score 0–5 (one decimal) and an optional relative weight."""

    model_config = ConfigDict(extra="forbid")

    code: Code
    label: Label
    score: Score
    weight: Weight | None = None


class Need(BaseModel):
    """One recorded need of the client."""

    model_config = ConfigDict(extra="forbid")

    text: NeedText
    priority: NeedPriority = NeedPriority.MEDIUM


class AssessmentCreate(BaseModel):
    """A dated assessment of an account."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "relationship",
                    "assessed_on": "2026-11-20",
                    "dimensions": [
                        {"code": "trust", "label": "信任度", "score": "4.5", "weight": "2"},
                        {"code": "access", "label": "高层接触", "score": "3", "weight": "1"},
                    ],
                    "summary": "高层关系稳固，采购部门接触不足",
                },
                {
                    "kind": "needs",
                    "assessed_on": "2026-11-20",
                    "dimensions": [{"code": "urgency", "label": "紧迫程度", "score": 4}],
                    "needs": [{"text": "二期扩容，明年一季度招标", "priority": "high"}],
                },
            ]
        },
    )

    kind: AssessmentKind
    assessed_on: IsoDay | None = Field(default=None, description="Default: today.")
    assessed_by: EmployeeId | None = Field(default=None, description="Default: the caller.")
    dimensions: list[Dimension] = Field(default_factory=list, max_length=30)
    needs: list[Need] = Field(default_factory=list, max_length=50)
    summary: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] = ""

    @model_validator(mode="after")
    def _consistent(self) -> AssessmentCreate:
        codes = [d.code for d in self.dimensions]
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            raise ValueError(f"dimension codes repeat: {', '.join(repeated)}")
        if self.kind is AssessmentKind.RELATIONSHIP and self.needs:
            raise ValueError("needs are recorded in a needs assessment, not a relationship one")
        if self.kind is AssessmentKind.RELATIONSHIP and not self.dimensions:
            raise ValueError("a relationship assessment scores at least one dimension")
        if self.kind is AssessmentKind.NEEDS and not (self.needs or self.dimensions):
            raise ValueError("a needs assessment records at least one need or dimension")
        if self.dimensions and all(d.weight == 0 for d in self.dimensions):
            raise ValueError("at least one dimension needs a weight above 0")
        return self


class AssessmentRead(BaseModel):
    """An assessment; ``overall_score`` is the weighted mean of its dimensions' scores."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    account_id: int
    kind: AssessmentKind
    assessed_on: date
    assessed_by: int
    dimensions: list[Dimension]
    overall_score: Decimal | None = Field(examples=["4.00"])
    needs: list[Need]
    summary: str
    version: int
    created_at: datetime
    updated_at: datetime


class AssessmentQuery(BaseModel):
    """Filters of the assessment list of an account."""

    account_id: int | None = None
    kind: str | None = None
    assessed_from: date | None = None
    assessed_to: date | None = None
