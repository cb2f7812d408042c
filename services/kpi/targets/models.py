"""Target plans (目标分解): a department's annual target and its parts at every level."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, Index, Integer, Numeric, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.kpi.db import KpiTable
from shared.columns import created_at_column, updated_at_column


class TargetPlan(KpiTable, table=True):
    """One indicator's annual target for a department."""

    __tablename__ = "target_plans"
    __table_args__ = (UniqueConstraint("indicator_id", "year", "department_id"),)

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(
        sa_column=Column(Integer, ForeignKey("kpi.indicators.id"), nullable=False)
    )
    year: int
    department_id: int
    total: Decimal = Field(sa_column=Column(Numeric(18, 2), nullable=False))
    seasonal_weights: list[str] | None = Field(default=None, sa_column=Column(JSONB))
    note: str = Field(default="", max_length=500)
    version: int = Field(default=1)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())


class TargetNode(KpiTable, table=True):
    """A part of a plan: a team's, a person's (child of a team) or a month's (of a person).

    Siblings always add up exactly to their parent, to the cent.
    """

    __tablename__ = "target_nodes"
    __table_args__ = (
        Index("ix_target_nodes_employee_id_month", "employee_id", "month"),
        Index("ix_target_nodes_plan_id_level", "plan_id", "level"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("kpi.target_plans.id", ondelete="CASCADE"), nullable=False
        )
    )
    parent_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("kpi.target_nodes.id", ondelete="CASCADE"), nullable=True
        ),
    )
    level: str = Field(max_length=10)
    team_id: int
    employee_id: int | None = None
    month: int | None = None
    share: Decimal | None = Field(default=None, sa_column=Column(Numeric(18, 6), nullable=True))
    amount: Decimal = Field(sa_column=Column(Numeric(18, 2), nullable=False))
