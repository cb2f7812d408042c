"""Bodies of the org-copy endpoints (the contract is docs/contracts.md)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.org_events import EmployeeStatus


class OrgEmployeeRead(BaseModel):
    """An employee in kpi's org copy."""

    model_config = ConfigDict(from_attributes=True)

    employee_id: int = Field(examples=[12])
    employee_no: str = Field(examples=["E0012"])
    name: str = Field(examples=["王磊"])
    position_code: str | None = Field(examples=["KA-KAM"])
    department_id: int | None = Field(examples=[3])
    manager_id: int | None = Field(examples=[2])
    status: EmployeeStatus
    version: int = Field(examples=[5])
