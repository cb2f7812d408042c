"""Appraisal templates (考核表), one row per version, and their items."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, DateTime, ForeignKey, Integer, Numeric, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.kpi.db import KpiTable
from shared.columns import created_at_column, updated_at_column


class AppraisalTemplate(KpiTable, table=True):
    """One version of a template; a published version is frozen (cycles point at it)."""

    __tablename__ = "appraisal_templates"
    __table_args__ = (UniqueConstraint("code", "template_version"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, index=True)
    name: str = Field(max_length=100)
    position_code: str = Field(max_length=40, index=True)
    period_kind: str = Field(max_length=10)
    template_version: int = Field(default=1)
    status: str = Field(max_length=20, default="draft")
    description: str = Field(default="", max_length=1000)
    version: int = Field(default=1)
    published_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())


class TemplateItem(KpiTable, table=True):
    """An indicator item (weight, target) or a qualitative item (weight, rating scale).

    ``duty_importance``/``duty_statement`` reference the position description's duty in
    staff (考核重点) that the item appraises.
    """

    __tablename__ = "template_items"
    __table_args__ = (UniqueConstraint("template_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    template_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("kpi.appraisal_templates.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    position: int
    section: str = Field(max_length=100)
    key: str = Field(max_length=40)
    title: str = Field(max_length=100)
    kind: str = Field(max_length=20)
    indicator_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("kpi.indicators.id"), nullable=True, index=True),
    )
    weight: Decimal = Field(sa_column=Column(Numeric(5, 2), nullable=False))
    target_mode: str = Field(max_length=20)
    target: Decimal | None = Field(default=None, sa_column=Column(Numeric(18, 2), nullable=True))
    rating_scale: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSONB, nullable=True)
    )
    duty_importance: int | None = None
    duty_statement: str | None = Field(default=None, max_length=200)
