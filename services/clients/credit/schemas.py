"""Bodies of the credit-score API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.numbers import JsonInt

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class CreditAdjustmentCreate(BaseModel):
    """A change of an account's credit score by ``delta`` points, with the reason."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"delta": -3, "reason": "连续两期回款逾期超过60天"}]},
    )

    delta: JsonInt = Field(
        ge=-100, le=100, description="Points to add (negative lowers the score)."
    )
    reason: Reason


class CreditAdjustmentRead(BaseModel):
    """An accepted adjustment."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 5,
                    "account_id": 42,
                    "delta": -3,
                    "score_before": 80,
                    "score_after": 77,
                    "reason": "连续两期回款逾期超过60天",
                    "actor_employee_id": 12,
                    "actor_max_delta": 5,
                    "created_at": "2026-11-23T08:15:00+00:00",
                }
            ]
        },
    )

    id: int
    account_id: int
    delta: int
    score_before: int
    score_after: int
    reason: str
    actor_employee_id: int
    actor_max_delta: int = Field(description="The actor's authority limit when they adjusted.")
    created_at: datetime
