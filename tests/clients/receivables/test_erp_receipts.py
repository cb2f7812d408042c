"""ERP receipts that tell the truth: money that cannot be applied is named with its reason
(applied_with_warnings), a payment announced again with other facts is refused (conflict)
and nothing of it applied; the ERP's key reads what became of its events; the pending ones
are listed with what they wait for; webhook secrets rotate through the API."""

from __future__ import annotations

import copy
import itertools
import uuid
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.clients.settings import ClientsSettings
from shared.auth.principal import Role
from tests.clients.receivables.factories import (
    ERP_TOKEN,
    FINANCE,
    deliver,
    invoice_event,
    payment_event,
)
from tests.clients.receivables.test_erp_webhooks import (
    account_with_code,
    invoice_by_no,
    payments_of,
)
from tests.conftest import bearer

EVENTS = "/v1/clients/erp/events"
PENDING = "/v1/clients/erp/pending-events"
SECRETS = "/v1/clients/erp/webhook-secrets"


def reasons_of(receipt: dict[str, Any]) -> dict[str, tuple[int | None, str | None]]:
    return {
        r["code"]: (r["line_no"], r["unapplied"]["amount"] if r["unapplied"] else None)
        for r in receipt["reasons"]
    }


async def test_money_that_cannot_be_applied_is_named_with_its_reason(
    erp: httpx.AsyncClient,
) -> None:
    account_id, code = await account_with_code(erp, 7101)
    lines = [("2026-12-01", "500.00"), ("2027-01-01", "500.00")]
    await deliver(erp, invoice_event("INV-W1", code, lines))
    await deliver(
        erp, invoice_event("INV-W2", code, [("2026-12-01", "100.00")], status="cancelled")
    )
    usd = invoice_event("INV-W3", code, [("2026-12-01", "100.00")])
    for money in (usd["data"]["total"], usd["data"]["due_lines"][0]["amount"]):
        money["currency"] = "USD"
    await deliver(erp, usd)
    first = payment_event("PAY-W0", code, "500.00", "2026-11-20", [("INV-W1", 1, "500.00")])
    assert (await deliver(erp, first)).json()["outcome"] == "applied"

    allocations = [
        ("INV-W1", 1, "300.00"),  # line 1 is paid
        ("INV-W1", 3, "200.00"),  # no line 3
        ("INV-W1", 2, "600.00"),  # 500 open: 100 does not fit
        ("INV-W2", None, "50.00"),  # cancelled
        ("INV-W3", None, "40.00"),  # in USD
    ]
    event = payment_event("PAY-W1", code, "1190.00", "2026-11-21", allocations)
    receipt = (await deliver(erp, event)).json()

    assert receipt["outcome"] == "applied_with_warnings"
    assert reasons_of(receipt) == {
        "line_settled": (1, "300.00"),
        "line_missing": (3, "200.00"),
        "exceeds_open_amount": (2, "100.00"),
        "invoice_cancelled": (None, "50.00"),
        "currency_mismatch": (None, "40.00"),
    }
    invoice = await invoice_by_no(erp, account_id, "INV-W1")
    assert invoice["status"] == "paid"
    payment = next(p for p in await payments_of(erp, account_id) if p["erp_ref"] == "PAY-W1")
    unapplied = sum(Decimal(r["unapplied"]["amount"]) for r in receipt["reasons"])
    # Nothing vanished: what was not applied is the payment's unallocated credit.
    assert Decimal(payment["unallocated_amount"]["amount"]) == unapplied
    assert Decimal(payment["amount"]["amount"]) - unapplied == Decimal("500.00")

    status = await erp.get(f"{EVENTS}/{event['id']}", headers=ERP_TOKEN)
    assert status.status_code == 200, status.text
    assert status.json()["outcome"] == "applied_with_warnings"
    assert reasons_of(status.json()) == reasons_of(receipt)


