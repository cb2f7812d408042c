"""Faults injected for real into the running system (issue 10): a service killed in the
middle of a write, its database connection dropped mid-transaction, an upstream that stops
answering, and the ERP going away behind the pull sync's circuit breaker.

The issue's fifth fault (clients stopped while staff records a departure, the handover
completing once it is back) is ``test_clients_down_at_departure_then_back`` in
tests/e2e/test_offboarding.py.

Each test puts the shared stack back as it found it (restarted, resumed) before it ends.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import asyncpg
import httpx
import pytest

from deploy.processes import FAKE_ERP, Ports, Stack
from deploy.test_runner import free_port
from services.clients.accounts.rules import credit_code_check_character
from services.clients.receivables.apply_locks import GATE
from shared.dsn import asyncpg_dsn
from tests.conftest import OUTPUT_DIR
from tests.settings import TestSettings

pytestmark = pytest.mark.e2e

RUN = uuid.uuid4().hex[:6].upper()
ACCOUNTS = "/v1/clients/accounts"
PAYMENTS = "/v1/clients/payments"
ERP_SYNC = "/v1/clients/erp/sync"
ERP_FEED_KEY = "feed-key-for-the-fault-tests"
UPSTREAM_TIMEOUT = 5.0  # GATEWAY_UPSTREAM_TIMEOUT_SECONDS of the shared stack
ERP_TIMEOUT = 1.0
ERP_BREAKER_FAILURES = 2
ERP_BREAKER_COOLDOWN = 4.0
LEAKS = ("Traceback", "SELECT", "INSERT", "asyncpg", "sqlalchemy", 'File "')


def unique_credit_code() -> str:
    body = f"91310000MA{uuid.uuid4().int % 10_000_000:07d}"
    return body + credit_code_check_character(body)


def payment_body(account_id: int, reference: str) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "reference": reference,
        "amount": {"amount": "1250.00", "currency": "CNY"},
        "received_on": "2026-11-20",
    }


def eventually_created(gateway: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    """POST an account until the owner has reached clients' org copy (staff's outbox)."""
    deadline = time.monotonic() + 30
    while True:
        response = gateway.post(ACCOUNTS, json=body)
        if response.status_code == 201 or time.monotonic() > deadline:
            assert response.status_code == 201, response.text
            created: dict[str, Any] = response.json()
            return created
        time.sleep(0.25)


@pytest.fixture(scope="module")
def gateway(stack: Stack, admin_headers: dict[str, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("gateway"), timeout=15, headers=admin_headers) as client:
        yield client


@pytest.fixture(scope="module")
def owner_id(gateway: httpx.Client) -> int:
    """An employee hired through staff, known to clients once the outbox delivered it."""
    hired = gateway.post(
        "/v1/staff/employees",
        json={"employee_no": f"F{RUN}", "name": f"故障测试{RUN}", "hire_date": "2023-01-01"},
    )
    assert hired.status_code == 201, hired.text
    return int(hired.json()["id"])


@pytest.fixture(scope="module")
def account_id(gateway: httpx.Client, owner_id: int) -> int:
    body = {"legal_name": f"故障{RUN}客户有限公司", "owner_id": owner_id}
    return int(eventually_created(gateway, body)["id"])


@pytest.fixture
def clients_role(test_settings: TestSettings) -> str:
    return f"{test_settings.role_prefix}clients"


@pytest.fixture
async def monitor(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A superuser connection outside any transaction, so pg_stat_activity is always fresh."""
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    yield connection
    await connection.close()


