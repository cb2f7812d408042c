"""Ticket lists: data scope, filters, pagination and the CSV export."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx

from shared.auth.principal import Role
from tests.clients.conftest import ACCOUNTS, KAM, LEAD, MANAGER, SPECIALIST, acting, create_account
from tests.clients.tickets.factories import TICKETS, ago, move, open_ticket


async def test_an_account_manager_sees_only_tickets_of_their_accounts(
    clients: httpx.AsyncClient,
) -> None:
    kams = await create_account(clients, owner_id=KAM)
    specialists = await create_account(clients, owner_id=SPECIALIST)
    kam_ticket = await open_ticket(clients, kams["id"])
    own_ticket = await open_ticket(clients, specialists["id"])
    specialist = acting(SPECIALIST, Role.ACCOUNT_MANAGER)
    hidden = await clients.get(f"{TICKETS}/{kam_ticket['id']}", headers=specialist)
    assert hidden.status_code == 404
    moved = await clients.post(
        f"{TICKETS}/{kam_ticket['id']}/transitions",
        json={"to": "in_progress"},
        headers={**specialist, "If-Match": '"1"'},
    )
    assert moved.status_code == 404
    assert (
        await clients.get(f"{ACCOUNTS}/{kams['id']}/tickets", headers=specialist)
    ).status_code == 404
    assert (
        await clients.get(f"{TICKETS}/{kam_ticket['id']}/events", headers=specialist)
    ).status_code == 404
    opening = await clients.post(
        f"{ACCOUNTS}/{kams['id']}/tickets",
        json={"kind": "request", "severity": "low", "channel": "email", "title": "x"},
        headers=specialist,
    )
    assert opening.status_code == 404
    listed = await clients.get(TICKETS, params={"limit": 200}, headers=specialist)
    ids = {t["id"] for t in listed.json()["items"]}
    assert own_ticket["id"] in ids
    assert kam_ticket["id"] not in ids
    # the team lead sees the specialist's, not the KAM's; the department manager both
    lead = await clients.get(TICKETS, params={"limit": 200}, headers=acting(LEAD, Role.TEAM_LEAD))
    assert {t["id"] for t in lead.json()["items"]} >= {own_ticket["id"]}
    assert kam_ticket["id"] not in {t["id"] for t in lead.json()["items"]}
    head = await clients.get(TICKETS, params={"limit": 200}, headers=acting(MANAGER))
    assert {t["id"] for t in head.json()["items"]} >= {own_ticket["id"], kam_ticket["id"]}
    # people without a role on accounts cannot read tickets at all
    other = await clients.get(TICKETS, headers=acting(SPECIALIST, Role.APPRAISAL_ADMIN))
    assert other.status_code == 403


async def test_filters_and_pagination(clients: httpx.AsyncClient) -> None:
    kams = await create_account(clients, owner_id=KAM)
    specialists = await create_account(clients, owner_id=SPECIALIST)
    overdue = await open_ticket(clients, kams["id"], opened_at=ago(days=3))
    fresh = await open_ticket(clients, kams["id"], severity="low", kind="request")
    team = await open_ticket(clients, specialists["id"], severity="high")
    working = await move(clients, fresh, "in_progress")

    async def ids(**params: object) -> list[int]:
        response = await clients.get(TICKETS, params={"limit": 200, **params})
        assert response.status_code == 200, response.text
        mine = {overdue["id"], fresh["id"], team["id"]}
        return [t["id"] for t in response.json()["items"] if t["id"] in mine]

    assert await ids() == [team["id"], fresh["id"], overdue["id"]]  # newest first
    assert await ids(breached=True) == [overdue["id"]]
    assert await ids(breached=False) == [team["id"], fresh["id"]]
    assert await ids(status=["in_progress"]) == [working["id"]]
    assert await ids(severity=["high", "low"]) == [team["id"], fresh["id"]]
    assert await ids(kind="request") == [fresh["id"]]
    assert await ids(owner_id=[SPECIALIST]) == [team["id"]]
    assert await ids(team_of=LEAD) == [team["id"]]
    assert await ids(account_id=specialists["id"]) == [team["id"]]
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    recent = await ids(opened_from="2000-01-01", opened_to="2099-12-31")
    assert recent == [team["id"], fresh["id"], overdue["id"]]
    assert await ids(opened_from=today) == [team["id"], fresh["id"]]  # overdue: 3 days ago
    assert await ids(opened_to=today) == [team["id"], fresh["id"], overdue["id"]]
    assert await ids(opened_to="2000-01-01") == []
    account_list = await clients.get(f"{ACCOUNTS}/{kams['id']}/tickets", params={"limit": 1})
    first = account_list.json()
    assert [t["id"] for t in first["items"]] == [fresh["id"]]
    assert first["next_cursor"]
    second = await clients.get(
        f"{ACCOUNTS}/{kams['id']}/tickets", params={"limit": 1, "cursor": first["next_cursor"]}
    )
    assert [t["id"] for t in second.json()["items"]] == [overdue["id"]]
    bad_cursor = await clients.get(TICKETS, params={"cursor": "not-a-cursor"})
    assert bad_cursor.status_code == 400
    bad_filter = await clients.get(TICKETS, params={"status": "finished"})
    assert bad_filter.status_code == 422


async def test_export_streams_the_filtered_list_as_csv(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    overdue = await open_ticket(clients, account["id"], opened_at=ago(days=3), title="逾期工单")
    await open_ticket(clients, account["id"], severity="low")
    response = await clients.get(
        f"{TICKETS}/export", params={"lang": "en", "account_id": account["id"], "breached": True}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(int(r["id"]), r["title"], r["breached"]) for r in rows] == [
        (overdue["id"], "逾期工单", "True")
    ]
    assert rows[0]["severity"] == "critical"
