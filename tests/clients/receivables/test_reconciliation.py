"""The reconciliation report against the fake ERP (a real process, paging its lists two
documents at a time): a payment we never received, an amount changed in the ERP after we
synced it, and a payment finance registered by hand that the ERP does not have."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.clients.settings import ClientsSettings
from shared.auth.principal import Role
from tests.clients.conftest import KAM, create_account, credit_code
from tests.clients.receivables.conftest import linked_to_erp
from tests.clients.receivables.factories import FINANCE, OLD_SECRET, SECRET, money
from tests.clients.receivables.fake_erp_process import (
    ERP_FEED_KEY,
    erp_invoice,
    erp_payment,
    running_fake_erp,
)
from tests.conftest import bearer

REPORT = "/v1/clients/erp/reconciliation"


@pytest.fixture(scope="module")
def fake_erp_url() -> Iterator[str]:
    with running_fake_erp(max_page_size="2") as url:
        yield url


@pytest.fixture
async def control(fake_erp_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=fake_erp_url, timeout=10) as client:
        assert (await client.post("/control/reset")).status_code == 204
        yield client


@pytest.fixture
async def linked(
    erp_app: tuple[FastAPI, httpx.AsyncClient], fake_erp_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    app, client = erp_app
    settings = ClientsSettings(
        erp_webhook_secrets=[OLD_SECRET, SECRET],
        erp_base_url=fake_erp_url,
        erp_api_key=ERP_FEED_KEY,
        erp_sync_interval_seconds=0,
        erp_timeout_seconds=2,
        erp_retries=0,
    )
    async with linked_to_erp(app, settings):
        yield client


def by_reference(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["reference"]: row for row in rows}


async def test_the_report_finds_missing_documents_and_amount_mismatches(
    linked: httpx.AsyncClient, control: httpx.AsyncClient
) -> None:
    code = credit_code(7501)
    account_id = (await create_account(linked, credit_code=code, owner_id=KAM))["id"]
    await erp_invoice(control, "INV-R1", code, "1000.00")
    await erp_invoice(control, "INV-R2", code, "500.00")
    await erp_invoice(control, "INV-R3", code, "70.00")
    await erp_payment(control, "PAY-R1", code, "300.00", "INV-R1")
    synced = await linked.post("/v1/clients/erp/sync")
    assert synced.json()["outcome"] == "ok", synced.text
    clean = await linked.get(REPORT, headers=FINANCE)
    assert clean.status_code == 200, clean.text
    assert clean.json()["invoices"]["matched"] == 3
    assert clean.json()["payments"]["missing_here"] == []

    # After the sync: the ERP receives a payment and changes an invoice's amount; finance
    # registers a bank receipt the ERP has not booked; the ERP cancels an invoice.
    await erp_payment(control, "PAY-R2", code, "200.00", None)
    await erp_invoice(control, "INV-R2", code, "800.00")
    await erp_invoice(control, "INV-R3", code, "70.00", status="cancelled")
    manual = {
        "account_id": account_id,
        "reference": "BANK-R9",
        "amount": money("50.00"),
        "received_on": "2026-11-25",
    }
    headers = {**FINANCE, "Idempotency-Key": "reconcile-r9"}
    assert (
        await linked.post("/v1/clients/payments", json=manual, headers=headers)
    ).status_code == 201

    response = await linked.get(REPORT, headers=FINANCE)
    assert response.status_code == 200, response.text
    report = response.json()
    invoices, payments = report["invoices"], report["payments"]
    assert (invoices["erp_count"], invoices["our_count"], invoices["matched"]) == (3, 3, 1)
    mismatched = by_reference(invoices["mismatched"])
    assert set(mismatched) == {"INV-R2", "INV-R3"}
    assert mismatched["INV-R2"]["erp_amount"] == money("800.00")
    assert mismatched["INV-R2"]["our_amount"] == money("500.00")
    assert mismatched["INV-R2"]["difference"] == money("300.00")
    assert mismatched["INV-R3"]["erp_status"] == "cancelled"
    assert mismatched["INV-R3"]["our_status"] == "open"
    assert mismatched["INV-R3"]["difference"] == money("-70.00")
    assert invoices["missing_here"] == [] and invoices["missing_in_erp"] == []
    [invoice_totals] = invoices["totals"]
    assert invoice_totals == {
        "currency": "CNY",
        "erp_total": money("1800.00"),
        "our_total": money("1570.00"),
        "missing_here": money("0.00"),
        "missing_in_erp": money("0.00"),
        "mismatch_difference": money("230.00"),
    }

    [missing] = payments["missing_here"]
    assert missing["reference"] == "PAY-R2" and missing["erp_amount"] == money("200.00")
    assert missing["our_amount"] is None and missing["account_ref"] == code
    [extra] = payments["missing_in_erp"]
    assert extra["reference"] == "BANK-R9" and extra["our_amount"] == money("50.00")
    assert payments["matched"] == 1 and payments["mismatched"] == []
    [payment_totals] = payments["totals"]
    assert payment_totals["erp_total"] == money("500.00")
    assert payment_totals["our_total"] == money("350.00")
    assert payment_totals["missing_here"] == money("200.00")
    assert payment_totals["missing_in_erp"] == money("50.00")
    assert not invoices["truncated"] and not payments["truncated"]


async def test_only_finance_and_admins_see_the_report(linked: httpx.AsyncClient) -> None:
    for role in (Role.ACCOUNT_MANAGER, Role.DEPT_MANAGER, Role.EXECUTIVE):
        denied = await linked.get(REPORT, headers=bearer(role, employee_id=KAM))
        assert denied.status_code == 403, role
    assert (await linked.get(REPORT, headers=bearer(subject="service:kpi"))).status_code == 403


async def test_an_erp_that_fails_is_a_502(
    erp_app: tuple[FastAPI, httpx.AsyncClient], fake_erp_url: str
) -> None:
    app, client = erp_app
    # A wrong key for the ERP's API: the ERP answers 401, which the report names.
    wrong_key = ClientsSettings(erp_base_url=fake_erp_url, erp_api_key="wrong", erp_retries=0)
    async with linked_to_erp(app, wrong_key):
        response = await client.get(REPORT)
    assert response.status_code == 502, response.text
    assert "answered 401" in response.json()["detail"]
