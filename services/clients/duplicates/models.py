"""Merges of duplicates (客户合并, 联系人合并): one row per merge, with what it moved.

No foreign key to the merged records: the loser's row is deleted by the merge (its columns
are kept in ``loser_row``) and a reference from here would be one more row to move.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.clients.db import ClientsTable


class MergeRecord(ClientsTable):
    """The columns of every merge (a record of one kind merged into another of its kind):
    ``loser_id`` merged into ``survivor_id``. ``moved`` maps ``schema.table.column`` to
    the primary keys (as lists, after the move) of the rows whose column was set from the
    loser to the survivor, so an undo moves back exactly those. ``undone_at`` set: undone.

    Columns by type, not Column objects: a Column cannot be shared between tables."""

    id: int | None = Field(default=None, primary_key=True)
    survivor_id: int
    loser_id: int
    reason: str = Field(sa_type=Text, nullable=False)
    actor_employee_id: int | None = Field(default=None)
    loser_row: dict[str, Any] = Field(sa_type=JSONB, nullable=False)
    moved: dict[str, list[list[Any]]] = Field(sa_type=JSONB, nullable=False)
    undo_until: datetime = Field(sa_type=DateTime(timezone=True), nullable=False)
    undone_at: datetime | None = Field(
        default=None,
        sa_type=DateTime(timezone=True),
        nullable=True,
    )
    undone_by: int | None = Field(default=None)
    version: int = Field(default=1)
    merged_at: datetime | None = Field(
        default=None,
        sa_type=DateTime(timezone=True),
        sa_column_kwargs={"nullable": False, "server_default": func.now()},
    )


class AccountMerge(MergeRecord, table=True):
    """An account merged into another (every reference onto ``clients.accounts``)."""

    __tablename__ = "account_merges"
    __table_args__ = (
        Index("ix_account_merges_loser_id", "loser_id"),
        Index("ix_account_merges_survivor_id", "survivor_id"),
    )


class ContactMerge(MergeRecord, table=True):
    """A contact merged into another (every reference onto ``clients.contacts``).
    ``set_aside``: per ``schema.table.column``, the loser's rows (whole, as JSON) that were
    deleted instead of moved because the survivor held the same record already (the same
    account linked to both contacts); an undo inserts them again."""

    __tablename__ = "contact_merges"
    __table_args__ = (
        Index("ix_contact_merges_loser_id", "loser_id"),
        Index("ix_contact_merges_survivor_id", "survivor_id"),
    )

    set_aside: dict[str, list[dict[str, Any]]] = Field(
        default_factory=dict,
        sa_type=JSONB,
        sa_column_kwargs={"nullable": False, "server_default": "{}"},
    )
