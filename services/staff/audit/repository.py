"""Queries on the staff audit log."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.staff.audit.models import StaffAuditEntry


async def list_entries(
    session: AsyncSession,
    *,
    entity: str | None,
    action: str | None,
    before_id: int | None,
    limit: int,
) -> Sequence[StaffAuditEntry]:
    """Newest first, keyset-paginated by id."""
    query = select(StaffAuditEntry).order_by(col(StaffAuditEntry.id).desc()).limit(limit)
    if entity is not None:
        query = query.where(col(StaffAuditEntry.entity) == entity)
    if action is not None:
        query = query.where(col(StaffAuditEntry.action) == action)
    if before_id is not None:
        query = query.where(col(StaffAuditEntry.id) < before_id)
    return (await session.exec(query)).all()
