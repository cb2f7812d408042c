"""The indicator library (指标库)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.kpi.db import KpiTable
from shared.columns import created_at_column, updated_at_column


class Indicator(KpiTable, table=True):
    """One measurable indicator; automatic ones name the client-records metric they use."""

    __tablename__ = "indicators"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=100)
    unit: str = Field(max_length=20)
    direction: str = Field(max_length=20)
    kind: str = Field(max_length=20)
    source: str | None = Field(default=None, max_length=20)
    """Where an automatic indicator is collected from: ``clients`` or ``staff``."""
    metric: str | None = Field(default=None, max_length=60)
    scoring_rule: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default="{}")
    )
    description: str = Field(default="", max_length=1000)
    version: int = Field(default=1)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())
