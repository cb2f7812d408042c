"""Invoice lists: next due date and days overdue on each row, sorted by either with
correct cursors, totals, the ``id`` filter and the account's and owner's names."""

from __future__ import annotations

from datetime import date

import httpx

from services.clients.calendar.today import company_today
from tests.clients.conftest import KAM, create_account, credit_code
from tests.clients.pages import every_page
from tests.clients.receivables.factories import deliver, invoice_event, payment_event

INVOICES = "/v1/clients/invoices"


async def test_invoices_by_oldest_overdue_with_next_due_and_names(
    erp: httpx.AsyncClient,
) -> None:
    code = credit_code(7301)
    account = await create_account(
        erp, credit_code=code, owner_id=KAM, legal_name="应收排序有限公司"
    )
    events = [
        invoice_event("INV-S1", code, [("2026-11-01", "100.00")]),
        invoice_event("INV-S2", code, [("2099-12-20", "100.00")]),
        invoice_event("INV-S3", code, [("2026-10-01", "50.00"), ("2099-01-10", "50.00")]),
        invoice_event("INV-S4", code, [("2026-09-15", "100.00")]),
        invoice_event("INV-S5", code, [("2026-08-01", "100.00")]),
        payment_event("PAY-S3", code, "50.00", "2026-10-01", [("INV-S3", 1, "50.00")]),
        payment_event("PAY-S5", code, "100.00", "2026-08-01", [("INV-S5", 1, "100.00")]),
    ]
    for event in events:
        assert (await deliver(erp, event)).status_code < 300
    today = company_today("Asia/Shanghai")()
    walked = await every_page(erp, INVOICES, {"account_id": account["id"], "sort": "-days_overdue"})
    assert [i["erp_document_no"] for i in walked] == [
        "INV-S4",
        "INV-S1",
        "INV-S3",
        "INV-S2",
        "INV-S5",
    ]
    by_no = {i["erp_document_no"]: i for i in walked}
    assert by_no["INV-S4"]["next_due_date"] == "2026-09-15"
    assert by_no["INV-S4"]["days_overdue"] == (today - date(2026, 9, 15)).days
    assert by_no["INV-S3"]["next_due_date"] == "2099-01-10"
    assert by_no["INV-S3"]["days_overdue"] == 0
    assert by_no["INV-S5"]["next_due_date"] is None
    assert {(i["account_name"], i["owner_name"]) for i in walked} == {
        ("应收排序有限公司", f"员工{KAM}")
    }
    descending = await every_page(
        erp, INVOICES, {"account_id": account["id"], "sort": "-next_due_date"}
    )
    assert [i["erp_document_no"] for i in descending] == [
        "INV-S5", "INV-S2", "INV-S3", "INV-S1", "INV-S4"
    ]  # fmt: skip
    ids = [by_no["INV-S1"]["id"], by_no["INV-S2"]["id"]]
    page = await erp.get(INVOICES, params={"id": ids, "with_total": "true", "limit": 1})
    assert page.json()["total"] == 2
    overdue = await erp.get(
        INVOICES, params={"account_id": account["id"], "overdue": "true", "with_total": "true"}
    )
    assert overdue.json()["total"] == 2


async def test_ageing_rows_carry_the_account_and_owner_names(erp: httpx.AsyncClient) -> None:
    code = credit_code(7302)
    account = await create_account(
        erp, credit_code=code, owner_id=KAM, legal_name="账龄名称有限公司"
    )
    assert (await deliver(erp, invoice_event("INV-A1", code, [("2026-11-01", "10.00")]))).is_success
    ageing = "/v1/clients/receivables/ageing"
    by_account = await erp.get(ageing, params={"as_of": "2026-12-01", "by": "account"})
    [row] = [r for r in by_account.json()["rows"] if r["key"] == account["id"]]
    assert row["name"] == "账龄名称有限公司"
    by_owner = await erp.get(ageing, params={"as_of": "2026-12-01", "by": "owner"})
    [row] = [r for r in by_owner.json()["rows"] if r["key"] == KAM]
    assert row["name"] == f"员工{KAM}"
