"""Bodies of the tickets and SLA-policy API."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from services.clients.accounts.rules import Grade
from services.clients.tickets.rules import Severity, TicketStatus
from shared.numbers import JsonInt, NotABoolean

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Category = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
EmployeeId = Annotated[int, Field(ge=1, le=2_147_483_647), NotABoolean]
RecordId = Annotated[int, Field(ge=1, le=2_147_483_647), NotABoolean]
DepartmentId = Annotated[int, Field(ge=1, le=2_147_483_647), NotABoolean]


class TicketKind(StrEnum):
    """投诉 complaint, 需求 request, 故障 incident."""

    COMPLAINT = "complaint"
    REQUEST = "request"
    INCIDENT = "incident"


class TicketChannel(StrEnum):
    """How the client reached us."""

    PHONE = "phone"
    EMAIL = "email"
    VISIT = "visit"
    WECHAT = "wechat"
    PORTAL = "portal"
    OTHER = "other"


class TicketCreate(BaseModel):
    """A new ticket; ``opened_at`` (not in the future) back-dates one received earlier."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "complaint",
                    "category": "供电质量",
                    "severity": "high",
                    "channel": "phone",
                    "title": "厂区二号变电站频繁跳闸",
                    "description": "客户反映本周三次跳闸，影响生产线。",
                    "contact_id": 7,
                    "opened_at": "2026-11-30T09:20:00+08:00",
                }
            ]
        },
    )

    kind: TicketKind
    category: Category | None = None
    severity: Severity
    channel: TicketChannel
    title: Title
    description: str = Field(default="", max_length=4000)
    handler_id: EmployeeId | None = None
    queue_id: DepartmentId | None = Field(
        default=None, description="A service queue (staff department) to pick it up from."
    )
    contact_id: RecordId | None = None
    opened_at: AwareDatetime | None = Field(
        default=None, description="When the client raised it; default now; never in the future."
    )


class TicketUpdate(BaseModel):
    """A partial update (needs If-Match); a severity change recomputes the deadlines."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"severity": "critical", "handler_id": 903}]},
    )

    title: Title | None = None
    description: str | None = Field(default=None, max_length=4000)
    category: Category | None = None
    severity: Severity | None = None
    handler_id: EmployeeId | None = None
    queue_id: DepartmentId | None = None
    contact_id: RecordId | None = None


class TicketPickUp(BaseModel):
    """Take a queued ticket: the caller, a member of its queue, becomes its handler."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{}]})

    note: Note | None = None


class TicketTransition(BaseModel):
    """A workflow move; ``resolution`` is required to resolve."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"to": "resolved", "note": "现场更换开关", "resolution": "更换老化断路器"}]
        },
    )

    to: TicketStatus
    note: Note | None = None
    resolution: str | None = Field(default=None, min_length=1, max_length=4000)


class SatisfactionCreate(BaseModel):
    """The client's satisfaction once the ticket is resolved (1 = very poor, 5 = very good)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"score": 4, "comment": "处理及时"}]}
    )

    score: JsonInt = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=500)


class TicketRead(BaseModel):
    """A ticket; ``breached`` is live (deadlines against now), the flags are the stored ones."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    account_id: int
    kind: TicketKind
    category: str | None
    severity: Severity
    channel: TicketChannel
    title: str = Field(examples=["厂区二号变电站频繁跳闸"])
    description: str
    status: TicketStatus
    owner_id: int
    handler_id: int | None
    queue_id: int | None = Field(description="The service queue it waits in or came from.")
    contact_id: int | None
    grade_at_open: Grade
    response_target_minutes: int
    resolution_target_minutes: int
    around_the_clock: bool
    opened_at: datetime
    first_response_at: datetime | None
    respond_by: datetime
    resolve_by: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    reopened_at: datetime | None
    reopen_count: int
    paused_at: datetime | None
    response_breached: bool
    resolution_breached: bool
    breached: bool = False
    account_name: str | None = Field(
        default=None,
        description="The account's legal name (a handler outside the account's team sees "
        "this much of it).",
    )
    owner_name: str | None = Field(
        default=None,
        description="The credited owner's name from the org copy (in lists; null while the "
        "copy does not know him).",
    )
    escalated_to: int | None
    escalated_at: datetime | None
    resolution: str | None
    satisfaction_score: int | None
    satisfaction_comment: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class TicketEventRead(BaseModel):
    """One step of a ticket's history."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 3,
                    "ticket_id": 42,
                    "at": "2026-11-30T02:00:00+00:00",
                    "kind": "transition",
                    "from_status": "open",
                    "to_status": "in_progress",
                    "actor_employee_id": 902,
                    "note": "已联系客户",
                }
            ]
        },
    )

    id: int
    ticket_id: int
    at: datetime
    kind: str
    from_status: TicketStatus | None
    to_status: TicketStatus
    actor_employee_id: int | None
    note: str | None


class TicketQuery(BaseModel):
    """Filters of the ticket list and export."""

    owner_ids: list[int] | None = None
    team_of: int | None = None
    statuses: list[str] | None = None
    severities: list[str] | None = None
    kind: str | None = None
    breached: bool | None = None
    opened_from: date | None = None
    opened_to: date | None = None
    account_id: int | None = None
    ids: list[int] | None = None
    handler_id: int | None = None
    escalated_to: int | None = None


class TicketSort(StrEnum):
    """Sort orders of the ticket list; ``-`` is descending, ties break on the id."""

    ID_DESC = "-id"
    SLA_DUE = "sla_due"
    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"
    SEVERITY = "severity"
    SEVERITY_DESC = "-severity"


class SlaTargetItem(BaseModel):
    """The targets for one severity × grade, in minutes of working time."""

    model_config = ConfigDict(extra="forbid")

    severity: Severity
    grade: Grade
    response_minutes: JsonInt = Field(ge=1, le=525_600)
    resolution_minutes: JsonInt = Field(ge=1, le=525_600)
    around_the_clock: bool = False


class SlaPolicyDocument(BaseModel):
    """The whole SLA table: one row per severity × grade (changes affect new tickets only)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "targets": [
                        {
                            "severity": "critical",
                            "grade": "A",
                            "response_minutes": 30,
                            "resolution_minutes": 240,
                            "around_the_clock": True,
                        }
                    ]
                }
            ]
        },
    )

    targets: list[SlaTargetItem] = Field(max_length=64)


class FlaggedTicket(BaseModel):
    """A ticket the breach check flagged in this run."""

    ticket_id: int
    account_id: int
    owner_id: int
    response_breached: bool
    resolution_breached: bool
    escalated_to: int | None = Field(description="The owner's manager, if escalated now.")
    escalated: bool


class SlaCheckResult(BaseModel):
    """What one breach check did."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "checked_at": "2026-11-30T02:00:00+00:00",
                    "flagged": [
                        {
                            "ticket_id": 42,
                            "account_id": 7,
                            "owner_id": 902,
                            "response_breached": True,
                            "resolution_breached": False,
                            "escalated_to": 900,
                            "escalated": True,
                        }
                    ],
                }
            ]
        }
    )

    checked_at: datetime
    flagged: list[FlaggedTicket]
