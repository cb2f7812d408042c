"""Request and response models of notifications."""

from __future__ import annotations

import uuid
from datetime import datetime, time

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.staff.inbox.kinds import WorkItemKind
from services.staff.notifications.models import PERSONAL_CHANNELS, Channel, DeliveryStatus


class KindChannel(BaseModel):
    """Whether items of ``kind`` reach the person on ``channel``."""

    model_config = ConfigDict(extra="forbid")

    kind: WorkItemKind
    channel: Channel = Field(description="A personal channel: `email`.")
    enabled: bool

    @model_validator(mode="after")
    def _personal(self) -> KindChannel:
        if self.channel not in PERSONAL_CHANNELS:
            raise ValueError("group robots are the team's: only personal channels are chosen")
        return self


class NotificationPreferences(BaseModel):
    """A person's choices: kinds × channels (every pair listed; on unless turned off) and
    quiet hours in the company time zone (both or neither; may span midnight)."""

    model_config = ConfigDict(extra="forbid")

    quiet_from: time | None = Field(default=None, examples=["22:00"])
    quiet_until: time | None = Field(default=None, examples=["07:30"])
    daily_digest: bool = Field(
        default=False, description="Mail non-urgent items once a day (08:00) instead of at once."
    )
    preferences: list[KindChannel] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def _quiet_hours_paired(self) -> NotificationPreferences:
        if (self.quiet_from is None) != (self.quiet_until is None):
            raise ValueError("quiet_from and quiet_until go together")
        pairs = [(p.kind, p.channel) for p in self.preferences]
        if len(pairs) != len(set(pairs)):
            raise ValueError("each kind and channel may appear once")
        return self


class DeliveryRead(BaseModel):
    """One message to a channel (administrators see these on the dead-letter list)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    work_item_id: int | None
    employee_id: int
    channel: Channel
    subject: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    sent_at: datetime | None
    created_at: datetime


class DigestRun(BaseModel):
    """What one run of the digest job planned (mails to send)."""

    planned: int


class DeliveryRun(BaseModel):
    """What one run of the delivery job did."""

    tried: int
    sent: int
