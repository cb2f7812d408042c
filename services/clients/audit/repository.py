"""Every query on the audit trail."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import String, cast, column, func, literal, table
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.audit.models import AuditEntry
from services.clients.db import SCHEMA
from shared.audit_log import AuditSearch, searched

# By name, so the trail needs nothing of the accounts and contacts domains.
_ACCOUNTS = table("accounts", column("id"), column("owner_id"), schema=SCHEMA)
_LINKS = table("account_contacts", column("account_id"), column("contact_id"), schema=SCHEMA)


class AuditRepository:
    """Writes and reads of ``audit_log``."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, entry: AuditEntry) -> None:
        # Flushed with the change it records: one transaction, one fate.
        self.session.add(entry)

    def name_absent_owner(
        self, entry: AuditEntry, account_id: int, absent_ids: Collection[int]
    ) -> None:
        """Fill ``on_behalf_of`` with ``employee:<owner>`` when the account's owner is one of
        the absent colleagues the caller stands in for (computed in the INSERT itself, so the
        writer needs not load the account; NULL for any other account)."""
        owner = (
            select(func.concat(literal("employee:"), cast(_ACCOUNTS.c.owner_id, String)))
            .where(_ACCOUNTS.c.id == account_id, _ACCOUNTS.c.owner_id.in_(list(absent_ids)))
            .scalar_subquery()
        )
        # SQLAlchemy renders a SQL expression assigned to a mapped attribute into the INSERT.
        setattr(entry, "on_behalf_of", owner)  # noqa: B010

    async def list(
        self,
        search: AuditSearch,
        *,
        account_id: int | None,
        before_id: int | None,
        limit: int,
    ) -> Sequence[AuditEntry]:
        """Newest first: the shared audit search's filters, and the account's entries."""
        query = searched(
            select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit),
            AuditEntry,
            search,
        )
        if account_id is not None:
            query = query.where(col(AuditEntry.account_id) == account_id)
        if before_id is not None:
            query = query.where(col(AuditEntry.id) < before_id)
        result = await self.session.exec(query)
        return result.all()

    async def account_owners(self, account_ids: Sequence[int]) -> dict[int, int]:
        """Each account's owner."""
        if not account_ids:
            return {}
        query = select(_ACCOUNTS.c.id, _ACCOUNTS.c.owner_id).where(
            _ACCOUNTS.c.id.in_(sorted(set(account_ids)))
        )
        return {row[0]: row[1] for row in (await self.session.exec(query)).all()}

    async def contact_owners(self, contact_ids: Sequence[int]) -> dict[int, set[int]]:
        """The owners of the accounts each contact is linked to."""
        if not contact_ids:
            return {}
        query = (
            select(_LINKS.c.contact_id, _ACCOUNTS.c.owner_id)
            .join(_ACCOUNTS, _ACCOUNTS.c.id == _LINKS.c.account_id)
            .where(_LINKS.c.contact_id.in_(sorted(set(contact_ids))))
        )
        owners: dict[int, set[int]] = {}
        for contact_id, owner_id in (await self.session.exec(query)).all():
            owners.setdefault(contact_id, set()).add(owner_id)
        return owners
