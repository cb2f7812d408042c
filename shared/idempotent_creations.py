"""``Idempotency-Key`` on every creating POST of a service (the routes answering 201/202).

Money routes keep :class:`shared.idempotency.Idempotency`, which records the key in the
transaction of the facts. Every other creating POST gets this middleware: a request with a
key first *claims* it (a pending row, committed at once), runs, and then stores its answer
in that row; a retry with the same key and the same request gets the stored answer with
``Idempotent-Replayed: true`` and runs nothing; the same key for another request is 422
``idempotency-key-reused``; while the first is still running, 409
``idempotency-key-in-flight`` (the same rules and table as the money routes, keyed by the
caller's verified subject and the key).

Why a claim row rather than the request's transaction: the endpoint's transaction commits
before its answer is rendered, and holding a second connection for the whole request
would let keyed requests exhaust the pool. The price is a narrow window: a process that
dies after the endpoint committed and before the answer was stored leaves a pending claim,
which a retry takes over after :data:`ABANDONED_AFTER` and runs again. A request that
fails (4xx/5xx) releases its claim, so the client may retry it with the same key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from tempfile import SpooledTemporaryFile
from typing import IO, Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy import delete, func, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth.policy import principal_of
from shared.errors import DomainError, problem_response
from shared.idempotency import (
    HEADER,
    IDEMPOTENCY_ERRORS,
    MAX_KEY_LENGTH,
    Idempotency,
    IdempotencyKeyBase,
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    _replayed,
    parse_key,
    streamed_fingerprint,
)
from shared.routes import api_routes

PENDING = 0
"""``status_code`` of a claimed key whose request has not answered yet."""
ABANDONED_AFTER = timedelta(minutes=5)
"""A pending claim this old belongs to a request that died: a retry takes it over."""
CREATED = frozenset({201, 202})
SPOOL_IN_MEMORY = 1024 * 1024
"""A keyed request's body is kept in memory up to this size, past it in a temporary file
(an attachment's upload is not held whole in memory)."""
PIECE = 64 * 1024  # bytes per read of a spooled body


def _pieces(body: IO[bytes]) -> Iterator[bytes]:
    """The spooled body from its start, in pieces."""
    body.seek(0)
    while piece := body.read(PIECE):
        yield piece


STORED_HEADERS = ("content-type", "location", "etag")


def _uses_own_idempotency(route: APIRoute) -> bool:
    stack: list[Dependant] = [route.dependant]
    while stack:
        dependant = stack.pop()
        if isinstance(dependant.call, Idempotency):
            return True
        stack.extend(dependant.dependencies)
    return False


def creates(route: APIRoute) -> bool:
    """A POST that answers 201 or 202 (documented so), without its own key handling."""
    answers = {route.status_code, *(int(s) for s in route.responses if str(s).isdigit())}
    return (
        "POST" in (route.methods or ())
        and bool(answers & CREATED)
        and not _uses_own_idempotency(route)
    )


def creating_routes(app: FastAPI) -> list[APIRoute]:
    return [route for route in api_routes(app) if creates(route)]


def _bearer(scope: Scope) -> str | None:
    value = Headers(scope=scope).get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


class IdempotentCreations:
    """The middleware (pure ASGI); ``model`` is the service's idempotency table."""

    def __init__(self, app: ASGIApp, *, model: type[IdempotencyKeyBase]) -> None:
        self.app = app
        self.model = model
        self._routes: list[APIRoute] | None = None

    def _creating(self, scope: Scope) -> bool:
        if self._routes is None:
            self._routes = creating_routes(scope["app"])
        return any(route.matches(scope)[0] == Match.FULL for route in self._routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not self._creating(scope):
            await self.app(scope, receive, send)
            return
        raw = Headers(scope=scope).get(HEADER)
        token = _bearer(scope)
        if raw is None or token is None:  # no key, or no caller to keep keys apart
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            key = parse_key(raw)
            principal = await principal_of(request, token)
        except DomainError as exc:
            if exc.status == 401:  # the route answers an unknown caller as it always does
                await self.app(scope, receive, send)
                return
            await self._problem(exc, scope, receive, send)
            return
        assert key is not None
        with SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as body:
            length = 0
            async for chunk in request.stream():
                body.write(chunk)
                length += len(chunk)
            query = scope.get("query_string", b"").decode("latin-1")
            path = scope["path"] + (f"?{query}" if query else "")
            claim = _Claim(
                scope["app"].state.session_factory,
                self.model,
                key=key,
                caller=principal.subject[:128],
                path=path,
                fingerprint=streamed_fingerprint("POST", path, _pieces(body), length),
            )
            try:
                replay = await claim.take()
            except DomainError as exc:
                await self._problem(exc, scope, receive, send)
                return
            if replay is not None:
                await replay(scope, receive, send)
                return
            await self._run_and_store(claim, body, length, scope, receive, send)

    async def _run_and_store(
        self, claim: _Claim, body: IO[bytes], length: int, scope: Scope, receive: Receive,
        send: Send,
    ) -> None:  # fmt: skip
        body.seek(0)
        finished = False

        async def replay_body() -> Message:
            nonlocal finished
            if finished:
                return await receive()
            piece = body.read(PIECE)
            finished = body.tell() >= length
            return {"type": "http.request", "body": piece, "more_body": not finished}

        status = 500
        headers: dict[str, str] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                for name, value in message.get("headers", []):
                    lowered = name.decode("latin-1").lower()
                    if lowered in STORED_HEADERS:
                        headers[lowered] = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        stored = False
        try:
            await self.app(scope, replay_body, capture)
            if 200 <= status < 300:
                await claim.store(status, b"".join(chunks), headers)
                stored = True
        finally:
            if not stored:
                await claim.release()

    @staticmethod
    async def _problem(exc: DomainError, scope: Scope, receive: Receive, send: Send) -> None:
        extra = dict(exc.extra)
        headers = extra.pop("headers", None)
        response = problem_response(
            exc.status,
            headers=headers,
            slug=exc.slug,
            detail=exc.detail,
            instance=scope["path"],
            extra=extra,
        )
        await response(scope, receive, send)


class _Claim:
    """One caller's key in the service's table: taken, then stored or released."""

    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        model: type[IdempotencyKeyBase],
        *,
        key: str,
        caller: str,
        path: str,
        fingerprint: str,
    ) -> None:
        self.factory = factory
        self.model = model
        self.table: Any = model.__table__  # type: ignore[attr-defined]
        self.key = key
        self.caller = caller
        self.path = path
        self.fingerprint = fingerprint

    def _this(self) -> Any:
        return (col(self.model.key) == self.key) & (col(self.model.caller) == self.caller)

    async def take(self) -> Callable[[Scope, Receive, Send], Any] | None:
        """None when the key is now ours; the stored answer when this is a retry."""
        async with self.factory() as session:
            inserted = await session.execute(
                insert(self.table)
                .values(
                    key=self.key,
                    caller=self.caller,
                    request_hash=self.fingerprint,
                    method="POST",
                    path=self.path[:2048],
                    status_code=PENDING,
                    response_body=b"",
                    response_headers={},
                )
                .on_conflict_do_nothing()
            )
            if inserted.rowcount == 1:  # type: ignore[attr-defined]
                await session.commit()
                return None
            row = (
                await session.exec(select(self.model).where(self._this()).with_for_update())  # type: ignore[attr-defined]
            ).first()
            if row is None:  # released between our insert and our read: try once more
                await session.rollback()
                return await self.take()
            if row.request_hash != self.fingerprint:
                raise IdempotencyKeyReused(
                    f"this {HEADER} was already used for a different request "
                    f"({row.method} {row.path.split('?')[0]}); use a new key for a new request"
                )
            if row.status_code != PENDING:
                return _replayed(row)
            abandoned = await session.execute(
                update(self.table)
                .where(self._this(), self.table.c.created_at < func.now() - ABANDONED_AFTER)
                .values(created_at=func.now())
            )
            if abandoned.rowcount == 1:  # type: ignore[attr-defined]
                await session.commit()
                return None
            raise IdempotencyKeyInFlight(
                f"a request with this {HEADER} is still in progress; retry in a moment",
                extra={"headers": {"Retry-After": "1"}},
            )

    async def store(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        async with self.factory() as session:
            await session.execute(
                update(self.table)
                .where(self._this())
                .values(status_code=status, response_body=body, response_headers=headers)
            )
            await session.commit()

    async def release(self) -> None:
        async with self.factory() as session:
            await session.execute(
                delete(self.table).where(self._this(), self.table.c.status_code == PENDING)
            )
            await session.commit()


IDEMPOTENCY_PARAMETER: dict[str, Any] = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": (
        "A unique value per intended creation (a UUID). A retry with the same key and body "
        "returns the first answer (header Idempotent-Replayed: true) and creates nothing; "
        "the same key for another request is 422 idempotency-key-reused; keys are kept at "
        "least 24 hours."
    ),
    "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH + 2},
}


def document_idempotent_creations(app: FastAPI) -> None:
    """Name the optional ``Idempotency-Key`` header, and the answers it adds, on every
    creating POST of ``app``'s OpenAPI document (once, cached)."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        for route in creating_routes(app):
            operation = schema.get("paths", {}).get(route.path_format, {}).get("post")
            if operation is None:
                continue
            parameters: list[dict[str, Any]] = operation.setdefault("parameters", [])
            if not any(str(p.get("name", "")).lower() == HEADER.lower() for p in parameters):
                parameters.append(dict(IDEMPOTENCY_PARAMETER))
            for status in IDEMPOTENCY_ERRORS:
                operation["responses"].setdefault(
                    str(status),
                    {
                        "description": "Idempotency-Key malformed, reused or in flight",
                        "content": {
                            "application/problem+json": {
                                "schema": {"$ref": "#/components/schemas/Problem"}
                            }
                        },
                    },
                )
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
