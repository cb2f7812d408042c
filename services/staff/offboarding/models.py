"""Departures (离职) and the account handovers each one asks the clients service for."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, DateTime, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.staff.db import StaffTable
from shared.columns import created_at_column, updated_at_column


class DepartureStatus(StrEnum):
    """pending until every handover is confirmed; failed when the clients service refused one."""

    PENDING = "pending"
    COMPLETED = "completed"
    FAILED = "failed"


class HandoverStatus(StrEnum):
    """``waiting``: the catch-all handover, sent once the per-group ones are confirmed."""

    WAITING = "waiting"
    PENDING = "pending"
    COMPLETED = "completed"
    FAILED = "failed"


class Departure(StaffTable, table=True):
    """One employee's departure; an employee departs once."""

    __tablename__ = "departures"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'completed', 'failed')", name="status_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    employee_id: int = Field(foreign_key="staff.employees.id", unique=True)
    departure_date: date
    status: str = Field(default=DepartureStatus.PENDING.value, max_length=16, index=True)
    failure_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    requested_by_employee_id: int | None = None
    completed_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())


class DepartureHandover(StaffTable, table=True):
    """One handover request: accounts (all, or the listed ones) to one successor.

    Its id is the ``handover_id`` the clients service deduplicates on.
    """

    __tablename__ = "departure_handovers"
    __table_args__ = (
        CheckConstraint(
            "status IN ('waiting', 'pending', 'completed', 'failed')", name="status_known"
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    departure_id: int = Field(foreign_key="staff.departures.id", index=True)
    sequence: int = Field(ge=1)
    successor_employee_id: int = Field(foreign_key="staff.employees.id", index=True)
    account_ids: list[int] | None = Field(default=None, sa_column=Column(JSONB, nullable=True))
    status: str = Field(default=HandoverStatus.PENDING.value, max_length=16)
    accounts: int | None = None
    open_tickets: int | None = None
    planned_visits: int | None = None
    collection_tasks: int | None = None
    failure_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    completed_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
