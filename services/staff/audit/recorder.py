"""Audit entries of the staff service."""

from __future__ import annotations

from typing import Any

from services.staff.audit.models import StaffAuditEntry
from shared import audit_log
from shared.audit_log import denial_recorder, record_now

__all__ = ["audit_entry", "change_entry", "record_denial", "record_now"]

SERVICE = "staff"
record_denial = denial_recorder(StaffAuditEntry, SERVICE)


def audit_entry(
    action: str,
    *,
    entity: str,
    entity_id: object = None,
    actor: str | None = None,
    **after: Any,
) -> StaffAuditEntry:
    """An entry ready to be added to a session (the request's facts filled in)."""
    return audit_log.audit_entry(
        StaffAuditEntry,
        service=SERVICE,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        actor=actor,
        after=after or None,
    )


def change_entry(
    action: str,
    *,
    entity: str,
    entity_id: object,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> StaffAuditEntry:
    """An entry of a record created or changed: the changed fields before and after (the
    request's facts, its actor among them, filled in)."""
    return audit_log.audit_entry(
        StaffAuditEntry,
        service=SERVICE,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=before or None,
        after=after or None,
    )


def changed_fields(record: object, changes: dict[str, Any]) -> dict[str, Any]:
    """The values ``record`` holds now for the fields ``changes`` is about to set (JSON)."""
    from fastapi.encoders import jsonable_encoder

    return {field: jsonable_encoder(getattr(record, field, None)) for field in changes}
