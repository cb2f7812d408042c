"""Departments (部门): a hierarchy from the company down to the teams of 大客户部."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.staff.db import StaffTable
from shared.columns import created_at_column, updated_at_column


class Department(StaffTable, table=True):
    """A department or team; ``functions`` is the two-level list 一级职能 → 二级职能."""

    __tablename__ = "departments"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=100, index=True)
    parent_id: int | None = Field(default=None, foreign_key="staff.departments.id", index=True)
    charter: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    functions: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSONB, nullable=False, server_default="[]")
    )
    head_position_code: str | None = Field(default=None, max_length=32)
    planned_headcount: int = Field(default=0, ge=0)
    version: int = Field(default=1)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())
