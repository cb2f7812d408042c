"""SIGTERM drains: a request in flight when the process is told to stop still gets its
answer, and the process then exits 0 (what a rolling update or a scale-down does)."""

from __future__ import annotations

import asyncio
import signal

import asyncpg
import httpx
import pytest

from deploy.processes import Ports, Stack, process_environment
from deploy.test_runner import free_port
from shared.dsn import asyncpg_dsn
from tests.conftest import OUTPUT_DIR

pytestmark = pytest.mark.e2e


def in_flight(url: str) -> float:
    """Requests being answered by the process, from its own /metrics (this one included)."""
    for line in httpx.get(f"{url}/metrics", timeout=5).text.splitlines():
        if line.startswith("kam_http_requests_in_flight{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError("no in-flight gauge")


async def test_sigterm_lets_the_request_in_flight_finish_then_exits_zero(
    database_url: str,
) -> None:
    stack = Stack(
        host="127.0.0.1",
        ports=Ports(staff=free_port(), clients=free_port(), kpi=free_port()),
        log_dir=OUTPUT_DIR / "logs" / "graceful",
    )
    stack.env = process_environment(database_url, {"KAM_LOG_JSON": "true"})
    process = stack.start_process("staff")
    try:
        stack.wait_ready("staff", 60)
        url = stack.url("staff")
        # A slow request, slow because its database is: /readyz reads the version table,
        # which this transaction locks until we let go.
        blocker = await asyncpg.connect(asyncpg_dsn(database_url))
        try:
            locked = blocker.transaction()
            await locked.start()
            await blocker.execute("LOCK TABLE staff.alembic_version IN ACCESS EXCLUSIVE MODE")
            async with httpx.AsyncClient(timeout=30) as client:
                slow = asyncio.create_task(client.get(f"{url}/readyz"))
                for _ in range(100):  # until the request is being answered (10 s at most)
                    if in_flight(url) >= 2:
                        break
                    await asyncio.sleep(0.1)
                assert in_flight(url) == 2, "the slow request never reached the service"
                process.send_signal(signal.SIGTERM)
                await asyncio.sleep(1.5)
                assert process.poll() is None, "the process quit with a request in flight"
                assert not slow.done()
                with pytest.raises(httpx.ConnectError):  # no new work is taken meanwhile
                    await client.get(f"{url}/healthz")
                await locked.rollback()
                response = await slow
        finally:
            await blocker.close()
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "ready"
        assert await asyncio.to_thread(process.wait, 20) == 0
    finally:
        stack.stop()