class ApplyLockHolder:
    """Holds the ERP appliers' gate alone from a test connection, so a payment being
    registered waits inside its transaction (after it claimed its Idempotency-Key)."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection
        self.transaction = connection.transaction()

    @classmethod
    async def hold(cls, database_url: str) -> ApplyLockHolder:
        holder = cls(await asyncpg.connect(asyncpg_dsn(database_url)))
        await holder.transaction.start()
        await holder.connection.execute("SELECT pg_advisory_xact_lock($1)", GATE)
        return holder

    async def release(self) -> None:
        if not self.connection.is_closed():
            await self.transaction.rollback()
            await self.connection.close()


async def waiting_backend(monitor: asyncpg.Connection, role: str) -> int:
    """The pid of the service's backend that waits for an advisory lock (10 s at most)."""
    for _ in range(100):
        pids = await monitor.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND usename = $1 AND wait_event_type = 'Lock' AND wait_event = 'advisory'",
            role,
        )
        if pids:
            assert len(pids) == 1, pids
            return int(pids[0]["pid"])
        await asyncio.sleep(0.1)
    raise AssertionError("the request never reached the lock inside its transaction")


async def backend_gone(monitor: asyncpg.Connection, pid: int) -> bool:
    """Whether the backend ``pid`` has ended (its transaction rolled back), 10 s at most."""
    for _ in range(100):
        if not await monitor.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid):
            return True
        await asyncio.sleep(0.1)
    return False


async def payments_with_reference(monitor: asyncpg.Connection, reference: str) -> int:
    count = await monitor.fetchval(
        "SELECT count(*) FROM clients.payments WHERE erp_ref = $1", reference
    )
    return int(count)


async def stored_keys(monitor: asyncpg.Connection, key: str) -> int:
    count = await monitor.fetchval(
        "SELECT count(*) FROM clients.idempotency_keys WHERE key = $1", key
    )
    return int(count)


def ensure_running(stack: Stack, name: str) -> None:
    """Start ``name`` again when a test left it stopped, and wait until it is ready."""
    process = stack.processes.get(name)
    if process is None or process.poll() is not None:
        stack.start_process(name)
    stack.wait_ready(name)


async def test_a_write_killed_mid_transaction_then_retried_has_exactly_one_effect(
    stack: Stack,
    admin_headers: dict[str, str],
    account_id: int,
    database_url: str,
    monitor: asyncpg.Connection,
    clients_role: str,
) -> None:
    reference, key = f"BANK-{RUN}-KILLED", f"fault-kill-{RUN}"
    headers = admin_headers | {"Idempotency-Key": key}
    body = payment_body(account_id, reference)
    lock = await ApplyLockHolder.hold(database_url)
    try:
        async with httpx.AsyncClient(
            base_url=stack.url("gateway"), headers=headers, timeout=30
        ) as client:
            in_flight = asyncio.create_task(client.post(PAYMENTS, json=body))
            victim = await waiting_backend(monitor, clients_role)
            await asyncio.to_thread(stack.stop_process, "clients", kill=True)
            cut = await in_flight
            assert cut.status_code == 502, cut.text  # the gateway saw the service die
            await lock.release()
            # The orphaned transaction rolls back when its backend finds the client gone;
            # until then it would hold the key (409 in flight) — not the point here.
            assert await backend_gone(monitor, victim)
            assert await payments_with_reference(monitor, reference) == 0
            assert await stored_keys(monitor, key) == 0
            await asyncio.to_thread(ensure_running, stack, "clients")

            retried = await client.post(PAYMENTS, json=body)
            assert retried.status_code == 201, retried.text
            assert "idempotent-replayed" not in retried.headers  # it ran, for the first time
            assert await payments_with_reference(monitor, reference) == 1

            replayed = await client.post(PAYMENTS, json=body)
            assert replayed.status_code == 201, replayed.text
            assert replayed.headers["idempotent-replayed"] == "true"
            assert replayed.json() == retried.json()
            assert await payments_with_reference(monitor, reference) == 1
    finally:
        await lock.release()
        await asyncio.to_thread(ensure_running, stack, "clients")


