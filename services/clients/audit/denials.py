"""Refused accesses go to the audit log in a transaction of their own (the request's
transaction rolls back with the refusal)."""

from __future__ import annotations

from fastapi import Request

from services.clients.audit.models import AuditEntry
from services.clients.audit.schemas import AuditEntity
from shared.auth.principal import Principal


async def record_denial(request: Request, principal: Principal) -> None:
    """``app.state.on_access_denied`` of the clients service."""
    async with request.app.state.session_factory() as session:
        session.add(
            AuditEntry(
                entity=AuditEntity.ACCESS.value,
                entity_id=0,
                action="denied",
                actor_employee_id=principal.employee_id,
                after={
                    "method": request.method,
                    "path": request.url.path[:200],
                    "actor": principal.subject,
                },
            )
        )
        await session.commit()
