"""Request and response bodies of the indicator library."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


class IndicatorKind(StrEnum):
    """Automatic indicators are pulled from the client records; manual ones are entered."""

    AUTOMATIC = "automatic"
    MANUAL = "manual"


class IndicatorCreate(BaseModel):
    """A new indicator in the library."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "collection_rate",
                    "name": "回款率",
                    "unit": "%",
                    "direction": "higher_is_better",
                    "kind": "automatic",
                    "metric": "collection_rate",
                    "scoring_rule": {"type": "linear", "floor_percent": "60", "cap": "120"},
                    "description": "当期实收回款 / 当期应收款",
                }
            ]
        },
    )

    code: Code
    name: ShortText
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    direction: Direction = Direction.HIGHER_IS_BETTER
    kind: IndicatorKind
    metric: Annotated[str | None, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,59}$")] = None
    scoring_rule: dict[str, Any] = Field(default_factory=dict)
    description: str = Field(default="", max_length=1000)

    @model_validator(mode="after")
    def _automatic_needs_metric(self) -> Self:
        if self.kind is IndicatorKind.AUTOMATIC and not self.metric:
            raise ValueError("an automatic indicator must name the metric it is computed from")
        if self.kind is IndicatorKind.MANUAL and self.metric:
            raise ValueError("a manual indicator has no metric")
        return self


class IndicatorRead(BaseModel):
    """An indicator as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    unit: str
    direction: Direction
    kind: IndicatorKind
    metric: str | None
    scoring_rule: dict[str, Any]
    description: str
    version: int
    created_at: datetime
    updated_at: datetime
