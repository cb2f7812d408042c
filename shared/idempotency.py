"""``Idempotency-Key`` for POSTs that create money facts (rule 9 of DESIGN.md).

A retried request must not create a second payment. The client sends a unique key; the
first request with it runs, and its response is stored **in the same transaction** as the
facts it created, so there is never a fact without its key, nor a key without its fact.

- same key, same request (method, path with query, body bytes) → the stored response again,
  with ``Idempotent-Replayed: true``, and nothing runs;
- same key, another request → 422 ``idempotency-key-reused``;
- same key while the first request is still in flight → 409 ``idempotency-key-in-flight``
  (a transaction-level advisory lock: held until the first request commits or rolls back);
- keys are per caller (the principal's subject): two callers never see each other's keys;
- a request that fails (4xx/5xx raised by the endpoint) rolls back and stores nothing, so
  the client may retry it with the same key;
- keys are kept at least 24 hours (:class:`IdempotencySettings`); :func:`purge_idempotency_keys`
  deletes older ones.

Each service gets its own table from one base, like the audit log::

    class ClientsIdempotencyKey(IdempotencyKeyBase, ClientsTable, table=True):
        __tablename__ = "idempotency_keys"

    PaymentIdempotency = Annotated[IdempotentRequest, Depends(Idempotency(ClientsIdempotencyKey))]

    @router.post("/payments", status_code=201, response_model=PaymentRead,
                 responses=problem_responses(*IDEMPOTENCY_ERRORS, ...))
    async def register_payment(body: PaymentCreate, session: SessionDep,
                               idempotency: PaymentIdempotency) -> Response:
        return await idempotency.run(lambda: register(session, body), status_code=201)

The endpoint and the dependency share the request's session (``SessionDep``), so the key
row commits with the endpoint's writes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import Field as SettingsField
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import DateTime, LargeBinary, delete, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.auth.policy import authenticate
from shared.auth.principal import Principal
from shared.db import SessionDep
from shared.errors import BadRequest, Conflict, UnprocessableContent

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
MIN_RETENTION = timedelta(hours=24)
IDEMPOTENCY_ERRORS: tuple[int, ...] = (400, 409, 422)
"""Statuses a route using :class:`Idempotency` adds to its ``responses=``."""

_KEY = re.compile(rf"[\x21-\x7e]{{1,{MAX_KEY_LENGTH}}}")  # printable ASCII, no spaces


class IdempotencySettings(BaseSettings):
    """How long keys are kept (``KAM_IDEMPOTENCY_`` prefix); never less than 24 hours."""

    model_config = SettingsConfigDict(env_prefix="KAM_IDEMPOTENCY_", extra="ignore", frozen=True)

    retention_hours: Annotated[int, SettingsField(ge=24)] = 24


class IdempotencyKeyRequired(BadRequest):
    """The route needs an ``Idempotency-Key`` and none (or a malformed one) was sent."""

    slug = "idempotency-key-required"


class IdempotencyKeyReused(UnprocessableContent):
    """The key was used before for a different request."""

    slug = "idempotency-key-reused"


class IdempotencyKeyInFlight(Conflict):
    """A request with the same key is still running."""

    slug = "idempotency-key-in-flight"


class IdempotencyKeyBase(SQLModel):
    """The columns of every service's idempotency table (one row per caller and key)."""

    key: str = Field(primary_key=True, max_length=MAX_KEY_LENGTH)
    caller: str = Field(primary_key=True, max_length=128)
    request_hash: str = Field(max_length=64)
    method: str = Field(max_length=10)
    path: str = Field(max_length=2048)
    status_code: int
    response_body: bytes = Field(sa_type=LargeBinary)
    response_headers: dict[str, str] = Field(
        default_factory=dict,
        sa_type=JSONB,
        sa_column_kwargs={"server_default": "{}", "nullable": False},
    )
    created_at: datetime | None = Field(
        default=None,
        index=True,
        sa_type=DateTime(timezone=True),
        sa_column_kwargs={"server_default": func.now(), "nullable": False},
    )


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """SHA-256 (hex) of the request: method, path (with query) and the exact body bytes."""
    return streamed_fingerprint(method, path, [body], len(body))


def streamed_fingerprint(method: str, path: str, body: Iterable[bytes], length: int) -> str:
    """:func:`request_fingerprint` of a body given in pieces (``length`` bytes in all), so
    a large body need not be held whole."""
    digest = hashlib.sha256()
    for part in (method.upper().encode("ascii"), path.encode("utf-8")):
        digest.update(len(part).to_bytes(8, "big"))  # length-prefixed: no ambiguous joins
        digest.update(part)
    digest.update(length.to_bytes(8, "big"))
    for piece in body:
        digest.update(piece)
    return digest.hexdigest()


