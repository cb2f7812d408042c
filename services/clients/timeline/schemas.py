"""Bodies of the timeline API."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class TimelineKind(StrEnum):
    """What an entry is about; one source of the timeline each (``?kind=``)."""

    VISIT = "visit"
    CONTACT_CHANGE = "contact_change"
    TICKET = "ticket"
    CONTRACT = "contract"
    OPPORTUNITY = "opportunity"
    INVOICE = "invoice"
    PAYMENT = "payment"
    GRADE_CHANGE = "grade_change"
    CREDIT_CHANGE = "credit_change"
    OWNERSHIP_CHANGE = "ownership_change"
    NOTE = "note"
    ATTACHMENT = "attachment"
    ACCOUNT_MERGE = "account_merge"


class TimelineEvent(StrEnum):
    """What happened: the entry's title says it in the caller's language."""

    VISIT_PLANNED = "visit_planned"
    VISIT_COMPLETED = "visit_completed"
    VISIT_CANCELLED = "visit_cancelled"
    CONTACT_ADDED = "contact_added"
    CONTACT_LINKED = "contact_linked"
    CONTACT_UPDATED = "contact_updated"
    CONTACT_ROLE_CHANGED = "contact_role_changed"
    TICKET_OPENED = "ticket_opened"
    CONTRACT_CREATED = "contract_created"
    OPPORTUNITY_CREATED = "opportunity_created"
    OPPORTUNITY_STAGE_MOVED = "opportunity_stage_moved"
    OPPORTUNITY_WON = "opportunity_won"
    OPPORTUNITY_LOST = "opportunity_lost"
    INVOICE_ISSUED = "invoice_issued"
    PAYMENT_RECEIVED = "payment_received"
    GRADE_CHANGED = "grade_changed"
    CREDIT_ADJUSTED = "credit_adjusted"
    OWNER_CHANGED = "owner_changed"
    OWNER_KEPT = "owner_kept"
    NOTE_ADDED = "note_added"
    ATTACHMENT_ADDED = "attachment_added"
    ACCOUNT_MERGED = "account_merged"


class TimelineEntry(BaseModel):
    """One thing that happened to the account, with where to read the record."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "key": "opportunity:88",
                    "kind": "opportunity",
                    "event": "opportunity_won",
                    "occurred_at": "2026-11-23T08:15:00+00:00",
                    "title": "Opportunity won: 2027 年度运维服务",
                    "actor_employee_id": 12,
                    "record_id": 17,
                    "link": "/v1/clients/opportunities/17",
                    "summary": {"from_stage": "negotiation", "to_stage": "won"},
                    "personal_data_masked": False,
                }
            ]
        }
    )

    key: str = Field(description="Unique in the timeline: the kind and the source row's id.")
    kind: TimelineKind
    event: TimelineEvent
    occurred_at: datetime = Field(
        description="When it was recorded (a ticket: opened; an opportunity step: the move); "
        "the record's own business date, where it has one, is in `summary`."
    )
    title: str = Field(description="What happened, in the language of Accept-Language.")
    actor_employee_id: int | None = Field(description="Who did it, where the record says.")
    record_id: int = Field(description="The record the entry is about (see `link`).")
    link: str = Field(description="The API path of that record (or of the account's list).")
    summary: dict[str, Any] = Field(description="A few fields of the record, by kind.")
    personal_data_masked: bool = Field(
        default=False,
        description="A contact's phone, e-mail and birth year in `summary` are masked, as "
        "they are in the contact's own reads for this caller.",
    )
