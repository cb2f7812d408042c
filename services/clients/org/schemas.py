"""Bodies of the org-copy endpoints (docs/contracts.md: staff → clients)."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from shared.org_events import EmployeeStatus


class StaffEmployeeItem(BaseModel):
    """One row of ``GET /v1/staff/employees`` as the resync reads it (tolerant of extras)."""

    model_config = ConfigDict(extra="ignore")

    employee_id: int = Field(validation_alias=AliasChoices("employee_id", "id"))
    employee_no: str | None = None
    name: str
    position_code: str | None = None
    department_id: int | None = None
    manager_id: int | None = Field(
        default=None, validation_alias=AliasChoices("effective_manager_id", "manager_id")
    )
    status: EmployeeStatus
    authority_limits: dict[str, Any] = Field(default_factory=dict)
    version: int


class OrgEmployeeRead(BaseModel):
    """An employee in the org copy."""

    model_config = ConfigDict(from_attributes=True)

    employee_id: int
    employee_no: str | None
    name: str
    position_code: str | None
    department_id: int | None
    manager_id: int | None
    status: EmployeeStatus
    authority_limits: dict[str, Any]
    version: int
