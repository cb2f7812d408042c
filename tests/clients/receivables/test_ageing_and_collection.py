"""Ageing as of a date and the collection figures, on a hand-computed example."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from services.clients.calendar.today import company_today
from tests.clients.conftest import KAM, LEAD, create_account, credit_code
from tests.clients.receivables.factories import (
    deliver,
    invoice_event,
    payment_event,
    reversal_event,
)


async def ledger(erp: httpx.AsyncClient) -> int:
    """One account (owner KAM), two invoices issued 2026-06-01:

    INV-G1 line 1 due 2026-12-31 1000.00, line 2 due 2026-12-01 2000.00
    INV-G2 line 1 due 2026-10-31 3000.00, line 2 due 2026-06-30 400.50,
           line 3 due 2026-09-01 700.25
    PAY-G1 500.00 received 2026-12-15 → INV-G1/2
    PAY-G2 300.00 received 2026-12-10 → INV-G1/1, reversed 2026-12-20
    PAY-G3 1000.00 received 2027-01-05 → INV-G2/1
    PAY-G4 200.00 received 2026-12-20 → INV-G2/3
    """
    code = credit_code(7101)
    account_id = (await create_account(erp, credit_code=code, owner_id=KAM))["id"]
    events = [
        invoice_event("INV-G1", code, [("2026-12-31", "1000.00"), ("2026-12-01", "2000.00")]),
        invoice_event(
            "INV-G2",
            code,
            [("2026-10-31", "3000.00"), ("2026-06-30", "400.50"), ("2026-09-01", "700.25")],
        ),
        payment_event("PAY-G1", code, "500.00", "2026-12-15", [("INV-G1", 2, "500.00")]),
        payment_event("PAY-G2", code, "300.00", "2026-12-10", [("INV-G1", 1, "300.00")]),
        reversal_event("PAY-G2", "2026-12-20"),
        payment_event("PAY-G3", code, "1000.00", "2027-01-05", [("INV-G2", 1, "1000.00")]),
        payment_event("PAY-G4", code, "200.00", "2026-12-20", [("INV-G2", 3, "200.00")]),
    ]
    for event in events:
        response = await deliver(erp, event)
        assert response.json()["outcome"] == "applied", response.text
    return account_id


async def ageing_of(
    erp: httpx.AsyncClient, account_id: int, as_of: str
) -> tuple[dict[str, str], str]:
    response = await erp.get(
        "/v1/clients/receivables/ageing", params={"as_of": as_of, "by": "account"}
    )
    assert response.status_code == 200, response.text
    [row] = [r for r in response.json()["rows"] if r["key"] == account_id]
    return {b["code"]: b["amount"]["amount"] for b in row["buckets"]}, row["total"]["amount"]


async def test_ageing_is_exact_as_of_any_date(erp: httpx.AsyncClient) -> None:
    account_id = await ledger(erp)
    # 2026-12-31: G1/1 0 days (current) 1000; G1/2 30 days 2000-500; G2/1 61 days 3000
    # (PAY-G3 comes later); G2/3 121 days 700.25-200; G2/2 184 days 400.50.
    buckets, total = await ageing_of(erp, account_id, "2026-12-31")
    assert buckets == {
        "current": "1000.00",
        "1-30": "1500.00",
        "31-60": "0.00",
        "61-90": "3000.00",
        "91-180": "500.25",
        "180+": "400.50",
    }
    assert total == "6400.75"
    # 2026-12-16: PAY-G2 still counts (reversed on the 20th), PAY-G4 not yet received;
    # G2/1 46 days, G2/3 106 days, G2/2 169 days.
    buckets, total = await ageing_of(erp, account_id, "2026-12-16")
    assert buckets == {
        "current": "700.00",
        "1-30": "1500.00",
        "31-60": "3000.00",
        "61-90": "0.00",
        "91-180": "1100.75",
        "180+": "0.00",
    }
    assert total == "6300.75"
    by_owner = await erp.get(
        "/v1/clients/receivables/ageing", params={"as_of": "2026-12-31", "by": "owner"}
    )
    [mine] = [r for r in by_owner.json()["rows"] if r["key"] == KAM]
    assert mine["total"]["amount"] == "6400.75"


async def month_facts(erp: httpx.AsyncClient, month: str) -> dict[int, dict[str, Any]]:
    response = await erp.post(
        "/v1/clients/metrics/batch", json={"period": month, "employee_ids": [KAM, LEAD]}
    )
    assert response.status_code == 200, response.text
    return {item["employee_id"]: item for item in response.json()["items"]}


def money(facts: dict[str, Any], *fields: str) -> list[str]:
    return [facts[field]["amount"] for field in fields]


async def test_collection_figures_in_the_metrics_are_exact(erp: httpx.AsyncClient) -> None:
    await ledger(erp)
    figures = (
        "amount_due",
        "arrears_at_start",
        "amount_collected",
        "amount_invoiced",
        "receivables_outstanding",
    )
    december = await month_facts(erp, "2026-12")
    # Due in December: G1/1 1000 + G1/2 2000 = 3000.00. Arrears on 12-01: G2/1 3000 (due
    # 10-31) + G2/2 400.50 + G2/3 700.25, nothing paid yet = 4100.75. Collected in
    # December: PAY-G1 500 and PAY-G4 200 (an older line counts); PAY-G2 was reversed;
    # PAY-G3 is January's. 回款率 = 700 / (3000 + 4100.75) = 9.858…% → 9.86. Open at the
    # end: 7100.75 invoiced - 700.00 paid; nothing invoiced in December → no 应收占压率.
    kam = december[KAM]
    assert money(kam, *figures) == ["3000.00", "4100.75", "700.00", "0.00", "6400.75"]
    assert (kam["collection_rate"], kam["receivables_ratio"]) == ("9.86", None)
    assert money(december[LEAD], *figures) == ["0.00", "0.00", "0.00", "0.00", "0.00"]
    assert december[LEAD]["collection_rate"] is None
    january = (await month_facts(erp, "2027-01"))[KAM]
    # Nothing falls due in January, but 7100.75 - 700.00 (PAY-G2 reversed 12-20, before
    # the month) = 6400.75 is in arrears; PAY-G3 collects 1000 of it: 15.623…% → 15.62.
    assert money(january, *figures) == ["0.00", "6400.75", "1000.00", "0.00", "5400.75"]
    assert january["collection_rate"] == "15.62"
    june = (await month_facts(erp, "2026-06"))[KAM]
    # Both invoices issued 2026-06-01; G2/2 400.50 due 2026-06-30, nothing paid yet, no
    # arrears: 0 / 400.50 = 0.00; 7100.75 open of 7100.75 invoiced = 100.00.
    assert money(june, *figures) == ["400.50", "0.00", "0.00", "7100.75", "7100.75"]
    assert (june["collection_rate"], june["receivables_ratio"]) == ("0.00", "100.00")
    quarter = (await month_facts(erp, "2026-Q4"))[KAM]
    # Q4: due G2/1 3000 (10-31) + G1/1 1000 + G1/2 2000 = 6000.00; arrears on 10-01 G2/2
    # 400.50 + G2/3 700.25 = 1100.75; collected 700 → 700 / 7100.75 = 9.86.
    assert money(quarter, *figures) == ["6000.00", "1100.75", "700.00", "0.00", "6400.75"]
    assert (quarter["collection_rate"], quarter["receivables_ratio"]) == ("9.86", None)
    year = (await month_facts(erp, "2026"))[KAM]
    # 2026: everything falls due in it (7100.75), nothing before it; 700 collected → 9.86;
    # 6400.75 open of 7100.75 invoiced = 90.141…% → 90.14.
    assert money(year, *figures) == ["7100.75", "0.00", "700.00", "7100.75", "6400.75"]
    assert (year["collection_rate"], year["receivables_ratio"]) == ("9.86", "90.14")


async def test_prepayments_stay_apart_from_the_collection_rate(erp: httpx.AsyncClient) -> None:
    """INV-P1 issued 2026-11-01: line 1 due 2026-11-30 1000.00, line 2 due 2027-02-28
    2000.00. PAY-P1 1500.00 received 2026-12-05: 1000.00 → P1/1, 500.00 → P1/2 (paid
    before it falls due: a prepayment)."""
    code = credit_code(7102)
    await create_account(erp, credit_code=code, owner_id=LEAD)
    events = [
        invoice_event(
            "INV-P1",
            code,
            [("2026-11-30", "1000.00"), ("2027-02-28", "2000.00")],
            issue_date="2026-11-01",
        ),
        payment_event(
            "PAY-P1",
            code,
            "1500.00",
            "2026-12-05",
            [("INV-P1", 1, "1000.00"), ("INV-P1", 2, "500.00")],
        ),
    ]
    for event in events:
        assert (await deliver(erp, event)).json()["outcome"] == "applied"
    rates = ("collection_rate", "receivables_ratio")
    november = (await month_facts(erp, "2026-11"))[LEAD]
    # Due 1000, nothing collected: 0.00; 3000 open of 3000 invoiced: 100.00.
    assert tuple(november[r] for r in rates) == ("0.00", "100.00")
    december = (await month_facts(erp, "2026-12"))[LEAD]
    # Nothing due, 1000 in arrears, 1000 collected for it (the 500 prepaid is apart):
    # 1000 / 1000 = 100.00 — not 1500 / 0. Nothing invoiced: no 应收占压率.
    assert money(december, "arrears_at_start", "amount_collected") == ["1000.00", "1000.00"]
    assert tuple(december[r] for r in rates) == ("100.00", None)
    year = (await month_facts(erp, "2026"))[LEAD]
    # 2026: due 1000, collected 1000 → 100.00; 3000 - 1500 = 1500 open of 3000 → 50.00.
    assert tuple(year[r] for r in rates) == ("100.00", "50.00")
    first_quarter = (await month_facts(erp, "2027-Q1"))[LEAD]
    # Q1 2027: due P1/2 2000, no arrears (P1/1 paid), nothing received in Q1: 0.00.
    assert money(first_quarter, "amount_due", "arrears_at_start") == ["2000.00", "0.00"]
    assert first_quarter["collection_rate"] == "0.00"


async def test_account_receivables_lists_open_lines(erp: httpx.AsyncClient) -> None:
    account_id = await ledger(erp)
    response = await erp.get(f"/v1/clients/accounts/{account_id}/receivables")
    assert response.status_code == 200, response.text
    body = response.json()
    # Today: PAY-G3 has arrived too, so 6400.75 - 1000.00 is open.
    assert body["open_total"] == [{"amount": "5400.75", "currency": "CNY"}]
    assert body["open_lines"][0]["due_date"] == "2026-06-30"
    overdue = await erp.get(
        "/v1/clients/invoices", params={"overdue": "true", "account_id": account_id}
    )
    # INV-G2 has a line open since 2026-06-30; INV-G1's first falls due 2026-12-01.
    expected = {"INV-G2"} | (
        {"INV-G1"} if company_today("Asia/Shanghai")() > date(2026, 12, 1) else set()
    )
    assert {i["erp_document_no"] for i in overdue.json()["items"]} == expected
