"""Bodies of the visits and contact-schedule API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.clients.accounts.schemas import EmployeeId
from services.clients.visits.rules import VisitStatus
from shared.numbers import NotABoolean
from shared.periods import IsoDay

Purpose = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
ContactId = Annotated[int, Field(ge=1, le=2_147_483_647), NotABoolean]
ContactIds = Annotated[list[ContactId], Field(max_length=20)]
Year = Annotated[int, Field(ge=2000, le=2999), NotABoolean]
PERIOD_PATTERN = r"^[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$"


class VisitSource(StrEnum):
    """Where a visit came from: the yearly plan, planned by hand, or recorded ad hoc."""

    PLAN = "plan"
    MANUAL = "manual"
    ADHOC = "adhoc"


class VisitCreate(BaseModel):
    """Plan one visit by hand (``planned_on``) or record an ad-hoc visit (``visited_on``)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"planned_on": "2026-12-15", "purpose": "年度合作回顾", "contact_ids": [7]},
                {
                    "visited_on": "2026-11-28",
                    "contact_ids": [7, 9],
                    "purpose": "新项目需求沟通",
                    "outcome": "客户确认二期扩容需求",
                    "next_step": "两周内提交方案",
                    "next_visit_on": "2026-12-12",
                },
            ]
        },
    )

    planned_on: IsoDay | None = None
    visited_on: IsoDay | None = None
    visited_by: EmployeeId | None = Field(
        default=None, description="Who visited (ad-hoc visits); default: the caller."
    )
    contact_ids: ContactIds = Field(default_factory=list)
    purpose: Purpose = ""
    outcome: LongText = ""
    next_step: LongText = ""
    next_visit_on: IsoDay | None = Field(
        default=None, description="Plans the next visit on this day (ad-hoc visits)."
    )

    @model_validator(mode="after")
    def _planned_or_visited(self) -> VisitCreate:
        if (self.planned_on is None) == (self.visited_on is None):
            raise ValueError("give either planned_on (plan a visit) or visited_on (record one)")
        if self.planned_on is not None:
            done = {"visited_by", "outcome", "next_visit_on"} & {
                f for f in self.model_fields_set if getattr(self, f)
            }
            if done:
                raise ValueError(f"a planned visit has no {', '.join(sorted(done))} yet")
        if self.visited_on and self.next_visit_on and self.next_visit_on <= self.visited_on:
            raise ValueError(
                f"next_visit_on {self.next_visit_on} is not after visited_on {self.visited_on}"
            )
        self.contact_ids = list(dict.fromkeys(self.contact_ids))
        return self


class VisitUpdate(BaseModel):
    """Reschedule a planned visit or edit its texts (needs If-Match)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"planned_on": "2026-12-18", "purpose": "续约洽谈"}]},
    )

    planned_on: IsoDay | None = None
    contact_ids: ContactIds | None = None
    purpose: Purpose | None = None
    outcome: LongText | None = None
    next_step: LongText | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> VisitUpdate:
        nulls = sorted(f for f in self.model_fields_set if getattr(self, f) is None)
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null")
        if self.contact_ids is not None:
            self.contact_ids = list(dict.fromkeys(self.contact_ids))
        return self


class VisitComplete(BaseModel):
    """Record that a planned visit took place."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "visited_on": "2026-11-28",
                    "contact_ids": [7],
                    "outcome": "客户对服务满意，提出价格调整诉求",
                    "next_step": "下周报价",
                    "next_visit_on": "2026-12-20",
                }
            ]
        },
    )

    visited_on: IsoDay | None = Field(default=None, description="Default: today.")
    visited_by: EmployeeId | None = Field(default=None, description="Default: the caller.")
    contact_ids: ContactIds = Field(default_factory=list)
    outcome: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    next_step: LongText = ""
    next_visit_on: IsoDay | None = Field(
        default=None, description="Plans the next visit on this day."
    )

    @model_validator(mode="after")
    def _next_after_visit(self) -> VisitComplete:
        if self.visited_on and self.next_visit_on and self.next_visit_on <= self.visited_on:
            raise ValueError(
                f"next_visit_on {self.next_visit_on} is not after visited_on {self.visited_on}"
            )
        self.contact_ids = list(dict.fromkeys(self.contact_ids))
        return self


