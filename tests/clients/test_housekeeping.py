"""Old Idempotency-Keys are purged by one replica per round; recent ones stay."""

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.housekeeping import PURGE_LOCK, purge_idempotency_keys_once

INSERT = text(
    "INSERT INTO clients.idempotency_keys (key, caller, request_hash, method, path, "
    "status_code, response_body, response_headers, created_at) "
    "VALUES (:key, 'user:housekeeping', 'h', 'POST', '/v1/clients/payments', 201, '\\x', '{}', "
    "now() - make_interval(hours => :hours))"
)


async def test_keys_older_than_a_day_go_and_recent_ones_stay(
    engines: dict[str, AsyncEngine],
) -> None:
    engine = engines["clients"]
    old, recent = f"old-{uuid.uuid4().hex}", f"recent-{uuid.uuid4().hex}"
    async with engine.begin() as connection:
        await connection.execute(INSERT, {"key": old, "hours": 25})
        await connection.execute(INSERT, {"key": recent, "hours": 23})
    factory = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    try:
        async with engine.connect() as other_replica:
            await other_replica.begin()
            await other_replica.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PURGE_LOCK})
            assert await purge_idempotency_keys_once(factory) is None
            await other_replica.rollback()
        assert (await purge_idempotency_keys_once(factory) or 0) >= 1
        async with engine.connect() as connection:
            left = await connection.execute(
                text("SELECT key FROM clients.idempotency_keys WHERE key IN (:a, :b)"),
                {"a": old, "b": recent},
            )
            assert [row.key for row in left] == [recent]
    finally:
        async with engine.begin() as connection:
            await connection.execute(
                text("DELETE FROM clients.idempotency_keys WHERE caller = 'user:housekeeping'")
            )
