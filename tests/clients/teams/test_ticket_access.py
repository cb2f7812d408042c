"""Issue 18 defect 16: access follows the work. The handler of a ticket sees it (an
after-sales specialist outside the owner's line got 404), the owner a ticket a transfer
left with him, and the members of a service queue the tickets waiting in it, which they
pick up."""

from __future__ import annotations

from typing import Any

import httpx

from shared.auth.principal import Role
from tests.clients.conftest import ACCOUNTS, KAM, LEAD, create_account
from tests.clients.teams.conftest import AFTER_SALES, SERVICE_QUEUE, STRANGER, SUCCESSOR
from tests.clients.tickets.factories import open_ticket
from tests.conftest import bearer

TICKETS = "/v1/clients/tickets"


def as_(employee_id: int, role: Role = Role.ACCOUNT_MANAGER) -> dict[str, str]:
    return bearer(role, employee_id=employee_id, subject=f"user:{employee_id}")


async def ticket_of_kam(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    account = await create_account(client, owner_id=KAM)
    return await open_ticket(client, account["id"], headers=as_(KAM), **fields)


async def test_the_handler_outside_the_owners_line_sees_and_works_his_ticket(
    clients: httpx.AsyncClient,
) -> None:
    ticket = await ticket_of_kam(clients, handler_id=AFTER_SALES)
    handler = as_(AFTER_SALES)
    seen = await clients.get(f"{TICKETS}/{ticket['id']}", headers=handler)
    assert seen.status_code == 200, seen.text
    assert seen.json()["handler_id"] == AFTER_SALES
    assert seen.json()["account_name"].startswith("测试客户")
    events = await clients.get(f"{TICKETS}/{ticket['id']}/events", headers=handler)
    assert events.status_code == 200
    listed = await clients.get(TICKETS, headers=handler)
    assert [t["id"] for t in listed.json()["items"]] == [ticket["id"]]
    moved = await clients.post(
        f"{TICKETS}/{ticket['id']}/transitions",
        json={"to": "in_progress"},
        headers={**handler, "If-Match": seen.headers["ETag"]},
    )
    assert moved.status_code == 200, moved.text
    # the ticket, not the account: the rest of the account stays out of his sight
    account = await clients.get(f"{ACCOUNTS}/{ticket['account_id']}", headers=handler)
    assert account.status_code == 404
    assert (
        await clients.get(f"{TICKETS}/{ticket['id']}", headers=as_(STRANGER))
    ).status_code == 404


async def test_a_transfer_without_its_open_tickets_leaves_them_visible_to_their_owner(
    clients: httpx.AsyncClient,
) -> None:
    ticket = await ticket_of_kam(clients)
    moved = await clients.post(
        "/v1/clients/ownership/transfers",
        json={
            "account_ids": [ticket["account_id"]],
            "to_employee_id": LEAD,
            "include_open_tickets": False,
            "reason": "区域调整",
        },
    )
    assert moved.status_code == 200 and moved.json()["open_tickets"] == 0, moved.text
    kept = await clients.get(f"{TICKETS}/{ticket['id']}", headers=as_(KAM))
    assert kept.status_code == 200, kept.text
    assert kept.json()["owner_id"] == KAM
    assert (
        await clients.get(f"{ACCOUNTS}/{ticket['account_id']}", headers=as_(KAM))
    ).status_code == 404


async def test_a_queued_ticket_is_picked_up_by_a_member_of_the_queue(
    clients: httpx.AsyncClient,
) -> None:
    ticket = await ticket_of_kam(clients, queue_id=SERVICE_QUEUE)
    assert ticket["queue_id"] == SERVICE_QUEUE and ticket["handler_id"] is None
    path = f"{TICKETS}/{ticket['id']}"
    waiting = await clients.get(path, headers=as_(SUCCESSOR))
    assert waiting.status_code == 200, waiting.text
    assert (await clients.get(path, headers=as_(STRANGER))).status_code == 404
    # waiting in the queue is no licence to change it: only picking it up is
    edit = await clients.patch(
        path, json={"severity": "low"}, headers={**as_(SUCCESSOR), "If-Match": '"1"'}
    )
    assert edit.status_code == 404, edit.text
    stranger = await clients.post(
        f"{path}/pick-up", json={}, headers={**as_(STRANGER), "If-Match": '"1"'}
    )
    assert stranger.status_code == 404

    picked = await clients.post(
        f"{path}/pick-up", json={}, headers={**as_(AFTER_SALES), "If-Match": '"1"'}
    )
    assert picked.status_code == 200, picked.text
    assert picked.json()["handler_id"] == AFTER_SALES and picked.headers["ETag"] == '"2"'
    # picked up, it has left the queue: the other members no longer see it
    assert (await clients.get(path, headers=as_(SUCCESSOR))).status_code == 404
    again = await clients.post(
        path + "/pick-up", json={}, headers={**as_(AFTER_SALES), "If-Match": '"2"'}
    )
    assert again.status_code == 409
    events = (await clients.get(f"{path}/events")).json()["items"]
    assert [e["kind"] for e in events][-1] == "picked_up"


async def test_handlers_and_queues_named_in_a_body_are_checked(
    clients: httpx.AsyncClient,
) -> None:
    account = await create_account(clients, owner_id=KAM)
    body = {"kind": "request", "severity": "low", "channel": "phone", "title": "巡检"}
    url = f"{ACCOUNTS}/{account['id']}/tickets"
    stranger = await clients.post(url, json={**body, "handler_id": STRANGER}, headers=as_(KAM))
    assert stranger.status_code == 422
    assert stranger.json()["errors"][0]["type"] == "not_assignable"
    no_queue = await clients.post(url, json={**body, "queue_id": 8}, headers=as_(KAM))
    assert no_queue.status_code == 422
    assert no_queue.json()["errors"][0]["type"] == "unknown_queue"
    served = await clients.post(url, json={**body, "handler_id": AFTER_SALES}, headers=as_(KAM))
    assert served.status_code == 201, served.text
