"""The grade follows contracts and the ledger at once: a terminated contract counts only
for what was invoiced under it (as in credit exposure), and the overdue cap moves with the
ERP event that makes a debt overdue or pays it, not at the next hourly run.

Thresholds (settings defaults): B from 1,000,000.00, A from 5,000,000.00; an open line
more than 90 days overdue caps the computed grade at B.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from services.clients.calendar.today import company_today
from tests.clients.conftest import ACCOUNTS, KAM, create_account, credit_code
from tests.clients.receivables.factories import (
    deliver,
    invoice_event,
    payment_event,
    reversal_event,
)
from tests.conftest import post_current


def today() -> date:
    return company_today("Asia/Shanghai")()


async def sign(client: httpx.AsyncClient, account_id: int, number: str, amount: str) -> int:
    created = await client.post(
        f"{ACCOUNTS}/{account_id}/contracts",
        json={
            "number": number,
            "title": "年度服务合同",
            "amount": amount,
            "currency": "CNY",
            "start_date": today().isoformat(),
            "end_date": (today() + timedelta(days=365)).isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    contract_id: int = created.json()["id"]
    signed = await post_current(
        client,
        f"/v1/clients/contracts/{contract_id}",
        "/sign",
        json={"signed_on": today().isoformat()},
    )
    assert signed.status_code == 200, signed.text
    return contract_id


async def terminate(client: httpx.AsyncClient, contract_id: int) -> None:
    done = await post_current(
        client,
        f"/v1/clients/contracts/{contract_id}",
        "/terminate",
        json={"reason": "签约当日解除"},
    )
    assert done.status_code == 200, done.text


async def grade(client: httpx.AsyncClient, account_id: int) -> tuple[str, str]:
    body: dict[str, Any] = (await client.get(f"{ACCOUNTS}/{account_id}")).json()
    return body["grade"], body["computed_grade"]


async def applied(client: httpx.AsyncClient, event: dict[str, Any]) -> None:
    response = await deliver(client, event)
    assert response.json()["outcome"] == "applied", response.text


async def test_a_contract_terminated_the_day_it_was_signed_does_not_lift_the_grade(
    erp: httpx.AsyncClient,
) -> None:
    account_id = (await create_account(erp, credit_code=credit_code(7201), owner_id=KAM))["id"]
    big = await sign(erp, account_id, "HT-T1", "6000000.00")
    assert await grade(erp, account_id) == ("A", "A")  # 6,000,000 ≥ 5,000,000
    await terminate(erp, big)
    # Terminated with nothing invoiced: counts 0 (credit exposure leaves it out too) → C,
    # at once, without a recompute.
    assert await grade(erp, account_id) == ("C", "C")
    recomputed = (await erp.post(f"{ACCOUNTS}/{account_id}/grade/recompute")).json()
    assert recomputed["contract_value_12m"]["amount"] == "0.00"


async def test_a_terminated_contract_counts_what_was_invoiced_under_it(
    erp: httpx.AsyncClient,
) -> None:
    code = credit_code(7202)
    account_id = (await create_account(erp, credit_code=code, owner_id=KAM))["id"]
    contract_id = await sign(erp, account_id, "HT-T2", "2000000.00")
    invoice = invoice_event(
        "INV-T2", code, [(today().isoformat(), "1500000.00")], issue_date=today().isoformat()
    )
    invoice["data"]["contract_ref"] = "HT-T2"
    await applied(erp, invoice)
    await terminate(erp, contract_id)
    # min(2,000,000 signed, 1,500,000 invoiced) = 1,500,000 ≥ 1,000,000 → B (not C, not
    # the full 2,000,000).
    recomputed = (await erp.post(f"{ACCOUNTS}/{account_id}/grade/recompute")).json()
    assert (recomputed["grade"], recomputed["contract_value_12m"]["amount"]) == (
        "B",
        "1500000.00",
    )
    # The ERP cancels the invoice: nothing invoiced under it any more → 0 → C, applied
    # with the event.
    cancelled = invoice_event(
        "INV-T2",
        code,
        [(today().isoformat(), "1500000.00")],
        issue_date=today().isoformat(),
        version=2,
        status="cancelled",
    )
    cancelled["data"]["contract_ref"] = "HT-T2"
    await applied(erp, cancelled)
    assert await grade(erp, account_id) == ("C", "C")


async def test_the_overdue_cap_moves_with_the_erp_event(erp: httpx.AsyncClient) -> None:
    code = credit_code(7203)
    account_id = (await create_account(erp, credit_code=code, owner_id=KAM))["id"]
    await sign(erp, account_id, "HT-T3", "6000000.00")
    assert await grade(erp, account_id) == ("A", "A")
    due = today() - timedelta(days=100)
    # An invoice arrives whose line fell due 100 days ago, unpaid: 100 > 90 → capped at B
    # as the event is applied.
    await applied(
        erp,
        invoice_event(
            "INV-T3",
            code,
            [(due.isoformat(), "1000.00")],
            issue_date=(due - timedelta(days=30)).isoformat(),
        ),
    )
    assert await grade(erp, account_id) == ("B", "B")
    # Paid in full: nothing open → back to A with the payment.
    await applied(
        erp,
        payment_event("PAY-T3", code, "1000.00", today().isoformat(), [("INV-T3", 1, "1000.00")]),
    )
    assert await grade(erp, account_id) == ("A", "A")
    # The payment bounces: the line is open again, 100 days overdue → B with the reversal.
    await applied(erp, reversal_event("PAY-T3", today().isoformat()))
    assert await grade(erp, account_id) == ("B", "B")
    history = (await erp.get(f"{ACCOUNTS}/{account_id}/grade-history")).json()["items"]
    # Newest first: created C, signed A, invoice B, payment A, reversal B.
    assert [h["grade"] for h in history] == ["B", "A", "B", "A", "C"]
