"""Bodies of the ownership API: transfers, history, and staff's bulk handover."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.numbers import NotABoolean

EmployeeId = Annotated[int, Field(ge=1, le=2_147_483_647), NotABoolean]
AccountId = Annotated[int, Field(ge=1, le=2_147_483_647), NotABoolean]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class TransferOptions(BaseModel):
    """What moves with the accounts (like Salesforce's owner-change options)."""

    include_open_tickets: bool = True
    include_planned_visits: bool = True
    include_collection_tasks: bool = True


class AccountTransfer(TransferOptions):
    """Move one or many accounts to another owner."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "account_ids": [42, 43],
                    "to_employee_id": 15,
                    "include_open_tickets": True,
                    "include_planned_visits": True,
                    "include_collection_tasks": False,
                    "reason": "区域调整，华东客户划归客户开发二组",
                }
            ]
        },
    )

    account_ids: list[AccountId] = Field(min_length=1, max_length=1000)
    to_employee_id: EmployeeId
    reason: Reason
    include_open_opportunities: bool = Field(
        default=True,
        description="The previous owner's open opportunities on these accounts, his open "
        "quotations and undecided bids there, go to the new owner (won and lost ones stay "
        "credited to him; opportunities others own stay theirs).",
    )


class TransferResult(BaseModel):
    """What a transfer or handover moved."""

    accounts: int = Field(examples=[2], description="Accounts whose owner changed.")
    unchanged: int = Field(default=0, examples=[0], description="Already the new owner's.")
    open_tickets: int = Field(examples=[3])
    planned_visits: int = Field(examples=[7])
    collection_tasks: int = Field(examples=[0])
    open_opportunities: int = Field(default=0, examples=[2])
    open_quotations: int = Field(default=0, examples=[1])
    open_bids: int = Field(default=0, examples=[0])


class HandoverStatus(StrEnum):
    COMPLETED = "completed"


class HandoverRequest(TransferOptions):
    """Staff's offboarding handover (docs/contracts.md)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "handover_id": "2b0f6c1e-4d7a-4c1e-9a55-0e8e3f1c7a21",
                    "from_employee_id": 12,
                    "to_employee_id": 15,
                    "account_ids": None,
                    "include_open_tickets": True,
                    "include_planned_visits": True,
                    "include_collection_tasks": True,
                    "reason": "departure",
                }
            ]
        },
    )

    handover_id: uuid.UUID
    from_employee_id: EmployeeId
    to_employee_id: EmployeeId
    account_ids: list[AccountId] | None = Field(
        default=None, max_length=10_000, description="null = every account of the leaver."
    )
    reason: Reason = "departure"


class HandoverResult(BaseModel):
    """The outcome of a handover; the same id again returns the stored one."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "handover_id": "2b0f6c1e-4d7a-4c1e-9a55-0e8e3f1c7a21",
                    "status": "completed",
                    "accounts": 50,
                    "open_tickets": 3,
                    "planned_visits": 7,
                    "collection_tasks": 0,
                    "team_memberships": 2,
                    "open_opportunities": 4,
                    "opportunity_memberships": 1,
                    "open_quotations": 2,
                    "open_bids": 1,
                }
            ]
        }
    )

    handover_id: uuid.UUID
    status: HandoverStatus
    accounts: int
    open_tickets: int
    planned_visits: int
    collection_tasks: int
    team_memberships: int = Field(
        default=0,
        description="The leaver's places on account teams given to the successor "
        "(by the handover of all his remaining accounts, account_ids null).",
    )
    open_opportunities: int = Field(
        default=0,
        description="The leaver's open opportunities given to the successor (on the accounts "
        "handed over; all of them when account_ids is null).",
    )
    open_quotations: int = Field(
        default=0,
        description="The leaver's open quotations (draft to sent) whose author is now the "
        "successor (on the accounts handed over; all of them when account_ids is null).",
    )
    open_bids: int = Field(
        default=0,
        description="The leaver's bids without a result now owned by the successor (on "
        "the accounts handed over; all of them when account_ids is null).",
    )
    opportunity_memberships: int = Field(
        default=0,
        description="The leaver's places on open opportunities' teams given to the successor "
        "(account_ids null).",
    )


class OwnershipChangeRead(BaseModel):
    """One entry of an account's ownership history."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "account_id": 42,
                    "from_employee_id": 12,
                    "to_employee_id": 15,
                    "reason": "departure",
                    "handover_id": "2b0f6c1e-4d7a-4c1e-9a55-0e8e3f1c7a21",
                    "options": {"include_open_tickets": True},
                    "actor_employee_id": None,
                    "changed_at": "2026-11-23T08:15:00+00:00",
                }
            ]
        },
    )

    id: int
    account_id: int
    from_employee_id: int | None
    to_employee_id: int
    reason: str
    handover_id: uuid.UUID | None
    options: dict[str, Any]
    actor_employee_id: int | None
    changed_at: datetime
