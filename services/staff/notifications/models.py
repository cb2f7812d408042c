"""Notification preferences of people, and deliveries to channels (the channel outbox)."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, DateTime, Index, Text, UniqueConstraint, text
from sqlmodel import Field

from services.staff.db import StaffTable
from shared.columns import created_at_column, updated_at_column


class Channel(StrEnum):
    """Where people are told. In-app is the inbox itself (always on); e-mail goes to the
    person; WeCom and DingTalk group robots get team-level items only."""

    EMAIL = "email"
    WECOM = "wecom"
    DINGTALK = "dingtalk"


PERSONAL_CHANNELS = (Channel.EMAIL,)
"""The channels a person chooses per kind (group robots are the team's, not the person's)."""


class DeliveryStatus(StrEnum):
    """pending (or retrying), sent, or dead (gave up: listed for administrators)."""

    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"


class NotificationSettings(StaffTable, table=True):
    """A person's quiet hours (company time zone) and daily-digest choice: with the digest
    on, only urgent items are mailed at once, the rest in one mail a day."""

    __tablename__ = "notification_settings"

    employee_id: int = Field(foreign_key="staff.employees.id", primary_key=True)
    quiet_from: time | None = None
    quiet_until: time | None = None
    daily_digest: bool = Field(
        default=False, sa_column_kwargs={"server_default": "false", "nullable": False}
    )
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())


class NotificationPreference(StaffTable, table=True):
    """Whether a person wants items of one kind on one channel (absent row: yes)."""

    __tablename__ = "notification_preferences"

    employee_id: int = Field(foreign_key="staff.employees.id", primary_key=True)
    kind: str = Field(max_length=40, primary_key=True)
    channel: str = Field(max_length=16, primary_key=True)
    enabled: bool


class Delivery(StaffTable, table=True):
    """One message to one channel, written with the work item it announces (or a digest).

    Its id is the delivery id the message carries (the e-mail's Message-ID), so a message
    sent again after a crash is recognisably the same one.
    """

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        UniqueConstraint("dedupe_key"),
        CheckConstraint("status IN ('pending', 'sent', 'dead')", name="status_known"),
        Index(
            "ix_notification_deliveries_due",
            "next_attempt_at",
            "id",
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    dedupe_key: str = Field(max_length=120, description="item:<id>:<channel> or digest:…")
    work_item_id: int | None = Field(default=None, foreign_key="staff.work_items.id")
    employee_id: int = Field(foreign_key="staff.employees.id", index=True)
    channel: str = Field(max_length=16)
    address: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    body: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=DeliveryStatus.PENDING.value, max_length=16, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    sent_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
