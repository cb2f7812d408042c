"""Serving a key account, through the gateway against the real processes (issue 6): a
contract moves the account to grade A and its visit plan follows, a complaint breaches its
SLA and is escalated to the owner's manager, and the metrics batch reports the month's
facts of the team exactly."""

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from deploy.processes import Stack
from services.clients.accounts.rules import Grade
from services.clients.visits.rules import plan_visits
from shared.periods import Month
from tests.conftest import if_match
from tests.polling import ok

pytestmark = pytest.mark.e2e

CLIENTS = "/v1/clients"
ACCOUNTS = f"{CLIENTS}/accounts"
RUN = uuid.uuid4().hex[:5].upper()
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def gateway(stack: Stack, admin_headers: dict[str, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("gateway"), timeout=15, headers=admin_headers) as client:
        yield client


def hire(gateway: httpx.Client, number: str, manager_id: int | None = None) -> int:
    body = {
        "employee_no": f"W{RUN}{number}",
        "name": f"服务旅程{number}",
        "hire_date": "2024-03-01",
    }
    if manager_id is not None:
        body["manager_id"] = manager_id
    return int(ok(gateway.post("/v1/staff/employees", json=body), 201)["id"])


def first_account(gateway: httpx.Client, owner_id: int, name: str) -> dict[str, Any]:
    """The owner's first account, once staff's event about them has reached clients."""
    deadline = time.monotonic() + 30
    while True:
        response = gateway.post(ACCOUNTS, json={"legal_name": name, "owner_id": owner_id})
        if response.status_code == 201 or time.monotonic() > deadline:
            return dict(ok(response, 201))
        time.sleep(0.25)


def plan_dates(gateway: httpx.Client, account_id: int, year: int) -> list[tuple[str, str]]:
    plan = ok(gateway.get(f"{ACCOUNTS}/{account_id}/visit-plan", params={"year": year}))
    return sorted((v["planned_on"], v["status"]) for v in plan["visits"])


def test_contract_grade_plan_breach_and_metrics(gateway: httpx.Client) -> None:
    today = datetime.now(SHANGHAI).date()
    month = Month.of(today)
    manager = hire(gateway, "01")
    seller, servicer = hire(gateway, "02", manager), hire(gateway, "03", manager)
    account = first_account(gateway, seller, f"服务旅程{RUN}电力有限公司")
    serviced = first_account(gateway, servicer, f"服务旅程{RUN}通信有限公司")
    assert account["grade"] == "C"

    # A grade-C plan, then a 6,000,000 contract: grade A, and the future follows A.
    ok(gateway.post(f"{ACCOUNTS}/{account['id']}/visit-plan", json={"year": today.year}), 201)
    c_plan = plan_dates(gateway, account["id"], today.year)
    assert [day for day, _ in c_plan] == [
        d.isoformat() for d in plan_visits(today.year, Grade.C, from_date=today)
    ]
    contract = ok(
        gateway.post(
            f"{ACCOUNTS}/{account['id']}/contracts",
            json={"number": f"HT-{RUN}-1", "title": "配电运维服务合同", "amount": "6000000.00",
                  "currency": "CNY", "start_date": today.isoformat(),
                  "end_date": date(today.year + 1, 12, 31).isoformat()},
        ),
        201,
    )  # fmt: skip
    contract_url = f"{CLIENTS}/contracts/{contract['id']}"
    ok(gateway.post(f"{contract_url}/sign", json={}, headers=if_match(gateway, contract_url)))
    graded = ok(gateway.get(f"{ACCOUNTS}/{account['id']}"))
    assert (graded["grade"], graded["trade_class"]) == ("A", "existing")
    a_plan = plan_dates(gateway, account["id"], today.year)
    expected_a = [d.isoformat() for d in plan_visits(today.year, Grade.A, from_date=today)]
    assert sorted(day for day, status in a_plan if status == "planned") == expected_a
    assert sorted(day for day, status in a_plan if status == "cancelled") == [
        day for day, _ in c_plan
    ]  # the C plan's future visits were replaced, not lost
    this_month = [
        v for v in ok(gateway.get(f"{ACCOUNTS}/{account['id']}/visit-plan",
                                  params={"year": today.year}))["visits"]
        if v["status"] == "planned" and month.contains(date.fromisoformat(v["planned_on"]))
    ]  # fmt: skip
    assert len(this_month) == 1
    visit_url = f"{CLIENTS}/visits/{this_month[0]['id']}"
    ok(gateway.post(f"{visit_url}/complete",
                    json={"visited_on": today.isoformat(), "visited_by": seller,
                          "outcome": "签约后首次回访"},
                    headers=if_match(gateway, visit_url)))  # fmt: skip
    ok(gateway.post(f"{ACCOUNTS}/{account['id']}/surveys",
                    json={"period": str(month), "score": "4.50", "channel": "visit",
                          "surveyed_on": today.isoformat()}), 201)  # fmt: skip

    # A critical complaint received 13 hours ago on a grade-C account: 12 hours to resolve.
    opened_at = datetime.now(UTC) - timedelta(hours=13)
    ticket = ok(
        gateway.post(
            f"{ACCOUNTS}/{serviced['id']}/tickets",
            json={"kind": "complaint", "severity": "critical", "channel": "phone",
                  "title": "停电投诉", "opened_at": opened_at.isoformat()},
        ),
        201,
    )  # fmt: skip
    check = ok(gateway.post(f"{CLIENTS}/tickets/sla-check"))
    flagged = [f for f in check["flagged"] if f["ticket_id"] == ticket["id"]]
    assert flagged and flagged[0]["resolution_breached"] and flagged[0]["escalated_to"] == manager
    again = ok(gateway.post(f"{CLIENTS}/tickets/sla-check"))
    assert all(f["ticket_id"] != ticket["id"] or not f["escalated"] for f in again["flagged"])
    escalated = ok(gateway.get(f"{CLIENTS}/tickets/{ticket['id']}"))
    assert escalated["escalated_to"] == manager and escalated["breached"] is True

    team = [manager, seller, servicer]
    facts = ok(gateway.post(f"{CLIENTS}/metrics/batch",
                            json={"period": str(month), "employee_ids": team}))  # fmt: skip
    by_id = {item["employee_id"]: item for item in facts["items"]}
    opened_here = month.contains(opened_at.astimezone(SHANGHAI).date())
    due_here = month.contains((opened_at + timedelta(hours=12)).astimezone(SHANGHAI).date())
    assert {k: by_id[seller][k] for k in (
        "contracts_signed", "new_accounts_signed", "visits_planned", "visits_done",
        "visit_completion_rate", "surveys", "mean_satisfaction", "tickets_total",
    )} == {
        "contracts_signed": 1, "new_accounts_signed": 1, "visits_planned": 1,
        "visits_done": 1, "visit_completion_rate": "100.00", "surveys": 1,
        "mean_satisfaction": "4.50", "tickets_total": 0,
    }  # fmt: skip
    assert by_id[seller]["contract_value_signed"] == {"amount": "6000000.00", "currency": "CNY"}
    assert by_id[servicer]["tickets_total"] == int(opened_here)
    assert by_id[servicer]["tickets_overdue_unresolved"] == int(due_here)
    assert by_id[servicer]["tickets_within_sla_rate"] == ("0.00" if due_here else None)
    assert by_id[servicer]["contracts_signed"] == 0
    assert all(
        value in (0, None) or (isinstance(value, dict) and value["amount"] == "0.00")
        for key, value in by_id[manager].items()
        if key != "employee_id"
    )