async def test_a_payment_announced_again_with_other_facts_is_refused(
    erp: httpx.AsyncClient,
) -> None:
    account_id, code = await account_with_code(erp, 7102)
    other_id, other_code = await account_with_code(erp, 7103)
    await deliver(erp, invoice_event("INV-K1", code, [("2026-12-01", "1000.00")]))
    event = payment_event("PAY-K1", code, "600.00", "2026-11-20", [("INV-K1", 1, "600.00")])
    assert (await deliver(erp, event)).json()["outcome"] == "applied"

    changed = copy.deepcopy(event)
    changed["id"] = "evt_k1_announced_again"
    changed["data"].update(
        amount={"amount": "900.00", "currency": "CNY"},
        account_ref=other_code,
        received_on="2026-11-22",
        allocations=[{"document_no": "INV-K1", "line_no": 1, "amount": {"amount": "900.00",
                                                                         "currency": "CNY"}}],
    )  # fmt: skip
    receipt = (await deliver(erp, changed)).json()

    assert receipt["outcome"] == "conflict"
    assert {r["code"] for r in receipt["reasons"]} == {
        "amount_differs",
        "account_differs",
        "received_on_differs",
    }
    [payment] = await payments_of(erp, account_id)
    assert payment["amount"]["amount"] == "600.00" and payment["received_on"] == "2026-11-20"
    assert await payments_of(erp, other_id) == []
    invoice = await invoice_by_no(erp, account_id, "INV-K1")
    assert invoice["open_amount"]["amount"] == "400.00"
    status = (await erp.get(f"{EVENTS}/evt_k1_announced_again", headers=ERP_TOKEN)).json()
    assert status["outcome"] == "conflict" and status["applied_at"] is not None
    # Refused, not waiting: a retry does not pick it up again.
    assert (await erp.get(PENDING, headers=FINANCE)).json()["items"] == []
    # The same facts again (a plain re-announcement) are still one harmless effect.
    same = {**event, "id": "evt_k1_same_facts"}
    assert (await deliver(erp, same)).json()["outcome"] == "applied"


async def test_the_erp_reads_its_events_and_the_pending_ones_with_their_reason(
    erp: httpx.AsyncClient,
) -> None:
    _, code = await account_with_code(erp, 7104)
    waiting = payment_event("PAY-P1", code, "300.00", "2026-11-20", [("INV-P1", 1, "300.00")])
    assert (await deliver(erp, waiting)).json()["outcome"] == "pending"

    status = await erp.get(f"{EVENTS}/{waiting['id']}", headers=ERP_TOKEN)
    assert status.status_code == 200, status.text
    assert status.json()["outcome"] == "pending" and status.json()["applied_at"] is None
    assert "INV-P1" in status.json()["waiting_for"]
    listed = await erp.get(PENDING, headers=ERP_TOKEN, params={"limit": 1})
    assert listed.status_code == 200, listed.text
    assert [(e["event_id"], e["type"]) for e in listed.json()["items"]] == [
        (waiting["id"], "payment.received")
    ]
    assert "INV-P1" in listed.json()["items"][0]["waiting_for"]

    await deliver(erp, invoice_event("INV-P1", code, [("2026-12-01", "300.00")]))
    after = (await erp.get(f"{EVENTS}/{waiting['id']}", headers=ERP_TOKEN)).json()
    assert after["outcome"] == "applied" and after["waiting_for"] is None
    assert (await erp.get(PENDING, headers=ERP_TOKEN)).json()["items"] == []

    assert (await erp.get(f"{EVENTS}/evt_never_sent", headers=ERP_TOKEN)).status_code == 404
    manager = bearer(Role.ACCOUNT_MANAGER, employee_id=101)
    assert (await erp.get(f"{EVENTS}/{waiting['id']}", headers=manager)).status_code == 403
    assert (await erp.get(PENDING, headers=manager)).status_code == 403


