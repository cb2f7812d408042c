"""The offboarding handover also gives the leaver's open quotations (he wrote them) and
undecided bids (he owns them) to the successor; final ones stay his."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shared.auth.principal import Role
from tests.clients.conftest import MANAGER, acting, create_account, employee_event, feed_org
from tests.clients.quotations.test_api import create_opportunity, create_product

HANDOVERS = "/v1/clients/handovers"
LEAVER, SUCCESSOR = 970, 971
AS_LEAVER = acting(LEAVER, Role.ACCOUNT_MANAGER)


async def quotation(client: httpx.AsyncClient, opportunity_id: int, product: int) -> int:
    response = await client.post(
        f"/v1/clients/opportunities/{opportunity_id}/quotations",
        json={
            "title": "报价",
            "valid_until": "2099-12-31",
            "lines": [{"product_id": product, "quantity": "1"}],
        },
        headers=AS_LEAVER,
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def bid(client: httpx.AsyncClient, opportunity_id: int, days: int) -> int:
    response = await client.post(
        f"/v1/clients/opportunities/{opportunity_id}/bids",
        json={
            "tender_number": f"ZB-{uuid.uuid4().hex[:6]}",
            "title": "运维服务采购",
            "issuer": "某市供电公司",
            "submission_deadline": (datetime.now(UTC) + timedelta(days=days)).isoformat(),
        },
        headers=AS_LEAVER,
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def handover(account_ids: list[int] | None) -> dict[str, Any]:
    return {
        "handover_id": str(uuid.uuid4()),
        "from_employee_id": LEAVER,
        "to_employee_id": SUCCESSOR,
        "account_ids": account_ids,
        "reason": "departure",
    }


async def test_open_quotations_and_bids_follow_the_handover(clients: httpx.AsyncClient) -> None:
    await feed_org(
        clients,
        [employee_event(LEAVER, manager_id=MANAGER), employee_event(SUCCESSOR, manager_id=MANAGER)],
    )
    product = await create_product(clients, "1000.00")
    kept = await create_account(clients, owner_id=LEAVER)
    given = await create_account(clients, owner_id=LEAVER)
    on_kept = (await create_opportunity(clients, kept["id"]))["id"]
    on_given = (await create_opportunity(clients, given["id"]))["id"]
    draft_on_given = await quotation(clients, on_given, product)
    accepted_on_given = await quotation(clients, on_given, product)
    for step in ("submit", "send", "accept"):
        answer = await clients.post(
            f"/v1/clients/quotations/{accepted_on_given}/{step}", headers=AS_LEAVER
        )
        assert answer.status_code == 200, (step, answer.text)
    draft_on_kept = await quotation(clients, on_kept, product)
    open_bid = await bid(clients, on_given, 10)
    withdrawn = await bid(clients, on_given, 10)
    assert (
        await clients.post(f"/v1/clients/bids/{withdrawn}/result", json={"result": "withdrawn"})
    ).status_code == 200
    bid_on_kept = await bid(clients, on_kept, 10)

    # One account first: only what is on it moves.
    partial = await clients.post(HANDOVERS, json=handover([given["id"]]))
    assert partial.status_code == 200, partial.text
    assert (partial.json()["open_quotations"], partial.json()["open_bids"]) == (1, 1)

    async def author(quotation_id: int) -> int:
        body = (await clients.get(f"/v1/clients/quotations/{quotation_id}")).json()
        return int(body["author_id"])

    async def owner(bid_id: int) -> int:
        return int((await clients.get(f"/v1/clients/bids/{bid_id}")).json()["owner_id"])

    assert await author(draft_on_given) == SUCCESSOR
    assert await author(accepted_on_given) == LEAVER  # final: stays credited to him
    assert await author(draft_on_kept) == LEAVER
    assert (await owner(open_bid), await owner(withdrawn)) == (SUCCESSOR, LEAVER)
    assert await owner(bid_on_kept) == LEAVER

    everything = await clients.post(HANDOVERS, json=handover(None))
    assert everything.status_code == 200, everything.text
    assert (everything.json()["open_quotations"], everything.json()["open_bids"]) == (1, 1)
    assert await author(draft_on_kept) == SUCCESSOR
    assert await owner(bid_on_kept) == SUCCESSOR
    audit = await clients.get(
        "/v1/clients/audit", params={"entity": "bid", "entity_id": bid_on_kept}
    )
    handed = [e for e in audit.json()["items"] if e["action"] == "handover"]
    assert [e["after"] for e in handed] == [{"owner_id": SUCCESSOR}]
