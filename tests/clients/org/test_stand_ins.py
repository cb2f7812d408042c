"""Stand-ins (代理) in the clients org copy: the receiver keeps the newest version, and a
stand-in sees and works the absent colleague's accounts only on the days it covers, audited
as on behalf of the absent colleague (issue 24)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from shared.auth.principal import Role
from tests.clients.conftest import (
    AS_STAFF,
    KAM,
    LEAD,
    SPECIALIST,
    acting,
    create_account,
    create_contact,
)
from tests.clients.tickets.factories import TICKETS, open_ticket

STAND_INS = "/v1/clients/internal/org/stand-ins"
PERSONAL = {"phone": "138-1234-5678", "email": "li.jianguo@example.com"}
STAND_IN = acting(SPECIALIST, Role.ACCOUNT_MANAGER)  # stands in for KAM, who is away


def today() -> date:
    """Today in the company's time zone (the service's default, Asia/Shanghai)."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def stand_in_event(
    stand_in_id: int, starts: int, ends: int, *, version: int, cancelled: bool = False, **more: Any
) -> dict[str, Any]:
    """SPECIALIST stands in for KAM from today+``starts`` to today+``ends`` (days)."""
    return {
        "event_id": str(uuid.uuid4()),
        "stand_in_id": stand_in_id,
        "absent_employee_id": KAM,
        "stand_in_employee_id": SPECIALIST,
        "starts_on": (today() + timedelta(days=starts)).isoformat(),
        "ends_on": (today() + timedelta(days=ends)).isoformat(),
        "cancelled": cancelled,
        "version": version,
        **more,
    }


async def feed(client: httpx.AsyncClient, *events: dict[str, Any]) -> dict[str, int]:
    response = await client.post(STAND_INS, json={"events": list(events)}, headers=AS_STAFF)
    assert response.status_code == 200, response.text
    return response.json()


async def test_receiver_keeps_the_newest_version(clients: httpx.AsyncClient) -> None:
    v2 = stand_in_event(41, 0, 2, version=2)
    assert await feed(clients, v2) == {"applied": 1, "ignored": 0}
    assert await feed(clients, v2) == {"applied": 0, "ignored": 1}  # redelivered
    older = stand_in_event(41, 0, 2, version=1, cancelled=True)
    assert await feed(clients, older) == {"applied": 0, "ignored": 1}  # late and older
    account = await create_account(clients)
    seen = await clients.get(f"/v1/clients/accounts/{account['id']}", headers=STAND_IN)
    assert seen.status_code == 200, "the older cancellation must not have won"
    cancelled = stand_in_event(41, 0, 2, version=3, cancelled=True)
    assert await feed(clients, cancelled, v2) == {"applied": 1, "ignored": 1}
    gone = await clients.get(f"/v1/clients/accounts/{account['id']}", headers=STAND_IN)
    assert gone.status_code == 404


