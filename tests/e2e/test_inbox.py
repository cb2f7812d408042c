"""A person's inbox through the gateway with a real token: an item a service posts (twice,
as an outbox may) is there once, closes by its key, and the internal API stays internal."""

import uuid
from collections.abc import Iterator

import httpx
import pytest

from deploy.processes import Stack
from tests.conftest import LoginFactory

pytestmark = pytest.mark.e2e
RUN = uuid.uuid4().hex[:5].upper()
WORK_ITEMS = "/v1/staff/internal/work-items"


@pytest.fixture
def gateway(stack: Stack, admin_headers: dict[str, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("gateway"), timeout=15, headers=admin_headers) as client:
        yield client


def test_my_inbox_through_the_gateway(
    stack: Stack, gateway: httpx.Client, service_headers: dict[str, str], login_as: LoginFactory
) -> None:
    hired = gateway.post(
        "/v1/staff/employees",
        json={"employee_no": f"IB{RUN}", "name": "待办测试", "hire_date": "2023-01-01"},
    )
    assert hired.status_code == 201, hired.text
    employee_id = int(hired.json()["id"])
    person = login_as(f"inbox.{RUN.lower()}", "account_manager", employee_id=employee_id)
    body = {
        "source_key": f"ticket:{RUN}:escalation",
        "employee_id": employee_id,
        "kind": "sla_escalation",
        "title": "工单已升级至您处理",
        "due_at": "2026-12-08T09:00:00+08:00",
        "record_path": "/v1/clients/tickets/1",
        "severity": "urgent",
    }
    staff = stack.url("staff")
    first = httpx.post(f"{staff}{WORK_ITEMS}", json=body, headers=service_headers, timeout=10)
    again = httpx.post(f"{staff}{WORK_ITEMS}", json=body, headers=service_headers, timeout=10)
    assert (first.status_code, again.status_code) == (201, 200), first.text

    inbox = gateway.get("/v1/me/inbox", headers=person)
    assert inbox.status_code == 200, inbox.text
    assert [i["id"] for i in inbox.json()["items"]] == [first.json()["id"]]
    assert inbox.json()["counts"] == {"sla_escalation": 1}

    # The posting API is not reachable from outside.
    assert gateway.post(WORK_ITEMS, json=body, headers=service_headers).status_code == 404

    closed = httpx.post(
        f"{staff}{WORK_ITEMS}/close",
        json={"source_key": body["source_key"]},
        headers=service_headers,
        timeout=10,
    )
    assert closed.status_code == 200, closed.text
    assert gateway.get("/v1/me/inbox", headers=person).json()["items"] == []
