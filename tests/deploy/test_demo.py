"""The demo data set loads into a fresh database, and a second load adds nothing."""

import uuid
from collections.abc import AsyncIterator
from datetime import date

import asyncpg
import pytest
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from deploy.demo import load_demo_data
from services.clients.demo import DEMO_ACCOUNT_COUNT, DEMO_OWNER_IDS
from services.clients.metrics.repository import MetricsRepository
from services.clients.metrics.schemas import MetricsBatch
from services.clients.metrics.service import MetricsService
from services.kpi.demo import INDICATORS
from services.staff.catalogue.loader import load_catalogue
from shared.bootstrap import drop_database, prepare_database
from shared.dsn import asyncpg_dsn, sqlalchemy_url, with_credentials, with_database
from shared.periods import Month
from tests.settings import TestSettings

COUNTS = (
    "SELECT (SELECT count(*) FROM staff.departments), (SELECT count(*) FROM clients.accounts),"
    " (SELECT count(*) FROM kpi.indicators)"
)
ACTIVITY = (
    "SELECT (SELECT count(*) FROM clients.contracts), (SELECT count(*) FROM clients.visits),"
    " (SELECT count(*) FROM clients.tickets), (SELECT count(*) FROM clients.satisfaction_surveys)"
)
PIPELINE = (
    "SELECT (SELECT count(*) FROM clients.opportunities WHERE status = 'open'),"
    " (SELECT count(*) FROM clients.opportunities WHERE status = 'won'),"
    " (SELECT count(*) FROM clients.opportunities WHERE lost_to_competitor_id IS NOT NULL),"
    " (SELECT count(DISTINCT stage_code) FROM clients.opportunities WHERE status = 'open'),"
    " (SELECT count(*) FROM clients.quotations), (SELECT count(*) FROM clients.bids)"
)


@pytest.fixture
async def demo_database(test_settings: TestSettings) -> AsyncIterator[str]:
    url = with_database(test_settings.database_url, f"kam_test_demo_{uuid.uuid4().hex[:8]}")
    await prepare_database(url, test_settings.role_prefix)
    yield url
    await drop_database(url)


async def counts(url: str, query: str = COUNTS) -> tuple[int, ...]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        row = await conn.fetchrow(query)
    finally:
        await conn.close()
    assert row is not None
    return tuple(row)


async def last_year_metrics(url: str, test_settings: TestSettings) -> MetricsBatch:
    """The demo owners' facts over the trailing twelve months, as KPI would ask for them."""
    service_url = with_credentials(url, f"{test_settings.role_prefix}clients", None)
    engine = create_async_engine(sqlalchemy_url(service_url), poolclass=pool.NullPool)
    try:
        async with AsyncSession(engine) as session:
            this_month = Month.of(date.today())
            months = [this_month.plus(-n) for n in range(12)]
            batches = [
                await MetricsService(
                    MetricsRepository(session), currency="CNY", timezone="Asia/Shanghai"
                ).batch(month, list(DEMO_OWNER_IDS))
                for month in months
            ]
    finally:
        await engine.dispose()
    items = [item for batch in batches for item in batch.items]
    return MetricsBatch(
        period="last-12-months",
        start_date=months[-1].start_date,
        end_date=this_month.end_date,
        currency="CNY",
        items=items,
    )


async def test_demo_loads_once(demo_database: str, test_settings: TestSettings) -> None:
    await load_demo_data(demo_database, test_settings.role_prefix)
    first = await counts(demo_database)
    assert first == (len(load_catalogue().departments), DEMO_ACCOUNT_COUNT, len(INDICATORS))
    activity = await counts(demo_database, ACTIVITY)
    assert all(count > 100 for count in activity), activity
    pipeline = await counts(demo_database, PIPELINE)
    assert pipeline == (4, 1, 1, 4, 1, 1)
    await load_demo_data(demo_database, test_settings.role_prefix)
    assert await counts(demo_database) == first
    assert await counts(demo_database, ACTIVITY) == activity
    assert await counts(demo_database, PIPELINE) == pipeline
    metrics = (await last_year_metrics(demo_database, test_settings)).items
    for field in (
        "contracts_signed", "new_accounts_signed", "visits_planned", "visits_done",
        "tickets_total", "tickets_resolved", "tickets_resolved_within_sla", "surveys",
        "accounts_at_start", "accounts_churned",
    ):  # fmt: skip
        assert sum(getattr(item, field) for item in metrics) > 0, field
    assert sum(item.contract_value_signed.amount for item in metrics) > 0
    assert any(item.mean_satisfaction is not None for item in metrics)
    assert any(item.visit_completion_rate is not None for item in metrics)


def test_demo_accounts_are_owned_by_active_client_facing_people() -> None:
    from services.staff.catalogue.loader import load_demo_people

    people = load_demo_people().people
    owners = [people[i - 1] for i in DEMO_OWNER_IDS]
    assert all(p.status == "active" for p in owners)
    assert {p.position_code for p in owners} <= {"KA-DEV-LEAD", "KA-KAM", "KA-SPEC"}
