"""Bodies of the above-authority requests API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.clients.approvals.rules import ApprovalState

Comment = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class ApprovalRequestRead(BaseModel):
    """A request above the requester's authority, and its decision once made."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "kind": "credit_adjustment",
                    "account_id": 42,
                    "payload": {"delta": 3, "reason": "新签年度框架合同", "score_before": 63},
                    "reason": "新签年度框架合同",
                    "requested_by": 902,
                    "approver_employee_id": 900,
                    "four_eyes": False,
                    "state": "pending",
                    "decided_by": None,
                    "decision_comment": None,
                    "failure_reason": None,
                    "created_at": "2026-12-05T08:15:00+00:00",
                    "decided_at": None,
                }
            ]
        },
    )

    id: int
    kind: str = Field(description="What the request changes (credit_adjustment, …).")
    account_id: int
    payload: dict[str, Any] = Field(description="The change as asked, applied on approval.")
    reason: str
    requested_by: int
    approver_employee_id: int | None = Field(
        description="The requester's superior who decides; null when four eyes decide."
    )
    four_eyes: bool = Field(
        description="The requester is at the top: a second department manager or an "
        "administrator decides."
    )
    state: ApprovalState
    decided_by: int | None
    decision_comment: str | None
    failure_reason: str | None = Field(
        description="Why an approved change was not applied (the record moved)."
    )
    created_at: datetime
    decided_at: datetime | None


class ApprovalDecision(BaseModel):
    """The approver's comment on approving (optional) or refusing (required)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"comment": "同意，下季度复核"}]}
    )

    comment: Comment | None = None


class RefusalDecision(BaseModel):
    """Why the approver refuses."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"comment": "回款尚未到账，暂不调整"}]}
    )

    comment: Comment