async def test_receiver_is_for_services_and_checks_events(clients: httpx.AsyncClient) -> None:
    event = stand_in_event(42, 0, 1, version=1)
    person = await clients.post(STAND_INS, json={"events": [event]}, headers=STAND_IN)
    assert person.status_code == 403
    bad = await clients.post(
        STAND_INS, json={"events": [{**event, "stand_in_employee_id": 0}]}, headers=AS_STAFF
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"][:3] == ["body", "events", 0]


async def test_stand_in_works_the_absent_colleagues_ticket_only_within_the_dates(
    clients: httpx.AsyncClient,
) -> None:
    account = await create_account(clients, owner_id=KAM)
    ticket = await open_ticket(clients, account["id"])
    url = f"{TICKETS}/{ticket['id']}"

    async def start_work(version: int) -> httpx.Response:
        return await clients.post(
            f"{url}/transitions",
            json={"to": "in_progress"},
            headers={**STAND_IN, "If-Match": f'"{version}"'},
        )

    # Before the dates: the ticket answers like a missing one.
    await feed(clients, stand_in_event(43, 1, 5, version=1))
    assert (await clients.get(url, headers=STAND_IN)).status_code == 404
    assert (await start_work(ticket["version"])).status_code == 404

    # Within them (today is the first day): seen and worked, audited on behalf of KAM.
    await feed(clients, stand_in_event(43, 0, 5, version=2))
    assert (await clients.get(url, headers=STAND_IN)).status_code == 200
    worked = await start_work(ticket["version"])
    assert worked.status_code == 200, worked.text
    entries = await clients.get(
        "/v1/clients/audit", params={"entity": "ticket", "entity_id": ticket["id"]}
    )
    [transition] = [e for e in entries.json()["items"] if e["action"] == "transition"]
    assert transition["actor_employee_id"] == SPECIALIST
    assert transition["on_behalf_of"] == f"employee:{KAM}"

    # After the last day (yesterday): access has ended by itself.
    await feed(clients, stand_in_event(43, -5, -1, version=3))
    assert (await clients.get(url, headers=STAND_IN)).status_code == 404
    assert (await start_work(worked.json()["version"])).status_code == 404

    # Within the dates but cancelled: nothing either.
    await feed(clients, stand_in_event(43, 0, 5, version=4, cancelled=True))
    assert (await clients.get(url, headers=STAND_IN)).status_code == 404


async def test_own_work_is_not_on_behalf_of_anyone(clients: httpx.AsyncClient) -> None:
    await feed(clients, stand_in_event(44, 0, 0, version=1))
    mine = await create_account(clients, owner_id=SPECIALIST)
    ticket = await open_ticket(clients, mine["id"])
    moved = await clients.post(
        f"{TICKETS}/{ticket['id']}/transitions",
        json={"to": "in_progress"},
        headers={**STAND_IN, "If-Match": f'"{ticket["version"]}"'},
    )
    assert moved.status_code == 200, moved.text
    entries = await clients.get(
        "/v1/clients/audit", params={"entity": "ticket", "entity_id": ticket["id"]}
    )
    assert [e["on_behalf_of"] for e in entries.json()["items"] if e["action"] == "transition"] == [
        None
    ]


async def test_stand_in_sees_contacts_unmasked_only_in_the_dates(
    clients: httpx.AsyncClient,
) -> None:
    account = await create_account(clients, owner_id=KAM)
    contact = await create_contact(clients, account["id"], **PERSONAL)
    url = f"/v1/clients/contacts/{contact['id']}"
    await feed(clients, stand_in_event(45, 0, 0, version=1))
    during = await clients.get(url, headers=STAND_IN)
    assert during.status_code == 200, during.text
    assert (during.json()["phone"], during.json()["personal_data_masked"]) == (
        PERSONAL["phone"],
        False,
    )
    await feed(clients, stand_in_event(45, -3, -1, version=2))
    assert (await clients.get(url, headers=STAND_IN)).status_code == 404


async def test_a_transfer_through_a_stand_in_is_on_behalf_of_the_absent_owner(
    clients: httpx.AsyncClient,
) -> None:
    # LEAD's reporting line does not hold KAM; standing in for KAM, LEAD hands one of KAM's
    # accounts to SPECIALIST, in LEAD's own line.
    await feed(clients, {**stand_in_event(46, 0, 1, version=1), "stand_in_employee_id": LEAD})
    account = await create_account(clients, owner_id=KAM)
    moved = await clients.post(
        "/v1/clients/ownership/transfers",
        json={
            "account_ids": [account["id"]],
            "to_employee_id": SPECIALIST,
            "reason": "代理期间调整",
        },
        headers=acting(LEAD, Role.TEAM_LEAD),
    )
    assert moved.status_code == 200, moved.text
    entries = await clients.get(
        "/v1/clients/audit", params={"entity": "ownership", "account_id": account["id"]}
    )
    assert [(e["action"], e["on_behalf_of"]) for e in entries.json()["items"]] == [
        ("transfer", f"employee:{KAM}")
    ]
