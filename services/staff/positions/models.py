"""Position descriptions (职位说明书): a position and its versions.

A position is its stable code; everything the description says lives on a version, which
moves draft → in_review → approved → retired. Partial unique indexes keep exactly one
approved version in force and at most one open (draft or in review) version per position.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.staff.db import StaffTable
from shared.columns import created_at_column, updated_at_column


class VersionStatus(StrEnum):
    """Lifecycle of a position description version."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    RETIRED = "retired"


OPEN_STATUSES = (VersionStatus.DRAFT, VersionStatus.IN_REVIEW)


def _jsonb(default: str) -> Column[Any]:
    return Column(JSONB, nullable=False, server_default=default)


class Position(StaffTable, table=True):
    """A position (职位) by its code; its descriptions are the versions."""

    __tablename__ = "positions"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())


class PositionVersion(StaffTable, table=True):
    """One version of a position description; JSONB lists are validated by the schemas."""

    __tablename__ = "position_versions"
    __table_args__ = (
        UniqueConstraint("position_id", "version_no"),
        CheckConstraint(
            "status IN ('draft', 'in_review', 'approved', 'retired')", name="status_known"
        ),
        Index(
            "uq_position_versions_one_approved",
            "position_id",
            unique=True,
            postgresql_where=text("status = 'approved'"),
        ),
        Index(
            "uq_position_versions_one_open",
            "position_id",
            unique=True,
            postgresql_where=text("status IN ('draft', 'in_review')"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    position_id: int = Field(foreign_key="staff.positions.id", index=True)
    version_no: int = Field(ge=1)
    status: str = Field(default=VersionStatus.DRAFT.value, max_length=16)
    title: str = Field(max_length=100)
    department_id: int = Field(foreign_key="staff.departments.id", index=True)
    reports_to_code: str | None = Field(
        default=None, max_length=32, foreign_key="staff.positions.code", index=True
    )
    level: str | None = Field(default=None, max_length=16)
    purpose: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    headcount_quota: int = Field(default=0, ge=0)
    duties: list[dict[str, Any]] = Field(default_factory=list, sa_column=_jsonb("[]"))
    authorities: dict[str, Any] = Field(default_factory=dict, sa_column=_jsonb("{}"))
    collaboration: dict[str, Any] = Field(default_factory=dict, sa_column=_jsonb("{}"))
    qualifications: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSONB, nullable=True)
    )
    training: dict[str, Any] = Field(default_factory=dict, sa_column=_jsonb("{}"))
    basis_documents: list[str] = Field(default_factory=list, sa_column=_jsonb("[]"))
    authoring: dict[str, Any] = Field(default_factory=dict, sa_column=_jsonb("{}"))
    approver_code: str | None = Field(default=None, max_length=32)
    work_location: str | None = Field(default=None, max_length=100)
    job_category: str | None = Field(default=None, max_length=50)
    job_family: str | None = Field(default=None, max_length=50)
    established_on: date | None = None
    peer_codes: list[str] = Field(default_factory=list, sa_column=_jsonb("[]"))
    created_by_employee_id: int | None = None
    submitted_by_employee_id: int | None = None
    approved_by_employee_id: int | None = None
    created_by: str | None = Field(default=None, max_length=100)
    submitted_by: str | None = Field(default=None, max_length=100)
    approved_by: str | None = Field(default=None, max_length=100)
    submitted_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    approved_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    retired_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    version: int = Field(default=1)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())


class PositionAcknowledgement(StaffTable, table=True):
    """本人已阅: an employee has read the approved version of his position's description.

    Tied to the version, so a newly approved version needs a new acknowledgement.
    """

    __tablename__ = "acknowledgements"
    __table_args__ = (UniqueConstraint("employee_id", "position_version_id"),)

    id: int | None = Field(default=None, primary_key=True)
    employee_id: int = Field(foreign_key="staff.employees.id", index=True)
    position_version_id: int = Field(foreign_key="staff.position_versions.id", index=True)
    acknowledged_at: datetime | None = Field(default=None, sa_column=created_at_column())
