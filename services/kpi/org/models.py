"""The read-only org copy: what kpi needs to know about employees, fed by staff."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.kpi.db import KpiTable
from shared.columns import updated_at_column


class OrgEmployee(KpiTable, table=True):
    """One employee as staff last reported them; ``version`` is staff's row version."""

    __tablename__ = "org_employees"

    employee_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    employee_no: str = Field(max_length=20)
    name: str = Field(max_length=100)
    position_code: str | None = Field(default=None, max_length=40, index=True)
    department_id: int | None = Field(default=None, index=True)
    manager_id: int | None = Field(default=None, index=True)
    status: str = Field(max_length=20)
    authority_limits: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default="{}")
    )
    version: int
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())
