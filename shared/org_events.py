"""The organisation-events contract (docs/contracts.md): staff sends, clients and kpi receive.

One definition for every receiver, so they cannot disagree about what a valid event is.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from shared.numbers import JsonInt, NotABoolean
from shared.periods import IsoDay

Id = Annotated[int, Field(ge=1, le=2_147_483_647), NotABoolean]


class EmployeeStatus(StrEnum):
    """在职 / 休假 / 离职, as staff reports them."""

    ACTIVE = "active"
    ON_LEAVE = "on_leave"
    DEPARTED = "departed"


class OrgEmployeeEvent(BaseModel):
    """One change of one employee, from staff's outbox."""

    # Staff may add fields later; a receiver must not refuse an event for that.
    model_config = ConfigDict(extra="ignore")

    event_id: uuid.UUID = Field(examples=["6f1c3e52-8a0e-4d0a-9d55-3f1f1c1b2a10"])
    employee_id: JsonInt = Field(ge=1, le=2_147_483_647, examples=[12])
    employee_no: str = Field(min_length=1, max_length=20, examples=["E0012"])
    name: str = Field(min_length=1, max_length=100, examples=["王磊"])
    position_code: str | None = Field(default=None, max_length=32, examples=["KA-KAM"])
    department_id: Id | None = Field(default=None, examples=[3])
    manager_id: Id | None = Field(default=None, examples=[2])
    status: EmployeeStatus = Field(examples=["active"])
    authority_limits: dict[str, Any] = Field(
        default_factory=dict, examples=[{"adjust_credit_score": {"max_delta": 5}}]
    )
    version: JsonInt = Field(ge=1, le=2_147_483_647, examples=[5])


class OrgStandInEvent(BaseModel):
    """One change of one stand-in (代理), from staff's outbox: the whole stand-in as it is now.

    ``stand_in_employee_id`` acts for ``absent_employee_id`` on every company-calendar day
    from ``starts_on`` to ``ends_on`` (both included) unless ``cancelled``.
    """

    model_config = ConfigDict(extra="ignore")

    event_id: uuid.UUID = Field(examples=["0b7e5f0e-3f1d-4c52-8d7a-2f3c9d1e4a61"])
    stand_in_id: JsonInt = Field(ge=1, le=2_147_483_647, examples=[4])
    absent_employee_id: Id = Field(examples=[12])
    stand_in_employee_id: Id = Field(examples=[13])
    starts_on: IsoDay = Field(examples=["2026-12-14"])
    ends_on: IsoDay = Field(examples=["2026-12-18"])
    cancelled: bool = Field(default=False, examples=[False])
    version: JsonInt = Field(ge=1, le=2_147_483_647, examples=[1])


class OrgStandInBatch(BaseModel):
    """A delivery of stand-in events."""

    model_config = ConfigDict(extra="forbid")

    events: list[OrgStandInEvent] = Field(max_length=1000)


class OrgEventBatch(BaseModel):
    """A delivery of organisation events."""

    model_config = ConfigDict(extra="forbid")

    events: list[OrgEmployeeEvent] = Field(max_length=1000)


class OrgEventsApplied(BaseModel):
    """How many events changed the copy and how many were older than what it holds."""

    applied: int = Field(examples=[1])
    ignored: int = Field(examples=[0])


class OrgResyncResult(BaseModel):
    """What a full resync read from staff and changed here."""

    pages: int = Field(examples=[3])
    received: int = Field(examples=[412])
    applied: int = Field(examples=[7])
    ignored: int = Field(examples=[405])
