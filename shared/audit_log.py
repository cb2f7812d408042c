"""The audit log of every service, one shape in each schema: who did what to which record.

A service declares ``class XAuditEntry(AuditLogBase, XTable, table=True)`` with
``__tablename__ = "audit_log"`` (clients adds the account an entry belongs to). An entry
carries the actor, the entity, the action, the record before and after, and the facts of
the request it came from (request id, client address, the service that wrote it and, for
a service acting for a person, whom it acted for), filled in by :func:`audit_entry` from
the request being served. Entries about refused requests are written in a transaction of
their own, because the request's transaction rolls back with the refusal. Never put a
password, token or key in ``before`` or ``after``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict
from pydantic import Field as Described
from sqlalchemy import DateTime, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from shared.auth.policy import ADMIN_ONLY
from shared.auth.principal import Principal, PrincipalKind, Role
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.pagination import Cursor, Page, PageSize, cursor_key, keyset_page
from shared.periods import AwareIsoInstant
from shared.request_id import current_request_id

STOOD_IN_FOR = "kam_stood_in_for"
"""Request state: the absent employees whose records the caller reaches as their stand-in."""

ON_BEHALF_OF_HEADER = "x-kam-on-behalf-of"
"""Sent by one of our services acting for a person: that person's subject (``user:12``).
Believed only from a caller authenticated as a service."""

_request_scope: ContextVar[MutableMapping[str, Any] | None] = ContextVar(
    "audit_request_scope", default=None
)


class AuditLogBase(SQLModel):
    """The columns of every service's audit log."""

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime | None = Field(
        default=None,
        sa_type=DateTime(timezone=True),
        sa_column_kwargs={"server_default": func.now(), "nullable": False},
    )
    service: str = Field(max_length=20)
    request_id: str | None = Field(default=None, max_length=64)
    actor: str | None = Field(default=None, max_length=64)
    actor_role: str | None = Field(default=None, max_length=20)
    actor_employee_id: int | None = Field(default=None)
    on_behalf_of: str | None = Field(default=None, max_length=64)
    client_address: str | None = Field(default=None, max_length=64)
    entity: str = Field(max_length=40)
    entity_id: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=40, index=True)
    before: dict[str, Any] | None = Field(default=None, sa_type=JSONB)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSONB)


Entry = TypeVar("Entry", bound=AuditLogBase)
AuditFilter = Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_]{1,40}$")]


class AuditEntryRead(BaseModel):
    """An audit entry as the API shows it (the same shape in every service)."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 981,
                    "occurred_at": "2026-11-23T08:15:00+00:00",
                    "service": "clients",
                    "request_id": "4f1c2a9e0b7d4d4c9c1e6f0a2b3c4d5e",
                    "actor": "user:7",
                    "actor_role": "account_manager",
                    "actor_employee_id": 12,
                    "on_behalf_of": None,
                    "client_address": "10.0.3.14",
                    "entity": "account",
                    "entity_id": "42",
                    "action": "update",
                    "before": {"short_name": "华东电建"},
                    "after": {"short_name": "华东电网建设"},
                }
            ]
        },
    )

    id: int
    occurred_at: datetime
    service: str
    request_id: str | None
    actor: str | None = Described(description="The caller's subject (user:7, service:kpi).")
    actor_role: Role | None = Described(
        default=None,
        description="The widest role the caller held (admin before dept_manager … before "
        "employee); null for a service or an API key, and for entries written before roles "
        "were recorded.",
    )
    actor_employee_id: int | None
    on_behalf_of: str | None = Described(
        description="The person the caller acted for: the user a service acted for "
        "(user:7), or the absent colleague a stand-in worked for (employee:12)."
    )
    client_address: str | None
    entity: str
    entity_id: str | None
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class AuditContextMiddleware:
    """Makes the request being served visible to :func:`request_facts` (pure ASGI, so the
    context variable reaches the endpoint and its dependencies)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _request_scope.set(scope)
        try:
            await self.app(scope, receive, send)
        finally:
            _request_scope.reset(token)


