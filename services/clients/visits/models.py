"""Visits (拜访 / 回访) and the contact schedule (大客户联络计划表)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from services.clients.db import ClientsTable
from shared.columns import created_at_column, updated_at_column


class Visit(ClientsTable, table=True):
    """A planned or recorded visit to an account.

    ``owner_id`` is the employee the visit is credited to: the account's owner when it was
    planned or recorded; a handover moves it to the successor while the visit is planned.
    ``planned_on`` is NULL for an ad-hoc visit that was never planned. A cancelled visit
    never counts as planned.
    """

    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_owner_id_planned_on", "owner_id", "planned_on"),
        Index("ix_visits_account_id_planned_on", "account_id", "planned_on"),
        Index("ix_visits_owner_id_visited_on", "owner_id", "visited_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="clients.accounts.id")
    owner_id: int
    planned_on: date | None = Field(default=None)
    status: str = Field(default="planned", max_length=20)
    visited_on: date | None = Field(default=None)
    visited_by: int | None = Field(default=None)
    contact_ids: list[int] = Field(
        default_factory=list,
        sa_column=Column(ARRAY(Integer), nullable=False, server_default="{}"),
    )
    purpose: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    outcome: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    next_step: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    next_visit_on: date | None = Field(default=None)
    source: str = Field(default="manual", max_length=20)
    cancel_reason: str | None = Field(default=None, max_length=500)
    version: int = Field(default=1)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())


class ContactTouch(ClientsTable, table=True):
    """One planned contact with a person at an account (a call, a birthday greeting …)."""

    __tablename__ = "contact_touches"
    __table_args__ = (
        Index("ix_contact_touches_owner_id_due_on", "owner_id", "due_on"),
        Index("ix_contact_touches_account_id_due_on", "account_id", "due_on"),
        # one birthday greeting per contact, account and day: generating twice adds nothing
        Index(
            "ix_contact_touches_birthday_once",
            "account_id",
            "contact_id",
            "due_on",
            unique=True,
            postgresql_where=text("kind = 'birthday_greeting'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="clients.accounts.id")
    contact_id: int = Field(foreign_key="clients.contacts.id")
    owner_id: int
    due_on: date
    kind: str = Field(sa_column=Column(String(30), nullable=False))
    status: str = Field(default="planned", max_length=20)
    done_on: date | None = Field(default=None)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    version: int = Field(default=1)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())
