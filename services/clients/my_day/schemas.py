"""The "my day" answer: a person's work for today in one read."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from services.clients.receivables.schemas import InvoiceRead
from services.clients.tickets.schemas import TicketRead
from services.clients.visits.schemas import VisitRead


class BirthdayRead(BaseModel):
    """A contact of one of the caller's accounts celebrating in the coming week."""

    contact_id: int
    contact_name: str = Field(examples=["李建国"])
    account_id: int
    account_name: str
    celebrated_on: date = Field(description="The day this year (no birth year is shown).")
    days_until: int = Field(description="0 is today.")


class RenewalRead(BaseModel):
    """A signed contract of the caller's accounts ending soon and not yet renewed."""

    contract_id: int
    number: str
    title: str
    account_id: int
    account_name: str
    end_date: date
    days_left: int


class MyDayCounts(BaseModel):
    """How many of each there are in all (the lists show the first few)."""

    visits_today: int
    visits_overdue: int
    tickets_assigned: int
    tickets_escalated: int
    invoices_overdue: int
    birthdays: int
    renewals: int


class MyDay(BaseModel):
    """Everything an account manager's "my day" screen shows, for the caller, in his scope:
    each list holds at most ``limit`` items, most urgent first; ``counts`` has the totals."""

    day: date = Field(description="Today in the company's zone.")
    visits_today: list[VisitRead] = Field(description="Planned for today, credited to him.")
    visits_overdue: list[VisitRead] = Field(
        description="Still planned, their day passed (earliest first)."
    )
    tickets_assigned: list[TicketRead] = Field(
        description="Unfinished tickets he handles, nearest SLA deadline first."
    )
    tickets_escalated: list[TicketRead] = Field(
        description="Unfinished tickets escalated to him, nearest SLA deadline first."
    )
    invoices_overdue: list[InvoiceRead] = Field(
        description="Invoices credited to him with a line past due, oldest overdue first."
    )
    birthdays: list[BirthdayRead] = Field(
        description="Contacts of his accounts celebrating today or in the next six days."
    )
    renewals: list[RenewalRead] = Field(
        description="Signed contracts of his accounts ending within 90 days, not yet renewed."
    )
    counts: MyDayCounts
