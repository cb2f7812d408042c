"""Bodies of the audit API."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AuditEntity(StrEnum):
    """Kinds of records the trail covers."""

    ACCOUNT = "account"
    CONTACT = "contact"
    ACCOUNT_CONTACT = "account_contact"
    CREDIT_ADJUSTMENT = "credit_adjustment"
    GRADE = "grade"
    OWNERSHIP = "ownership"
    HANDOVER = "handover"
    ACCESS = "access"
    VISIT = "visit"
    CONTACT_SCHEDULE = "contact_schedule"
    ASSESSMENT = "assessment"
    TICKET = "ticket"
    SLA_POLICY = "sla_policy"
    HOLIDAY = "holiday"
    CONTRACT = "contract"
    EXCHANGE_RATE = "exchange_rate"
    SURVEY = "survey"
    INVOICE = "invoice"
    PAYMENT = "payment"
    COLLECTION_TASK = "collection_task"
    CREDIT_LIMIT = "credit_limit"


class AuditEntryRead(BaseModel):
    """One audit entry."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 981,
                    "occurred_at": "2026-11-23T08:15:00+00:00",
                    "actor_employee_id": 12,
                    "entity": "account",
                    "entity_id": 42,
                    "account_id": 42,
                    "action": "update",
                    "before": {"short_name": "华东电建"},
                    "after": {"short_name": "华东电网建设"},
                }
            ]
        },
    )

    id: int
    occurred_at: datetime
    actor_employee_id: int | None
    entity: str
    entity_id: int
    account_id: int | None
    action: str = Field(examples=["update"])
    before: dict[str, Any] | None
    after: dict[str, Any] | None
