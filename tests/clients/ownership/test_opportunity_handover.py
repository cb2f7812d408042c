"""The offboarding handover moves the leaver's open opportunities and his places on open
opportunities' teams to the successor; won and lost ones stay credited to him."""

import uuid
from typing import Any

import httpx

from tests.clients.conftest import ACCOUNTS, KAM, create_account, employee_event, feed_org
from tests.conftest import post_current

HANDOVERS = "/v1/clients/handovers"
OPPORTUNITIES = "/v1/clients/opportunities"
LEAVER, SUCCESSOR = 960, 961


async def opportunity(client: httpx.AsyncClient, account_id: int, **fields: Any) -> dict[str, Any]:
    body = {
        "name": "2027年度配电运维服务",
        "amount": "500000.00",
        "currency": "CNY",
        "expected_close_month": "2027-06",
        **fields,
    }
    response = await client.post(f"{ACCOUNTS}/{account_id}/opportunities", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def handover(account_ids: list[int] | None) -> dict[str, Any]:
    return {
        "handover_id": str(uuid.uuid4()),
        "from_employee_id": LEAVER,
        "to_employee_id": SUCCESSOR,
        "account_ids": account_ids,
        "reason": "departure",
    }


async def state(client: httpx.AsyncClient, item: dict[str, Any]) -> tuple[int, list[int]]:
    body = (await client.get(f"{OPPORTUNITIES}/{item['id']}")).json()
    return body["owner_id"], [m["employee_id"] for m in body["members"]]


async def test_a_departure_hands_over_open_opportunities_and_team_places(
    clients: httpx.AsyncClient,
) -> None:
    await feed_org(clients, [employee_event(LEAVER), employee_event(SUCCESSOR)])
    his = await create_account(clients, owner_id=LEAVER)
    kams = await create_account(clients, owner_id=KAM)
    open_on_his = await opportunity(clients, his["id"])
    # He may own an opportunity on an account someone else owns: it follows him too.
    open_on_kams = await opportunity(clients, kams["id"], owner_id=LEAVER)
    won = await opportunity(clients, his["id"])
    lost = await opportunity(clients, kams["id"], owner_id=LEAVER)
    on_team = await opportunity(
        clients, kams["id"], members=[{"employee_id": LEAVER, "role": "presales"}]
    )
    both_on_team = await opportunity(
        clients,
        kams["id"],
        members=[
            {"employee_id": LEAVER, "role": "presales"},
            {"employee_id": SUCCESSOR, "role": "delivery"},
        ],
    )
    closed_team = await opportunity(
        clients, kams["id"], members=[{"employee_id": LEAVER, "role": "presales"}]
    )
    sign = {"number": f"HT-{uuid.uuid4().hex[:8]}", "start_date": "2026-12-01",
            "end_date": "2027-11-30", "signed_on": "2026-12-01"}  # fmt: skip
    assert (
        await post_current(clients, f"{OPPORTUNITIES}/{won['id']}", "/win", json={"contract": sign})
    ).status_code == 200
    for closed in (lost, closed_team):
        response = await post_current(
            clients, f"{OPPORTUNITIES}/{closed['id']}", "/lose", json={"reason": "价格"}
        )
        assert response.status_code == 200, response.text

    response = await clients.post(HANDOVERS, json=handover(None))

    assert response.status_code == 200, response.text
    result = response.json()
    # Where the successor is on the team already, the leaver's place just goes.
    assert (result["open_opportunities"], result["opportunity_memberships"]) == (2, 1)
    assert await state(clients, open_on_his) == (SUCCESSOR, [])
    assert await state(clients, open_on_kams) == (SUCCESSOR, [])
    assert await state(clients, won) == (LEAVER, [])
    assert await state(clients, lost) == (LEAVER, [])
    assert await state(clients, on_team) == (KAM, [SUCCESSOR])
    assert await state(clients, both_on_team) == (KAM, [SUCCESSOR])
    assert await state(clients, closed_team) == (KAM, [LEAVER])
    trail = await clients.get(
        "/v1/clients/audit", params={"entity": "opportunity", "entity_id": open_on_kams["id"]}
    )
    assert trail.status_code == 200, trail.text
    actions = [(e["action"], e["after"]) for e in trail.json()["items"]]
    assert ("handover", {"owner_id": SUCCESSOR}) in actions


async def test_a_handover_of_some_accounts_moves_only_their_open_opportunities(
    clients: httpx.AsyncClient,
) -> None:
    await feed_org(clients, [employee_event(LEAVER), employee_event(SUCCESSOR)])
    handed = await create_account(clients, owner_id=LEAVER)
    kept = await create_account(clients, owner_id=LEAVER)
    moving = await opportunity(clients, handed["id"])
    staying = await opportunity(
        clients, kept["id"], members=[{"employee_id": LEAVER, "role": "presales"}]
    )

    response = await clients.post(HANDOVERS, json=handover([handed["id"]]))

    assert response.status_code == 200, response.text
    assert (response.json()["open_opportunities"], response.json()["opportunity_memberships"]) == (
        1,
        0,
    )
    assert await state(clients, moving) == (SUCCESSOR, [])
    assert await state(clients, staying) == (LEAVER, [LEAVER])


async def test_a_transfer_gives_the_new_owner_the_previous_owners_open_opportunities(
    clients: httpx.AsyncClient,
) -> None:
    await feed_org(clients, [employee_event(LEAVER), employee_event(SUCCESSOR)])
    moved = await create_account(clients, owner_id=LEAVER)
    his_open = await opportunity(clients, moved["id"])
    # Someone else's opportunity on the account stays theirs; a won one stays credited.
    kams_open = await opportunity(clients, moved["id"], owner_id=KAM)
    won = await opportunity(clients, moved["id"])
    sign = {"number": f"HT-{uuid.uuid4().hex[:8]}", "start_date": "2026-12-01",
            "end_date": "2027-11-30", "signed_on": "2026-12-01"}  # fmt: skip
    assert (
        await post_current(clients, f"{OPPORTUNITIES}/{won['id']}", "/win", json={"contract": sign})
    ).status_code == 200
    kept = await create_account(clients, owner_id=LEAVER)
    kept_open = await opportunity(clients, kept["id"])
    body = {"account_ids": [moved["id"], kept["id"]], "to_employee_id": SUCCESSOR,
            "reason": "区域调整"}  # fmt: skip

    quiet = await clients.post(
        "/v1/clients/ownership/transfers",
        json={**body, "account_ids": [kept["id"]], "include_open_opportunities": False},
    )
    assert quiet.status_code == 200, quiet.text
    assert quiet.json()["open_opportunities"] == 0
    assert await state(clients, kept_open) == (LEAVER, [])
    response = await clients.post("/v1/clients/ownership/transfers", json=body)

    assert response.status_code == 200, response.text
    assert response.json()["open_opportunities"] == 1
    assert await state(clients, his_open) == (SUCCESSOR, [])
    assert await state(clients, kams_open) == (KAM, [])
    assert await state(clients, won) == (LEAVER, [])
    assert await state(clients, kept_open) == (LEAVER, [])  # its account was the new owner's
    trail = await clients.get(
        "/v1/clients/audit", params={"entity": "opportunity", "entity_id": his_open["id"]}
    )
    actions = [(e["action"], e["after"]) for e in trail.json()["items"]]
    assert ("transfer", {"owner_id": SUCCESSOR}) in actions
