"""Quotations through the API: totals to the cent, the discount authority and its approval
flow (author over limit → request → superior approves or refuses), versions, the client's
answer, scope per role, and the accepted lines carried into the won contract."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from shared.auth.principal import Role
from tests.clients.conftest import (
    KAM,
    LEAD,
    MANAGER,
    SPECIALIST,
    acting,
    create_account,
    employee_event,
    feed_org,
)
from tests.conftest import post_current

ADMIN: dict[str, str] = {}  # the client's default token is an administrator's
AS_KAM = acting(KAM, Role.ACCOUNT_MANAGER)
AS_MANAGER = acting(MANAGER)
AS_LEAD = acting(LEAD, Role.TEAM_LEAD)
AS_SPECIALIST = acting(SPECIALIST, Role.ACCOUNT_MANAGER)


async def with_discount_limits(client: httpx.AsyncClient) -> None:
    """KAM may give 5 % alone, the manager 20 %; the specialist none."""
    await feed_org(
        client,
        [
            employee_event(
                KAM,
                manager_id=MANAGER,
                authority_limits={"approve_discount": {"max_discount_percent": "5"}},
                version=2,
            ),
            employee_event(
                MANAGER,
                authority_limits={"approve_discount": {"max_discount_percent": "20"}},
                version=2,
            ),
        ],
    )


async def create_product(client: httpx.AsyncClient, price: str, currency: str = "CNY") -> int:
    response = await client.post(
        "/v1/clients/products",
        json={
            "code": f"P-{uuid.uuid4().hex[:8]}",
            "name": "配电设施运维服务",
            "unit": "年",
            "list_price": price,
            "currency": currency,
        },
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def create_opportunity(client: httpx.AsyncClient, account_id: int) -> dict[str, Any]:
    response = await client.post(
        f"/v1/clients/accounts/{account_id}/opportunities",
        json={
            "name": "2027年度配电运维服务",
            "amount": "1000000.00",
            "currency": "CNY",
            "expected_close_month": "2027-03",
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
async def deal(clients: httpx.AsyncClient) -> dict[str, Any]:
    await with_discount_limits(clients)
    account = await create_account(clients)
    opportunity = await create_opportunity(clients, account["id"])
    return {
        "account": account["id"],
        "opportunity": opportunity["id"],
        "product": await create_product(clients, "333.33"),
        "cheap": await create_product(clients, "19.99"),
    }


async def draft(
    client: httpx.AsyncClient, deal: dict[str, Any], *, line: str, total: str = "0", **extra: Any
) -> httpx.Response:
    headers = extra.pop("headers", AS_KAM)
    body = {
        "title": "配电运维服务报价",
        "valid_until": "2099-12-31",
        "total_discount_percent": total,
        "lines": [
            {"product_id": deal["product"], "quantity": "3", "discount_percent": line},
            {"product_id": deal["cheap"], "quantity": "0.5", "discount_percent": "2"},
        ],
        **extra,
    }
    return await client.post(
        f"/v1/clients/opportunities/{deal['opportunity']}/quotations",
        json=body,
        headers=headers,
    )


async def test_totals_to_the_cent_and_copied_prices(
    clients: httpx.AsyncClient, deal: dict[str, Any]
) -> None:
    response = await draft(clients, deal, line="7.5", total="3")
    assert response.status_code == 201, response.text
    q = response.json()
    assert (q["state"], q["revision"], q["latest"], q["author_id"]) == ("draft", 1, True, KAM)
    assert q["list_total"] == {"amount": "1009.99", "currency": "CNY"}
    assert q["lines_total"]["amount"] == "934.79"
    assert q["total_discount_amount"]["amount"] == "28.04"
    assert q["total"]["amount"] == "906.75"
    assert q["effective_discount_percent"] == "10.22"
    # 7.5 % compounded with 3 %: 1 - 0.925 * 0.97 = 10.275 %
    assert q["granted_discount_percent"] == "10.2750"
    assert [ln["unit_price"]["amount"] for ln in q["lines"]] == ["333.33", "19.99"]
    assert [ln["net_amount"]["amount"] for ln in q["lines"]] == ["924.99", "9.80"]


async def test_lines_must_be_quotable(clients: httpx.AsyncClient, deal: dict[str, Any]) -> None:
    dollars = await create_product(clients, "10.00", "USD")
    response = await clients.post(
        f"/v1/clients/opportunities/{deal['opportunity']}/quotations",
        json={
            "title": "报价",
            "valid_until": "2099-12-31",
            "lines": [
                {"product_id": dollars, "quantity": "1"},
                {"product_id": 987654, "quantity": "1"},
            ],
        },
        headers=AS_KAM,
    )
    assert response.status_code == 422, response.text
    kinds = [e["type"] for e in response.json()["errors"]]
    assert kinds == ["currency_mismatch", "unknown_product"]
    bad_discount = await draft(clients, deal, line="100.01")
    assert bad_discount.status_code == 422


async def test_within_authority_is_approved_at_once(
    clients: httpx.AsyncClient, deal: dict[str, Any]
) -> None:
    q = (await draft(clients, deal, line="3", total="2")).json()  # 4.94 % ≤ 5 %
    submitted = await clients.post(f"/v1/clients/quotations/{q['id']}/submit", headers=AS_KAM)
    assert submitted.status_code == 200, submitted.text
    assert (submitted.json()["state"], submitted.json()["approved_by"]) == ("approved", KAM)
    sent = await clients.post(f"/v1/clients/quotations/{q['id']}/send", headers=AS_KAM)
    assert sent.status_code == 200 and sent.json()["state"] == "sent"
    assert sent.headers["ETag"] == f'"{sent.json()["version"]}"'


async def test_above_authority_goes_to_the_superior_who_approves(
    clients: httpx.AsyncClient, deal: dict[str, Any]
) -> None:
    q = (await draft(clients, deal, line="8")).json()
    submitted = await clients.post(
        f"/v1/clients/quotations/{q['id']}/submit",
        json={"reason": "竞争对手报价低约8%"},
        headers=AS_KAM,
    )
    assert submitted.status_code == 202, submitted.text
    request = submitted.json()
    assert submitted.headers["Location"] == f"/v1/clients/approvals/{request['id']}"
    assert (request["kind"], request["requested_by"]) == ("quotation_discount", KAM)
    assert request["approver_employee_id"] == MANAGER  # KAM's superior in the org chart
    assert request["payload"]["discount_limit_percent"] == "5"
    waiting = (await clients.get(f"/v1/clients/quotations/{q['id']}")).json()
    assert (waiting["state"], waiting["approval_request_id"]) == ("pending_approval", request["id"])
    # Nobody sends a quotation that waits; the author cannot approve his own request.
    early = await clients.post(f"/v1/clients/quotations/{q['id']}/send", headers=AS_KAM)
    assert early.status_code == 409
    own = await clients.post(f"/v1/clients/approvals/{request['id']}/approve", headers=AS_KAM)
    assert own.status_code == 403
    approved = await clients.post(
        f"/v1/clients/approvals/{request['id']}/approve",
        json={"comment": "同意，战略客户"},
        headers=AS_MANAGER,
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "approved"
    after = (await clients.get(f"/v1/clients/quotations/{q['id']}")).json()
    assert (after["state"], after["approved_by"]) == ("approved", MANAGER)
    audit = await clients.get(
        "/v1/clients/audit", params={"entity": "quotation", "entity_id": q["id"]}
    )
    assert audit.status_code == 200, audit.text
    assert {e["action"] for e in audit.json()["items"]} >= {"create", "submit", "approve"}


async def test_refusal_returns_the_draft_with_the_reason(
    clients: httpx.AsyncClient, deal: dict[str, Any]
) -> None:
    q = (await draft(clients, deal, line="12")).json()
    request = (
        await clients.post(f"/v1/clients/quotations/{q['id']}/submit", headers=AS_KAM)
    ).json()
    refused = await clients.post(
        f"/v1/clients/approvals/{request['id']}/refuse",
        json={"comment": "折扣过大，请先争取延长服务期"},
        headers=AS_MANAGER,
    )
    assert refused.status_code == 200, refused.text
    back = await clients.get(f"/v1/clients/quotations/{q['id']}")
    body = back.json()
    assert (body["state"], body["refusal_reason"]) == ("draft", "折扣过大，请先争取延长服务期")
    # The author lowers the discount (If-Match) and submits again, now within his limit.
    changed = await clients.patch(
        f"/v1/clients/quotations/{q['id']}",
        json={"lines": [{"product_id": deal["product"], "quantity": "3", "discount_percent": "5"}]},
        headers={**AS_KAM, "If-Match": back.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.text
    stale = await clients.patch(
        f"/v1/clients/quotations/{q['id']}",
        json={"title": "x"},
        headers={**AS_KAM, "If-Match": back.headers["ETag"]},
    )
    assert stale.status_code == 412
    again = await clients.post(f"/v1/clients/quotations/{q['id']}/submit", headers=AS_KAM)
    assert again.status_code == 200 and again.json()["state"] == "approved"


async def test_approval_of_a_superseded_version_fails(
    clients: httpx.AsyncClient, deal: dict[str, Any]
) -> None:
    q = (await draft(clients, deal, line="9")).json()
    request = (
        await clients.post(f"/v1/clients/quotations/{q['id']}/submit", headers=AS_KAM)
    ).json()
    newer = await clients.post(f"/v1/clients/quotations/{q['id']}/revisions", headers=AS_KAM)
    assert newer.status_code == 201, newer.text
    assert (newer.json()["revision"], newer.json()["copied_from_id"]) == (2, q["id"])
    assert newer.json()["total"] == q["total"]
    approved = await clients.post(
        f"/v1/clients/approvals/{request['id']}/approve", headers=AS_MANAGER
    )
    assert approved.status_code == 409
    old = (await clients.get(f"/v1/clients/quotations/{q['id']}")).json()
    assert (old["state"], old["latest"]) == ("pending_approval", False)


async def test_only_the_latest_is_sent_and_accepted_then_carried_into_the_contract(
    clients: httpx.AsyncClient, deal: dict[str, Any]
) -> None:
    first = (await draft(clients, deal, line="2", total="1")).json()
    assert (
        await clients.post(f"/v1/clients/quotations/{first['id']}/submit", headers=AS_KAM)
    ).status_code == 200
    second = (
        await clients.post(f"/v1/clients/quotations/{first['id']}/revisions", headers=AS_KAM)
    ).json()
    stale_send = await clients.post(f"/v1/clients/quotations/{first['id']}/send", headers=AS_KAM)
    assert stale_send.status_code == 409
    assert stale_send.json()["reason"] == "not_latest_version"
    for step in ("submit", "send", "accept"):
        answer = await post_current(
            clients, f"/v1/clients/quotations/{second['id']}", f"/{step}", headers=AS_KAM
        )
        assert answer.status_code == 200, (step, answer.text)
    # An accepted quotation is final: no new version.
    closed = await clients.post(f"/v1/clients/quotations/{second['id']}/revisions", headers=AS_KAM)
    assert closed.status_code == 409
    won = await post_current(
        clients,
        f"/v1/clients/opportunities/{deal['opportunity']}",
        "/win",
        json={
            "contract": {
                "number": f"HT-{uuid.uuid4().hex[:6]}",
                "start_date": "2027-01-01",
                "end_date": "2027-12-31",
            }
        },
    )
    assert won.status_code == 200, won.text
    contract_id = won.json()["contract_id"]
    contract = (await clients.get(f"/v1/clients/contracts/{contract_id}")).json()
    accepted = (await clients.get(f"/v1/clients/quotations/{second['id']}")).json()
    assert contract["amount"] == accepted["total"]
    assert accepted["contract_id"] == contract_id
    # What was won is what was signed: the opportunity's amount follows the contract.
    assert won.json()["amount"] == contract["amount"]


async def test_scope_per_role(clients: httpx.AsyncClient, deal: dict[str, Any]) -> None:
    q = (await draft(clients, deal, line="1")).json()
    path = f"/v1/clients/quotations/{q['id']}"
    # KAM owns the account; the department manager sees all; LEAD's line (903) does not
    # hold KAM, so to him and to the specialist the quotation does not exist.
    assert (await clients.get(path, headers=AS_KAM)).status_code == 200
    assert (await clients.get(path, headers=AS_MANAGER)).status_code == 200
    assert (await clients.get(path)).status_code == 200
    for outsider in (AS_LEAD, AS_SPECIALIST):
        assert (await clients.get(path, headers=outsider)).status_code == 404
        listed = await clients.get("/v1/clients/quotations", headers=outsider)
        assert listed.json()["items"] == []
        create = await draft(clients, deal, line="1", headers=outsider)
        assert create.status_code == 404
    executive = acting(777, Role.EXECUTIVE)
    assert (await clients.get(path, headers=executive)).status_code == 200
    assert (await clients.post(f"{path}/submit", headers=executive)).status_code == 403


async def test_a_retried_create_returns_the_first(
    clients: httpx.AsyncClient, deal: dict[str, Any]
) -> None:
    key = {"Idempotency-Key": uuid.uuid4().hex}
    first = await draft(clients, deal, line="1", headers={**AS_KAM, **key})
    again = await draft(clients, deal, line="1", headers={**AS_KAM, **key})
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    listed = await clients.get(
        "/v1/clients/quotations", params={"opportunity_id": deal["opportunity"]}
    )
    assert len(listed.json()["items"]) == 1
