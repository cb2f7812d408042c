"""A departure hands every account of the leaver to the successor, through staff's outbox
and clients' idempotent handover, over real HTTP between real processes (issue 4)."""

import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from deploy.processes import Stack
from tests.polling import eventually

pytestmark = pytest.mark.e2e
ACCOUNTS = "/v1/clients/accounts"
RUN = uuid.uuid4().hex[:5].upper()


@pytest.fixture
def gateway(stack: Stack, admin_headers: dict[str, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("gateway"), timeout=15, headers=admin_headers) as client:
        yield client


def hire(gateway: httpx.Client, number: str) -> int:
    response = gateway.post(
        "/v1/staff/employees",
        json={
            "employee_no": f"E{RUN}{number}",
            "name": f"离职测试{number}",
            "hire_date": "2023-01-01",
        },
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def give_accounts(gateway: httpx.Client, owner_id: int, count: int, label: str) -> list[int]:
    """Accounts for ``owner_id``; the first waits for staff's event to reach clients."""
    first = eventually(
        lambda: (
            r
            if (r := gateway.post(
                ACCOUNTS, json={"legal_name": f"{label}{RUN}客户0有限公司", "owner_id": owner_id}
            )).status_code == 201
            else None
        )
    )  # fmt: skip
    assert first is not None, "the employee never reached clients' org copy"
    ids = [first.json()["id"]]
    for n in range(1, count):
        response = gateway.post(
            ACCOUNTS, json={"legal_name": f"{label}{RUN}客户{n}有限公司", "owner_id": owner_id}
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def owners(gateway: httpx.Client, label: str) -> dict[int, int]:
    items: list[dict] = []
    cursor = None
    while True:
        params = {"q": f"{label}{RUN}", "limit": 200, **({"cursor": cursor} if cursor else {})}
        page = gateway.get(ACCOUNTS, params=params).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return {a["id"]: a["owner_id"] for a in items}


def depart(gateway: httpx.Client, leaver: int, successor: int) -> str:
    response = gateway.post(
        f"/v1/staff/employees/{leaver}/departure",
        json={"date": "2026-11-30", "successor_employee_id": successor},
    )
    assert response.status_code == 202, response.text
    return str(response.headers["location"])


def completed(gateway: httpx.Client, location: str) -> dict | None:
    body = gateway.get(location).json()
    return body if body["status"] == "completed" else None


def open_work(gateway: httpx.Client, accounts: list[int], leaver: int) -> dict[str, list[int]]:
    """Three open tickets and a resolved one, five planned visits and a completed one."""
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    work: dict[str, list[int]] = {"open": [], "resolved": [], "planned": [], "done": []}
    for n, account_id in enumerate(accounts[:4]):
        ticket = gateway.post(
            f"{ACCOUNTS}/{account_id}/tickets",
            json={"kind": "request", "severity": "medium", "channel": "phone", "title": "巡检预约"},
        )
        assert ticket.status_code == 201, ticket.text
        if n == 3:
            resolved = gateway.post(
                f"/v1/clients/tickets/{ticket.json()['id']}/transitions",
                json={"to": "resolved", "resolution": "已安排"},
                headers={"If-Match": ticket.headers["ETag"]},
            )
            assert resolved.status_code == 200, resolved.text
        work["resolved" if n == 3 else "open"].append(ticket.json()["id"])
    for n, account_id in enumerate(accounts[10:16]):
        body = {"planned_on": (today + timedelta(days=n + 1)).isoformat(), "purpose": "回访"}
        if n == 5:
            body = {"visited_on": today.isoformat(), "visited_by": leaver, "purpose": "回访"}
        visit = gateway.post(f"{ACCOUNTS}/{account_id}/visits", json=body)
        assert visit.status_code == 201, visit.text
        work["done" if n == 5 else "planned"].append(visit.json()["id"])
    return work


def owners_of(gateway: httpx.Client, kind: str, ids: list[int]) -> set[int]:
    return {gateway.get(f"/v1/clients/{kind}/{i}").json()["owner_id"] for i in ids}


def test_fifty_accounts_go_to_the_successor(gateway: httpx.Client) -> None:
    leaver, successor = hire(gateway, "01"), hire(gateway, "02")
    accounts = give_accounts(gateway, leaver, 50, "离职甲")
    work = open_work(gateway, accounts, leaver)
    location = depart(gateway, leaver, successor)
    done = eventually(lambda: completed(gateway, location))
    assert done is not None, gateway.get(location).text
    handover = done["handovers"][0]
    assert (handover["accounts"], handover["open_tickets"], handover["planned_visits"]) == (
        50, 3, 5,
    )  # fmt: skip
    assert owners_of(gateway, "tickets", work["open"]) == {successor}
    assert owners_of(gateway, "visits", work["planned"]) == {successor}
    # finished work stays credited to whoever did it
    assert owners_of(gateway, "tickets", work["resolved"]) == {leaver}
    assert owners_of(gateway, "visits", work["done"]) == {leaver}
    assert set(owners(gateway, "离职甲").values()) == {successor}
    history = gateway.get(f"{ACCOUNTS}/{accounts[7]}/ownership-history").json()["items"]
    assert [(h["from_employee_id"], h["to_employee_id"]) for h in history[:1]] == [
        (leaver, successor)
    ]
    assert gateway.get(f"/v1/staff/employees/{leaver}").json()["status"] == "departed"


def test_clients_down_at_departure_then_back(gateway: httpx.Client, stack: Stack) -> None:
    leaver, successor = hire(gateway, "11"), hire(gateway, "12")
    accounts = give_accounts(gateway, leaver, 12, "离职乙")
    stack.stop_process("clients", kill=True)
    try:
        location = depart(gateway, leaver, successor)
        time.sleep(2)
        assert gateway.get(location).json()["status"] == "pending"
    finally:
        stack.start_process("clients")
        stack.wait_ready("clients")
    done = eventually(lambda: completed(gateway, location), seconds=60)
    assert done is not None, gateway.get(location).text
    assert done["handovers"][0]["accounts"] == 12
    assert set(owners(gateway, "离职乙").values()) == {successor}
    for account_id in accounts[:3]:
        history = gateway.get(f"{ACCOUNTS}/{account_id}/ownership-history").json()["items"]
        moves = [h for h in history if h["to_employee_id"] == successor]
        assert len(moves) == 1, history  # delivered once, applied once
