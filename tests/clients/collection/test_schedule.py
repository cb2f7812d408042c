"""The scheduled dunning run is done by one replica per round (advisory lock)."""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.collection.repository import DUNNING_LOCK
from services.clients.jobs import dunning_once
from services.clients.settings import ClientsSettings


async def test_a_round_is_skipped_while_another_replica_runs_one(
    engines: dict[str, AsyncEngine],
) -> None:
    factory = async_sessionmaker(engines["clients"], class_=AsyncSession, expire_on_commit=False)
    settings = ClientsSettings()
    async with engines["clients"].connect() as other_replica:
        await other_replica.begin()
        await other_replica.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": DUNNING_LOCK})
        assert await dunning_once(factory, settings) is False
        await other_replica.rollback()
    assert await dunning_once(factory, settings) is True
