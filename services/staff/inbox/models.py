"""Work items: what asks a person to act, posted by our services, one row per source key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, DateTime, Index, UniqueConstraint
from sqlmodel import Field

from services.staff.db import StaffTable
from shared.columns import created_at_column, updated_at_column


class WorkItem(StaffTable, table=True):
    """One item of a person's inbox.

    ``(source_service, source_key)`` is unique: the sender's outbox may deliver a post twice,
    the inbox keeps one item. The sender closes it by the same key when the work is done.
    """

    __tablename__ = "work_items"
    __table_args__ = (
        UniqueConstraint("source_service", "source_key"),
        CheckConstraint("state IN ('open', 'done', 'snoozed', 'dismissed')", name="state_known"),
        CheckConstraint("severity IN ('info', 'normal', 'urgent')", name="severity_known"),
        CheckConstraint(
            "(state = 'snoozed') = (snoozed_until IS NOT NULL)", name="snoozed_has_until"
        ),
        Index("ix_work_items_person_state_due", "employee_id", "state", "due_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source_service: str = Field(max_length=32)
    source_key: str = Field(max_length=100)
    employee_id: int = Field(foreign_key="staff.employees.id")
    kind: str = Field(max_length=40)
    title: str = Field(max_length=200)
    due_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    account_id: int | None = None
    team_department_id: int | None = Field(default=None, foreign_key="staff.departments.id")
    account_name: str | None = Field(default=None, max_length=200)
    record_path: str = Field(max_length=300)
    severity: str = Field(default="normal", max_length=16)
    state: str = Field(default="open", max_length=16)
    snoozed_until: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    closed_by_source_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())