async def test_a_dropped_database_connection_fails_cleanly_and_the_pool_recovers(
    stack: Stack,
    admin_headers: dict[str, str],
    account_id: int,
    database_url: str,
    monitor: asyncpg.Connection,
    clients_role: str,
) -> None:
    reference = f"BANK-{RUN}-DROPPED"
    key = f"fault-drop-{RUN}"
    body = payment_body(account_id, reference)
    async with httpx.AsyncClient(
        base_url=stack.url("gateway"), headers=admin_headers, timeout=30
    ) as client:
        # Several requests at once, so the pool holds idle connections to drop later.
        warm = [client.get(PAYMENTS, params={"account_id": account_id}) for _ in range(8)]
        assert {r.status_code for r in await asyncio.gather(*warm)} == {200}
        lock = await ApplyLockHolder.hold(database_url)
        try:
            in_flight = asyncio.create_task(
                client.post(PAYMENTS, json=body, headers={"Idempotency-Key": key})
            )
            victim = await waiting_backend(monitor, clients_role)
            assert await monitor.fetchval("SELECT pg_terminate_backend($1)", victim)
            failed = await in_flight
        finally:
            await lock.release()
        assert failed.status_code == 503, failed.text  # the service's own answer: retry
        assert failed.headers["retry-after"] == "1"
        assert failed.headers["content-type"].startswith("application/problem+json")
        problem = failed.json()
        assert problem["status"] == failed.status_code
        assert not [leak for leak in LEAKS if leak in failed.text], failed.text
        assert await payments_with_reference(monitor, reference) == 0
        assert await stored_keys(monitor, key) == 0  # nothing partial, not even the key

        # Drop the pool's idle connections too: the next checkouts must not be dead ones.
        idle = await monitor.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND usename = $1 AND state = 'idle'",
            clients_role,
        )
        assert idle, "the service kept no idle connection to drop"
        for _ in range(3):
            listed = await client.get(PAYMENTS, params={"account_id": account_id})
            assert listed.status_code == 200, listed.text
        again = await client.post(PAYMENTS, json=body, headers={"Idempotency-Key": key})
        assert again.status_code == 201, again.text
        assert await payments_with_reference(monitor, reference) == 1
        other = await client.post(
            PAYMENTS,
            json=payment_body(account_id, f"{reference}-2"),
            headers={"Idempotency-Key": f"{key}-2"},
        )
        assert other.status_code == 201, other.text
    assert stack.processes["clients"].poll() is None  # recovered without a restart


async def test_a_stopped_upstream_is_a_504_in_its_timeout_and_other_routes_stay_fast(
    stack: Stack, admin_headers: dict[str, str]
) -> None:
    """The gateway does not retry (gateway/proxy.py): one attempt, bounded by the
    upstream timeout, so a hung kpi costs its callers the timeout and no more."""
    kpi = stack.processes["kpi"]
    async with httpx.AsyncClient(
        base_url=stack.url("gateway"), headers=admin_headers, timeout=30
    ) as client:

        async def hung_call() -> tuple[httpx.Response, float]:
            started = time.monotonic()
            response = await client.get("/v1/kpi/cycles")
            return response, time.monotonic() - started

        latencies: list[float] = []
        os.kill(kpi.pid, signal.SIGSTOP)
        try:
            hung = asyncio.create_task(hung_call())
            while not hung.done():
                for path in ("/v1/staff/employees", ACCOUNTS):
                    started = time.monotonic()
                    fast = await client.get(path, params={"limit": 5})
                    latencies.append(time.monotonic() - started)
                    assert fast.status_code == 200, fast.text
                await asyncio.sleep(0.05)
            timed_out, elapsed = await hung
        finally:
            os.kill(kpi.pid, signal.SIGCONT)
        assert timed_out.status_code == 504, timed_out.text
        assert timed_out.headers["content-type"].startswith("application/problem+json")
        assert "kpi" in timed_out.json()["detail"]
        assert UPSTREAM_TIMEOUT - 0.5 <= elapsed <= UPSTREAM_TIMEOUT + 2, elapsed
        assert len(latencies) >= 10, latencies
        assert max(latencies) < 1.0, max(latencies)
        assert (await client.get("/v1/kpi/cycles")).status_code == 200  # kpi answers again


# ----------------------------------------------------------------------------- the ERP


