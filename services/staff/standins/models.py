"""Stand-ins (代理): who acts for an absent colleague, over which days of the company calendar."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, DateTime, Index
from sqlmodel import Field

from services.staff.db import StaffTable
from shared.columns import created_at_column, updated_at_column


class StandIn(StaffTable, table=True):
    """``stand_in_employee_id`` acts for ``absent_employee_id`` from ``starts_on`` to
    ``ends_on`` (both included, company time zone) unless cancelled."""

    __tablename__ = "stand_ins"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="range_ordered"),
        CheckConstraint("absent_employee_id <> stand_in_employee_id", name="not_oneself"),
        Index("ix_stand_ins_absent_dates", "absent_employee_id", "starts_on", "ends_on"),
        Index("ix_stand_ins_stand_in_dates", "stand_in_employee_id", "starts_on", "ends_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    absent_employee_id: int = Field(foreign_key="staff.employees.id")
    stand_in_employee_id: int = Field(foreign_key="staff.employees.id")
    starts_on: date
    ends_on: date
    note: str | None = Field(default=None, max_length=200)
    named_by: str = Field(max_length=64)
    cancelled_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    version: int = Field(default=1)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())
