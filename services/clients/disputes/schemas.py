"""Bodies of the ownership disputes API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.clients.disputes.models import OwnershipDispute
from services.clients.disputes.rules import DisputeOrigin, DisputeState, Winner
from shared.numbers import BodyId

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class OwnershipClaim(BaseModel):
    """Claim an account another manager owns (撞单), e.g. a likely duplicate one found."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"account_id": 42, "reason": "该客户由我方于10月首次拜访并提交方案，系同一集团"}
            ]
        },
    )

    account_id: BodyId
    reason: Reason
    claimant_id: BodyId | None = Field(
        default=None,
        description="Who would own the account: the caller (default) or someone of his "
        "reporting line he may assign.",
    )


class DisputeDecision(BaseModel):
    """The arbiter's decision, with the reason (recorded in the ownership history)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"winner": "owner", "reason": "原负责人近期持续跟进，维持现归属"}]
        },
    )

    winner: Winner
    reason: Reason


class OwnershipDisputeRead(BaseModel):
    """A dispute over an account's ownership. ``account_id`` and ``owner_id`` are null for
    a caller who may not see the account (the claimant, until it is his): a dispute
    reveals that the account exists, never which it is or whose."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "account_id": 42,
                    "owner_id": 902,
                    "claimant_id": 903,
                    "arbiter_id": 901,
                    "origin": "explicit_claim",
                    "reason": "该客户由我方于10月首次拜访并提交方案，系同一集团",
                    "state": "pending",
                    "protected_until": "2027-02-28T08:15:00+00:00",
                    "winner": None,
                    "decided_by": None,
                    "decision_reason": None,
                    "decided_at": None,
                    "version": 1,
                    "created_at": "2026-12-06T08:15:00+00:00",
                }
            ]
        }
    )

    id: int
    account_id: int | None = Field(description="Null when the caller may not see the account.")
    owner_id: int | None = Field(
        description="The owner when the claim was made; null when the caller may not see "
        "the account."
    )
    claimant_id: int
    arbiter_id: int | None = Field(
        description="The lowest common manager of the two who decides; null when they have "
        "none: a department manager or an administrator decides."
    )
    origin: DisputeOrigin
    reason: str
    state: DisputeState
    protected_until: datetime = Field(
        description="The end of the owner's protection (setting ownership_protection_days "
        "after the last activity on the account when the claim was made)."
    )
    winner: Winner | None
    decided_by: int | None = Field(description="Null for a claim granted at once.")
    decision_reason: str | None
    decided_at: datetime | None
    version: int
    created_at: datetime

    @classmethod
    def of(cls, dispute: OwnershipDispute, *, reveal: bool) -> OwnershipDisputeRead:
        """The dispute as a caller sees it (``reveal``: which account and whose)."""
        read = cls.model_validate(dispute, from_attributes=True)
        if not reveal:
            read = read.model_copy(update={"account_id": None, "owner_id": None})
        return read
