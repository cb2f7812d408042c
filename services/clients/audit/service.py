"""Recording changes. Every writer in the service calls :class:`AuditTrail` with the same
session as its change, so the entry commits or rolls back with it."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from services.clients.access import sees_personal_data
from services.clients.audit.denials import SERVICE
from services.clients.audit.models import AuditEntry
from services.clients.audit.repository import AuditRepository
from services.clients.audit.rules import carries_personal_data, mask_snapshot
from services.clients.audit.schemas import AuditEntity, AuditEntryRead
from shared.audit_log import AuditSearch, audit_entry, stood_in_for
from shared.auth.principal import Principal

Snapshot = dict[str, Any]

_NOT_AUDITED = frozenset({"created_at", "updated_at", "received_at"})


def snapshot(record: BaseModel) -> Snapshot:
    """A JSON-safe copy of a record's fields, without bookkeeping timestamps."""
    data = record.model_dump(mode="json")
    return {key: value for key, value in data.items() if key not in _NOT_AUDITED}


def changed_fields(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[Snapshot, Snapshot]:
    """Only the fields whose value differs, as (before, after)."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


class AuditTrail:
    """Writes audit entries into the current transaction."""

    def __init__(self, repository: AuditRepository) -> None:
        self.repository = repository

    def record(
        self,
        *,
        entity: AuditEntity,
        entity_id: int | str,
        action: str,
        actor_employee_id: int | None,
        account_id: int | None,
        before: Snapshot | None = None,
        after: Snapshot | None = None,
    ) -> None:
        entry = audit_entry(
            AuditEntry,
            service=SERVICE,
            entity=entity.value,
            entity_id=str(entity_id),
            account_id=account_id,
            action=action,
            actor_employee_id=actor_employee_id,
            before=before,
            after=after,
        )
        absent = stood_in_for()
        if account_id is not None and absent:
            self.repository.name_absent_owner(entry, account_id, absent)
        self.repository.add(entry)

    async def list(
        self,
        search: AuditSearch,
        *,
        account_id: int | None,
        before_id: int | None,
        limit: int,
    ) -> Sequence[AuditEntry]:
        return await self.repository.list(
            search, account_id=account_id, before_id=before_id, limit=limit
        )

    async def as_seen_by(
        self,
        entries: Sequence[AuditEntry],
        owner_ids: Collection[int] | None,
        viewer: Principal,
    ) -> builtins.list[AuditEntryRead]:
        """The entries with a contact's personal data in ``before``/``after`` masked
        unless ``viewer`` sees it (:func:`services.clients.access.sees_personal_data`, the
        one masking rule: by the owners of the contact's accounts, or of the entry's)."""
        personal = {
            entry.id
            for entry in entries
            if carries_personal_data(entry.before) or carries_personal_data(entry.after)
        }
        chosen = [entry for entry in entries if entry.id in personal]
        contacts = await self.repository.contact_owners(
            [int(e.entity_id) for e in chosen if e.entity == AuditEntity.CONTACT and e.entity_id]
        )
        accounts = await self.repository.account_owners(
            [e.account_id for e in chosen if e.account_id is not None]
        )
        reads: builtins.list[AuditEntryRead] = []
        for entry in entries:
            read = AuditEntryRead.model_validate(entry)
            if entry.id in personal:
                owners = {accounts[entry.account_id]} if entry.account_id in accounts else set()
                if entry.entity == AuditEntity.CONTACT and entry.entity_id:
                    owners |= contacts.get(int(entry.entity_id), set())
                if not sees_personal_data(viewer, owner_ids, owners):
                    read = read.model_copy(
                        update={
                            "before": mask_snapshot(read.before),
                            "after": mask_snapshot(read.after),
                        }
                    )
            reads.append(read)
        return reads
