"""Bodies of the org-copy endpoints (docs/contracts.md: staff → clients)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from shared.org_events import EmployeeStatus


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
