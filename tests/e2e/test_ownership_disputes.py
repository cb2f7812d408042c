"""An ownership dispute (撞单, issue 23) between real processes: a second manager creating an
account whose credit code the first one's account holds gets 202 and a dispute, the
arbiter (their common manager) finds it in his inbox through staff, decides it through the
gateway with If-Match, and the item closes."""

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from deploy.processes import Stack
from services.clients.accounts.rules import credit_code_check_character
from tests.conftest import LoginFactory
from tests.polling import eventually, ok

pytestmark = pytest.mark.e2e
RUN = uuid.uuid4().hex[:5].upper()
ACCOUNTS = "/v1/clients/accounts"
DISPUTES = "/v1/clients/ownership-disputes"


@pytest.fixture
def gateway(stack: Stack, admin_headers: dict[str, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("gateway"), timeout=15, headers=admin_headers) as client:
        yield client


def hire(gateway: httpx.Client, number: str, **fields: object) -> int:
    body = {"employee_no": f"D{RUN}{number}", "name": f"撞单{number}", "hire_date": "2023-01-01"}
    return int(ok(gateway.post("/v1/staff/employees", json=body | fields), 201)["id"])


def inbox(gateway: httpx.Client, person: dict[str, str], state: str = "open") -> list[Any]:
    return list(ok(gateway.get("/v1/me/inbox", params={"state": state}, headers=person))["items"])


def test_a_credit_code_clash_is_arbitrated_by_the_common_manager(
    gateway: httpx.Client, login_as: LoginFactory
) -> None:
    manager = hire(gateway, "1")
    first, second = hire(gateway, "2", manager_id=manager), hire(gateway, "3", manager_id=manager)
    body = f"91310000MA{int(RUN, 16) % 10_000_000:07d}"
    code = body + credit_code_check_character(body)
    account = {"legal_name": f"撞单{RUN}有限公司", "owner_id": first, "credit_code": code}
    created = eventually(
        lambda: r if (r := gateway.post(ACCOUNTS, json=account)).status_code == 201 else None
    )
    assert created is not None, "the first owner never reached clients' org copy"
    held = created.json()["id"]

    as_second = login_as(f"dispute.b.{RUN.lower()}", "account_manager", employee_id=second)
    claim = {**account, "legal_name": f"撞单{RUN}分公司", "owner_id": second}
    clash = eventually(
        lambda: (
            r
            if (r := gateway.post(ACCOUNTS, json=claim, headers=as_second)).status_code == 202
            else None
        )
    )
    assert clash is not None, "the second owner never reached clients' org copy"
    dispute = clash.json()
    assert clash.headers["location"] == f"{DISPUTES}/{dispute['id']}"
    # The claimant learns that a dispute exists, not whose account it is about.
    assert (dispute["account_id"], dispute["owner_id"]) == (None, None)
    assert dispute["arbiter_id"] == manager
    assert account["legal_name"] not in clash.text

    as_manager = login_as(f"dispute.boss.{RUN.lower()}", "team_lead", employee_id=manager)
    items = eventually(lambda: inbox(gateway, as_manager))
    assert items, "the dispute never reached the arbiter's inbox"
    [item] = items
    assert (item["kind"], item["record_path"]) == (
        "ownership_dispute",
        f"{DISPUTES}/{dispute['id']}",
    )

    read = gateway.get(f"{DISPUTES}/{dispute['id']}", headers=as_manager)
    assert read.status_code == 200, read.text
    assert read.json()["account_id"] == held
    decided = gateway.post(
        f"{DISPUTES}/{dispute['id']}/decision",
        json={"winner": "claimant", "reason": "认领人首先对接"},
        headers={**as_manager, "If-Match": read.headers["etag"]},
    )
    assert decided.status_code == 200, decided.text
    assert ok(gateway.get(f"{ACCOUNTS}/{held}"))["owner_id"] == second
    done = eventually(lambda: inbox(gateway, as_manager) == [] or None)
    assert done, "deciding the dispute never closed the arbiter's item"
