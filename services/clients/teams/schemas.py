"""Request and response models of account teams."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.clients.teams.rules import TeamAccess, TeamRole
from shared.numbers import NotABoolean


class TeamMemberCreate(BaseModel):
    """Put an employee on the account's team."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"employee_id": 1203, "role": "after_sales", "access": "work"}]
        },
    )

    employee_id: Annotated[int, Field(gt=0, le=2_147_483_647), NotABoolean]
    role: TeamRole
    access: TeamAccess = TeamAccess.READ


class TeamMemberUpdate(BaseModel):
    """Change a member's part or access level (needs If-Match)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"access": "read"}]})

    role: TeamRole | None = None
    access: TeamAccess | None = None


class TeamMemberRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    account_id: int
    employee_id: int
    role: TeamRole
    role_label: str = Field(description="The role's name in the request's language.")
    access: TeamAccess
    added_by_employee_id: int | None
    version: int
    created_at: datetime | None
    updated_at: datetime | None
