"""Every query on the audit trail."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.audit.models import AuditEntry


class AuditRepository:
    """Writes and reads of ``audit_log``."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, entry: AuditEntry) -> None:
        # Flushed with the change it records: one transaction, one fate.
        self.session.add(entry)

    async def list(
        self,
        *,
        entity: str | None,
        entity_id: int | None,
        account_id: int | None,
        before_id: int | None,
        limit: int,
    ) -> Sequence[AuditEntry]:
        """Newest first."""
        query = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
        if entity is not None:
            query = query.where(col(AuditEntry.entity) == entity)
        if entity_id is not None:
            query = query.where(col(AuditEntry.entity_id) == str(entity_id))
        if account_id is not None:
            query = query.where(col(AuditEntry.account_id) == account_id)
        if before_id is not None:
            query = query.where(col(AuditEntry.id) < before_id)
        result = await self.session.exec(query)
        return result.all()
