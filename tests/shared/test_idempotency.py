"""Idempotency-Key on a tiny FastAPI app against the real PostgreSQL (a scratch schema)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Annotated, Any, ClassVar

import httpx
import pytest
from fastapi import Depends, FastAPI, Response
from pydantic import BaseModel
from sqlalchemy import Column, Integer, MetaData, Numeric, String, Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from shared.auth.principal import Role
from shared.db import SessionDep, schema_metadata, session_factory
from shared.error_handlers import install_error_handlers
from shared.errors import Conflict
from shared.idempotency import (
    REPLAYED_HEADER,
    Idempotency,
    IdempotencyKeyBase,
    IdempotencySettings,
    IdempotentRequest,
    advisory_lock_key,
    parse_key,
    purge_idempotency_keys,
    request_fingerprint,
)
from tests.conftest import bearer, trust_test_key

SCHEMA = "idempotency_scratch"


class ScratchTable(SQLModel):
    metadata: ClassVar[MetaData] = schema_metadata(SCHEMA)


class ScratchIdempotencyKey(IdempotencyKeyBase, ScratchTable, table=True):
    __tablename__ = "idempotency_keys"


payments = Table(
    "payments",
    ScratchTable.metadata,
    Column("id", Integer, primary_key=True),
    Column("reference", String(40), nullable=False),
    Column("amount", Numeric(18, 2), nullable=False),
)


class PaymentIn(BaseModel):
    reference: str
    amount: str


PaymentIdempotency = Annotated[IdempotentRequest, Depends(Idempotency(ScratchIdempotencyKey))]
OptionalIdempotency = Annotated[
    IdempotentRequest, Depends(Idempotency(ScratchIdempotencyKey, required=False))
]


def make_app(engine: AsyncEngine) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    trust_test_key(app)
    app.state.session_factory = session_factory(engine)
    app.state.read_session_factory = app.state.session_factory
    app.state.gate = None
    app.state.entered = asyncio.Event()

    async def create(session: Any, body: PaymentIn) -> dict[str, Any]:
        connection = await session.connection()
        inserted = await connection.execute(
            payments.insert()
            .values(reference=body.reference, amount=body.amount)
            .returning(payments.c.id)
        )
        payment_id = inserted.scalar_one()
        if app.state.gate is not None:
            app.state.entered.set()
            await app.state.gate.wait()  # hold the transaction open: "in flight"
        if body.reference == "REFUSE":
            raise Conflict("refused after the insert: the transaction must roll back")
        return {"id": payment_id, "reference": body.reference,
                "amount": {"amount": body.amount, "currency": "CNY"}}  # fmt: skip

    @app.post("/v1/test/payments", status_code=201)
    async def register_payment(
        body: PaymentIn, session: SessionDep, idempotency: PaymentIdempotency
    ) -> Response:
        return await idempotency.run(
            lambda: create(session, body), status_code=201, headers={"Location": "/here"}
        )

    @app.post("/v1/test/other", status_code=201)
    async def other(
        body: PaymentIn, session: SessionDep, idempotency: PaymentIdempotency
    ) -> Response:
        return await idempotency.run(lambda: create(session, body))

    @app.post("/v1/test/optional", status_code=201)
    async def optional(
        body: PaymentIn, session: SessionDep, idempotency: OptionalIdempotency
    ) -> Response:
        if idempotency.replay is not None:
            return idempotency.replay
        return await idempotency.respond(await create(session, body))

    return app


@pytest.fixture
async def scratch(raw_engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    async with raw_engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        await conn.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
        await conn.run_sync(ScratchTable.metadata.create_all)
    yield raw_engine
    async with raw_engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{SCHEMA}" CASCADE'))


@pytest.fixture
async def app(scratch: AsyncEngine) -> FastAPI:
    return make_app(scratch)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers=bearer(Role.FINANCE)
    ) as made:
        yield made


async def count(engine: AsyncEngine, table: Any) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


PAYMENT = {"reference": "PAY-1", "amount": "1250.00"}


def post(client: httpx.AsyncClient, key: str | None, body: dict[str, str] = PAYMENT,
         path: str = "/v1/test/payments", **headers: str) -> Any:  # fmt: skip
    sent = dict(headers)
    if key is not None:
        sent["Idempotency-Key"] = key
    return client.post(path, json=body, headers=sent)


# --- sequential semantics -----------------------------------------------------------------


async def test_the_same_key_and_body_replays_the_first_response(
    client: httpx.AsyncClient, scratch: AsyncEngine
) -> None:
    first = await post(client, "k-1")
    assert first.status_code == 201, first.text
    assert REPLAYED_HEADER not in first.headers
    for _ in range(4):
        again = await post(client, "k-1")
        assert again.status_code == 201
        assert again.headers[REPLAYED_HEADER] == "true"
        assert again.content == first.content
        assert again.headers["location"] == "/here"
        assert again.headers["content-type"] == "application/json"
    assert await count(scratch, payments) == 1
    assert await count(scratch, ScratchIdempotencyKey.__table__) == 1


async def test_the_same_key_with_another_body_is_422_and_writes_nothing(
    client: httpx.AsyncClient, scratch: AsyncEngine
) -> None:
    assert (await post(client, "k-2")).status_code == 201
    other = await post(client, "k-2", {"reference": "PAY-1", "amount": "1250.01"})
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["type"] == "urn:kam:problem:idempotency-key-reused"
    assert await count(scratch, payments) == 1


async def test_the_same_key_on_another_path_is_422(client: httpx.AsyncClient) -> None:
    assert (await post(client, "k-3")).status_code == 201
    other = await post(client, "k-3", path="/v1/test/other")
    assert other.status_code == 422


async def test_a_missing_or_malformed_key_is_400(
    client: httpx.AsyncClient, scratch: AsyncEngine
) -> None:
    for key in (None, "has space", "x" * 256, ""):
        answer = await post(client, key)
        assert answer.status_code == 400, (key, answer.text)
        assert answer.json()["type"] == "urn:kam:problem:idempotency-key-required"
    assert await count(scratch, payments) == 0


async def test_a_quoted_key_is_the_same_key(
    client: httpx.AsyncClient, scratch: AsyncEngine
) -> None:
    assert (await post(client, "k-4")).status_code == 201
    again = await post(client, '"k-4"')
    assert again.headers[REPLAYED_HEADER] == "true"
    assert await count(scratch, payments) == 1


async def test_keys_belong_to_the_caller(client: httpx.AsyncClient, scratch: AsyncEngine) -> None:
    mine = await post(
        client, "shared-key", Authorization=bearer(Role.FINANCE, subject="user:1")["Authorization"]
    )
    theirs = await post(
        client, "shared-key", Authorization=bearer(Role.FINANCE, subject="user:2")["Authorization"]
    )
    assert mine.status_code == theirs.status_code == 201
    assert REPLAYED_HEADER not in theirs.headers
    assert await count(scratch, payments) == 2


async def test_a_failed_request_stores_nothing_and_the_key_can_be_used_again(
    client: httpx.AsyncClient, scratch: AsyncEngine
) -> None:
    refused = await post(client, "k-5", {"reference": "REFUSE", "amount": "1.00"})
    assert refused.status_code == 409
    assert await count(scratch, payments) == 0
    assert await count(scratch, ScratchIdempotencyKey.__table__) == 0
    assert (await post(client, "k-5")).status_code == 201
    assert await count(scratch, payments) == 1


async def test_an_unauthenticated_request_is_401_before_anything(
    client: httpx.AsyncClient, scratch: AsyncEngine
) -> None:
    answer = await client.post(
        "/v1/test/payments", json=PAYMENT, headers={"Authorization": "", "Idempotency-Key": "k"}
    )
    assert answer.status_code == 401
    assert await count(scratch, payments) == 0


async def test_an_optional_key_lets_keyless_requests_run_each_time(
    client: httpx.AsyncClient, scratch: AsyncEngine
) -> None:
    for _ in range(2):
        assert (await post(client, None, path="/v1/test/optional")).status_code == 201
    assert (await post(client, "k-6", path="/v1/test/optional")).status_code == 201
    replay = await post(client, "k-6", path="/v1/test/optional")
    assert replay.headers[REPLAYED_HEADER] == "true"
    assert await count(scratch, payments) == 3


# --- concurrency --------------------------------------------------------------------------


async def test_a_concurrent_request_with_the_same_key_is_409_while_the_first_is_in_flight(
    app: FastAPI, client: httpx.AsyncClient, scratch: AsyncEngine
) -> None:
    app.state.gate = asyncio.Event()
    first = asyncio.create_task(post(client, "k-7"))
    await asyncio.wait_for(app.state.entered.wait(), 10)  # the first holds the key now
    second = await post(client, "k-7")
    assert second.status_code == 409, second.text
    assert second.json()["type"] == "urn:kam:problem:idempotency-key-in-flight"
    assert second.headers["retry-after"] == "1"
    app.state.gate.set()
    assert (await first).status_code == 201
    app.state.gate = None
    third = await post(client, "k-7")
    assert third.status_code == 201 and third.headers[REPLAYED_HEADER] == "true"
    assert await count(scratch, payments) == 1


async def test_five_simultaneous_deliveries_write_once(
    client: httpx.AsyncClient, scratch: AsyncEngine
) -> None:
    answers = await asyncio.gather(*(post(client, "k-8") for _ in range(5)))
    statuses = sorted(answer.status_code for answer in answers)
    assert set(statuses) <= {201, 409}, [a.text for a in answers]
    originals = [a for a in answers if a.status_code == 201 and REPLAYED_HEADER not in a.headers]
    assert len(originals) == 1
    assert await count(scratch, payments) == 1
    # Everyone who retries afterwards gets the first answer.
    for _ in range(5):
        again = await post(client, "k-8")
        assert again.content == originals[0].content


# --- retention ----------------------------------------------------------------------------


async def test_purge_deletes_only_keys_older_than_the_retention(
    client: httpx.AsyncClient, scratch: AsyncEngine
) -> None:
    for key in ("old", "new"):
        assert (await post(client, key, {"reference": key, "amount": "1.00"})).status_code == 201
    async with scratch.begin() as conn:
        await conn.execute(
            text(
                f'UPDATE "{SCHEMA}".idempotency_keys '
                "SET created_at = now() - interval '25 hours' WHERE key = 'old'"
            )
        )
    factory = session_factory(scratch)
    async with factory() as session:
        assert await purge_idempotency_keys(session, ScratchIdempotencyKey) == 1
        await session.commit()
        with pytest.raises(ValueError, match="at least"):
            await purge_idempotency_keys(
                session, ScratchIdempotencyKey, older_than=timedelta(hours=23)
            )
    assert await count(scratch, ScratchIdempotencyKey.__table__) == 1
    # The purged key is free again; the kept one still replays.
    assert (
        REPLAYED_HEADER
        not in (await post(client, "old", {"reference": "x", "amount": "2.00"})).headers
    )
    assert (await post(client, "new", {"reference": "new", "amount": "1.00"})).headers[
        REPLAYED_HEADER
    ] == "true"


def test_retention_is_a_setting_of_at_least_24_hours(monkeypatch: pytest.MonkeyPatch) -> None:
    assert IdempotencySettings().retention_hours == 24
    monkeypatch.setenv("KAM_IDEMPOTENCY_RETENTION_HOURS", "48")
    assert IdempotencySettings().retention_hours == 48
    monkeypatch.setenv("KAM_IDEMPOTENCY_RETENTION_HOURS", "12")
    with pytest.raises(ValueError):
        IdempotencySettings()


# --- pure parts ---------------------------------------------------------------------------


def test_the_fingerprint_covers_method_path_and_exact_body() -> None:
    base = request_fingerprint("POST", "/v1/x", b'{"a":1}')
    assert base == request_fingerprint("post", "/v1/x", b'{"a":1}')
    assert base != request_fingerprint("PUT", "/v1/x", b'{"a":1}')
    assert base != request_fingerprint("POST", "/v1/y", b'{"a":1}')
    assert base != request_fingerprint("POST", "/v1/x?q=1", b'{"a":1}')
    assert base != request_fingerprint("POST", "/v1/x", b'{"a": 1}')
    # Length-prefixed parts: moving bytes between path and body changes the hash.
    assert request_fingerprint("POST", "/a", b"b") != request_fingerprint("POST", "/ab", b"")


def test_lock_keys_are_signed_64_bit_and_differ_per_caller_and_key() -> None:
    keys = {advisory_lock_key("s.t", caller, key) for caller in ("a", "b") for key in ("1", "2")}
    assert len(keys) == 4
    assert all(-(2**63) <= key < 2**63 for key in keys)


@pytest.mark.parametrize(
    ("raw", "parsed"), [("abc", "abc"), ('"abc"', "abc"), (" abc ", "abc"), (None, None)]
)
def test_parse_key(raw: str | None, parsed: str | None) -> None:
    assert parse_key(raw) == parsed
