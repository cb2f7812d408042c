"""Employees (员工): who holds which position, with what education and experience."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.staff.db import StaffTable
from shared.columns import created_at_column, updated_at_column


class Employee(StaffTable, table=True):
    """An employee. ``department_id`` and ``manager_id`` are explicit overrides; when null the
    department comes from the position's description and the manager from the position tree."""

    __tablename__ = "employees"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'on_leave', 'departed')", name="status_known"),
        CheckConstraint(
            "(status = 'departed') = (departure_date IS NOT NULL)", name="departed_has_date"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    employee_no: str = Field(max_length=16, unique=True)
    name: str = Field(max_length=100, index=True)
    position_code: str | None = Field(
        default=None, max_length=32, foreign_key="staff.positions.code", index=True
    )
    department_id: int | None = Field(default=None, foreign_key="staff.departments.id", index=True)
    manager_id: int | None = Field(default=None, foreign_key="staff.employees.id", index=True)
    hire_date: date
    status: str = Field(default="active", max_length=16, index=True)
    departure_date: date | None = None
    education_level: str | None = Field(default=None, max_length=16)
    major: str | None = Field(default=None, max_length=100)
    years_experience: int = Field(default=0, ge=0)
    skills: list[str] = Field(
        default_factory=list, sa_column=Column(JSONB, nullable=False, server_default="[]")
    )
    certifications: list[str] = Field(
        default_factory=list, sa_column=Column(JSONB, nullable=False, server_default="[]")
    )
    work_email: str | None = Field(default=None, max_length=254)
    mobile: str | None = Field(default=None, max_length=21)
    wecom_user_id: str | None = Field(default=None, max_length=64)
    dingtalk_user_id: str | None = Field(default=None, max_length=64)
    version: int = Field(default=1)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())
