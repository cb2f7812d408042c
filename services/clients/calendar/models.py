"""Days that differ from the usual week: public holidays and make-up working days."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field

from services.clients.db import ClientsTable
from shared.columns import created_at_column, updated_at_column


class CalendarDay(ClientsTable, table=True):
    """A holiday (no working time) or a make-up working day (a weekend day worked)."""

    __tablename__ = "calendar_days"

    day: date = Field(primary_key=True)
    kind: str = Field(max_length=20)
    name: str = Field(max_length=100)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())
