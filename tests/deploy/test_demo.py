"""The demo data set loads into a fresh database, and a second load adds nothing."""

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from deploy.demo import load_demo_data
from services.clients.demo import DEMO_ACCOUNT_COUNT
from services.kpi.demo import INDICATORS
from services.staff.catalogue.loader import load_catalogue
from shared.bootstrap import drop_database, prepare_database
from shared.dsn import asyncpg_dsn, with_database
from tests.settings import TestSettings

COUNTS = (
    "SELECT (SELECT count(*) FROM staff.departments), (SELECT count(*) FROM clients.accounts),"
    " (SELECT count(*) FROM kpi.indicators)"
)


@pytest.fixture
async def demo_database(test_settings: TestSettings) -> AsyncIterator[str]:
    url = with_database(test_settings.database_url, f"kam_test_demo_{uuid.uuid4().hex[:8]}")
    await prepare_database(url, test_settings.role_prefix)
    yield url
    await drop_database(url)


async def counts(url: str) -> tuple[int, int, int]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        row = await conn.fetchrow(COUNTS)
    finally:
        await conn.close()
    assert row is not None
    return (row[0], row[1], row[2])


async def test_demo_loads_once(demo_database: str, test_settings: TestSettings) -> None:
    await load_demo_data(demo_database, test_settings.role_prefix)
    first = await counts(demo_database)
    assert first == (len(load_catalogue().departments), DEMO_ACCOUNT_COUNT, len(INDICATORS))
    await load_demo_data(demo_database, test_settings.role_prefix)
    assert await counts(demo_database) == first


def test_demo_accounts_are_owned_by_active_client_facing_people() -> None:
    from services.clients.demo import DEMO_OWNER_IDS
    from services.staff.catalogue.loader import load_demo_people

    people = load_demo_people().people
    owners = [people[i - 1] for i in DEMO_OWNER_IDS]
    assert all(p.status == "active" for p in owners)
    assert {p.position_code for p in owners} <= {"KA-DEV-LEAD", "KA-KAM", "KA-SPEC"}
