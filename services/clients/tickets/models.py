"""Service tickets and complaints (投诉 / 需求工作单), their pauses and history, and the SLA
targets new tickets take."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlmodel import Field

from services.clients.db import ClientsTable
from shared.columns import created_at_column, updated_at_column


def _instant(nullable: bool = True) -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=nullable)


class Ticket(ClientsTable, table=True):
    """A ticket of an account, credited to ``owner_id`` (the account's owner when opened).

    The SLA targets in force when it was opened are copied onto it (``*_target_minutes``,
    ``around_the_clock``), so a later policy change affects new tickets only. ``resolve_by``
    is NULL while the clock is paused before the target was reached.
    """

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_owner_id_opened_at", "owner_id", "opened_at"),
        Index("ix_tickets_owner_id_resolved_at", "owner_id", "resolved_at"),
        Index("ix_tickets_account_id_id", "account_id", "id"),
        # a queue's members look for its tickets nobody has picked up
        Index(
            "ix_tickets_queue_id_unassigned",
            "queue_id",
            postgresql_where=text("handler_id IS NULL"),
        ),
        # the breach scan only reads unfinished tickets
        Index(
            "ix_tickets_unfinished_deadlines",
            "respond_by",
            "resolve_by",
            postgresql_where=text("status NOT IN ('resolved', 'closed')"),
        ),
        CheckConstraint(
            "satisfaction_score IS NULL OR satisfaction_score BETWEEN 1 AND 5",
            name="satisfaction_score",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="clients.accounts.id")
    kind: str = Field(max_length=20)
    category: str | None = Field(default=None, max_length=50)
    severity: str = Field(max_length=10)
    channel: str = Field(max_length=10)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    status: str = Field(default="open", max_length=20)
    owner_id: int
    handler_id: int | None = Field(default=None)
    queue_id: int | None = Field(default=None)  # a service queue: a staff department
    contact_id: int | None = Field(default=None, foreign_key="clients.contacts.id")
    grade_at_open: str = Field(max_length=1)
    response_target_minutes: int
    resolution_target_minutes: int
    around_the_clock: bool = Field(default=False)
    opened_at: datetime = Field(sa_column=_instant(nullable=False))
    first_response_at: datetime | None = Field(default=None, sa_column=_instant())
    respond_by: datetime = Field(sa_column=_instant(nullable=False))
    resolve_by: datetime | None = Field(default=None, sa_column=_instant())
    resolved_at: datetime | None = Field(default=None, sa_column=_instant())
    closed_at: datetime | None = Field(default=None, sa_column=_instant())
    reopened_at: datetime | None = Field(default=None, sa_column=_instant())
    reopen_count: int = Field(default=0)
    paused_at: datetime | None = Field(default=None, sa_column=_instant())
    response_breached: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default="false")
    )
    resolution_breached: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default="false")
    )
    escalated_to: int | None = Field(default=None)
    escalated_at: datetime | None = Field(default=None, sa_column=_instant())
    resolution: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    satisfaction_score: int | None = Field(
        default=None, sa_column=Column(SmallInteger, nullable=True)
    )
    satisfaction_comment: str | None = Field(default=None, max_length=500)
    version: int = Field(default=1)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())


class TicketPause(ClientsTable, table=True):
    """A time the ticket waited on the client (the resolution clock stood still)."""

    __tablename__ = "ticket_pauses"
    __table_args__ = (Index("ix_ticket_pauses_ticket_id_started_at", "ticket_id", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="clients.tickets.id")
    started_at: datetime = Field(sa_column=_instant(nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=_instant())


class TicketEvent(ClientsTable, table=True):
    """One step of a ticket's history: a status move, an escalation, a rating."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_ticket_id_id", "ticket_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="clients.tickets.id")
    at: datetime = Field(sa_column=_instant(nullable=False))
    kind: str = Field(default="transition", max_length=20)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    actor_employee_id: int | None = Field(default=None)
    note: str | None = Field(default=None, sa_column=Column(String(1000), nullable=True))


class SlaTargetRow(ClientsTable, table=True):
    """The response and resolution targets for one severity × grade (new tickets only)."""

    __tablename__ = "sla_targets"

    severity: str = Field(primary_key=True, max_length=10)
    grade: str = Field(primary_key=True, max_length=1)
    response_minutes: int
    resolution_minutes: int
    around_the_clock: bool = Field(default=False)
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())
