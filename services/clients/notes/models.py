"""Notes (跟进记录/备注): what someone wrote down about an account."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field

from services.clients.db import ClientsTable
from shared.columns import created_at_column, updated_at_column


class Note(ClientsTable, table=True):
    """A note on an account by ``author_id``; only its author edits it (``version`` is the
    ETag). The account's timeline reads it by (account, created_at, id)."""

    __tablename__ = "notes"
    __table_args__ = (Index("ix_notes_account_id_created_at_id", "account_id", "created_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="clients.accounts.id")
    author_id: int
    body: str = Field(sa_column=Column(Text, nullable=False))
    version: int = Field(default=1)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())
