"""The ERP webhook: signed, scoped, stored once, applied once, out-of-order tolerant."""

from __future__ import annotations

import time
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from shared.auth.principal import Role
from tests.clients.conftest import KAM, create_account, credit_code
from tests.clients.receivables.factories import (
    OLD_SECRET,
    WEBHOOK,
    deliver,
    invoice_event,
    payment_event,
    reversal_event,
    signed,
)
from tests.conftest import bearer


async def inbox_count(app: FastAPI) -> int:
    async with app.state.session_factory() as session:
        return int(
            (await session.execute(text("SELECT count(*) FROM clients.erp_inbox"))).scalar_one()
        )


async def payments_of(client: httpx.AsyncClient, account_id: int) -> list[dict[str, Any]]:
    response = await client.get("/v1/clients/payments", params={"account_id": account_id})
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def invoice_by_no(client: httpx.AsyncClient, account_id: int, number: str) -> dict[str, Any]:
    response = await client.get("/v1/clients/invoices", params={"account_id": account_id})
    assert response.status_code == 200, response.text
    [found] = [i for i in response.json()["items"] if i["erp_document_no"] == number]
    detail = await client.get(f"/v1/clients/invoices/{found['id']}")
    assert detail.status_code == 200, detail.text
    return detail.json()


async def account_with_code(client: httpx.AsyncClient, seed: int) -> tuple[int, str]:
    code = credit_code(seed)
    account = await create_account(client, credit_code=code, owner_id=KAM)
    return account["id"], code


async def test_a_payment_delivered_five_times_is_stored_once(erp: httpx.AsyncClient) -> None:
    account_id, code = await account_with_code(erp, 7001)
    assert (await deliver(erp, invoice_event("INV-A1", code, [("2026-12-01", "1000.00")]))).json()[
        "outcome"
    ] == "applied"
    event = payment_event("PAY-A1", code, "400.00", "2026-11-20", [("INV-A1", 1, "400.00")])
    outcomes = [(await deliver(erp, event)).json()["outcome"] for _ in range(5)]
    assert outcomes == ["applied"] + ["duplicate"] * 4
    # The same payment announced again under a new event id: still one effect.
    again = {**event, "id": "evt_new_id_for_the_same_payment"}
    assert (await deliver(erp, again)).json()["outcome"] == "applied"
    [payment] = await payments_of(erp, account_id)
    assert payment["amount"] == {"amount": "400.00", "currency": "CNY"}
    assert payment["unallocated_amount"]["amount"] == "0.00"
    invoice = await invoice_by_no(erp, account_id, "INV-A1")
    assert invoice["open_amount"]["amount"] == "600.00"
    assert len(invoice["allocations"]) == 1


async def test_a_payment_before_its_invoice_is_applied_when_the_invoice_arrives(
    erp: httpx.AsyncClient,
) -> None:
    account_id, code = await account_with_code(erp, 7002)
    pay = payment_event("PAY-B1", code, "1800.00", "2026-11-20", [("INV-B1", None, "1500.00")])
    first = await deliver(erp, pay)
    assert first.status_code == 200
    assert first.json()["outcome"] == "pending"
    assert "INV-B1" in first.json()["detail"]
    [payment] = await payments_of(erp, account_id)
    assert payment["unallocated_amount"]["amount"] == "1800.00"

    lines = [("2026-12-01", "1000.00"), ("2027-01-01", "1000.00")]
    assert (await deliver(erp, invoice_event("INV-B1", code, lines))).json()["outcome"] == "applied"
    invoice = await invoice_by_no(erp, account_id, "INV-B1")
    paid = {line["line_no"]: line["paid_amount"]["amount"] for line in invoice["lines"]}
    assert paid == {1: "1000.00", 2: "500.00"}  # oldest due line first
    assert invoice["open_amount"]["amount"] == "500.00"
    [payment] = await payments_of(erp, account_id)
    assert payment["unallocated_amount"]["amount"] == "300.00"  # over-payment kept

    # A newer version of the invoice and the pending payment again: nothing applied twice.
    newer = invoice_event("INV-B1", code, lines, version=2)
    assert (await deliver(erp, newer)).json()["outcome"] == "applied"
    assert (await deliver(erp, {**pay, "id": "evt_b1_again"})).json()["outcome"] == "applied"
    invoice = await invoice_by_no(erp, account_id, "INV-B1")
    assert invoice["open_amount"]["amount"] == "500.00"
    assert invoice["erp_version"] == 2
    retry = await erp.post("/v1/clients/erp/inbox/retry")
    assert retry.status_code == 200, retry.text
    assert retry.json()["still_pending"] == 0


