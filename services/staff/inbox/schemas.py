"""Request and response models of the inbox: the posting contract and the person's view."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.staff.inbox.kinds import Severity, WorkItemKind, WorkItemState
from shared.numbers import NotABoolean
from shared.periods import AwareIsoInstant

EntityId = Annotated[int, Field(ge=1, le=2_147_483_647), NotABoolean]

SourceKey = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9._:/-]+$",
        description="The sender's own key of the item (unique per sending service).",
        examples=["ticket:812:escalation:2"],
    ),
]


class WorkItemPost(BaseModel):
    """What a service posts (through its outbox). The sending service comes from its token."""

    model_config = ConfigDict(extra="forbid")

    source_key: SourceKey
    employee_id: EntityId = Field(description="The person who should act.")
    kind: WorkItemKind
    title: str = Field(min_length=1, max_length=200, examples=["工单 #812 已升级至您处理"])
    due_at: AwareIsoInstant | None = Field(default=None, description="When the work is due.")
    account_id: EntityId | None = None
    account_name: str | None = Field(default=None, max_length=200, examples=["华东电力集团"])
    team_department_id: EntityId | None = Field(
        default=None,
        description="Set for a team-level item: it also goes to that department's group robots "
        "(WeCom/DingTalk). Personal items (unset) never reach a group chat.",
    )
    record_path: str = Field(
        max_length=300,
        pattern=r"^/v1/[A-Za-z0-9._~/%?=&-]*$",
        description="The API path of the record the work is about.",
        examples=["/v1/clients/tickets/812"],
    )
    severity: Severity = Severity.NORMAL


class WorkItemClose(BaseModel):
    """Close the item of this key: the work it asked for is done."""

    model_config = ConfigDict(extra="forbid")

    source_key: SourceKey


class WorkItemRead(BaseModel):
    """One item as its person (or their stand-in) sees it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    employee_id: int
    on_behalf_of: int | None = Field(
        default=None, description="Set when the reader sees the item as someone's stand-in."
    )
    source_service: str
    kind: WorkItemKind
    kind_label: str = Field(description="The kind in the reader's language (zh-CN default).")
    title: str
    due_at: datetime | None
    account_id: int | None
    account_name: str | None
    team_department_id: int | None
    record_path: str
    severity: Severity
    state: WorkItemState = Field(description="As seen now: a snooze that ran out is open.")
    snoozed_until: datetime | None
    created_at: datetime
    updated_at: datetime


class InboxPage(BaseModel):
    """One page of the inbox, with the counts per kind for badges (over the whole state)."""

    items: list[WorkItemRead]
    next_cursor: str | None = None
    counts: dict[str, int] = Field(examples=[{"sla_escalation": 2, "dunning_task": 5}])


class WorkItemUpdate(BaseModel):
    """The person's change of state; ``snoozed_until`` is required for, and only for, snoozed."""

    model_config = ConfigDict(extra="forbid")

    state: WorkItemState
    snoozed_until: AwareIsoInstant | None = None

    @model_validator(mode="after")
    def _until_goes_with_snoozed(self) -> WorkItemUpdate:
        if (self.state is WorkItemState.SNOOZED) != (self.snoozed_until is not None):
            raise ValueError("snoozed_until is required for state snoozed, and only for it")
        return self
