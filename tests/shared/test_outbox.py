"""The generic outbox against a real database and a real HTTP receiver (uvicorn)."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import MetaData, Table, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from deploy.test_runner import free_port
from shared.http_client import ServiceClient
from shared.outbox import (
    DeliveryOutcome,
    OutboxDispatcher,
    OutboxMessage,
    backoff_delay,
    enqueue,
    outbox_table,
    pending_count,
)


class Receiver:
    """Answers from a script (then 200), applies each Idempotency-Key once."""

    def __init__(self, script: list[int] | None = None, delay: float = 0.0) -> None:
        self.port = free_port()
        self.script = list(script or [])
        self.delay = delay
        self.calls: list[str] = []
        self.applied: Counter[str] = Counter()
        self.server: uvicorn.Server | None = None
        self.task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = FastAPI()

        @app.post("/v1/test/events")
        async def events(request: Request) -> JSONResponse:
            key = request.headers["idempotency-key"]
            self.calls.append(key)
            await asyncio.sleep(self.delay)
            status = self.script.pop(0) if self.script else 200
            if status == 200 and key not in self.applied:
                self.applied[key] += 1
            return JSONResponse({"detail": f"scripted {status}"}, status_code=status)

        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.task = asyncio.create_task(self.server.serve())
        for _ in range(500):
            if self.server.started:
                return
            await asyncio.sleep(0.01)
        raise RuntimeError("receiver did not start")

    async def stop(self) -> None:
        if self.server is not None and self.task is not None:
            self.server.should_exit = True
            await self.task


@pytest.fixture
async def outbox(raw_engine: AsyncEngine) -> AsyncIterator[tuple[Table, AsyncEngine]]:
    """A scratch outbox table in its own schema (the generic part, without any service)."""
    schema = f"outbox_test_{uuid.uuid4().hex[:8]}"
    table = outbox_table(MetaData(schema=schema))
    async with raw_engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await conn.run_sync(table.metadata.create_all)
    yield table, raw_engine
    async with raw_engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
async def clients() -> AsyncIterator[list[ServiceClient]]:
    made: list[ServiceClient] = []
    yield made
    for client in made:
        await client.aclose()


def dispatcher_for(
    table: Table, engine: AsyncEngine, url: str, made: list[ServiceClient], **options: Any
) -> OutboxDispatcher:
    client = ServiceClient("receiver", url, timeout_seconds=2, connect_timeout_seconds=1, retries=0)
    made.append(client)
    factory = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    defaults: dict[str, Any] = {"backoff_seconds": 0.01, "max_backoff_seconds": 0.02}
    return OutboxDispatcher(table, factory, {"receiver": client}, **(defaults | options))


async def put(table: Table, engine: AsyncEngine, *keys: str) -> None:
    factory = async_sessionmaker(engine, class_=AsyncSession)
    async with factory() as session:
        for key in keys:
            await enqueue(
                session, table, destination="receiver", path="/v1/test/events",
                payload={"key": key}, key=key,
            )  # fmt: skip
        await session.commit()


async def rows(table: Table, engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        result = await conn.execute(select(table).order_by(table.c.id))
        return [dict(row) for row in result.mappings()]


async def drain(dispatcher: OutboxDispatcher, rounds: int = 100) -> None:
    for _ in range(rounds):
        await dispatcher.dispatch_once()
        async with dispatcher.session_factory() as session:
            if await pending_count(session, dispatcher.table) == 0:
                return
        await asyncio.sleep(0.03)


def test_backoff_doubles_and_is_capped() -> None:
    assert 0.5 <= backoff_delay(1, 1.0, 60) <= 1.5
    assert 4.0 <= backoff_delay(4, 1.0, 60) <= 12.0
    assert backoff_delay(30, 1.0, 60) <= 90


async def test_retries_until_the_receiver_confirms(outbox, clients) -> None:
    table, engine = outbox
    receiver = Receiver(script=[503, 502, 500])
    await receiver.start()
    try:
        await put(table, engine, "a")
        await drain(dispatcher_for(table, engine, receiver.url, clients))
    finally:
        await receiver.stop()
    (row,) = await rows(table, engine)
    assert row["status"] == "delivered" and row["attempts"] == 4
    assert receiver.calls == ["a"] * 4 and receiver.applied == {"a": 1}


async def test_a_receiver_down_at_first_gets_it_later(outbox, clients) -> None:
    table, engine = outbox
    receiver = Receiver()
    dispatcher = dispatcher_for(table, engine, receiver.url, clients)
    await put(table, engine, "late")
    await dispatcher.dispatch_once()
    (row,) = await rows(table, engine)
    assert row["status"] == "pending" and row["attempts"] == 1
    assert "unreachable" in row["last_error"]
    await receiver.start()
    try:
        await drain(dispatcher)
    finally:
        await receiver.stop()
    (row,) = await rows(table, engine)
    assert row["status"] == "delivered" and receiver.applied == {"late": 1}


async def test_same_key_is_one_message_and_a_lost_commit_is_resent_with_it(outbox, clients) -> None:
    table, engine = outbox
    await put(table, engine, "k", "k")
    assert len(await rows(table, engine)) == 1
    receiver = Receiver()
    await receiver.start()
    crashes = []

    async def crash_once(
        session: AsyncSession, message: OutboxMessage, outcome: DeliveryOutcome
    ) -> None:
        if not crashes:
            crashes.append(message.key)
            raise RuntimeError("crash after the receiver answered")

    dispatcher = dispatcher_for(table, engine, receiver.url, clients, on_outcome=crash_once)
    try:
        with pytest.raises(RuntimeError):
            await dispatcher.dispatch_once()
        await drain(dispatcher)
    finally:
        await receiver.stop()
    (row,) = await rows(table, engine)
    assert row["status"] == "delivered"
    assert receiver.calls == ["k", "k"] and receiver.applied == {"k": 1}


async def test_a_4xx_fails_the_message_and_exhausted_retries_give_up(outbox, clients) -> None:
    table, engine = outbox
    receiver = Receiver(script=[409, 503, 503])
    await receiver.start()
    outcomes: list[tuple[str, bool, str]] = []

    async def record(
        session: AsyncSession, message: OutboxMessage, outcome: DeliveryOutcome
    ) -> None:
        outcomes.append((message.key, outcome.delivered, outcome.reason))

    try:
        await put(table, engine, "refused")
        dispatcher = dispatcher_for(
            table, engine, receiver.url, clients, on_outcome=record, max_attempts=2
        )
        await drain(dispatcher)
        await put(table, engine, "tired")
        await drain(dispatcher)
    finally:
        await receiver.stop()
    statuses = {r["key"]: (r["status"], r["attempts"]) for r in await rows(table, engine)}
    assert statuses == {"refused": ("failed", 1), "tired": ("failed", 2)}
    assert outcomes[0][:2] == ("refused", False) and "409" in outcomes[0][2]
    assert outcomes[1][:2] == ("tired", False) and "gave up after 2 attempts" in outcomes[1][2]


async def test_two_dispatchers_never_deliver_a_message_twice(outbox, clients) -> None:
    table, engine = outbox
    keys = [f"m{i}" for i in range(40)]
    await put(table, engine, *keys)
    receiver = Receiver(delay=0.01)
    await receiver.start()
    first = dispatcher_for(table, engine, receiver.url, clients)
    second = dispatcher_for(table, engine, receiver.url, clients)
    try:
        await asyncio.gather(drain(first), drain(second))
    finally:
        await receiver.stop()
    assert Counter(receiver.calls) == Counter(keys)  # each sent exactly once
    assert all(r["status"] == "delivered" for r in await rows(table, engine))


async def test_run_in_the_background_and_stop(outbox, clients) -> None:
    table, engine = outbox
    receiver = Receiver()
    await receiver.start()
    dispatcher = dispatcher_for(table, engine, receiver.url, clients, poll_interval_seconds=0.02)
    dispatcher.start()
    try:
        await put(table, engine, "bg")
        for _ in range(200):
            if receiver.applied:
                break
            await asyncio.sleep(0.02)
    finally:
        await dispatcher.stop()
        await receiver.stop()
    assert receiver.applied == {"bg": 1}
