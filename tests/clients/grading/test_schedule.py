"""The scheduled regrading runs in one replica at a time (advisory lock)."""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.jobs import REGRADE_LOCK, regrade_once
from services.clients.settings import ClientsSettings


async def test_a_round_is_skipped_while_another_replica_holds_the_lock(
    engines: dict[str, AsyncEngine],
) -> None:
    factory = async_sessionmaker(engines["clients"], class_=AsyncSession, expire_on_commit=False)
    settings = ClientsSettings()
    async with engines["clients"].connect() as other_replica:
        await other_replica.begin()
        await other_replica.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": REGRADE_LOCK})
        assert await regrade_once(factory, settings) is False
        await other_replica.rollback()
    assert await regrade_once(factory, settings) is True
