"""Request and response bodies of the indicator library."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_serializer,
    model_validator,
)

from services.kpi.indicators.rules import (
    BandedRule,
    Direction,
    LinearRule,
    PassFailRule,
    ScoringRule,
    parse_scoring_rule,
)

__all__ = ["Direction", "IndicatorCreate", "IndicatorKind", "IndicatorRead", "IndicatorUpdate"]

Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Unit = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]


class IndicatorKind(StrEnum):
    """Automatic indicators are pulled from the client records; manual ones are entered."""

    AUTOMATIC = "automatic"
    MANUAL = "manual"


class IndicatorSource(StrEnum):
    """Which service an automatic indicator's metric is collected from."""

    CLIENTS = "clients"
    """``POST /v1/clients/metrics/batch``: sales, collection, visits, satisfaction, churn."""
    STAFF = "staff"
    """``POST /v1/staff/qualifications/metrics/batch``: 员工任职资格达标率."""


STAFF_METRICS = frozenset({"qualification_rate"})
"""The metrics staff reports (its batch answers these fields)."""


def canonical_rule(data: dict[str, Any], direction: Direction) -> dict[str, Any]:
    """The rule checked with ``parse_scoring_rule`` and stored without its direction.

    The direction is the indicator's own and is applied whenever the rule is read, so the
    rule and its indicator cannot disagree.
    """
    try:
        rule = parse_scoring_rule(data, direction=direction)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        raise ValueError(
            f"scoring_rule is not valid: {where} {first.get('msg', '')}".strip()
        ) from exc
    return rule.model_dump(mode="json", exclude={"direction"})


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
    unit: Unit
    direction: Direction = Direction.HIGHER_IS_BETTER
    kind: IndicatorKind
    source: IndicatorSource | None = Field(
        default=None, description="Where an automatic indicator is collected from (clients)."
    )
    metric: Annotated[str | None, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,59}$")] = None
    scoring_rule: ScoringRule = Field(default_factory=LinearRule)
    description: str = Field(default="", max_length=1000)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.kind is IndicatorKind.AUTOMATIC and not self.metric:
            raise ValueError("an automatic indicator must name the metric it is computed from")
        if self.kind is IndicatorKind.MANUAL and (self.metric or self.source):
            raise ValueError("a manual indicator has no metric and no source")
        if self.kind is IndicatorKind.AUTOMATIC and self.source is None:
            self.source = IndicatorSource.CLIENTS
        if self.source is IndicatorSource.STAFF and self.metric not in STAFF_METRICS:
            raise ValueError(f"staff reports only {', '.join(sorted(STAFF_METRICS))}")
        return self

    @field_serializer("scoring_rule")
    def _stored_rule(self, rule: LinearRule | BandedRule | PassFailRule) -> dict[str, Any]:
        return canonical_rule(rule.model_dump(mode="json"), self.direction)


class IndicatorUpdate(BaseModel):
    """Changes to an indicator (send only what changes); needs ``If-Match``.

    A changed rule applies to appraisals created afterwards: appraisals keep the rule they
    were created with.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "回款率(含预收)", "scoring_rule": {"type": "linear", "cap": "110"}}
            ]
        },
    )

    name: ShortText | None = None
    unit: Unit | None = None
    direction: Direction | None = None
    scoring_rule: ScoringRule | None = None
    description: str | None = Field(default=None, max_length=1000)

    @field_serializer("scoring_rule")
    def _rule(self, rule: LinearRule | BandedRule | PassFailRule | None) -> dict[str, Any] | None:
        # Checked again against the indicator's resulting direction by the service.
        return None if rule is None else rule.model_dump(mode="json", exclude={"direction"})


class IndicatorRead(BaseModel):
    """An indicator as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    unit: str
    direction: Direction
    kind: IndicatorKind
    source: IndicatorSource | None
    metric: str | None
    scoring_rule: dict[str, Any]
    description: str
    version: int
    created_at: datetime
    updated_at: datetime
