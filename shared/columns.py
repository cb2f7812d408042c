"""Column factories every table uses (a Column object cannot be shared between tables)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, func


def created_at_column() -> Column[datetime]:
    """Insert time, set by the database, timezone-aware UTC."""
    return Column(DateTime(timezone=True), nullable=False, server_default=func.now())


def updated_at_column() -> Column[datetime]:
    """Last update time, set by the database on insert and by the code on update."""
    return Column(
        DateTime(timezone=True), nullable=False, server_default=func.now(), onupdate=func.now()
    )
