"""Appraisals, their items, snapshots of actuals and the decision log."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, Numeric, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.kpi.db import KpiTable
from shared.columns import created_at_column, updated_at_column


def _fk(target: str, *, cascade: bool = False, nullable: bool = False) -> Column[int]:
    return Column(
        Integer,
        ForeignKey(target, ondelete="CASCADE" if cascade else None),
        nullable=nullable,
        index=True,
    )


def _numeric(precision: int, scale: int) -> Column[Decimal]:
    return Column(Numeric(precision, scale), nullable=True)


class Appraisal(KpiTable, table=True):
    """One employee's appraisal in a cycle; org facts are copied at creation for roll-ups."""

    __tablename__ = "appraisals"
    __table_args__ = (UniqueConstraint("cycle_id", "employee_id"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(sa_column=_fk("kpi.appraisal_cycles.id", cascade=True))
    employee_id: int = Field(index=True)
    template_id: int = Field(sa_column=_fk("kpi.appraisal_templates.id"))
    department_id: int | None = Field(default=None, index=True)
    manager_id: int | None = None
    position_code: str | None = Field(default=None, max_length=40)
    state: str = Field(max_length=20, default="pending_self", index=True)
    self_comment: str | None = Field(default=None, max_length=2000)
    manager_comment: str | None = Field(default=None, max_length=2000)
    score: Decimal | None = Field(default=None, sa_column=_numeric(6, 2))
    grade: str | None = Field(default=None, max_length=10)
    final_score: Decimal | None = Field(default=None, sa_column=_numeric(6, 2))
    final_grade: str | None = Field(default=None, max_length=10)
    calibration_reason: str | None = Field(default=None, max_length=1000)
    appeal_reason: str | None = Field(default=None, max_length=2000)
    appeal_resolution: str | None = Field(default=None, max_length=2000)
    version: int = Field(default=1)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())


class AppraisalItem(KpiTable, table=True):
    """A line of the appraisal sheet, copied from the frozen template version.

    The indicator's scoring rule (with its direction) is copied too, so a closed appraisal
    is recomputed with the rule it was scored with even if the library changes later.
    """

    __tablename__ = "appraisal_items"
    __table_args__ = (UniqueConstraint("appraisal_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    appraisal_id: int = Field(sa_column=_fk("kpi.appraisals.id", cascade=True))
    template_item_id: int
    position: int
    key: str = Field(max_length=40)
    title: str = Field(max_length=100)
    kind: str = Field(max_length=20)
    indicator_id: int | None = None
    weight: Decimal = Field(sa_column=Column(Numeric(5, 2), nullable=False))
    target: Decimal | None = Field(default=None, sa_column=_numeric(18, 2))
    scoring_rule: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    rating_scale: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    actual: Decimal | None = Field(default=None, sa_column=_numeric(18, 4))
    self_rating: Decimal | None = Field(default=None, sa_column=_numeric(8, 2))
    self_comment: str | None = Field(default=None, max_length=1000)
    manager_rating: Decimal | None = Field(default=None, sa_column=_numeric(8, 2))
    adjusted_score: Decimal | None = Field(default=None, sa_column=_numeric(6, 2))
    adjustment_reason: str | None = Field(default=None, max_length=1000)
    score: Decimal | None = Field(default=None, sa_column=_numeric(6, 2))


class ActualSnapshot(KpiTable, table=True):
    """An actual value as recorded: where it came from, when, and by whom."""

    __tablename__ = "actual_snapshots"

    id: int | None = Field(default=None, primary_key=True)
    appraisal_item_id: int = Field(sa_column=_fk("kpi.appraisal_items.id", cascade=True))
    value: Decimal = Field(sa_column=Column(Numeric(18, 4), nullable=False))
    source: str = Field(max_length=20)
    recorded_by: int | None = None
    note: str = Field(default="", max_length=500)
    recorded_at: datetime | None = Field(default=None, sa_column=created_at_column())


class AppraisalEvent(KpiTable, table=True):
    """One decision on an appraisal (review, adjustment, calibration, appeal) and its reason."""

    __tablename__ = "appraisal_events"

    id: int | None = Field(default=None, primary_key=True)
    appraisal_id: int = Field(sa_column=_fk("kpi.appraisals.id", cascade=True))
    action: str = Field(max_length=40)
    from_state: str | None = Field(default=None, max_length=20)
    to_state: str | None = Field(default=None, max_length=20)
    actor_employee_id: int | None = None
    detail: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default="{}")
    )
    at: datetime | None = Field(default=None, sa_column=created_at_column())
