"""The ERP pull sync against the fake ERP running as a real process: applying the feed
through the webhook's ingest path, resuming after a failure mid-batch, every fault of the
feed failing cleanly, the circuit breaker, and our API staying fast meanwhile."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from deploy.fake_erp.ledger import encode_cursor
from services.clients.erp.repository import ERP_SYNC_LOCK
from services.clients.erp.schemas import SyncOutcome, SyncTrigger
from services.clients.erp.sync import ErpSync, build_erp_client
from services.clients.settings import ClientsSettings
from shared.auth.principal import Role
from tests.clients.conftest import ACCOUNTS, KAM, create_account, credit_code
from tests.clients.receivables.conftest import linked_to_erp
from tests.clients.receivables.factories import FINANCE, OLD_SECRET, SECRET, signed
from tests.clients.receivables.fake_erp_process import (
    ERP_FEED_KEY,
    erp_invoice,
    erp_payment,
    running_fake_erp,
    set_feed_fault,
)
from tests.conftest import bearer
from tests.polling import until

SYNC = "/v1/clients/erp/sync"
WEBHOOK = "/v1/clients/erp/webhooks"


@pytest.fixture(scope="module")
def fake_erp_url() -> Iterator[str]:
    with running_fake_erp() as url:
        yield url


@pytest.fixture
async def control(fake_erp_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The fake ERP's control API, the ERP emptied and its faults cleared."""
    async with httpx.AsyncClient(base_url=fake_erp_url, timeout=10) as client:
        assert (await client.post("/control/reset")).status_code == 204
        yield client
        await client.delete("/control/faults")


def sync_settings(url: str, **overrides: Any) -> ClientsSettings:
    values: dict[str, Any] = {
        "erp_webhook_secrets": [OLD_SECRET, SECRET],
        "erp_base_url": url,
        "erp_api_key": ERP_FEED_KEY,
        "erp_sync_interval_seconds": 0,
        "erp_timeout_seconds": 1.0,
        "erp_retries": 1,
        "erp_backoff_seconds": 0.01,
        "erp_max_backoff_seconds": 0.05,
        "erp_breaker_failures": 3,
        "erp_breaker_cooldown_seconds": 60,
        "erp_max_response_bytes": 256 * 1024,
        "erp_page_size": 5,
    }
    return ClientsSettings(**(values | overrides))


