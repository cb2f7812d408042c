"""Refused accesses go to the audit log like staff's and kpi's (shared.audit_log), in a
transaction of their own: the request's transaction rolls back with the refusal."""

from __future__ import annotations

from services.clients.audit.models import AuditEntry
from shared.audit_log import denial_recorder

SERVICE = "clients"

record_denial = denial_recorder(AuditEntry, SERVICE)
"""``app.state.on_access_denied`` of the clients service."""
