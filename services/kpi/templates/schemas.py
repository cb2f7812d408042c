"""Request and response bodies of appraisal templates."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.kpi.templates.rules import RatingScale, validate_weights
from shared.money import ExactDecimal
from shared.numbers import JsonInt, NotABoolean
from shared.periods import PeriodKind

Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
TemplateCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9-]{1,39}$")]


class ItemKind(StrEnum):
    INDICATOR = "indicator"
    QUALITATIVE = "qualitative"


class TargetMode(StrEnum):
    """Where an indicator item's target comes from; qualitative items have none."""

    ABSOLUTE = "absolute"
    DECOMPOSITION = "decomposition"
    NONE = "none"


class TemplateStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class DutyRef(BaseModel):
    """The position description's duty an item appraises (by importance and statement)."""

    model_config = ConfigDict(extra="forbid")

    importance: JsonInt = Field(ge=1, le=50, examples=[1])
    statement: str = Field(min_length=1, max_length=200, examples=["协助执行拜访和联络计划"])


class TemplateItemIn(BaseModel):
    """One item of a template."""

    model_config = ConfigDict(extra="forbid")

    key: Key
    title: Title
    kind: ItemKind
    weight: ExactDecimal
    indicator_id: Annotated[int, Field(ge=1), NotABoolean] | None = None
    target_mode: TargetMode = TargetMode.NONE
    target: ExactDecimal | None = None
    rating_scale: RatingScale | None = None
    duty: DutyRef | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.kind is ItemKind.INDICATOR:
            if self.indicator_id is None:
                raise ValueError(f"item {self.key}: an indicator item names its indicator_id")
            if self.target_mode is TargetMode.NONE:
                raise ValueError(f"item {self.key}: target_mode is absolute or decomposition")
            if (self.target_mode is TargetMode.ABSOLUTE) != (self.target is not None):
                raise ValueError(
                    f"item {self.key}: an absolute target needs target; "
                    "a target from decomposition must not give one"
                )
            if self.rating_scale is not None:
                raise ValueError(f"item {self.key}: an indicator item has no rating scale")
        else:
            if self.indicator_id is not None or self.target is not None:
                raise ValueError(f"item {self.key}: a qualitative item has no indicator or target")
            if self.target_mode is not TargetMode.NONE:
                raise ValueError(f"item {self.key}: a qualitative item's target_mode is none")
            if self.rating_scale is None:
                self.rating_scale = RatingScale()
        if self.target is not None and self.target < 0:
            raise ValueError(f"item {self.key}: target must not be negative")
        if self.target is not None and self.target != self.target.quantize(Decimal("0.01")):
            raise ValueError(f"item {self.key}: target has at most two decimal places")
        if self.weight != self.weight.quantize(Decimal("0.01")):
            raise ValueError(f"item {self.key}: weight has at most two decimal places")
        return self


class SectionIn(BaseModel):
    """A section of the sheet, e.g. 业绩指标 or 工作态度."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    items: list[TemplateItemIn] = Field(min_length=1, max_length=50)


class TemplateContent(BaseModel):
    """What an edit replaces: name, description, sections. Weights total exactly 100."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "客户专员月度考核表",
                    "description": "大客户专员每月考核",
                    "sections": [
                        {
                            "title": "业绩指标",
                            "items": [
                                {
                                    "key": "visits", "title": "拜访计划完成率",
                                    "kind": "indicator", "indicator_id": 5, "weight": "40",
                                    "target_mode": "absolute", "target": "100",
                                    "duty": {"importance": 1, "statement": "协助执行拜访和联络计划"},  # noqa: E501
                                },
                                {
                                    "key": "collection", "title": "回款率", "kind": "indicator",
                                    "indicator_id": 2, "weight": "40",
                                    "target_mode": "absolute", "target": "95",
                                },
                            ],
                        },
                        {
                            "title": "工作态度",
                            "items": [
                                {
                                    "key": "attitude", "title": "工作态度与协作",
                                    "kind": "qualitative", "weight": "20",
                                    "rating_scale": {"minimum": "1", "maximum": "5", "step": "1"},
                                }
                            ],
                        },
                    ],
                }
            ]
        },
    )  # fmt: skip

    name: Title
    description: str = Field(default="", max_length=1000)
    sections: list[SectionIn] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _weights_total_100(self) -> Self:
        weights: dict[str, Decimal] = {}
        for section in self.sections:
            for item in section.items:
                if item.key in weights:
                    raise ValueError(f"item key {item.key} appears more than once")
                weights[item.key] = item.weight
        validate_weights(weights)
        return self

    def items(self) -> list[tuple[str, TemplateItemIn]]:
        """Every item with its section title, in sheet order."""
        return [(section.title, item) for section in self.sections for item in section.items]


class TemplateCreate(TemplateContent):
    """A new template (version 1, draft) for a position."""

    model_config = ConfigDict(extra="forbid")

    code: TemplateCode = Field(examples=["KA-SPEC-MONTHLY"])
    position_code: str = Field(min_length=1, max_length=40, examples=["KA-SPEC"])
    period_kind: PeriodKind = Field(examples=["month"])


class TemplateItemRead(BaseModel):
    """An item as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    title: str
    kind: ItemKind
    weight: ExactDecimal
    indicator_id: int | None
    target_mode: TargetMode
    target: ExactDecimal | None
    rating_scale: RatingScale | None
    duty: DutyRef | None = None


class SectionRead(BaseModel):
    title: str
    items: list[TemplateItemRead]


class TemplateRead(BaseModel):
    """A template version with its sections."""

    id: int
    code: str
    name: str
    position_code: str
    period_kind: PeriodKind
    template_version: int
    status: TemplateStatus
    description: str
    version: int
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
    sections: list[SectionRead]


class TemplateSummary(BaseModel):
    """A template version in a list (without its items)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    position_code: str
    period_kind: PeriodKind
    template_version: int
    status: TemplateStatus
    version: int
    published_at: datetime | None
