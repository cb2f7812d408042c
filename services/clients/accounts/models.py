"""Key accounts (大客户): the record every other client fact hangs from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from services.clients.db import ClientsTable
from shared.columns import created_at_column, updated_at_column


class Account(ClientsTable, table=True):
    """A key account; ``owner_id`` is the responsible employee's id in the staff service."""

    __tablename__ = "accounts"

    id: int | None = Field(default=None, primary_key=True)
    legal_name: str = Field(max_length=200, index=True)
    short_name: str | None = Field(default=None, max_length=100)
    credit_code: str | None = Field(default=None, max_length=18, unique=True)
    industry: str | None = Field(default=None, max_length=50, index=True)
    region: str | None = Field(default=None, max_length=50, index=True)
    address: str | None = Field(default=None, max_length=300)
    source: str | None = Field(default=None, max_length=50)
    status: str = Field(default="active", max_length=20, index=True)
    content_class: str = Field(default="project_single", max_length=30)
    trade_class: str = Field(default="prospect", max_length=20)
    grade: str = Field(default="C", max_length=1, index=True)
    credit_score: int = Field(default=60)
    owner_id: int = Field(index=True)
    parent_id: int | None = Field(default=None, foreign_key="clients.accounts.id", index=True)
    tags: list[str] = Field(
        default_factory=list,
        sa_column=Column(ARRAY(String(50)), nullable=False, server_default="{}"),
    )
    version: int = Field(default=1)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())