def request_facts(principal: Principal | None = None) -> dict[str, Any]:
    """Request id, client address, actor and on-behalf-of of the request being served
    (empty values outside a request: a job, a test calling a service directly)."""
    scope = _request_scope.get()
    if principal is None and scope is not None:
        found = scope.get("state", {}).get("principal")
        principal = found if isinstance(found, Principal) else None
    facts: dict[str, Any] = {"request_id": current_request_id()}
    if scope is not None and scope.get("client"):
        facts["client_address"] = str(scope["client"][0])[:64]
    if principal is not None:
        facts["actor"] = principal.subject[:64]
        facts["actor_role"] = actor_role(principal)
        facts["actor_employee_id"] = principal.employee_id
        if principal.kind is PrincipalKind.SERVICE and scope is not None:
            headers = dict(scope.get("headers") or ())
            behalf = headers.get(ON_BEHALF_OF_HEADER.encode("latin-1"))
            if behalf:
                facts["on_behalf_of"] = behalf.decode("latin-1")[:64]
    return facts


def actor_role(principal: Principal) -> Role | None:
    """The role an audit entry records for ``principal``: the widest it holds, in the order
    :class:`Role` declares them (admin first, employee last); None for a service or an API
    key, which act by their subject and scopes, not by a role."""
    if principal.kind is not PrincipalKind.USER:
        return None
    return next((role for role in Role if role in principal.roles), None)


def note_stood_in_for(request: Request, absent_employee_ids: frozenset[int]) -> None:
    """Mark the request as reaching these absent colleagues' records through a stand-in."""
    setattr(request.state, STOOD_IN_FOR, absent_employee_ids)


def stood_in_for() -> frozenset[int]:
    """The absent colleagues the request being served acts for as their stand-in (empty
    outside a request or when no stand-in was used)."""
    scope = _request_scope.get()
    found = scope.get("state", {}).get(STOOD_IN_FOR) if scope is not None else None
    return found if isinstance(found, frozenset) else frozenset()


def on_behalf_of_employee(employee_id: int) -> str:
    """How an audit entry names the absent colleague a stand-in acted for."""
    return f"employee:{employee_id}"


def audit_entry(model: type[Entry], **fields: Any) -> Entry:
    """An entry of ``model`` with the facts of the current request filled in; ``fields``
    (entity, action, before, after, service …) win over them, except a None, which leaves
    the request's fact in place (a writer that does not know its actor passes None)."""
    facts = request_facts()
    given = {key: value for key, value in fields.items() if value is not None or key not in facts}
    return model(**{**facts, **given})


async def record_now(factory: async_sessionmaker[AsyncSession], entry: AuditLogBase) -> None:
    """Write one entry in its own transaction."""
    async with factory() as session:
        session.add(entry)
        await session.commit()


def denial_recorder(
    model: type[AuditLogBase], service: str
) -> Callable[[Request, Principal], Awaitable[None]]:
    """The ``on_access_denied`` hook of a service whose audit table is ``model``: one
    ``access_denied`` entry on entity ``access`` naming the refused route."""

    async def record_denial(request: Request, principal: Principal) -> None:
        entry = audit_entry(
            model,
            **request_facts(principal),
            service=service,
            action="access_denied",
            entity="access",
            entity_id=f"{request.method} {request.url.path}"[:64],
            after={"method": request.method, "path": request.url.path[:200]},
        )
        await record_now(request.app.state.session_factory, entry)

    return record_denial


ActionPrefix = Annotated[
    str | None,
    Query(
        max_length=40,
        pattern=r"^[a-z_]{1,40}$",
        description="Entries whose action starts with this (position_ → every step of a "
        "position version).",
    ),
]
ActorFilter = Annotated[
    str | None,
    Query(max_length=64, pattern=r"^[a-z_]{1,20}:[0-9A-Za-z_.-]{1,40}$",
          description="The caller's subject (user:7, service:kpi, api_key:3)."),
]  # fmt: skip
ActorRoleFilter = Annotated[
    Role | None, Query(description="Entries of callers whose widest role was this one.")
]
EntityFilter = Annotated[
    str | None,
    Query(
        max_length=40,
        pattern=r"^[a-z_]{1,40}$",
        description="Kind of record (account, contact, employee, cycle, access …).",
    ),
]
EntityIdFilter = Annotated[str | None, Query(max_length=64, pattern=r"^[^\x00]{1,64}$")]
Instant = Annotated[
    AwareIsoInstant | None,
    Query(description="ISO 8601 with an offset; since is inclusive, until exclusive."),
]


