"""A stand-in (代理) named in staff reaches clients through staff's outbox, then reads and
works the absent colleague's account through the gateway, audited as on behalf of them;
cancelled, the access is gone (issue 24), over real HTTP between real processes."""

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from deploy.processes import Stack
from tests.conftest import LoginFactory
from tests.polling import eventually, ok

pytestmark = pytest.mark.e2e
ACCOUNTS = "/v1/clients/accounts"
RUN = uuid.uuid4().hex[:5].upper()


@pytest.fixture
def gateway(stack: Stack, admin_headers: dict[str, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("gateway"), timeout=15, headers=admin_headers) as client:
        yield client


def hire(gateway: httpx.Client, number: str) -> int:
    body = {
        "employee_no": f"S{RUN}{number}",
        "name": f"代理测试{number}",
        "hire_date": "2023-01-01",
    }
    return int(ok(gateway.post("/v1/staff/employees", json=body), 201)["id"])


def test_a_stand_in_named_in_staff_reads_and_works_the_absent_colleagues_account(
    gateway: httpx.Client, login_as: LoginFactory
) -> None:
    absent, stand_in = hire(gateway, "1"), hire(gateway, "2")
    body = {"legal_name": f"代理{RUN}客户有限公司", "owner_id": absent}
    created = eventually(
        lambda: r if (r := gateway.post(ACCOUNTS, json=body)).status_code == 201 else None
    )
    assert created is not None, "the absent colleague never reached clients' org copy"
    account = f"{ACCOUNTS}/{created.json()['id']}"
    as_stand_in = login_as(f"standin.{RUN.lower()}", "account_manager", employee_id=stand_in)
    assert gateway.get(account, headers=as_stand_in).status_code == 404

    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    named = ok(
        gateway.post(
            "/v1/staff/stand-ins",
            json={
                "absent_employee_id": absent,
                "stand_in_employee_id": stand_in,
                "starts_on": today.isoformat(),
                "ends_on": (today + timedelta(days=2)).isoformat(),
            },
        ),
        201,
    )
    seen = eventually(
        lambda: r if (r := gateway.get(account, headers=as_stand_in)).status_code == 200 else None
    )
    assert seen is not None, "the stand-in never reached clients through staff's outbox"
    assert seen.json()["owner_id"] == absent

    ticket = gateway.post(
        f"{account}/tickets",
        json={"kind": "request", "severity": "medium", "channel": "phone", "title": "代理处理"},
        headers=as_stand_in,
    )
    assert ticket.status_code == 201, ticket.text
    entries = ok(
        gateway.get(
            "/v1/clients/audit", params={"entity": "ticket", "entity_id": ticket.json()["id"]}
        )
    )["items"]
    assert [(e["actor_employee_id"], e["on_behalf_of"]) for e in entries] == [
        (stand_in, f"employee:{absent}")
    ]

    cancelled = gateway.delete(f"/v1/staff/stand-ins/{named['id']}")
    assert cancelled.status_code == 204, cancelled.text
    gone = eventually(
        lambda: r if (r := gateway.get(account, headers=as_stand_in)).status_code == 404 else None
    )
    assert gone is not None, "the cancellation never ended the stand-in's access"
