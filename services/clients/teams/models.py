"""Account teams (客户服务团队): the people besides the owner who serve an account."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field

from services.clients.db import ClientsTable
from shared.columns import created_at_column, updated_at_column


class AccountTeamMember(ClientsTable, table=True):
    """One employee on an account's team, with his part (``role``) and ``access`` level
    (read / work); the access predicate reads this table by name (services.clients.access)."""

    __tablename__ = "account_team_members"
    __table_args__ = (Index("ix_account_team_members_employee_id", "employee_id"),)

    account_id: int = Field(foreign_key="clients.accounts.id", primary_key=True)
    employee_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    role: str = Field(max_length=30)
    access: str = Field(max_length=10)
    added_by_employee_id: int | None = Field(default=None)
    version: int = Field(default=1)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())