@pytest.fixture
async def synced(
    erp_app: tuple[FastAPI, httpx.AsyncClient], fake_erp_url: str
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app, client = erp_app
    async with linked_to_erp(app, sync_settings(fake_erp_url)):
        yield app, client


async def scalar(app: FastAPI, sql: str, **params: Any) -> Any:
    async with app.state.session_factory() as session:
        return (await session.execute(text(sql), params)).scalar_one()


async def payment_count(app: FastAPI, prefix: str) -> tuple[int, int]:
    """(payments with refs starting with ``prefix``, distinct refs among them)."""
    async with app.state.session_factory() as session:
        row = (
            await session.execute(
                text(
                    "SELECT count(*), count(DISTINCT erp_ref) FROM clients.payments "
                    "WHERE erp_ref LIKE :p"
                ),
                {"p": f"{prefix}%"},
            )
        ).one()
    return int(row[0]), int(row[1])


async def sync_state(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get(SYNC)
    assert response.status_code == 200, response.text
    state: dict[str, Any] = response.json()
    return state


async def breaker_is(client: httpx.AsyncClient, wanted: str) -> None:
    """Poll the sync state until the breaker is ``wanted`` (a cool-down ending)."""

    async def reached() -> bool:
        return bool((await sync_state(client))["breaker"] == wanted)

    await until(reached, seconds=10)


async def test_a_round_applies_the_feed_once_even_with_a_webhook_copy(
    synced: tuple[FastAPI, httpx.AsyncClient], control: httpx.AsyncClient
) -> None:
    app, client = synced
    code = credit_code(7401)
    account_id = (await create_account(client, credit_code=code, owner_id=KAM))["id"]
    await erp_invoice(control, "INV-S1", code, "1000.00")
    await erp_payment(control, "PAY-S1", code, "400.00", "INV-S1")
    # The payment also arrived as a webhook, before its invoice: it waits.
    feed = (await control.get("/api/changes", headers={"X-API-Key": ERP_FEED_KEY})).json()
    body, headers = signed(feed["items"][1])
    pushed = await client.post(WEBHOOK, content=body, headers=headers)
    assert pushed.json()["outcome"] == "pending"

    response = await client.post(SYNC, headers=FINANCE)
    assert response.status_code == 200, response.text
    run = response.json()
    assert run["outcome"] == "ok" and run["trigger"] == "manual"
    assert (run["events_received"], run["events_applied"], run["events_duplicate"]) == (2, 1, 1)
    assert run["cursor_before"] is None and run["cursor_after"] == encode_cursor(2)
    assert await payment_count(app, "PAY-S1") == (1, 1)
    invoices = (await client.get("/v1/clients/invoices", params={"account_id": account_id})).json()
    [invoice] = invoices["items"]
    assert invoice["open_amount"]["amount"] == "600.00"  # the waiting payment was applied

    again = (await client.post(SYNC)).json()
    assert again["outcome"] == "ok" and again["events_received"] == 0
    assert again["cursor_after"] == encode_cursor(2)
    state = await sync_state(client)
    assert state["cursor"] == encode_cursor(2) and state["breaker"] == "closed"
    assert state["last_success_at"] is not None and state["consecutive_failures"] == 0
    assert [r["events_received"] for r in state["recent_runs"]] == [0, 2]  # newest first


async def test_a_failure_mid_batch_resumes_from_the_last_committed_cursor(
    synced: tuple[FastAPI, httpx.AsyncClient], control: httpx.AsyncClient
) -> None:
    app, client = synced
    code = credit_code(7402)
    await create_account(client, credit_code=code, owner_id=KAM)
    await erp_invoice(control, "INV-M1", code, "5000.00")
    await erp_invoice(control, "INV-M2", code, "5000.00")
    for n in range(1, 11):  # events 3 … 12
        await erp_payment(control, f"PAY-M{n:02d}", code, "100.00", f"INV-M{1 + n % 2}")
    settings: ClientsSettings = app.state.settings
    erp = build_erp_client(settings)
    seen: list[str] = []

    async def crash_on_the_eighth(index: int, event: dict[str, Any]) -> None:
        seen.append(event["id"])
        if event["id"] == "evt_00000008":  # the 3rd event of the 2nd page of 5
            raise RuntimeError("the process died here")

    try:
        sync = ErpSync(app.state.session_factory, erp, settings, before_apply=crash_on_the_eighth)
        failed = await sync.run_once(SyncTrigger.SCHEDULE)
        assert failed is not None and failed.outcome is SyncOutcome.FAILED
        assert failed.error is not None and "evt_00000008" in failed.error
        assert failed.pages == 1 and failed.cursor_after == encode_cursor(5)
        assert seen[-1] == "evt_00000008"
        assert await payment_count(app, "PAY-M") == (3, 3)  # events 3-5 of the first page
        assert await scalar(app, "SELECT count(*) FROM clients.erp_inbox") == 5  # 6, 7 undone

        resumed = await ErpSync(app.state.session_factory, erp, settings).run_once()
    finally:
        await erp.aclose()
    assert resumed is not None and resumed.outcome is SyncOutcome.OK
    assert resumed.cursor_before == encode_cursor(5)
    assert resumed.cursor_after == encode_cursor(12)
    assert (resumed.events_received, resumed.events_duplicate) == (7, 0)
    assert await payment_count(app, "PAY-M") == (10, 10)
    assert await scalar(app, "SELECT count(*) FROM clients.erp_inbox") == 12
    paid = await scalar(
        app,
        "SELECT sum(l.paid_amount) FROM clients.invoice_lines l "
        "JOIN clients.invoices i ON i.id = l.invoice_id WHERE i.erp_document_no LIKE 'INV-M%'",
    )
    assert str(paid) == "1000.00"  # ten payments of 100, each allocated once
    state = await sync_state(client)
    assert state["cursor"] == encode_cursor(12) and state["consecutive_failures"] == 0


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ({"mode": "error"}, "answered 500"),
        ({"mode": "garbage"}, "not JSON"),
        ({"mode": "huge", "huge_bytes": 64 * 1024 * 1024}, "exceeds 262144 bytes"),
        ({"mode": "redirect"}, "redirect (302)"),
        ({"mode": "redirect", "redirect_to": "http://127.0.0.1:9/x"}, "redirect (302)"),
        ({"mode": "hang", "hang_seconds": 60}, "did not answer within 1 s"),
    ],
)
async def test_each_fault_fails_the_round_cleanly_and_the_cursor_stays(
    synced: tuple[FastAPI, httpx.AsyncClient],
    control: httpx.AsyncClient,
    fault: dict[str, Any],
    reason: str,
) -> None:
    app, client = synced
    code = credit_code(7403)
    await create_account(client, credit_code=code, owner_id=KAM)
    await erp_invoice(control, "INV-F1", code, "100.00")
    await set_feed_fault(control, **fault)
    started = time.monotonic()
    response = await client.post(SYNC)
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    run = response.json()
    assert run["outcome"] == "failed"
    assert reason in run["error"]
    assert run["events_received"] == 0 and run["cursor_after"] is None
    assert elapsed < 5  # bounded: one timeout per attempt at most, a huge body cut short
    state = await sync_state(client)
    assert state["cursor"] is None and state["consecutive_failures"] == 1
    assert reason in state["last_error"] and state["breaker"] == "closed"
    assert ERP_FEED_KEY not in state["last_error"]
    assert await scalar(app, "SELECT count(*) FROM clients.invoices") == 0

    await control.delete("/control/faults")
    recovered = (await client.post(SYNC)).json()
    assert recovered["outcome"] == "ok" and recovered["cursor_after"] == encode_cursor(1)
    assert (await sync_state(client))["consecutive_failures"] == 0


