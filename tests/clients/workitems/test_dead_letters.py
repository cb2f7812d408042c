"""Work items staff refused are listed for administrators and sent again on request (same
key, so the inbox keeps one); delivered ones are purged after the retention, the others
never."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.housekeeping import OUTBOX_PURGE_LOCK, purge_delivered_work_items_once
from services.clients.workitems.outbox import CLIENTS_OUTBOX
from shared.auth.principal import Role
from tests.clients.conftest import KAM
from tests.conftest import bearer

INSERT = text(
    "INSERT INTO clients.outbox (destination, path, kind, key, payload, status, attempts, "
    "last_error, response_status, created_at, delivered_at) VALUES ('staff', "
    "'/v1/staff/internal/work-items', 'work_item', :key, '{}', :status, 3, :error, :answer, "
    "now() - make_interval(hours => :hours), "
    "CASE WHEN :delivered THEN now() - make_interval(hours => :hours) END) "
    "RETURNING id"
)


async def insert(engine: AsyncEngine, key: str, status: str, hours: int = 0) -> int:
    failed = status == "failed"
    async with engine.begin() as connection:
        row = await connection.execute(
            INSERT,
            {
                "key": key,
                "status": status,
                "hours": hours,
                "delivered": status == "delivered",
                "error": "answered 422: unknown employee" if failed else None,
                "answer": 422 if failed else (200 if status == "delivered" else None),
            },
        )
        return int(row.scalar_one())


async def remove(engine: AsyncEngine, prefix: str) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            CLIENTS_OUTBOX.delete().where(CLIENTS_OUTBOX.c.key.startswith(prefix))
        )


@pytest.fixture
async def committed_prefix(engines: dict[str, AsyncEngine]) -> AsyncIterator[str]:
    """Keys of committed outbox rows, deleted after the test's own transaction is over
    (requested before ``clients_client``, so torn down after it releases its locks)."""
    prefix = f"dead-test:{uuid.uuid4().hex}:"
    yield prefix
    await remove(engines["clients"], prefix)


async def test_a_dead_work_item_is_listed_for_admins_and_sent_again_once(
    committed_prefix: str, engines: dict[str, AsyncEngine], clients_client: httpx.AsyncClient
) -> None:
    engine, prefix = engines["clients"], committed_prefix
    message = await insert(engine, f"{prefix}ticket", "failed")
    listed = await clients_client.get("/v1/clients/work-items/dead-letters?limit=200")
    assert listed.status_code == 200, listed.text
    mine = [m for m in listed.json() if m["id"] == message]
    assert mine and mine[0]["last_error"].startswith("answered 422")
    assert mine[0]["response_status"] == 422
    as_kam = bearer(Role.ACCOUNT_MANAGER, employee_id=KAM)
    denied = await clients_client.get("/v1/clients/work-items/dead-letters", headers=as_kam)
    assert denied.status_code == 403
    retry = f"/v1/clients/work-items/dead-letters/{message}/retry"
    assert (await clients_client.post(retry, headers=as_kam)).status_code == 403
    again = await clients_client.post(retry)
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "pending" and again.json()["attempts"] == 0
    assert again.json()["key"] == f"{prefix}ticket"
    twice = await clients_client.post(retry)
    assert twice.status_code == 404
    relisted = await clients_client.get("/v1/clients/work-items/dead-letters?limit=200")
    assert message not in {m["id"] for m in relisted.json()}


async def test_only_delivered_work_items_past_the_retention_are_purged(
    engines: dict[str, AsyncEngine],
) -> None:
    engine, prefix = engines["clients"], f"purge-test:{uuid.uuid4().hex}:"
    await insert(engine, f"{prefix}old-delivered", "delivered", hours=200)
    await insert(engine, f"{prefix}new-delivered", "delivered", hours=100)
    await insert(engine, f"{prefix}old-pending", "pending", hours=500)
    await insert(engine, f"{prefix}old-failed", "failed", hours=500)
    factory = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    try:
        async with engine.connect() as other_replica:
            await other_replica.begin()
            await other_replica.execute(
                text("SELECT pg_advisory_xact_lock(:k)"), {"k": OUTBOX_PURGE_LOCK}
            )
            assert await purge_delivered_work_items_once(factory, timedelta(hours=168)) is None
            await other_replica.rollback()
        assert (await purge_delivered_work_items_once(factory, timedelta(hours=168)) or 0) >= 1
        async with engine.connect() as connection:
            left = await connection.execute(
                select(CLIENTS_OUTBOX.c.key).where(CLIENTS_OUTBOX.c.key.startswith(prefix))
            )
            assert sorted(k.removeprefix(prefix) for k in left.scalars()) == [
                "new-delivered",
                "old-failed",
                "old-pending",
            ]
    finally:
        await remove(engine, prefix)
