"""The services behind a real PgBouncer in transaction mode (Debian's package), as in
production: a short journey across the three services and the outbox works through it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from deploy.pgbouncer import PgBouncer, ensure_pgbouncer
from deploy.test_runner import free_port
from shared.db import PoolerMode, create_engine
from tests.conftest import OUTPUT_DIR
from tests.deploy.cluster import admin_headers, short_journey, start_stack
from tests.settings import TestSettings

pytestmark = pytest.mark.e2e
SERVICES = ("clients", "staff", "kpi")


@pytest.fixture(scope="module")
def pgbouncer(database_url: str, test_settings: TestSettings) -> Iterator[PgBouncer]:
    problem = ensure_pgbouncer()
    if problem:
        pytest.fail(problem)
    bouncer = PgBouncer(
        server_url=database_url,
        port=free_port(),
        directory=Path("/tmp") / f"kam-pgbouncer-{uuid.uuid4().hex[:8]}",
        users=["postgres", *(f"{test_settings.role_prefix}{s}" for s in SERVICES)],
    )
    bouncer.start()
    yield bouncer
    bouncer.stop()
    log = bouncer.directory / "pgbouncer.log"
    if log.exists():
        OUTPUT_DIR.mkdir(exist_ok=True)
        (OUTPUT_DIR / "pgbouncer.log").write_text(log.read_text())


def test_a_journey_through_pgbouncer_in_transaction_mode(
    pgbouncer: PgBouncer, database_url: str, test_settings: TestSettings
) -> None:
    through_bouncer = pgbouncer.url_for(database_url)
    stack = start_stack(
        through_bouncer,
        "pgbouncer",
        {
            "KAM_DB_POOLER_MODE": "transaction",
            # small pools on both sides, so server sessions are shared between clients
            "CLIENTS_DB_POOL_SIZE": "4", "STAFF_DB_POOL_SIZE": "4", "KPI_DB_POOL_SIZE": "4",
            "STAFF_OUTBOX_POLL_INTERVAL_SECONDS": "0.2",
            "CLIENTS_SLA_CHECK_INTERVAL_SECONDS": "1",
        },
    )  # fmt: skip
    try:
        headers = admin_headers(stack.url("gateway"), database_url, test_settings.role_prefix)
        with httpx.Client(base_url=stack.url("gateway"), headers=headers, timeout=20) as gateway:
            result = short_journey(gateway, f"PGB{uuid.uuid4().hex[:4].upper()}", accounts=5)
            assert result["departure"]["handovers"][0]["accounts"] == 5
            # concurrent reads: many client connections multiplexed onto few server sessions
            ids = result["accounts"]
            with httpx.Client(base_url=stack.url("gateway"), headers=headers, timeout=20) as c:
                statuses = {c.get(f"/v1/clients/accounts/{i}").status_code for i in ids * 6}
            assert statuses == {200}
        for name in SERVICES:
            assert httpx.get(f"{stack.url(name)}/readyz", timeout=5).status_code == 200
    finally:
        stack.stop()
    log = (pgbouncer.directory / "pgbouncer.log").read_text()
    for role in SERVICES:
        assert f"user={test_settings.role_prefix}{role}" in log, f"{role} never came through"
    for process_log in (OUTPUT_DIR / "logs" / "pgbouncer").glob("*.log"):
        text = process_log.read_text()
        assert "prepared statement" not in text, f"{process_log.name}: {text[-2000:]}"


async def _busy(url: str, mode: PoolerMode) -> None:
    """Twenty connections, each running short transactions of parameterised statements."""
    engine = create_engine(url, pool_size=20, max_overflow=0, pooler_mode=mode)

    async def work(n: int) -> None:
        async with engine.connect() as connection:
            for i in range(15):
                await connection.execute(text("SELECT CAST(:a AS int) + 1"), {"a": i + n})
                await connection.commit()

    try:
        await asyncio.gather(*(work(n) for n in range(20)))
    finally:
        await engine.dispose()


async def test_the_pooler_mode_setting_is_what_makes_it_work(
    pgbouncer: PgBouncer, database_url: str
) -> None:
    url = pgbouncer.url_for(database_url)
    await _busy(url, PoolerMode.TRANSACTION)
    # asyncpg's default (cached, numbered prepared statements) breaks behind the pooler
    with pytest.raises(DBAPIError, match="prepared statement"):
        await _busy(url, PoolerMode.NONE)
