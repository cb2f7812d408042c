"""Appraisal cycles (考核周期)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.kpi.db import KpiTable
from shared.columns import created_at_column, updated_at_column


class AppraisalCycle(KpiTable, table=True):
    """A month, quarter or year of appraisals; its population is frozen at creation."""

    __tablename__ = "appraisal_cycles"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    period_kind: str = Field(max_length=10, index=True)
    period: str = Field(max_length=7, index=True)
    state: str = Field(max_length=20, default="open")
    template_ids: list[int] = Field(default_factory=list, sa_column=Column(JSONB, nullable=False))
    department_ids: list[int] | None = Field(default=None, sa_column=Column(JSONB))
    position_codes: list[str] | None = Field(default=None, sa_column=Column(JSONB))
    appraisal_count: int = Field(default=0)
    version: int = Field(default=1)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())