async def test_webhook_secrets_rotate_through_the_api(
    erp_app: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, erp = erp_app
    app.state.settings = ClientsSettings(erp_webhook_secrets=[])  # none configured
    _, code = await account_with_code(erp, 7105)

    def event() -> dict[str, Any]:
        return invoice_event("INV-R1", code, [("2026-12-01", "10.00")])

    assert (await deliver(erp, event())).status_code == 401  # nothing to verify with yet
    old = await erp.post(SECRETS)
    assert old.status_code == 201, old.text
    assert old.headers["location"] == f"{SECRETS}/{old.json()['id']}"
    old_secret = old.json()["secret"]
    assert (await deliver(erp, event(), secrets=[old_secret])).status_code == 200

    new = (await erp.post(SECRETS)).json()
    # During the rotation the ERP signs with both; either alone is accepted too.
    for secrets in ([old_secret, new["secret"]], [old_secret], [new["secret"]]):
        assert (await deliver(erp, event(), secrets=secrets)).status_code == 200

    retired = await erp.post(f"{SECRETS}/{old.json()['id']}/retire")
    assert retired.status_code == 200 and retired.json()["retired_at"] is not None
    assert (await deliver(erp, event(), secrets=[old_secret])).status_code == 401
    assert (await deliver(erp, event(), secrets=[new["secret"]])).status_code == 200

    last = await erp.post(f"{SECRETS}/{new['id']}/retire")
    assert last.status_code == 409  # no delivery could be verified without it
    listed = (await erp.get(SECRETS)).json()
    assert [(s["source"], s["retired_at"] is None) for s in listed] == [
        ("api", False),
        ("api", True),
    ]
    assert all("secret" not in s and len(s["fingerprint"]) == 12 for s in listed)
    assert (await erp.post(SECRETS, headers=FINANCE)).status_code == 403
    assert (await erp.get(SECRETS, headers=ERP_TOKEN)).status_code == 403


SEEDS = itertools.count(7200)  # one account per example: credit codes are unique
allocation_plans = st.lists(
    st.tuples(
        st.sampled_from([1, 2, 3, None]),  # line 3 does not exist; None = the whole invoice
        st.integers(min_value=1, max_value=900),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=allocation_plans, cancelled=st.booleans())
async def test_no_money_vanishes_whatever_the_allocations(
    erp: httpx.AsyncClient, plan: list[tuple[int | None, int]], cancelled: bool
) -> None:
    """Whatever the ERP allocates (a missing or paid line, more than is open, a cancelled
    invoice), what the receipt says was not applied is exactly the payment's unallocated
    credit, and the invoice's open amount fell by the rest."""
    account_id, code = await account_with_code(erp, next(SEEDS))
    number = f"INV-H-{uuid.uuid4().hex[:8]}"
    status = "cancelled" if cancelled else "open"
    lines = [("2026-12-01", "300.00"), ("2027-01-01", "300.00")]
    await deliver(erp, invoice_event(number, code, lines, status=status))
    total = sum(amount for _, amount in plan)
    ref = f"PAY-H-{uuid.uuid4().hex[:8]}"
    allocations = [(number, line, f"{amount}.00") for line, amount in plan]
    event = payment_event(ref, code, f"{total}.00", "2026-11-20", allocations)
    receipt = (await deliver(erp, event)).json()

    unapplied = sum((Decimal(r["unapplied"]["amount"]) for r in receipt["reasons"]), Decimal(0))
    expected = "applied_with_warnings" if unapplied else "applied"
    assert receipt["outcome"] == expected
    payment = next(p for p in await payments_of(erp, account_id) if p["erp_ref"] == ref)
    assert Decimal(payment["unallocated_amount"]["amount"]) == unapplied
    invoice = await invoice_by_no(erp, account_id, number)
    if not cancelled:
        paid = Decimal("600.00") - Decimal(invoice["open_amount"]["amount"])
        assert paid == Decimal(total) - unapplied