def erp_document(document_no: str, account_ref: str, amount: str) -> dict[str, Any]:
    money = {"amount": amount, "currency": "CNY"}
    return {
        "document_no": document_no,
        "account_ref": account_ref,
        "total": money,
        "issue_date": "2026-10-01",
        "due_lines": [{"line_no": 1, "due_date": "2026-11-01", "amount": money}],
    }


def erp_payment(erp_ref: str, account_ref: str, amount: str, invoice: str) -> dict[str, Any]:
    money = {"amount": amount, "currency": "CNY"}
    return {
        "erp_ref": erp_ref,
        "account_ref": account_ref,
        "amount": money,
        "received_on": "2026-11-20",
        "allocations": [{"document_no": invoice, "amount": money}],
    }


@pytest.fixture
def erp_linked(stack: Stack, database_url: str) -> Iterator[Stack]:
    """The fake ERP and a second clients process (same database, same staff) that pulls
    from it by hand only, with a short timeout, no retries and a short breaker cool-down.

    The shared stack's clients has no ERP link; the sync's state row is put back to "never
    synced" afterwards so no later test inherits this ERP's cursor or breaker."""
    linked = Stack(
        host=stack.host,
        ports=Ports(
            gateway=stack.ports.gateway,
            staff=stack.ports.staff,
            kpi=stack.ports.kpi,
            clients=free_port(),
            fake_erp=free_port(),
        ),
        log_dir=OUTPUT_DIR / "logs" / "faults-erp",
    )
    linked.env = stack.env | {
        "CLIENTS_ERP_BASE_URL": linked.url(FAKE_ERP),
        "CLIENTS_ERP_API_KEY": ERP_FEED_KEY,
        "CLIENTS_ERP_SYNC_INTERVAL_SECONDS": "0",
        "CLIENTS_ERP_TIMEOUT_SECONDS": str(ERP_TIMEOUT),
        "CLIENTS_ERP_RETRIES": "0",
        "CLIENTS_ERP_BREAKER_FAILURES": str(ERP_BREAKER_FAILURES),
        "CLIENTS_ERP_BREAKER_COOLDOWN_SECONDS": str(ERP_BREAKER_COOLDOWN),
    }
    try:
        linked.start_fake_erp(linked.env | {"FAKE_ERP_FEED_API_KEY": ERP_FEED_KEY})
        linked.start_process("clients")
        linked.wait_ready("clients")
        yield linked
    finally:
        erp = linked.processes.get(FAKE_ERP)
        if erp is not None and erp.poll() is None:
            os.kill(erp.pid, signal.SIGCONT)
        linked.stop_process("clients")
        linked.stop_process(FAKE_ERP)
        asyncio.run(forget_erp_sync(database_url))


