"""Bodies of the audit search across services."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from shared.audit_log import AuditEntryRead


class AuditService(StrEnum):
    """The services whose audit logs the search reads."""

    CLIENTS = "clients"
    STAFF = "staff"
    KPI = "kpi"


class AuditSearchEntry(AuditEntryRead):
    """An entry of any service's audit log (the shape they share), naming its service; a
    clients entry also names the account it belongs to."""

    service: AuditService  # the shared shape's str, narrowed
    account_id: int | None = Field(default=None, examples=[42])
