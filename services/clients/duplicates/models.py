"""Merges of duplicate accounts (客户合并): one row per merge, with what it moved.

No foreign key to ``accounts``: the loser's row is deleted by the merge (its columns are
kept in ``loser_row``) and a reference from here would be one more row for a merge to move.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, Index, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.clients.db import ClientsTable
from shared.columns import created_at_column


class AccountMerge(ClientsTable, table=True):
    """``loser_id`` merged into ``survivor_id``. ``moved`` maps ``table.column`` to the
    primary keys (as lists, after the move) of the rows whose column was set from the loser
    to the survivor, so an undo moves back exactly those. ``undone_at`` set: undone."""

    __tablename__ = "account_merges"
    __table_args__ = (
        Index("ix_account_merges_loser_id", "loser_id"),
        Index("ix_account_merges_survivor_id", "survivor_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    survivor_id: int
    loser_id: int
    reason: str = Field(sa_column=Column(Text, nullable=False))
    actor_employee_id: int | None = Field(default=None)
    loser_row: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    moved: dict[str, list[list[Any]]] = Field(sa_column=Column(JSONB, nullable=False))
    undo_until: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    undone_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    undone_by: int | None = Field(default=None)
    version: int = Field(default=1)
    merged_at: datetime | None = Field(default=None, sa_column=created_at_column())
