"""Request and response bodies of offboarding (离职)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.staff.offboarding.models import DepartureStatus, HandoverStatus
from shared.numbers import NotABoolean
from shared.periods import IsoDay

Id = Annotated[int, Field(ge=1, le=2_147_483_647), NotABoolean]


class SuccessorGroup(BaseModel):
    """A successor for a group of accounts; ``account_ids`` null means every other account."""

    model_config = ConfigDict(extra="forbid")

    successor_employee_id: Id
    account_ids: list[Id] | None = Field(default=None, min_length=1, max_length=10_000)


class DepartureCreate(BaseModel):
    """A departure: the date and one successor, or successors per account group.

    With groups, exactly one group has ``account_ids`` null and takes every account not
    listed elsewhere, so no account is ever left without an owner.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"date": "2026-11-30", "successor_employee_id": 15},
                {
                    "date": "2026-11-30",
                    "successors": [
                        {"successor_employee_id": 16, "account_ids": [101, 102]},
                        {"successor_employee_id": 15, "account_ids": None},
                    ],
                },
            ]
        },
    )

    date: IsoDay
    successor_employee_id: Id | None = None
    successors: list[SuccessorGroup] | None = Field(default=None, min_length=1, max_length=50)

    @model_validator(mode="after")
    def _check_successors(self) -> Self:
        if (self.successor_employee_id is None) == (self.successors is None):
            raise ValueError("give either successor_employee_id or successors, not both")
        if self.successors is not None:
            catch_all = [g for g in self.successors if g.account_ids is None]
            if len(catch_all) != 1:
                raise ValueError(
                    "exactly one successor group must have account_ids null "
                    "(it takes every account not listed)"
                )
            listed = [a for g in self.successors for a in g.account_ids or []]
            if len(listed) != len(set(listed)):
                raise ValueError("an account is listed in more than one group")
        return self

    def groups(self) -> list[SuccessorGroup]:
        """The groups with the catch-all last."""
        if self.successors is None:
            assert self.successor_employee_id is not None
            return [SuccessorGroup(successor_employee_id=self.successor_employee_id)]
        return sorted(self.successors, key=lambda g: g.account_ids is None)


class HandoverRead(BaseModel):
    """One handover and, once confirmed, what the clients service moved."""

    model_config = ConfigDict(from_attributes=True)

    handover_id: uuid.UUID = Field(validation_alias="id")
    sequence: int
    successor_employee_id: int
    account_ids: list[int] | None
    status: HandoverStatus
    accounts: int | None
    open_tickets: int | None
    planned_visits: int | None
    collection_tasks: int | None
    failure_reason: str | None
    completed_at: dt.datetime | None


class DepartureRead(BaseModel):
    """A departure with the state of its handovers."""

    id: int
    employee_id: int
    departure_date: dt.date
    status: DepartureStatus
    failure_reason: str | None
    handovers: list[HandoverRead]
    created_at: dt.datetime
    completed_at: dt.datetime | None


class DepartureRetry(BaseModel):
    """Send a failed departure's handovers again, to the same or to another successor."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{}, {"successor_employee_id": 16}]},
    )

    successor_employee_id: Id | None = Field(
        default=None,
        description="A new successor for every failed handover; none to try the same again.",
    )
