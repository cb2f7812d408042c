"""Finance registers payments by hand, with an Idempotency-Key."""

from __future__ import annotations

import httpx

from shared.auth.principal import Role
from tests.clients.conftest import KAM, create_account, credit_code
from tests.clients.receivables.factories import FINANCE, deliver, invoice_event, money
from tests.conftest import bearer

PAYMENTS = "/v1/clients/payments"


async def test_same_key_replays_different_body_is_422(erp: httpx.AsyncClient) -> None:
    code = credit_code(7201)
    account_id = (await create_account(erp, credit_code=code, owner_id=KAM))["id"]
    await deliver(erp, invoice_event("INV-H1", code, [("2026-12-01", "800.00")]))
    body = {
        "account_id": account_id,
        "reference": "BANK-H1",
        "amount": money("500.00"),
        "received_on": "2026-11-25",
    }
    headers = {**FINANCE, "Idempotency-Key": "key-h1"}
    first = await erp.post(PAYMENTS, json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["unallocated_amount"]["amount"] == "0.00"  # paid INV-H1's line
    location = first.headers["Location"]
    assert location == f"{PAYMENTS}/{first.json()['id']}"
    assert (await erp.get(location)).json() == first.json()
    again = await erp.post(PAYMENTS, json=body, headers=headers)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert again.headers["Location"] == location
    other = await erp.post(PAYMENTS, json={**body, "amount": money("5.00")}, headers=headers)
    assert other.status_code == 422
    listed = await erp.get(PAYMENTS, params={"account_id": account_id})
    assert len(listed.json()["items"]) == 1
    # Another key but the same reference: a conflict, not a second payment.
    dup = await erp.post(PAYMENTS, json=body, headers={**FINANCE, "Idempotency-Key": "key-h2"})
    assert dup.status_code == 409
    without_key = await erp.post(PAYMENTS, json={**body, "reference": "BANK-H3"}, headers=FINANCE)
    assert without_key.status_code == 400


async def test_bad_allocations_write_nothing_and_kams_may_not_register(
    erp: httpx.AsyncClient,
) -> None:
    code = credit_code(7202)
    account_id = (await create_account(erp, credit_code=code, owner_id=KAM))["id"]
    body = {
        "account_id": account_id,
        "reference": "BANK-I1",
        "amount": money("50.00"),
        "received_on": "2026-11-25",
        "allocations": [{"invoice_id": 2_000_000, "amount": money("50.00")}],
    }
    response = await erp.post(PAYMENTS, json=body, headers={**FINANCE, "Idempotency-Key": "i1"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "allocations", 0, "invoice_id"]
    kam = bearer(Role.ACCOUNT_MANAGER, employee_id=KAM)
    denied = await erp.post(PAYMENTS, json=body, headers={**kam, "Idempotency-Key": "i2"})
    assert denied.status_code == 403
    listed = await erp.get(PAYMENTS, params={"account_id": account_id})
    assert listed.json()["items"] == []


async def test_a_payment_is_read_by_its_id_within_the_data_scope(erp: httpx.AsyncClient) -> None:
    code = credit_code(7203)
    account_id = (await create_account(erp, credit_code=code, owner_id=KAM))["id"]
    body = {
        "account_id": account_id,
        "reference": "BANK-J1",
        "amount": money("70.00"),
        "received_on": "2026-11-25",
    }
    created = await erp.post(PAYMENTS, json=body, headers={**FINANCE, "Idempotency-Key": "j1"})
    assert created.status_code == 201, created.text
    location = created.headers["Location"]
    owner = bearer(Role.ACCOUNT_MANAGER, employee_id=KAM)
    assert (await erp.get(location, headers=owner)).json()["erp_ref"] == "BANK-J1"
    other = bearer(Role.ACCOUNT_MANAGER, employee_id=KAM + 1000)
    assert (await erp.get(location, headers=other)).status_code == 404  # as if missing
    assert (await erp.get(f"{PAYMENTS}/2000000")).status_code == 404