async def forget_erp_sync(database_url: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await connection.execute(
            "UPDATE clients.erp_sync_state SET cursor = NULL, consecutive_failures = 0, "
            "breaker_open_until = NULL, last_error = NULL, lease_owner = NULL, "
            "lease_until = NULL"
        )
    finally:
        await connection.close()


async def sync_state(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get(ERP_SYNC)
    assert response.status_code == 200, response.text
    state: dict[str, Any] = response.json()
    return state


async def timed_sync(client: httpx.AsyncClient) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await client.post(ERP_SYNC)
    return response, time.monotonic() - started


async def feed_requests(control: httpx.AsyncClient) -> int:
    count: int = (await control.get("/control/stats")).json()["feed_requests"]
    return count


async def eventually_equal(read: Callable[[], Awaitable[int]], expected: int) -> bool:
    """Whether ``read()`` comes to ``expected`` within 5 s."""
    for _ in range(50):
        if await read() == expected:
            return True
        await asyncio.sleep(0.1)
    return False


async def test_the_erp_down_opens_the_breaker_the_api_stays_fast_and_sync_resumes(
    erp_linked: Stack,
    gateway: httpx.Client,
    owner_id: int,
    admin_headers: dict[str, str],
    monitor: asyncpg.Connection,
) -> None:
    code = unique_credit_code()
    account = eventually_created(
        gateway,
        {"legal_name": f"故障{RUN}ERP客户有限公司", "owner_id": owner_id, "credit_code": code},
    )
    invoice, later_invoice = f"INV-{RUN}-1", f"INV-{RUN}-2"
    erp_process = erp_linked.processes[FAKE_ERP]
    async with (
        httpx.AsyncClient(base_url=erp_linked.url(FAKE_ERP), timeout=10) as control,
        httpx.AsyncClient(
            base_url=erp_linked.url("clients"), headers=admin_headers, timeout=30
        ) as clients,
    ):
        for path, document in (
            ("/control/invoices", erp_document(invoice, code, "1000.00")),
            ("/control/payments", erp_payment(f"PAY-{RUN}-1", code, "300.00", invoice)),
        ):
            assert (await control.post(path, json=document)).status_code == 201
        first = (await clients.post(ERP_SYNC)).json()
        assert (first["outcome"], first["events_applied"]) == ("ok", 2), first
        # A change the sync has not pulled yet when the ERP goes away.
        unsynced = erp_payment(f"PAY-{RUN}-2", code, "200.00", invoice)
        assert (await control.post("/control/payments", json=unsynced)).status_code == 201

        os.kill(erp_process.pid, signal.SIGSTOP)  # accepts connections, never answers
        try:
            for _ in range(ERP_BREAKER_FAILURES):
                failed, took = await timed_sync(clients)
                assert failed.json()["outcome"] == "failed", failed.text
                assert took >= ERP_TIMEOUT * 0.9, took  # it did wait for the ERP
            state = await sync_state(clients)
            assert state["breaker"] == "open", state
            for _ in range(3):
                refused, took = await timed_sync(clients)
                assert refused.status_code == 503, refused.text
                assert refused.json()["breaker"] == "open"
                assert took < 0.5, took  # the ERP is not called while the breaker is open
                started = time.monotonic()
                listed = await clients.get(
                    "/v1/clients/invoices", params={"account_id": account["id"]}
                )
                assert listed.status_code == 200, listed.text
                assert time.monotonic() - started < 1.0
        finally:
            os.kill(erp_process.pid, signal.SIGCONT)

        # Resumed, the ERP answers the two requests it held (their rounds gave up long ago):
        # one request per round so far, none while the breaker was open.
        calls = 1 + ERP_BREAKER_FAILURES
        assert await eventually_equal(lambda: feed_requests(control), calls)
        # Back, with more changes made meanwhile; the breaker keeps it alone until it cools.
        for path, document in (
            ("/control/invoices", erp_document(later_invoice, code, "500.00")),
            ("/control/payments", erp_payment(f"PAY-{RUN}-3", code, "500.00", later_invoice)),
        ):
            assert (await control.post(path, json=document)).status_code == 201
        still_open, _ = await timed_sync(clients)
        assert still_open.status_code == 503, still_open.text
        assert await feed_requests(control) == calls
        deadline = time.monotonic() + ERP_BREAKER_COOLDOWN + 5
        while (await sync_state(clients))["breaker"] == "open":
            assert time.monotonic() < deadline, "the breaker never left the open state"
            await asyncio.sleep(0.2)

        resumed = (await clients.post(ERP_SYNC)).json()
        assert (resumed["outcome"], resumed["events_applied"]) == ("ok", 3), resumed
        assert resumed["events_duplicate"] == 0
        idle = (await clients.post(ERP_SYNC)).json()
        assert (idle["outcome"], idle["events_received"]) == ("ok", 0), idle
        state = await sync_state(clients)
        assert (state["breaker"], state["consecutive_failures"]) == ("closed", 0), state

    rows = await monitor.fetchrow(
        "SELECT count(*) AS payments, count(DISTINCT erp_ref) AS refs "
        "FROM clients.payments WHERE erp_ref LIKE $1",
        f"PAY-{RUN}-%",
    )
    assert (rows["payments"], rows["refs"]) == (3, 3)
    invoices = await monitor.fetchval(
        "SELECT count(*) FROM clients.invoices WHERE erp_document_no LIKE $1", f"INV-{RUN}-%"
    )
    assert invoices == 2
