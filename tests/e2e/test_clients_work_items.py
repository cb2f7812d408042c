"""Clients' work items reach a person's inbox between real processes (issue 24): a ticket
escalated by the SLA check is in the manager's inbox through the gateway (delivered by
clients' outbox dispatcher with its service token), and resolving it closes the item; a
stand-in works the absent colleague's ticket only within the stand-in's dates."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from deploy.processes import Stack
from tests.conftest import LoginFactory
from tests.polling import eventually, ok

pytestmark = pytest.mark.e2e
RUN = uuid.uuid4().hex[:5].upper()
ACCOUNTS = "/v1/clients/accounts"
TICKETS = "/v1/clients/tickets"


@pytest.fixture
def gateway(stack: Stack, admin_headers: dict[str, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("gateway"), timeout=15, headers=admin_headers) as client:
        yield client


def hire(gateway: httpx.Client, number: str, **fields: object) -> int:
    body = {"employee_no": f"W{RUN}{number}", "name": f"待办{number}", "hire_date": "2023-01-01"}
    return int(ok(gateway.post("/v1/staff/employees", json=body | fields), 201)["id"])


def inbox(gateway: httpx.Client, person: dict[str, str], state: str = "open") -> list[Any]:
    return list(ok(gateway.get("/v1/me/inbox", params={"state": state}, headers=person))["items"])


def test_an_escalation_reaches_the_managers_inbox_and_closes_when_resolved(
    gateway: httpx.Client, login_as: LoginFactory
) -> None:
    manager = hire(gateway, "1")
    kam = hire(gateway, "2", manager_id=manager)
    body = {"legal_name": f"待办{RUN}客户有限公司", "owner_id": kam}
    created = eventually(
        lambda: r if (r := gateway.post(ACCOUNTS, json=body)).status_code == 201 else None
    )
    assert created is not None, "the owner never reached clients' org copy"
    account_id = created.json()["id"]
    opened_at = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    ticket = ok(
        gateway.post(
            f"{ACCOUNTS}/{account_id}/tickets",
            json={
                "kind": "complaint",
                "severity": "critical",
                "channel": "phone",
                "title": f"变电站跳闸{RUN}",
                "opened_at": opened_at,
            },
        ),
        201,
    )
    flagged = ok(gateway.post(f"{TICKETS}/sla-check"))["flagged"]
    assert {f["ticket_id"]: f["escalated_to"] for f in flagged}[ticket["id"]] == manager

    as_manager = login_as(f"wi.boss.{RUN.lower()}", "team_lead", employee_id=manager)
    items = eventually(lambda: inbox(gateway, as_manager))
    assert items, "the escalation never reached staff's inbox"
    [item] = items
    assert (item["kind"], item["source_service"]) == ("sla_escalation", "clients")
    assert item["record_path"] == f"{TICKETS}/{ticket['id']}"

    ticket = ok(gateway.get(f"{TICKETS}/{ticket['id']}"))
    ok(
        gateway.post(
            f"{TICKETS}/{ticket['id']}/transitions",
            json={"to": "resolved", "resolution": "已更换断路器"},
            headers={"If-Match": f'"{ticket["version"]}"'},
        )
    )
    done = eventually(lambda: inbox(gateway, as_manager) == [] or None)
    assert done, "resolving the ticket never closed the item"
    assert [i["id"] for i in inbox(gateway, as_manager, "done")] == [item["id"]]


def test_a_stand_in_works_the_absent_colleagues_ticket_only_within_the_dates(
    gateway: httpx.Client, login_as: LoginFactory
) -> None:
    absent, stand_in = hire(gateway, "3"), hire(gateway, "4")
    body = {"legal_name": f"代理工单{RUN}有限公司", "owner_id": absent}
    created = eventually(
        lambda: r if (r := gateway.post(ACCOUNTS, json=body)).status_code == 201 else None
    )
    assert created is not None, "the absent colleague never reached clients' org copy"
    ticket = ok(
        gateway.post(
            f"{ACCOUNTS}/{created.json()['id']}/tickets",
            json={"kind": "request", "severity": "medium", "channel": "phone", "title": "代理"},
        ),
        201,
    )
    url = f"{TICKETS}/{ticket['id']}"
    as_stand_in = login_as(f"wi.standin.{RUN.lower()}", "account_manager", employee_id=stand_in)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()

    def name_stand_in(starts: int, ends: int) -> None:
        ok(
            gateway.post(
                "/v1/staff/stand-ins",
                json={
                    "absent_employee_id": absent,
                    "stand_in_employee_id": stand_in,
                    "starts_on": (today + timedelta(days=starts)).isoformat(),
                    "ends_on": (today + timedelta(days=ends)).isoformat(),
                },
            ),
            201,
        )

    def start_work() -> httpx.Response:
        version = ok(gateway.get(url))["version"]
        return gateway.post(
            f"{url}/transitions",
            json={"to": "in_progress"},
            headers={**as_stand_in, "If-Match": f'"{version}"'},
        )

    name_stand_in(2, 5)  # not yet (delivered before the next one): answers like a missing one
    late = eventually(lambda: gateway.get(url, headers=as_stand_in).status_code == 404 or None)
    assert late
    assert start_work().status_code == 404

    name_stand_in(0, 1)  # within the dates
    seen = eventually(lambda: gateway.get(url, headers=as_stand_in).status_code == 200 or None)
    assert seen, "the stand-in never reached clients through staff's outbox"
    worked = start_work()
    assert worked.status_code == 200, worked.text
    entries = ok(
        gateway.get("/v1/clients/audit", params={"entity": "ticket", "entity_id": ticket["id"]})
    )["items"]
    assert (stand_in, f"employee:{absent}") in [
        (e["actor_employee_id"], e["on_behalf_of"]) for e in entries
    ]
