"""The columns of the org copy's two tables; each service derives its table classes from
these bases with its own schema-bound metadata (``services/<svc>/org/models.py``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import DateTime, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

# Columns are declared with sa_type/sa_column_kwargs, never sa_column: a Column object can
# belong to one table only, and these bases serve one table per schema.
_NOW = {"server_default": text("now()")}


class OrgEmployeeState(SQLModel):
    """What the copy knows of one employee at one time (the fields of staff's event)."""

    employee_no: str | None = Field(default=None, max_length=32)
    name: str = Field(max_length=100)
    position_code: str | None = Field(default=None, max_length=40, index=True)
    department_id: int | None = Field(default=None, index=True)
    manager_id: int | None = Field(default=None, index=True)
    status: str = Field(max_length=20)
    authority_limits: dict[str, Any] = Field(
        default_factory=dict, sa_type=JSONB, sa_column_kwargs={"server_default": "{}"}
    )
    version: int


class OrgEmployeeBase(OrgEmployeeState):
    """One employee as staff last told us; only a newer ``version`` replaces a row."""

    employee_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    valid_from: datetime | None = Field(
        default=None, sa_type=DateTime(timezone=True), nullable=False, sa_column_kwargs=_NOW
    )
    received_at: datetime | None = Field(
        default=None, sa_type=DateTime(timezone=True), nullable=False, sa_column_kwargs=_NOW
    )


class OrgEmployeePeriodBase(OrgEmployeeState):
    """One state of one employee and the time it held: from ``valid_from`` (inclusive) to
    ``valid_to`` (exclusive; null while it is the current state)."""

    employee_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    valid_from: datetime = Field(primary_key=True, sa_type=DateTime(timezone=True))
    valid_to: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class OrgStandInBase(SQLModel):
    """One stand-in (代理) as staff last told us; only a newer ``version`` replaces a row.

    ``stand_in_employee_id`` acts for ``absent_employee_id`` on the company-calendar days
    ``starts_on`` … ``ends_on`` (both included) unless ``cancelled``: access through it is
    computed from the dates, so it ends by itself.
    """

    stand_in_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    absent_employee_id: int = Field(index=True)
    stand_in_employee_id: int = Field(index=True)
    starts_on: date
    ends_on: date
    cancelled: bool = Field(default=False)
    version: int
    received_at: datetime | None = Field(
        default=None, sa_type=DateTime(timezone=True), nullable=False, sa_column_kwargs=_NOW
    )
