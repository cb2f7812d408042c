"""An audit log every service can have in its own schema: who did what to which record.

A service declares ``class XAuditEntry(AuditLogBase, XTable, table=True)`` with
``__tablename__ = "audit_log"``. Entries about refused requests are written in a
transaction of their own, because the request's transaction rolls back with the refusal.
Never put a password, token or key in ``detail``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import DateTime, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.auth.policy import ADMIN_ONLY
from shared.auth.principal import Principal
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.pagination import Cursor, Page, PageSize, cursor_key, keyset_page


class AuditLogBase(SQLModel):
    """The columns of every service's audit log."""

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime | None = Field(
        default=None,
        sa_type=DateTime(timezone=True),
        sa_column_kwargs={"server_default": func.now(), "nullable": False},
    )
    actor: str | None = Field(default=None, max_length=64)
    entity: str = Field(max_length=40)
    entity_id: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=40, index=True)
    detail: dict[str, Any] = Field(
        default_factory=dict,
        sa_type=JSONB,
        sa_column_kwargs={"server_default": "{}", "nullable": False},
    )


Entry = TypeVar("Entry", bound=AuditLogBase)
AuditFilter = Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_]{1,40}$")]


class AuditEntryRead(BaseModel):
    """An audit entry as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: datetime
    actor: str | None
    entity: str
    entity_id: str | None
    action: str
    detail: dict[str, Any]


async def record_now(factory: async_sessionmaker[AsyncSession], entry: AuditLogBase) -> None:
    """Write one entry in its own transaction."""
    async with factory() as session:
        session.add(entry)
        await session.commit()


def denial_recorder(
    model: type[AuditLogBase],
) -> Callable[[Request, Principal], Awaitable[None]]:
    """The ``on_access_denied`` hook of a service whose audit table is ``model``."""

    async def record_denial(request: Request, principal: Principal) -> None:
        entry = model(
            action="access_denied",
            entity="route",
            entity_id=f"{request.method} {request.url.path}"[:64],
            actor=principal.subject,
        )
        await record_now(request.app.state.session_factory, entry)

    return record_denial


def audit_router(model: type[AuditLogBase], prefix: str, tag: str) -> APIRouter:
    """``GET <prefix>``: the audit log, newest first, for administrators."""
    router = APIRouter(prefix=prefix, tags=[tag], dependencies=[Depends(ADMIN_ONLY)])

    @router.get(
        "",
        response_model=Page[AuditEntryRead],
        summary="Read the audit log (newest first)",
        responses=problem_responses(400, 401, 403, 422),
    )
    async def list_audit(
        session: SessionDep,
        entity: AuditFilter = None,
        action: AuditFilter = None,
        limit: PageSize = 50,
        cursor: Cursor = None,
    ) -> Page[AuditEntryRead]:
        before = cursor_key(cursor)
        rows = await _entries(session, model, entity, action, before, limit)
        items = [AuditEntryRead.model_validate(row) for row in rows]
        return keyset_page(items, limit)

    return router


async def _entries(
    session: AsyncSession,
    model: type[AuditLogBase],
    entity: str | None,
    action: str | None,
    before_id: int | None,
    limit: int,
) -> Sequence[AuditLogBase]:
    query = select(model).order_by(col(model.id).desc()).limit(limit)
    if entity is not None:
        query = query.where(col(model.entity) == entity)
    if action is not None:
        query = query.where(col(model.action) == action)
    if before_id is not None:
        query = query.where(col(model.id) < before_id)
    return (await session.exec(query)).all()