class VisitCancel(BaseModel):
    """Cancel a planned visit, with the reason."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "客户方负责人出差"}]}
    )

    reason: Reason


class VisitRead(BaseModel):
    """A visit; ``owner_id`` is the employee it is credited to."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 310,
                    "account_id": 42,
                    "owner_id": 12,
                    "planned_on": "2026-12-15",
                    "status": "completed",
                    "visited_on": "2026-12-14",
                    "visited_by": 12,
                    "contact_ids": [7],
                    "purpose": "年度合作回顾",
                    "outcome": "确认明年框架协议",
                    "next_step": "提交报价",
                    "next_visit_on": None,
                    "source": "plan",
                    "cancel_reason": None,
                    "overdue": False,
                    "version": 2,
                    "created_at": "2026-01-05T02:00:00+00:00",
                    "updated_at": "2026-12-14T09:00:00+00:00",
                }
            ]
        },
    )

    id: int
    account_id: int
    owner_id: int
    planned_on: date | None
    status: VisitStatus
    visited_on: date | None
    visited_by: int | None
    contact_ids: list[int]
    purpose: str
    outcome: str
    next_step: str
    next_visit_on: date | None
    source: VisitSource
    cancel_reason: str | None
    overdue: bool = Field(default=False, description="Planned and its day has passed.")
    account_name: str | None = Field(default=None, description="The account's legal name.")
    owner_name: str | None = Field(
        default=None, description="The credited owner's name (org copy; null while unknown)."
    )
    version: int
    created_at: datetime
    updated_at: datetime


class VisitPlanCreate(BaseModel):
    """Generate an account's yearly visit plan from its grade."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"year": 2026}]})

    year: Year


class VisitPlanRead(BaseModel):
    """An account's plan for a year: the visits from the plan, and how far it got."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "account_id": 42,
                    "year": 2026,
                    "grade": "B",
                    "frequency": "quarterly",
                    "planned": 4,
                    "done": 3,
                    "completion_rate": "75.00",
                    "visits": [],
                }
            ]
        }
    )

    account_id: int
    year: int
    grade: str = Field(description="The account's grade now (the plan's future follows it).")
    frequency: str = Field(examples=["quarterly"])
    planned: int = Field(description="Visits of the plan that are not cancelled.")
    done: int
    completion_rate: Decimal | None = Field(description="done / planned in percent.")
    visits: list[VisitRead] = Field(description="Every visit of the plan, cancelled included.")


class VisitQuery(BaseModel):
    """Filters of the visit lists."""

    owner_ids: list[int] | None = None
    team_of: int | None = None
    statuses: list[str] | None = None
    account_id: int | None = None
    overdue: bool = False
    planned_from: date | None = None
    planned_to: date | None = None
    source: str | None = None
    ids: list[int] | None = None


class VisitSort(StrEnum):
    """Sort orders of the visit lists; ``-`` is descending, ties break on the id."""

    ID = "id"
    PLANNED_ON = "planned_on"
    PLANNED_ON_DESC = "-planned_on"


class OwnerCompletion(BaseModel):
    """One owner's plan completion in a period."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"owner_id": 12, "planned": 8, "done": 6, "rate": "75.00"}]}
    )

    owner_id: int
    planned: int
    done: int
    rate: Decimal | None = Field(description="done / planned in percent; null if none planned.")


class CompletionReport(BaseModel):
    """Plan completion per owner for a period (visits planned in it, not cancelled)."""

    period: str = Field(examples=["2026-Q4"])
    start: date
    end: date
    owners: list[OwnerCompletion]


# --- contact schedule (大客户联络计划表) -------------------------------------------------


class TouchKind(StrEnum):
    """What kind of contact is planned."""

    CALL = "call"
    MEETING = "meeting"
    BIRTHDAY_GREETING = "birthday_greeting"
    HOLIDAY_CARE = "holiday_care"
    EMAIL = "email"


class TouchStatus(StrEnum):
    PLANNED = "planned"
    DONE = "done"
    SKIPPED = "skipped"


class ContactTouchCreate(BaseModel):
    """A planned contact with one of the account's contacts."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "contact_id": 7,
                    "due_on": "2027-01-20",
                    "kind": "holiday_care",
                    "note": "春节慰问",
                }
            ]
        },
    )

    contact_id: ContactId
    due_on: IsoDay
    kind: TouchKind
    note: LongText = ""


class ContactTouchDone(BaseModel):
    """Mark a planned contact done (or skipped)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"done_on": "2027-01-20", "note": "已电话问候"}]},
    )

    done_on: IsoDay | None = Field(default=None, description="Default: today.")
    note: LongText | None = None


class ContactTouchRead(BaseModel):
    """A planned or done contact."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    account_id: int
    contact_id: int
    owner_id: int
    due_on: date
    kind: TouchKind
    status: TouchStatus
    done_on: date | None
    note: str
    overdue: bool = Field(default=False, description="Planned and its day has passed.")
    version: int
    created_at: datetime
    updated_at: datetime


class TouchQuery(BaseModel):
    """Filters of the contact-schedule lists."""

    owner_ids: list[int] | None = None
    team_of: int | None = None
    statuses: list[str] | None = None
    kinds: list[str] | None = None
    account_id: int | None = None
    overdue: bool = False
    due_from: date | None = None
    due_to: date | None = None


class BirthdayGreetings(BaseModel):
    """What generating a year's birthday greetings did."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"year": 2027, "created": 3, "existing": 1, "items": []}]}
    )

    year: int
    created: int
    existing: int = Field(description="Greetings that were already planned (not duplicated).")
    items: list[ContactTouchRead] = Field(description="The greetings created by this call.")