async def test_a_transient_failure_is_retried_within_the_round(
    synced: tuple[FastAPI, httpx.AsyncClient], control: httpx.AsyncClient
) -> None:
    _, client = synced
    code = credit_code(7404)
    await create_account(client, credit_code=code, owner_id=KAM)
    await erp_invoice(control, "INV-T1", code, "100.00")
    await set_feed_fault(control, mode="error", times=1)
    run = (await client.post(SYNC)).json()
    assert run["outcome"] == "ok" and run["events_applied"] == 1


async def feed_requests(control: httpx.AsyncClient) -> int:
    count: int = (await control.get("/control/stats")).json()["feed_requests"]
    return count


async def feed_faults_left(control: httpx.AsyncClient) -> int:
    times: int = (await control.get("/control/faults")).json()["feed"]["times"]
    return times


async def test_the_breaker_opens_after_n_failures_and_stops_calling_the_erp(
    synced: tuple[FastAPI, httpx.AsyncClient], control: httpx.AsyncClient, fake_erp_url: str
) -> None:
    app, client = synced
    app.state.settings = sync_settings(fake_erp_url, erp_breaker_cooldown_seconds=1.0)
    code = credit_code(7405)
    await create_account(client, credit_code=code, owner_id=KAM)
    await erp_invoice(control, "INV-B1", code, "100.00")
    await set_feed_fault(control, mode="error", times=100)  # counts the ERP's requests
    for n in range(1, 4):
        run = (await client.post(SYNC)).json()
        assert run["outcome"] == "failed"
        assert (await sync_state(client))["consecutive_failures"] == n
    assert await feed_faults_left(control) == 100 - 3 * 2  # two attempts per round
    state = await sync_state(client)
    assert state["breaker"] == "open" and state["breaker_open_until"] is not None

    refused = await client.post(SYNC)
    assert refused.status_code == 503, refused.text
    problem = refused.json()
    assert problem["breaker"] == "open" and "answered 500" in problem["last_error"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 2
    report = await client.get("/v1/clients/erp/reconciliation")
    assert report.status_code == 503
    assert await feed_faults_left(control) == 94  # the ERP was not called while open

    await breaker_is(client, "half_open")  # the cool-down ends: one probe, which fails
    probe = (await client.post(SYNC)).json()
    assert probe["outcome"] == "failed"
    assert await feed_faults_left(control) == 92
    assert (await client.post(SYNC)).status_code == 503

    await breaker_is(client, "half_open")
    await control.delete("/control/faults")
    healed = (await client.post(SYNC)).json()
    assert healed["outcome"] == "ok" and healed["events_applied"] == 1
    state = await sync_state(client)
    assert state["breaker"] == "closed" and state["consecutive_failures"] == 0
    assert state["last_error"] is None
    outcomes = [r["outcome"] for r in state["recent_runs"]]
    assert outcomes[:3] == ["ok", "breaker_open", "failed"]


async def test_our_api_answers_fast_while_a_round_hangs(
    synced: tuple[FastAPI, httpx.AsyncClient], control: httpx.AsyncClient, fake_erp_url: str
) -> None:
    app, client = synced
    hanging = sync_settings(fake_erp_url, erp_timeout_seconds=2.0, erp_retries=0)
    async with linked_to_erp(app, hanging):
        await create_account(client, credit_code=credit_code(7406), owner_id=KAM)
        await set_feed_fault(control, mode="hang", hang_seconds=60)
        before = await feed_requests(control)
        round_ = asyncio.create_task(client.post(SYNC))
        while await feed_requests(control) == before:  # noqa: ASYNC110 - until the round waits
            await asyncio.sleep(0.02)
        started = time.monotonic()
        listed = await client.get(ACCOUNTS)
        assert listed.status_code == 200
        state = await sync_state(client)
        assert time.monotonic() - started < 0.5
        assert not round_.done()
        assert state["running"] is True  # the round holds its lease, not a transaction
        run = (await round_).json()
        assert run["outcome"] == "failed" and "did not answer within 2 s" in run["error"]
        assert (await sync_state(client))["running"] is False


async def test_the_background_task_runs_rounds_on_its_interval(
    synced: tuple[FastAPI, httpx.AsyncClient], control: httpx.AsyncClient, fake_erp_url: str
) -> None:
    app, client = synced
    code = credit_code(7407)
    await create_account(client, credit_code=code, owner_id=KAM)
    await erp_invoice(control, "INV-L1", code, "100.00")
    settings = sync_settings(fake_erp_url, erp_sync_interval_seconds=0.2, erp_timeout_seconds=30)

    async def wait_for_requests(above: int) -> None:
        deadline = time.monotonic() + 10
        while await feed_requests(control) <= above:
            assert time.monotonic() < deadline, "no scheduled round asked the ERP"
            await asyncio.sleep(0.05)

    # Only the fake ERP is watched while the task runs: the test's one database
    # connection is not shared with the background rounds.
    async with linked_to_erp(app, settings):
        await wait_for_requests(0)  # a first round asked …
        await set_feed_fault(control, delay_seconds=30)
        await wait_for_requests(await feed_requests(control))  # … and a later one waits
    state = await sync_state(client)
    assert state["cursor"] == encode_cursor(1)
    assert state["running"] is False  # the round cut short by the shutdown left its lease
    runs = state["recent_runs"]
    assert runs and all(r["trigger"] == "schedule" for r in runs)
    assert runs[-1]["events_applied"] == 1


async def test_one_round_at_a_time_across_replicas(
    synced: tuple[FastAPI, httpx.AsyncClient], raw_engine: AsyncEngine
) -> None:
    _, client = synced
    async with raw_engine.connect() as other_replica:
        await other_replica.execute(text("SELECT pg_advisory_lock(:k)"), {"k": ERP_SYNC_LOCK})
        busy = await client.post(SYNC)
        await other_replica.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ERP_SYNC_LOCK})
    assert busy.status_code == 409, busy.text
    assert "busy" in busy.json()["detail"]


async def test_who_may_see_and_trigger_the_sync(
    synced: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = synced
    kam = bearer(Role.ACCOUNT_MANAGER, employee_id=KAM)
    assert (await client.get(SYNC, headers=kam)).status_code == 403
    assert (await client.post(SYNC, headers=kam)).status_code == 403
    assert (await client.get(SYNC, headers=FINANCE)).status_code == 200
    service = bearer(subject="service:kpi")
    assert (await client.get(SYNC, headers=service)).status_code == 200


async def test_without_a_base_url_the_sync_is_off(
    erp_app: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = erp_app
    state = await sync_state(client)
    assert state["enabled"] is False
    off = await client.post(SYNC)
    assert off.status_code == 409 and "CLIENTS_ERP_BASE_URL" in off.json()["detail"]
