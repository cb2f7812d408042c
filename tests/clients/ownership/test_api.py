"""Ownership: transfers with options, history, and staff's idempotent handover."""

import uuid

import httpx

from tests.clients.conftest import (
    ACCOUNTS,
    DEPARTED,
    KAM,
    LEAD,
    MANAGER,
    ON_LEAVE,
    SPECIALIST,
    acting,
    create_account,
    employee_event,
    feed_org,
)
from tests.conftest import post_current

TRANSFERS = "/v1/clients/ownership/transfers"
HANDOVERS = "/v1/clients/handovers"


async def owners(client: httpx.AsyncClient, *accounts: dict) -> list[int]:
    return [(await client.get(f"{ACCOUNTS}/{a['id']}")).json()["owner_id"] for a in accounts]


async def test_transfer_moves_and_records(clients: httpx.AsyncClient) -> None:
    first = await create_account(clients, owner_id=KAM)
    second = await create_account(clients, owner_id=LEAD)
    response = await clients.post(
        TRANSFERS,
        json={
            "account_ids": [first["id"], second["id"]],
            "to_employee_id": LEAD,
            "include_planned_visits": False,
            "reason": "区域调整",
        },
        headers=acting(LEAD),
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "accounts": 1, "unchanged": 1, "open_tickets": 0, "planned_visits": 0,
        "collection_tasks": 0, "open_opportunities": 0, "open_quotations": 0, "open_bids": 0,
    }  # fmt: skip
    assert await owners(clients, first, second) == [LEAD, LEAD]
    history = (await clients.get(f"{ACCOUNTS}/{first['id']}/ownership-history")).json()["items"]
    assert [(h["from_employee_id"], h["to_employee_id"]) for h in history] == [
        (KAM, LEAD),
        (None, KAM),
    ]
    assert history[0]["options"]["include_planned_visits"] is False
    assert history[0]["actor_employee_id"] == LEAD


async def test_transfer_refusals_write_nothing(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients, owner_id=KAM)
    inactive = await clients.post(
        TRANSFERS, json={"account_ids": [account["id"]], "to_employee_id": DEPARTED, "reason": "x"}
    )
    assert inactive.status_code == 422
    assert "departed" in inactive.json()["detail"]
    missing = await clients.post(
        TRANSFERS,
        json={"account_ids": [account["id"], 999999], "to_employee_id": LEAD, "reason": "x"},
    )
    assert missing.status_code == 404
    assert missing.json()["missing_account_ids"] == [999999]
    assert await owners(clients, account) == [KAM]
    history = (await clients.get(f"{ACCOUNTS}/{account['id']}/ownership-history")).json()
    assert len(history["items"]) == 1


async def test_handover_is_idempotent_and_all_or_nothing(clients: httpx.AsyncClient) -> None:
    await feed_org(clients, [employee_event(950), employee_event(951)])
    leaver_accounts = [await create_account(clients, owner_id=950) for _ in range(3)]
    archived = leaver_accounts[2]
    await post_current(clients, f"{ACCOUNTS}/{archived['id']}", "/archive")
    handover_id = str(uuid.uuid4())
    body = {
        "handover_id": handover_id,
        "from_employee_id": 950,
        "to_employee_id": 951,
        "account_ids": None,
        "include_open_tickets": True,
        "include_planned_visits": True,
        "include_collection_tasks": True,
        "reason": "departure",
    }
    first = await clients.post(HANDOVERS, json=body)
    assert first.status_code == 200, first.text
    assert first.json() == {
        "handover_id": handover_id, "status": "completed", "accounts": 3,
        "open_tickets": 0, "planned_visits": 0, "collection_tasks": 0, "team_memberships": 0,
        "open_opportunities": 0, "opportunity_memberships": 0, "open_quotations": 0,
        "open_bids": 0,
    }  # fmt: skip
    assert await owners(clients, *leaver_accounts) == [951, 951, 951]
    # The leaver gets a new account by mistake; the same handover id changes nothing.
    late = await create_account(clients, owner_id=950)
    again = await clients.post(HANDOVERS, json=body)
    assert again.json() == first.json()
    assert await owners(clients, late) == [950]
    history = (await clients.get(f"{ACCOUNTS}/{archived['id']}/ownership-history")).json()
    assert history["items"][0]["handover_id"] == handover_id


async def test_handover_to_an_inactive_successor_is_409(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients, owner_id=SPECIALIST)
    for successor in (ON_LEAVE, DEPARTED):
        response = await clients.post(
            HANDOVERS,
            json={
                "handover_id": str(uuid.uuid4()),
                "from_employee_id": SPECIALIST,
                "to_employee_id": successor,
            },
        )
        assert response.status_code == 409, response.text
        assert "successor" in response.json()["detail"]
    assert await owners(clients, account) == [SPECIALIST]


async def test_handover_to_a_successor_not_yet_known_is_retryable(
    clients: httpx.AsyncClient,
) -> None:
    """Staff's event about a new hire may arrive after the handover: 503, so staff retries,
    and once the event is in, the same handover id goes through."""
    account = await create_account(clients, owner_id=SPECIALIST)
    body = {
        "handover_id": str(uuid.uuid4()),
        "from_employee_id": SPECIALIST,
        "to_employee_id": 88888,
    }
    early = await clients.post(HANDOVERS, json=body)
    assert early.status_code == 503, early.text
    assert early.json()["reason"] == "successor_unknown"
    assert await owners(clients, account) == [SPECIALIST]
    await feed_org(clients, [employee_event(88888, manager_id=MANAGER)])
    late = await clients.post(HANDOVERS, json=body)
    assert late.status_code == 200, late.text
    assert late.json()["accounts"] == 1
    assert await owners(clients, account) == [88888]


async def test_handover_of_listed_accounts_checks_each(clients: httpx.AsyncClient) -> None:
    mine = await create_account(clients, owner_id=SPECIALIST)
    other = await create_account(clients, owner_id=KAM)
    base = {"from_employee_id": SPECIALIST, "to_employee_id": LEAD}
    foreign = await clients.post(
        HANDOVERS,
        json={**base, "handover_id": str(uuid.uuid4()), "account_ids": [mine["id"], other["id"]]},
    )
    assert foreign.status_code == 409
    assert foreign.json()["foreign_account_ids"] == [other["id"]]
    unknown = await clients.post(
        HANDOVERS,
        json={**base, "handover_id": str(uuid.uuid4()), "account_ids": [mine["id"], 999999]},
    )
    assert unknown.status_code == 422
    same = await clients.post(
        HANDOVERS,
        json={"handover_id": str(uuid.uuid4()), "from_employee_id": LEAD, "to_employee_id": LEAD},
    )
    assert same.status_code == 422
    assert await owners(clients, mine, other) == [SPECIALIST, KAM]
    ok = await clients.post(
        HANDOVERS, json={**base, "handover_id": str(uuid.uuid4()), "account_ids": [mine["id"]]}
    )
    assert ok.json()["accounts"] == 1
