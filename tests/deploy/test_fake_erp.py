"""The fake ERP: its feed and controls in-process, its webhooks from a real process."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from deploy.fake_erp.app import create_app
from deploy.fake_erp.ledger import encode_cursor
from deploy.fake_erp.settings import FakeErpSettings
from deploy.test_runner import free_port
from shared.webhooks import (
    HEADER_ID,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    generate_secret,
    verify_webhook,
)
from tests.clients.receivables.fake_erp_process import running_fake_erp

SECRET = generate_secret()
API_KEY = "erp-test-key"
ACCOUNT = "91310000MA1FL8XQ3B"  # a unified social credit code


def money(amount: str, currency: str = "CNY") -> dict[str, str]:
    return {"amount": amount, "currency": currency}


def invoice(number: str = "INV-1", total: str = "3000.00", **overrides: Any) -> dict[str, Any]:
    half = str(Decimal(total) / 2)
    body = {
        "document_no": number,
        "account_ref": ACCOUNT,
        "contract_ref": "HT-2026-001",
        "total": money(total),
        "issue_date": "2026-11-01",
        "due_lines": [
            {"line_no": 1, "due_date": "2026-12-01", "amount": money(half)},
            {"line_no": 2, "due_date": "2027-01-01", "amount": money(half)},
        ],
    }
    return body | overrides


def payment(
    ref: str = "PAY-1", amount: str = "1500.00", invoice_no: str = "INV-1"
) -> dict[str, Any]:
    return {
        "erp_ref": ref,
        "account_ref": ACCOUNT,
        "amount": money(amount),
        "received_on": "2026-11-20",
        "allocations": [{"document_no": invoice_no, "line_no": 1, "amount": money(amount)}],
    }


# --- in-process: the feed, the books and the feed's faults --------------------------------


@pytest.fixture
async def erp() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(FakeErpSettings(max_page_size=3))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://erp") as client:
        yield client


async def fill(erp: httpx.AsyncClient) -> None:
    assert (await erp.post("/control/invoices", json=invoice("INV-1"))).status_code == 201
    assert (await erp.post("/control/payments", json=payment("PAY-1"))).status_code == 201
    changed = invoice("INV-1", status="cancelled")
    assert (await erp.post("/control/invoices", json=changed)).status_code == 201
    reversal = {"reversed_on": "2026-11-21", "reason": "bounced"}
    assert (await erp.post("/control/payments/PAY-1/reversal", json=reversal)).status_code == 201
    assert (await erp.post("/control/invoices", json=invoice("INV-2"))).status_code == 201


async def test_the_feed_pages_through_every_event_in_order(erp: httpx.AsyncClient) -> None:
    await fill(erp)
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = []
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await erp.get("/api/changes", params=params)).json()
        pages.append((len(page["items"]), page["has_more"]))
        seen += page["items"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert pages == [(2, True), (2, True), (1, False)]
    assert [event["id"] for event in seen] == [f"evt_{n:08d}" for n in range(1, 6)]
    assert [event["type"] for event in seen] == [
        "invoice.upserted", "payment.received", "invoice.upserted",
        "payment.reversed", "invoice.upserted",
    ]  # fmt: skip
    # At the end the cursor stays put until something new happens, then continues there.
    idle = (await erp.get("/api/changes", params={"cursor": cursor})).json()
    assert idle == {"items": [], "next_cursor": cursor, "has_more": False}
    await erp.post("/control/invoices", json=invoice("INV-3"))
    fresh = (await erp.get("/api/changes", params={"cursor": cursor})).json()
    assert [event["id"] for event in fresh["items"]] == ["evt_00000006"]


async def test_the_page_size_is_capped(erp: httpx.AsyncClient) -> None:
    await fill(erp)
    page = (await erp.get("/api/changes", params={"limit": 1000})).json()
    assert len(page["items"]) == 3 and page["has_more"]


@pytest.mark.parametrize("cursor", ["not-a-cursor", "ZXJwMTp4", encode_cursor(1)[:-2] + "!!"])
async def test_a_foreign_cursor_is_400(erp: httpx.AsyncClient, cursor: str) -> None:
    assert (await erp.get("/api/changes", params={"cursor": cursor})).status_code == 400


async def test_the_event_json_matches_the_contract(erp: httpx.AsyncClient) -> None:
    await fill(erp)
    events = (await erp.get("/api/changes", params={"limit": 3})).json()["items"]
    first, paid, cancelled = events
    assert set(first) == {"id", "type", "occurred_at", "data"}
    assert first["data"] == {
        "document_no": "INV-1",
        "account_ref": ACCOUNT,
        "contract_ref": "HT-2026-001",
        "total": {"amount": "3000.00", "currency": "CNY"},
        "issue_date": "2026-11-01",
        "due_lines": [
            {
                "line_no": 1,
                "due_date": "2026-12-01",
                "amount": {"amount": "1500.00", "currency": "CNY"},
            },
            {
                "line_no": 2,
                "due_date": "2027-01-01",
                "amount": {"amount": "1500.00", "currency": "CNY"},
            },
        ],
        "status": "open",
        "version": 1,
    }
    assert paid["data"] == {
        "erp_ref": "PAY-1",
        "account_ref": ACCOUNT,
        "amount": {"amount": "1500.00", "currency": "CNY"},
        "received_on": "2026-11-20",
        "allocations": [
            {
                "document_no": "INV-1",
                "line_no": 1,
                "amount": {"amount": "1500.00", "currency": "CNY"},
            }
        ],
        "reversed_on": None,
    }
    assert cancelled["data"]["status"] == "cancelled" and cancelled["data"]["version"] == 2
    reversed_ = (await erp.get("/api/changes", params={"cursor": encode_cursor(3)})).json()
    assert reversed_["items"][0]["data"] == {
        "erp_ref": "PAY-1", "reversed_on": "2026-11-21", "reason": "bounced",
    }  # fmt: skip


async def test_a_payment_may_precede_its_invoice_in_the_feed(erp: httpx.AsyncClient) -> None:
    assert (
        await erp.post("/control/payments", json=payment("PAY-9", invoice_no="INV-9"))
    ).status_code == 201
    assert (await erp.post("/control/invoices", json=invoice("INV-9"))).status_code == 201
    items = (await erp.get("/api/changes")).json()["items"]
    assert [event["type"] for event in items] == ["payment.received", "invoice.upserted"]


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/control/invoices", invoice() | {"total": money("3000.02")}, 422),  # lines ≠ total
        ("/control/invoices", invoice() | {"total": money("3000.001")}, 422),  # sub-cent
        ("/control/invoices", invoice() | {"total": {"amount": 3000.0, "currency": "CNY"}}, 422),
        ("/control/payments", payment() | {"amount": money("1.00")}, 422),  # over-allocated
        ("/control/payments/NOPE/reversal", {"reversed_on": "2026-11-21"}, 404),
    ],
)
async def test_the_controls_refuse_inconsistent_documents(
    erp: httpx.AsyncClient, path: str, body: dict[str, Any], status: int
) -> None:
    assert (await erp.post(path, json=body)).status_code == status
    assert (await erp.get("/api/changes")).json()["items"] == []


async def test_a_payment_is_received_and_reversed_once(erp: httpx.AsyncClient) -> None:
    await erp.post("/control/payments", json=payment())
    assert (await erp.post("/control/payments", json=payment())).status_code == 409
    reversal = {"reversed_on": "2026-11-21"}
    assert (await erp.post("/control/payments/PAY-1/reversal", json=reversal)).status_code == 201
    assert (await erp.post("/control/payments/PAY-1/reversal", json=reversal)).status_code == 409
    assert (await erp.get("/api/payments/PAY-1")).json()["reversed_on"] == "2026-11-21"


async def set_feed_fault(erp: httpx.AsyncClient, **feed: Any) -> None:
    answer = await erp.put("/control/faults", json={"feed": feed})
    assert answer.status_code == 200, answer.text


async def test_feed_fault_500_for_a_number_of_requests(erp: httpx.AsyncClient) -> None:
    await set_feed_fault(erp, mode="error", times=2)
    assert [(await erp.get("/api/changes")).status_code for _ in range(3)] == [500, 500, 200]
    assert (await erp.get("/control/faults")).json()["feed"]["mode"] == "normal"


async def test_feed_fault_garbage(erp: httpx.AsyncClient) -> None:
    await set_feed_fault(erp, mode="garbage")
    answer = await erp.get("/api/changes")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    with pytest.raises(ValueError):
        answer.json()


async def test_feed_fault_huge_body_is_streamed_without_a_length(erp: httpx.AsyncClient) -> None:
    await set_feed_fault(erp, mode="huge", huge_bytes=3 * 1024 * 1024)
    async with erp.stream("GET", "/api/changes") as answer:
        assert "content-length" not in answer.headers
        size = sum([len(chunk) async for chunk in answer.aiter_bytes()])
    assert size == 3 * 1024 * 1024


async def test_feed_fault_redirect_to_itself(erp: httpx.AsyncClient) -> None:
    await set_feed_fault(erp, mode="redirect")
    answer = await erp.get("/api/changes", params={"limit": 5})
    assert answer.status_code == 302
    assert answer.headers["location"] == "http://erp/api/changes?limit=5"
    await set_feed_fault(erp, mode="redirect", redirect_to="http://elsewhere.invalid/x")
    assert (await erp.get("/api/changes")).headers["location"] == "http://elsewhere.invalid/x"


async def test_feed_fault_hang_and_delay(erp: httpx.AsyncClient) -> None:
    await set_feed_fault(erp, mode="hang", hang_seconds=0.4, times=1)
    started = time.monotonic()
    assert (await erp.get("/api/changes")).status_code == 200
    assert time.monotonic() - started >= 0.4
    await set_feed_fault(erp, delay_seconds=0.3)
    started = time.monotonic()
    assert (await erp.get("/api/changes")).status_code == 200
    assert time.monotonic() - started >= 0.3


async def test_clearing_faults_and_reset(erp: httpx.AsyncClient) -> None:
    await fill(erp)
    await set_feed_fault(erp, mode="error")
    assert (await erp.delete("/control/faults")).status_code == 204
    assert len((await erp.get("/api/changes")).json()["items"]) == 3
    assert (await erp.post("/control/reset")).status_code == 204
    assert (await erp.get("/api/changes")).json()["items"] == []


async def test_the_feed_can_require_an_api_key() -> None:
    app = create_app(FakeErpSettings(feed_api_key="feed-key"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://erp") as client:
        assert (await client.get("/api/changes")).status_code == 401
        wrong = await client.get("/api/changes", headers={"X-API-Key": "nope"})
        assert wrong.status_code == 401
        right = await client.get("/api/changes", headers={"X-API-Key": "feed-key"})
        assert right.status_code == 200


def test_secrets_come_from_the_environment_comma_or_space_separated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FAKE_ERP_WEBHOOK_SECRETS", "whsec_a, whsec_b whsec_c")
    assert FakeErpSettings().webhook_secrets == ["whsec_a", "whsec_b", "whsec_c"]


# --- a real process sending webhooks to a local receiver ----------------------------------


class Receiver:
    """Records every delivery; answers from a script of statuses, then 200."""

    def __init__(self) -> None:
        self.port = free_port()
        self.script: list[int] = []
        self.received: list[tuple[dict[str, str], bytes, float]] = []
        self.server: uvicorn.Server | None = None
        self.task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/clients/erp/webhooks"

    async def start(self) -> None:
        app = FastAPI()

        @app.post("/v1/clients/erp/webhooks")
        async def webhook(request: Request) -> JSONResponse:
            self.received.append((dict(request.headers), await request.body(), time.monotonic()))
            status = self.script.pop(0) if self.script else 200
            return JSONResponse({"status": status}, status_code=status)

        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.task = asyncio.create_task(self.server.serve())
        for _ in range(500):
            if self.server.started:
                return
            await asyncio.sleep(0.01)
        raise RuntimeError("receiver did not start")

    async def stop(self) -> None:
        if self.server is not None and self.task is not None:
            self.server.should_exit = True
            await self.task

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body, _ in self.received]


@pytest.fixture(scope="module")
def fake_erp_url() -> Iterator[str]:
    with running_fake_erp(
        feed_api_key=None,
        log_name="fake_erp.log",
        backoff_seconds="0.05",
        max_backoff_seconds="0.2",
        max_attempts="4",
        timeout_seconds="2",
    ) as url:
        yield url


@pytest.fixture(scope="module")
async def receiver() -> AsyncIterator[Receiver]:
    made = Receiver()
    await made.start()
    yield made
    await made.stop()


@pytest.fixture
async def live(fake_erp_url: str, receiver: Receiver) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the running fake ERP, pointed at the receiver, clean before and after."""
    async with httpx.AsyncClient(base_url=fake_erp_url, timeout=5) as client:
        target = {"url": receiver.url, "secrets": [SECRET], "api_key": API_KEY}
        assert (await client.put("/control/webhook", json=target)).status_code == 200
        assert (await client.post("/control/reset")).status_code == 204
        receiver.received.clear()
        receiver.script.clear()
        yield client
        await settled(client)


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 10) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