async def test_a_payment_without_allocations_pays_oldest_lines_and_a_reversal_undoes_it(
    erp: httpx.AsyncClient,
) -> None:
    account_id, code = await account_with_code(erp, 7003)
    await deliver(erp, invoice_event("INV-C2", code, [("2027-02-01", "300.00")]))
    await deliver(erp, invoice_event("INV-C1", code, [("2026-12-01", "200.00")]))
    # A reversal before its payment waits for it.
    reversal = reversal_event("PAY-C1", "2026-11-25")
    assert (await deliver(erp, reversal)).json()["outcome"] == "pending"
    response = await deliver(erp, payment_event("PAY-C1", code, "250.00", "2026-11-20"))
    assert response.json()["outcome"] == "applied"
    [payment] = await payments_of(erp, account_id)
    assert payment["status"] == "reversed"  # the waiting reversal was applied at once
    for number in ("INV-C1", "INV-C2"):
        invoice = await invoice_by_no(erp, account_id, number)
        assert invoice["open_amount"] == invoice["amount"]
        assert invoice["status"] == "open"

    await deliver(erp, payment_event("PAY-C2", code, "250.00", "2026-11-21"))
    old = await invoice_by_no(erp, account_id, "INV-C1")
    new = await invoice_by_no(erp, account_id, "INV-C2")
    assert old["status"] == "paid"
    assert new["open_amount"]["amount"] == "250.00"
    assert (await deliver(erp, reversal_event("PAY-C2", "2026-11-26"))).json()[
        "outcome"
    ] == "applied"
    assert (await invoice_by_no(erp, account_id, "INV-C1"))["status"] == "open"


async def test_bad_signature_stale_timestamp_or_wrong_key_is_401_and_nothing_stored(
    erp_app: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, erp = erp_app
    _, code = await account_with_code(erp, 7004)
    event = payment_event("PAY-D1", code, "10.00", "2026-11-20")
    before = await inbox_count(app)

    body, headers = signed(event)
    tampered = body.replace(b"10.00", b"99.00")
    assert (await erp.post(WEBHOOK, content=tampered, headers=headers)).status_code == 401
    wrong = "whsec_" + "A" * 44
    assert (await deliver(erp, event, secrets=[wrong])).status_code == 401
    stale = await deliver(erp, event, timestamp=int(time.time()) - 600)
    assert stale.status_code == 401
    assert stale.json()["reason"] == "stale_timestamp"
    no_key = await deliver(erp, event, auth={"Authorization": ""})
    assert no_key.status_code == 401
    bad_token = await deliver(erp, event, auth={"Authorization": "Bearer not-a-token"})
    assert bad_token.status_code == 401
    other_scope = bearer(subject="api_key:8", scopes=frozenset({"reports:read"}))
    assert (await deliver(erp, event, auth=other_scope)).status_code == 403
    assert (await deliver(erp, event, auth=bearer(Role.ADMIN))).status_code == 403
    assert await inbox_count(app) == before
    # Signed with the previous secret during a rotation: accepted.
    assert (await deliver(erp, event, secrets=[OLD_SECRET])).status_code == 200


async def test_a_malformed_event_is_422_with_the_reason_and_nothing_stored(
    erp_app: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, erp = erp_app
    _, code = await account_with_code(erp, 7005)
    before = await inbox_count(app)
    not_json = await deliver(erp, b"{not json")
    assert not_json.status_code == 422
    lines = invoice_event("INV-E1", code, [("2026-12-01", "100.00")])
    lines["data"]["total"] = {"amount": "150.00", "currency": "CNY"}
    wrong_total = await deliver(erp, lines)
    assert wrong_total.status_code == 422
    assert "do not add up" in wrong_total.json()["detail"]
    float_money = payment_event("PAY-E1", code, "10.00", "2026-11-20")
    float_money["data"]["amount"]["amount"] = 10.5
    assert (await deliver(erp, float_money)).status_code == 422
    unknown = {"id": "evt_x", "type": "invoice.deleted", "data": {}}
    response = await deliver(erp, unknown)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][0] == "body"
    assert await inbox_count(app) == before


async def test_an_invoice_for_an_unknown_account_waits_for_it(erp: httpx.AsyncClient) -> None:
    code = credit_code(7006)
    event = invoice_event("INV-F1", code, [("2026-12-01", "100.00")])
    assert (await deliver(erp, event)).json()["outcome"] == "pending"
    account_id = (await create_account(erp, credit_code=code))["id"]
    retry = await erp.post("/v1/clients/erp/inbox/retry")
    assert retry.json() == {"applied": 1, "still_pending": 0}
    invoice = await invoice_by_no(erp, account_id, "INV-F1")
    assert invoice["owner_id"] == KAM


async def test_a_webhook_id_that_differs_from_the_event_id_is_400_and_nothing_stored(
    erp_app: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, erp = erp_app
    account_id, code = await account_with_code(erp, 7014)
    event = payment_event("PAY-N1", code, "25.00", "2026-11-20")
    before = await inbox_count(app)
    mismatch = await deliver(erp, event, webhook_id="evt_some_other_event")
    assert mismatch.status_code == 400
    assert mismatch.headers["content-type"].startswith("application/problem+json")
    assert "webhook-id" in mismatch.json()["detail"]
    assert await inbox_count(app) == before
    assert await payments_of(erp, account_id) == []
    # The same event under its own id is applied.
    assert (await deliver(erp, event)).json()["outcome"] == "applied"
