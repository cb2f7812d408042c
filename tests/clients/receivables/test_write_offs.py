"""Write-offs (核销): a line's remainder is settled without counting as collected."""

from __future__ import annotations

import httpx

from shared.auth.principal import Role
from tests.clients.conftest import KAM, create_account, credit_code
from tests.clients.receivables.factories import FINANCE, deliver, invoice_event, money
from tests.conftest import bearer


async def ledger(erp: httpx.AsyncClient, seed: int) -> tuple[int, int]:
    """An account with INV-W{seed}: line 1 800.00 due 2026-06-30, line 2 200.00 due
    2026-07-31; 300.00 paid by hand on line 1. Returns (account id, invoice id)."""
    code = credit_code(seed)
    account_id = (await create_account(erp, credit_code=code, owner_id=KAM))["id"]
    await deliver(
        erp,
        invoice_event(f"INV-W{seed}", code, [("2026-06-30", "800.00"), ("2026-07-31", "200.00")]),
    )
    invoices = (await erp.get("/v1/clients/invoices", params={"account_id": account_id})).json()
    invoice_id = invoices["items"][0]["id"]
    paid = await erp.post(
        "/v1/clients/payments",
        json={"account_id": account_id, "reference": f"BANK-W{seed}", "amount": money("300.00"),
              "received_on": "2026-07-10",
              "allocations": [{"invoice_id": invoice_id, "line_no": 1, "amount": money("300.00")}]},
        headers={**FINANCE, "Idempotency-Key": f"pay-w{seed}"},
    )  # fmt: skip
    assert paid.status_code == 201, paid.text
    return account_id, invoice_id


def write_off_url(invoice_id: int, line_no: int) -> str:
    return f"/v1/clients/invoices/{invoice_id}/lines/{line_no}/write-off"


async def test_the_remainder_is_settled_once_and_not_counted_as_collected(
    erp: httpx.AsyncClient,
) -> None:
    account_id, invoice_id = await ledger(erp, 7301)
    headers = {**FINANCE, "Idempotency-Key": "wo-7301"}
    body = {"reason": "客户破产清算，经批准核销", "written_off_on": "2026-08-15"}
    first = await erp.post(write_off_url(invoice_id, 1), json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert (first.json()["source"], first.json()["amount"]["amount"]) == ("write_off", "500.00")
    booked = await erp.get(first.headers["Location"])
    assert booked.status_code == 200 and booked.json() == first.json()
    again = await erp.post(write_off_url(invoice_id, 1), json=body, headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    settled = await erp.post(
        write_off_url(invoice_id, 1), json=body, headers={**FINANCE, "Idempotency-Key": "wo-2"}
    )
    assert settled.status_code == 409  # nothing open is left on line 1

    open_now = (await erp.get(f"/v1/clients/accounts/{account_id}/receivables")).json()
    assert open_now["open_total"] == [{"amount": "200.00", "currency": "CNY"}]
    for as_of, expected in (("2026-08-10", "700.00"), ("2026-08-20", "200.00")):
        ageing = await erp.get(
            "/v1/clients/receivables/ageing", params={"as_of": as_of, "by": "account"}
        )
        row = [r for r in ageing.json()["rows"] if r["key"] == account_id]
        assert row and row[0]["total"]["amount"] == expected, as_of  # written off on 08-15
    facts = await erp.post(
        "/v1/clients/metrics/batch", json={"period": "2026-08", "employee_ids": [KAM]}
    )
    august = facts.json()["items"][0]
    assert august["amount_collected"]["amount"] == "0.00"  # a write-off is not collection
    july = (
        await erp.post(
            "/v1/clients/metrics/batch", json={"period": "2026-07", "employee_ids": [KAM]}
        )
    ).json()["items"][0]
    assert july["amount_collected"]["amount"] == "300.00"


async def test_bad_write_offs_write_nothing(erp: httpx.AsyncClient) -> None:
    account_id, invoice_id = await ledger(erp, 7302)
    cases = [
        (write_off_url(invoice_id, 2), {"reason": "x", "amount": money("200.01")}, 422),
        (write_off_url(invoice_id, 2), {"reason": "x", "amount": {"amount": "5.00",
                                                                  "currency": "USD"}}, 422),
        (write_off_url(invoice_id, 2), {"reason": "x", "written_off_on": "2999-01-01"}, 422),
        (write_off_url(invoice_id, 2), {"reason": ""}, 422),
        (write_off_url(invoice_id, 9), {"reason": "x"}, 404),
        (write_off_url(2_000_000, 1), {"reason": "x"}, 404),
    ]  # fmt: skip
    for number, (url, body, expected) in enumerate(cases):
        response = await erp.post(
            url, json=body, headers={**FINANCE, "Idempotency-Key": f"b{number}"}
        )
        assert response.status_code == expected, (body, response.text)
    kam = bearer(Role.ACCOUNT_MANAGER, employee_id=KAM)
    denied = await erp.post(
        write_off_url(invoice_id, 2), json={"reason": "x"}, headers={**kam, "Idempotency-Key": "k"}
    )
    assert denied.status_code == 403
    payments = (await erp.get("/v1/clients/payments", params={"account_id": account_id})).json()
    assert [p["source"] for p in payments["items"]] == ["manual"]