async def settled(client: httpx.AsyncClient) -> dict[str, Any]:
    """Wait until nothing is left to deliver; the delivery log."""
    log: dict[str, Any] = {}

    async def idle() -> bool:
        log.update((await client.get("/control/deliveries")).json())
        return bool(log["pending"] == 0)

    await eventually(idle)
    return log


async def test_a_delivery_is_signed_and_carries_the_api_key(
    live: httpx.AsyncClient, receiver: Receiver
) -> None:
    created = (await live.post("/control/invoices", json=invoice())).json()
    await settled(live)
    assert len(receiver.received) == 1
    headers, body, _ = receiver.received[0]
    verified = verify_webhook(SECRET, headers, body)  # the raw bytes, before any parsing
    assert verified.webhook_id == created["event_id"] == headers[HEADER_ID]
    assert headers["x-api-key"] == API_KEY
    assert headers["content-type"] == "application/json"
    feed = (await live.get("/api/changes")).json()["items"]
    assert json.loads(body) == feed[0]


async def test_a_failed_delivery_is_retried_with_the_same_id_and_fresh_signatures(
    live: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.script = [500, 503, 404]
    await live.post("/control/invoices", json=invoice())
    log = await settled(live)
    assert [attempt["status_code"] for attempt in log["attempts"]] == [500, 503, 404, 200]
    assert [attempt["delivered"] for attempt in log["attempts"]] == [False, False, False, True]
    assert len({headers[HEADER_ID] for headers, _, _ in receiver.received}) == 1
    for headers, body, _ in receiver.received:
        verify_webhook(SECRET, headers, body)
    gaps = [b[2] - a[2] for a, b in zip(receiver.received, receiver.received[1:], strict=False)]
    assert all(gap >= 0.02 for gap in gaps)  # backoff between attempts (0.05 s ±50 %)


async def test_delivery_gives_up_after_the_last_attempt_and_goes_on(
    live: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.script = [500] * 4
    first = (await live.post("/control/invoices", json=invoice("INV-1"))).json()["event_id"]
    second = (await live.post("/control/invoices", json=invoice("INV-2"))).json()["event_id"]
    log = await settled(live)
    assert log["gave_up"] == [first]
    assert [event["id"] for event in receiver.events()][-1] == second


async def test_an_unreachable_receiver_is_retried(live: httpx.AsyncClient) -> None:
    dead = {"url": f"http://127.0.0.1:{free_port()}/x", "secrets": [SECRET]}
    await live.put("/control/webhook", json=dead)
    await live.post("/control/invoices", json=invoice())
    log = await settled(live)
    assert [attempt["error"] for attempt in log["attempts"]] == ["ConnectError"] * 4
    assert len(log["gave_up"]) == 1


@pytest.mark.parametrize("concurrently", [False, True])
async def test_fault_duplicate_delivers_the_same_webhook_n_more_times(
    live: httpx.AsyncClient, receiver: Receiver, concurrently: bool
) -> None:
    faults = {"webhook": {"duplicate": 4, "duplicate_concurrently": concurrently}}
    assert (await live.put("/control/faults", json=faults)).status_code == 200
    await live.post("/control/payments", json=payment())
    await settled(live)
    assert len(receiver.received) == 5
    assert len({headers[HEADER_ID] for headers, _, _ in receiver.received}) == 1
    assert len({body for _, body, _ in receiver.received}) == 1
    for headers, body, _ in receiver.received:
        verify_webhook(SECRET, headers, body)


async def test_fault_duplicate_with_new_ids_announces_the_same_document_again(
    live: httpx.AsyncClient, receiver: Receiver
) -> None:
    faults = {"webhook": {"duplicate": 2, "duplicate_with_new_ids": True}}
    await live.put("/control/faults", json=faults)
    await live.post("/control/payments", json=payment())
    await settled(live)
    events = receiver.events()
    assert len({event["id"] for event in events}) == 3
    assert {event["data"]["erp_ref"] for event in events} == {"PAY-1"}


async def test_fault_reorder_sends_the_payment_before_its_invoice(
    live: httpx.AsyncClient, receiver: Receiver
) -> None:
    await live.put("/control/faults", json={"webhook": {"reorder_window": 2}})
    await live.post("/control/invoices", json=invoice())
    await asyncio.sleep(0.2)
    assert receiver.received == []  # held until the window fills
    await live.post("/control/payments", json=payment())
    await settled(live)
    assert [event["type"] for event in receiver.events()] == [
        "payment.received",
        "invoice.upserted",
    ]
    # The feed itself stays in order.
    feed = (await live.get("/api/changes")).json()["items"]
    assert [event["type"] for event in feed] == ["invoice.upserted", "payment.received"]


async def test_a_partly_filled_reorder_window_is_flushed_on_request(
    live: httpx.AsyncClient, receiver: Receiver
) -> None:
    await live.put("/control/faults", json={"webhook": {"reorder_window": 5}})
    await live.post("/control/invoices", json=invoice())
    assert (await live.post("/control/webhooks/flush")).json() == {"released": 1}
    await settled(live)
    assert len(receiver.received) == 1


async def test_fault_delay(live: httpx.AsyncClient, receiver: Receiver) -> None:
    await live.put("/control/faults", json={"webhook": {"delay_seconds": 0.5}})
    started = time.monotonic()
    await live.post("/control/invoices", json=invoice())
    await settled(live)
    assert receiver.received[0][2] - started >= 0.5


async def test_rotation_signs_with_every_configured_secret(
    live: httpx.AsyncClient, receiver: Receiver
) -> None:
    new = generate_secret()
    target = {"url": receiver.url, "secrets": [SECRET, new], "api_key": API_KEY}
    read = (await live.put("/control/webhook", json=target)).json()
    assert read == {"url": receiver.url, "secrets": 2, "api_key_set": True}  # never echoed
    await live.post("/control/invoices", json=invoice())
    await settled(live)
    headers, body, _ = receiver.received[0]
    assert len(headers[HEADER_SIGNATURE].split()) == 2
    verify_webhook(new, headers, body)
    verify_webhook(SECRET, headers, body)
    assert int(headers[HEADER_TIMESTAMP]) == pytest.approx(time.time(), abs=5)


async def test_over_real_http_a_hung_feed_times_out_and_the_erp_recovers(
    live: httpx.AsyncClient,
) -> None:
    await live.put("/control/faults", json={"feed": {"mode": "hang", "times": 1}})
    with pytest.raises(httpx.ReadTimeout):
        await live.get("/api/changes", timeout=0.5)
    assert (await live.get("/api/changes", timeout=2)).status_code == 200


async def test_over_real_http_a_redirecting_feed_loops(live: httpx.AsyncClient) -> None:
    await live.put("/control/faults", json={"feed": {"mode": "redirect"}})
    with pytest.raises(httpx.TooManyRedirects):
        await live.get("/api/changes", follow_redirects=True)
    await live.delete("/control/faults")
