"""Bodies of the org-copy endpoints (the contract is docs/contracts.md)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class EmployeeStatus(StrEnum):
    ACTIVE = "active"
    ON_LEAVE = "on_leave"
    DEPARTED = "departed"


class OrgEmployeeEvent(BaseModel):
    """One change of an employee, as staff's outbox delivers it."""

    model_config = ConfigDict(extra="ignore")

    event_id: UUID
    employee_id: int = Field(ge=1)
    employee_no: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=100)
    position_code: str | None = Field(default=None, max_length=40)
    department_id: int | None = Field(default=None, ge=1)
    manager_id: int | None = Field(default=None, ge=1)
    status: EmployeeStatus
    authority_limits: dict[str, Any] = Field(default_factory=dict)
    version: int = Field(ge=1)


class OrgEmployeeEvents(BaseModel):
    """A batch of employee events."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "events": [
                        {
                            "event_id": "6f1c2a9e-0b7d-4d4c-9c1e-6f0a2b3c4d5e",
                            "employee_id": 12,
                            "employee_no": "E0012",
                            "name": "王磊",
                            "position_code": "KA-KAM",
                            "department_id": 3,
                            "manager_id": 2,
                            "status": "active",
                            "authority_limits": {"adjust_credit_score": {"max_delta": 5}},
                            "version": 5,
                        }
                    ]
                }
            ]
        },
    )

    events: list[OrgEmployeeEvent] = Field(max_length=1000)


class OrgEventsApplied(BaseModel):
    """How many events changed the copy and how many were older than what it holds."""

    applied: int = Field(examples=[1])
    ignored: int = Field(examples=[0])


class OrgResyncResult(BaseModel):
    """Outcome of a full resync from staff."""

    pages: int = Field(examples=[3])
    received: int = Field(examples=[412])
    applied: int = Field(examples=[7])
    ignored: int = Field(examples=[405])


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
