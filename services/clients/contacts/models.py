"""Contacts (联系人) and their relationship to accounts (a contact may serve several)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from services.clients.db import ClientsTable
from shared.columns import created_at_column, updated_at_column


class Contact(ClientsTable, table=True):
    """A person at a client: personal data, masked in lists for roles that do not need it."""

    __tablename__ = "contacts"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, index=True)
    title: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=30)
    email: str | None = Field(default=None, max_length=200)
    birthday: date | None = Field(default=None)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    version: int = Field(default=1)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())


class AccountContact(ClientsTable, table=True):
    """A contact's role at one account, with the period it held."""

    __tablename__ = "account_contacts"
    __table_args__ = (
        UniqueConstraint("account_id", "contact_id"),
        Index("ix_account_contacts_contact_id", "contact_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="clients.accounts.id")
    contact_id: int = Field(foreign_key="clients.contacts.id")
    roles: list[str] = Field(
        default_factory=list,
        sa_column=Column(ARRAY(String(20)), nullable=False, server_default="{}"),
    )
    active: bool = Field(default=True)
    start_date: date | None = Field(default=None)
    end_date: date | None = Field(default=None)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())