def advisory_lock_key(table: str, caller: str, key: str) -> int:
    """The signed 64-bit advisory lock id of one (table, caller, key)."""
    digest = hashlib.sha256(f"{table}\0{caller}\0{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def parse_key(raw: str | None) -> str | None:
    """The key from the header value: printable ASCII, up to 255 characters; quotes dropped.

    The IETF draft sends it as a structured-field string (``"abc"``); bare values are
    accepted too. Raises :class:`IdempotencyKeyRequired` when malformed.
    """
    if raw is None:
        return None
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if not _KEY.fullmatch(value):
        raise IdempotencyKeyRequired(
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters without spaces"
        )
    return value


@dataclass
class IdempotentRequest:
    """One request's idempotency state: a stored response to replay, or a key to record."""

    session: AsyncSession
    model: type[IdempotencyKeyBase]
    key: str | None
    caller: str
    method: str
    path: str
    fingerprint: str
    replay: Response | None = None
    _responded: bool = field(default=False, repr=False)

    async def respond(
        self,
        content: Any,
        *,
        status_code: int = 201,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """Render ``content`` as JSON and record it under the key (flushed, not committed).

        Call once, after the facts are written, in the request's transaction. ``headers``
        (``Location``, ``ETag`` …) are stored and replayed too.
        """
        if self.replay is not None:
            raise RuntimeError("this request is a replay: return idempotency.replay instead")
        if self._responded:
            raise RuntimeError("respond() was already called for this request")
        self._responded = True
        response = JSONResponse(jsonable_encoder(content), status_code=status_code)
        response.headers.update(dict(headers or {}))
        if self.key is not None:
            self.session.add(
                self.model(
                    key=self.key,
                    caller=self.caller,
                    request_hash=self.fingerprint,
                    method=self.method,
                    path=self.path[:2048],
                    status_code=status_code,
                    response_body=bytes(response.body),
                    response_headers={
                        "content-type": response.media_type or "application/json",
                        **{name.lower(): value for name, value in (headers or {}).items()},
                    },
                )
            )
            await self.session.flush()
        return response

    async def run(
        self,
        operation: Callable[[], Awaitable[Any]],
        *,
        status_code: int = 201,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """The stored response when this is a replay; else run ``operation`` and record it."""
        if self.replay is not None:
            return self.replay
        return await self.respond(await operation(), status_code=status_code, headers=headers)


def _replayed(row: IdempotencyKeyBase) -> Response:
    headers = dict(row.response_headers)
    media_type = headers.pop("content-type", "application/json")
    headers[REPLAYED_HEADER] = "true"
    return Response(
        content=row.response_body,
        status_code=row.status_code,
        headers=headers,
        media_type=media_type,
    )


class Idempotency:
    """The FastAPI dependency for one service's idempotency table.

    ``required=False`` lets requests without a key through (nothing recorded). ``caller``
    maps the principal to the identity keys are scoped to (default: its subject).
    """

    def __init__(
        self,
        model: type[IdempotencyKeyBase],
        *,
        required: bool = True,
        caller: Callable[[Principal], str] = lambda principal: principal.subject,
    ) -> None:
        self.model = model
        self.required = required
        self.caller = caller

    async def __call__(
        self,
        request: Request,
        session: SessionDep,
        principal: Annotated[Principal, Depends(authenticate)],
        idempotency_key: Annotated[
            str | None,
            Header(
                alias=HEADER,
                max_length=MAX_KEY_LENGTH + 2,
                description=(
                    "A unique value per intended operation (a UUID). A retry with the same "
                    "key and body returns the first response (header Idempotent-Replayed: "
                    "true); keys are kept at least 24 hours."
                ),
            ),
        ] = None,
    ) -> IdempotentRequest:
        key = parse_key(idempotency_key)
        if key is None and self.required:
            raise IdempotencyKeyRequired(f"this request needs an {HEADER} header (e.g. a UUID)")
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        state = IdempotentRequest(
            session=session,
            model=self.model,
            key=key,
            caller=self.caller(principal)[:128],
            method=request.method,
            path=path,
            fingerprint=request_fingerprint(request.method, path, await request.body()),
        )
        if key is not None:
            state.replay = await self._claim(state, key)
        return state

    async def _claim(self, state: IdempotentRequest, key: str) -> Response | None:
        """Lock the key for this transaction; the stored response if it was used before."""
        lock = advisory_lock_key(str(self.model.__table__), state.caller, key)  # type: ignore[attr-defined]
        connection = await state.session.connection()
        got = (
            await connection.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": lock})
        ).scalar_one()
        if not got:
            raise IdempotencyKeyInFlight(
                f"a request with this {HEADER} is still in progress; retry in a moment",
                extra={"headers": {"Retry-After": "1"}},
            )
        query = select(self.model).where(
            col(self.model.key) == key, col(self.model.caller) == state.caller
        )
        row = (await state.session.exec(query)).first()
        if row is None:
            return None
        if row.request_hash != state.fingerprint:
            raise IdempotencyKeyReused(
                f"this {HEADER} was already used for a different request "
                f"({row.method} {row.path.split('?')[0]}); use a new key for a new request"
            )
        return _replayed(row)


async def purge_idempotency_keys(
    session: AsyncSession,
    model: type[IdempotencyKeyBase],
    *,
    older_than: timedelta | None = None,
) -> int:
    """Delete keys older than ``older_than`` (default: the retention setting); how many.

    Refuses less than 24 hours, the promise made to clients.
    """
    retention = older_than or timedelta(hours=IdempotencySettings().retention_hours)
    if retention < MIN_RETENTION:
        raise ValueError(f"idempotency keys are kept at least {MIN_RETENTION}, not {retention}")
    statement = delete(model).where(col(model.created_at) < func.now() - retention)
    result = await (await session.connection()).execute(statement)
    return int(result.rowcount)
