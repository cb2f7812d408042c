"""Bonus bases (奖金基数) and reward/penalty records (奖惩) of a cycle."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    text,
)
from sqlmodel import Field

from services.kpi.db import KpiTable
from shared.columns import created_at_column


class BonusBase(KpiTable, table=True):
    """The bonus base of one period for a position, or for one person (which wins)."""

    __tablename__ = "bonus_bases"
    __table_args__ = (
        CheckConstraint(
            "(position_code IS NULL) <> (employee_id IS NULL)", name="position_xor_employee"
        ),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        Index(
            "uq_bonus_bases_period_position", "period", "position_code", unique=True,
            postgresql_where=text("position_code IS NOT NULL"),
        ),
        Index(
            "uq_bonus_bases_period_employee", "period", "employee_id", unique=True,
            postgresql_where=text("employee_id IS NOT NULL"),
        ),
    )  # fmt: skip

    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(max_length=7)
    position_code: str | None = Field(default=None, max_length=40)
    employee_id: int | None = None
    amount: Decimal = Field(sa_column=Column(Numeric(18, 2), nullable=False))
    currency: str = Field(max_length=3)
    set_by: int | None = None
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())


class RewardPenalty(KpiTable, table=True):
    """A reward (奖励) or penalty (处罚) for one employee in a cycle: proposed, then decided
    by another person (four eyes); only approved ones count in the bonus."""

    __tablename__ = "rewards_penalties"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("kind IN ('reward', 'penalty')", name="kind_known"),
        CheckConstraint("decided_by IS NULL OR decided_by <> proposed_by", name="four_eyes"),
    )  # fmt: skip

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("kpi.appraisal_cycles.id", ondelete="CASCADE"), nullable=False,
            index=True,
        )
    )  # fmt: skip
    employee_id: int = Field(index=True)
    kind: str = Field(max_length=10)
    amount: Decimal = Field(sa_column=Column(Numeric(18, 2), nullable=False))
    currency: str = Field(max_length=3)
    reason: str = Field(max_length=1000)
    state: str = Field(max_length=10, default="proposed")
    proposed_by: int
    decided_by: int | None = None
    decision_note: str | None = Field(default=None, max_length=1000)
    decided_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    version: int = Field(default=1)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
