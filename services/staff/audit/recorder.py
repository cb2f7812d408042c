"""Writing audit entries: inside the request's transaction, or on their own.

Denials and failed sign-ins must be kept although the request fails (its transaction rolls
back), so those are written in a short transaction of their own.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.staff.audit.models import StaffAuditEntry
from shared.auth.principal import Principal


def audit_entry(
    action: str,
    *,
    entity: str,
    entity_id: object = None,
    actor: str | None = None,
    **detail: Any,
) -> StaffAuditEntry:
    """An entry ready to be added to a session."""
    return StaffAuditEntry(
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        actor=actor,
        detail=detail,
    )


async def record_now(factory: async_sessionmaker[AsyncSession], entry: StaffAuditEntry) -> None:
    """Write one entry in its own transaction."""
    async with factory() as session:
        session.add(entry)
        await session.commit()


async def record_denial(request: Request, principal: Principal) -> None:
    """``app.state.on_access_denied`` of the staff service."""
    await record_now(
        request.app.state.session_factory,
        audit_entry(
            "access_denied",
            entity="route",
            entity_id=f"{request.method} {request.url.path}"[:64],
            actor=principal.subject,
        ),
    )