@dataclass(frozen=True)
class AuditSearch:
    """What an administrator looks for in an audit log (every filter optional)."""

    entity: str | None = None
    entity_id: str | None = None
    action: str | None = None
    action_prefix: str | None = None
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    actor_role: Role | None = None

    def as_query(self) -> dict[str, str]:
        """The filters as query parameters of another service's audit search."""
        found = {name: getattr(self, name) for name in self.__dataclass_fields__}
        return {
            name: value.isoformat() if isinstance(value, datetime) else str(value)
            for name, value in found.items()
            if value is not None
        }


def audit_search(
    entity: EntityFilter = None,
    entity_id: EntityIdFilter = None,
    action: AuditFilter = None,
    action_prefix: ActionPrefix = None,
    actor: ActorFilter = None,
    actor_role: ActorRoleFilter = None,
    since: Instant = None,
    until: Instant = None,
) -> AuditSearch:
    """The filters every audit search takes, from the query."""
    return AuditSearch(entity, entity_id, action, action_prefix, actor, since, until, actor_role)


AuditSearchDep = Annotated[AuditSearch, Depends(audit_search)]

Query_ = TypeVar("Query_", bound=SelectOfScalar[Any])


def searched(query: Query_, model: type[AuditLogBase], search: AuditSearch) -> Query_:
    """``query`` on ``model`` narrowed to the entries ``search`` asks for (the one place
    every service's audit search filters)."""
    if search.entity is not None:
        query = query.where(col(model.entity) == search.entity)
    if search.entity_id is not None:
        query = query.where(col(model.entity_id) == search.entity_id)
    if search.action is not None:
        query = query.where(col(model.action) == search.action)
    if search.action_prefix is not None:
        query = query.where(col(model.action).startswith(search.action_prefix, autoescape=True))
    if search.actor is not None:
        query = query.where(col(model.actor) == search.actor)
    if search.actor_role is not None:
        query = query.where(col(model.actor_role) == search.actor_role.value)
    if search.since is not None:
        query = query.where(col(model.occurred_at) >= search.since)
    if search.until is not None:
        query = query.where(col(model.occurred_at) < search.until)
    return query


def audit_router(model: type[AuditLogBase], prefix: str, tag: str) -> APIRouter:
    """``GET <prefix>``: the audit log, newest first, for administrators."""
    router = APIRouter(prefix=prefix, tags=[tag], dependencies=[Depends(ADMIN_ONLY)])

    @router.get(
        "",
        response_model=Page[AuditEntryRead],
        summary="Search the audit log (newest first)",
        responses=problem_responses(400, 401, 403, 422),
    )
    async def list_audit(
        session: SessionDep,
        search: AuditSearchDep,
        limit: PageSize = 50,
        cursor: Cursor = None,
    ) -> Page[AuditEntryRead]:
        rows = await audit_entries(session, model, search, cursor_key(cursor), limit)
        items = [AuditEntryRead.model_validate(row) for row in rows]
        return keyset_page(items, limit)

    return router


async def audit_entries(
    session: AsyncSession,
    model: type[Entry],
    search: AuditSearch,
    before_id: int | None,
    limit: int,
) -> Sequence[Entry]:
    """Entries of ``model`` matching ``search``, newest first, older than ``before_id``."""
    query = searched(select(model).order_by(col(model.id).desc()).limit(limit), model, search)
    if before_id is not None:
        query = query.where(col(model.id) < before_id)
    return (await session.exec(query)).all()
