"""Tickets over HTTP: opening with deadlines, the workflow, pauses, reopening, If-Match,
archived accounts, edits, satisfaction and the audit trail."""

from datetime import timedelta

import httpx

from tests.clients.conftest import ACCOUNTS, create_account, create_contact
from tests.clients.tickets.factories import TICKETS, ago, events, instant, move, open_ticket


async def test_opening_a_ticket_computes_its_deadlines(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)  # grade C: critical = 2 h / 12 h, around the clock
    opened = ago(hours=1)
    response = await clients.post(
        f"{ACCOUNTS}/{account['id']}/tickets",
        json={
            "kind": "incident",
            "severity": "critical",
            "channel": "wechat",
            "title": "专线中断",
            "category": "网络",
            "opened_at": opened,
        },
    )
    assert response.status_code == 201, response.text
    ticket = response.json()
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"{TICKETS}/{ticket['id']}"
    assert ticket["status"] == "open"
    assert ticket["owner_id"] == account["owner_id"]
    assert ticket["grade_at_open"] == "C"
    assert (ticket["response_target_minutes"], ticket["resolution_target_minutes"]) == (120, 720)
    assert instant(ticket["opened_at"]) == instant(opened)
    assert instant(ticket["respond_by"]) == instant(opened) + timedelta(hours=2)
    assert instant(ticket["resolve_by"]) == instant(opened) + timedelta(hours=12)
    assert ticket["breached"] is False
    history = await events(clients, ticket["id"])
    assert [(e["kind"], e["from_status"], e["to_status"]) for e in history] == [
        ("opened", None, "open")
    ]
    audit = await clients.get(
        "/v1/clients/audit", params={"entity": "ticket", "entity_id": ticket["id"]}
    )
    assert [e["action"] for e in audit.json()["items"]] == ["create"]


async def test_business_hours_skip_holidays_and_count_make_up_days(
    clients: httpx.AsyncClient,
) -> None:
    # National Day 2025: 1–8 Oct off, Sat 11 Oct worked. A low ticket for a C client has
    # 24 working hours to a first response. Opened Tue 30 Sep 17:00: 1 h that day, then
    # Thu 9 and Fri 10 Oct (8 h each), then 7 h on Sat 11 Oct → 17:00 Shanghai.
    for day in range(1, 9):
        put = await clients.put(
            f"/v1/clients/calendar/days/2025-10-0{day}", json={"kind": "holiday", "name": "国庆节"}
        )
        assert put.status_code == 201, put.text
    makeup = await clients.put(
        "/v1/clients/calendar/days/2025-10-11", json={"kind": "makeup_workday", "name": "国庆调休"}
    )
    assert makeup.status_code == 201
    account = await create_account(clients)
    ticket = await open_ticket(
        clients, account["id"], severity="low", opened_at="2025-09-30T17:00:00+08:00"
    )
    assert instant(ticket["respond_by"]) == instant("2025-10-11T17:00:00+08:00")
    assert ticket["around_the_clock"] is False
    # long overdue: flagged as soon as it is entered
    assert ticket["response_breached"] is True
    assert ticket["breached"] is True


async def test_workflow_refuses_moves_it_does_not_allow(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    ticket = await open_ticket(clients, account["id"])
    url = f"{TICKETS}/{ticket['id']}/transitions"
    no_if_match = await clients.post(url, json={"to": "in_progress"})
    assert no_if_match.status_code == 428
    stale = await clients.post(url, json={"to": "in_progress"}, headers={"If-Match": '"9"'})
    assert stale.status_code == 412
    bad = await clients.post(url, json={"to": "waiting"}, headers={"If-Match": '"1"'})
    assert bad.status_code == 409
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["allowed"] == ["in_progress", "resolved"]
    assert bad.json()["current_status"] == "open"
    unknown = await clients.post(url, json={"to": "done"}, headers={"If-Match": '"1"'})
    assert unknown.status_code == 422
    no_resolution = await clients.post(url, json={"to": "resolved"}, headers={"If-Match": '"1"'})
    assert no_resolution.status_code == 422
    early_rating = await clients.post(f"{TICKETS}/{ticket['id']}/satisfaction", json={"score": 5})
    assert early_rating.status_code == 409
    # nothing was written by any of the refusals
    again = (await clients.get(f"{TICKETS}/{ticket['id']}")).json()
    assert (again["version"], again["status"], again["first_response_at"]) == (1, "open", None)
    assert len(await events(clients, ticket["id"])) == 1

    working = await move(clients, ticket, "in_progress", note="已联系客户")
    assert working["first_response_at"] is not None
    assert working["response_breached"] is False
    await move(clients, working, "closed", expect=409)
    resolved = await move(clients, working, "resolved", resolution="更换断路器")
    assert resolved["resolved_at"] is not None
    assert resolved["resolution"] == "更换断路器"
    assert resolved["resolution_breached"] is False
    rated = await clients.post(
        f"{TICKETS}/{ticket['id']}/satisfaction", json={"score": 4, "comment": "及时"}
    )
    assert rated.status_code == 200
    assert rated.json()["satisfaction_score"] == 4
    bad_score = await clients.post(f"{TICKETS}/{ticket['id']}/satisfaction", json={"score": 6})
    assert bad_score.status_code == 422
    closed = await move(clients, rated.json(), "closed")
    assert closed["closed_at"] is not None
    history = await events(clients, ticket["id"])
    assert [(e["kind"], e["to_status"]) for e in history] == [
        ("opened", "open"),
        ("transition", "in_progress"),
        ("transition", "resolved"),
        ("satisfaction", "resolved"),
        ("transition", "closed"),
    ]
    assert history[1]["note"] == "已联系客户"
    audit = await clients.get(
        "/v1/clients/audit", params={"entity": "ticket", "entity_id": ticket["id"]}
    )
    assert [e["action"] for e in audit.json()["items"]] == [
        "transition", "satisfaction", "transition", "transition", "create",
    ]  # fmt: skip


async def test_waiting_pauses_the_resolution_clock(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    ticket = await open_ticket(clients, account["id"], opened_at=ago(hours=1))
    original = instant(ticket["resolve_by"])
    working = await move(clients, ticket, "in_progress")
    waiting = await move(clients, working, "waiting", note="等待客户提供日志")
    assert waiting["resolve_by"] is None
    assert waiting["paused_at"] is not None
    assert waiting["breached"] is False
    resumed = await move(clients, waiting, "in_progress")
    assert resumed["paused_at"] is None
    history = await events(clients, ticket["id"])
    paused, resumed_at = instant(history[2]["at"]), instant(history[3]["at"])
    # around the clock, so the deadline moves by exactly the time spent waiting
    assert instant(resumed["resolve_by"]) == original + (resumed_at - paused)
    assert instant(resumed["resolve_by"]) > original
    assert resumed["respond_by"] == ticket["respond_by"]


async def test_waiting_can_resolve_directly(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    ticket = await open_ticket(clients, account["id"])
    waiting = await move(clients, await move(clients, ticket, "in_progress"), "waiting")
    resolved = await move(clients, waiting, "resolved", resolution="客户确认已恢复")
    assert resolved["paused_at"] is None
    assert resolved["resolve_by"] is not None


async def test_reopen_restarts_the_resolution_clock(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    ticket = await open_ticket(clients, account["id"], opened_at=ago(hours=3))
    working = await move(clients, ticket, "in_progress")
    resolved = await move(clients, working, "resolved", resolution="已处理")
    reopened = await move(clients, resolved, "in_progress", note="客户反馈问题复现")
    assert reopened["reopen_count"] == 1
    assert reopened["resolved_at"] is None
    assert reopened["resolution_breached"] is False
    reopened_at = instant(reopened["reopened_at"])
    assert instant(reopened["resolve_by"]) == reopened_at + timedelta(hours=12)
    assert reopened["respond_by"] == ticket["respond_by"]
    assert reopened["first_response_at"] == working["first_response_at"]
    history = await events(clients, ticket["id"])
    assert (history[-1]["kind"], history[-1]["from_status"]) == ("reopen", "resolved")
    # a closed ticket reopens too
    closed = await move(
        clients, await move(clients, reopened, "resolved", resolution="再次处理"), "closed"
    )
    again = await move(clients, closed, "in_progress")
    assert (again["reopen_count"], again["closed_at"]) == (2, None)


async def test_archived_account_takes_no_tickets(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    archived = await clients.post(
        f"{ACCOUNTS}/{account['id']}/archive", headers={"If-Match": f'"{account["version"]}"'}
    )
    assert archived.status_code == 200, archived.text
    response = await clients.post(
        f"{ACCOUNTS}/{account['id']}/tickets",
        json={"kind": "request", "severity": "low", "channel": "email", "title": "开票"},
    )
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    listed = await clients.get(f"{ACCOUNTS}/{account['id']}/tickets")
    assert listed.json()["items"] == []


async def test_bad_ticket_input(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    other = await create_account(clients)
    stranger = await create_contact(clients, other["id"])
    url = f"{ACCOUNTS}/{account['id']}/tickets"
    base = {"kind": "complaint", "severity": "high", "channel": "phone", "title": "投诉"}
    for body, field in (
        ({**base, "opened_at": "2099-01-01T00:00:00+08:00"}, "opened_at"),
        ({**base, "opened_at": "2025-01-01T00:00:00"}, "opened_at"),
        ({**base, "contact_id": stranger["id"]}, "contact_id"),
        ({**base, "handler_id": 904}, "handler_id"),  # departed
        ({**base, "severity": "urgent"}, "severity"),
        ({**base, "channel": "fax"}, "channel"),
        ({**base, "title": ""}, "title"),
    ):
        response = await clients.post(url, json=body)
        assert response.status_code == 422, (field, response.text)
        assert field in {str(loc) for e in response.json()["errors"] for loc in e["loc"]}
    assert (await clients.get(url)).json()["items"] == []
    missing = await clients.post(f"{ACCOUNTS}/99999999/tickets", json=base)
    assert missing.status_code == 404
    assert (await clients.get(f"{TICKETS}/99999999")).status_code == 404


async def test_edit_needs_if_match_and_severity_moves_deadlines(
    clients: httpx.AsyncClient,
) -> None:
    account = await create_account(clients)
    contact = await create_contact(clients, account["id"])
    ticket = await open_ticket(clients, account["id"], opened_at=ago(minutes=10))
    url = f"{TICKETS}/{ticket['id']}"
    assert (await clients.patch(url, json={"title": "新标题"})).status_code == 428
    stale = await clients.patch(url, json={"title": "新标题"}, headers={"If-Match": '"5"'})
    assert stale.status_code == 412
    bad = await clients.patch(url, json={"handler_id": 904}, headers={"If-Match": '"1"'})
    assert bad.status_code == 422
    assert (await clients.get(url)).json()["title"] == ticket["title"]
    changed = await clients.patch(
        url,
        json={"title": "新标题", "severity": "low", "handler_id": 903, "contact_id": contact["id"]},
        headers={"If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert changed.headers["etag"] == '"2"'
    assert (body["title"], body["severity"], body["handler_id"]) == ("新标题", "low", 903)
    assert body["contact_id"] == contact["id"]
    assert body["around_the_clock"] is False
    assert (body["response_target_minutes"], body["resolution_target_minutes"]) == (1440, 7200)
    assert instant(body["respond_by"]) > instant(ticket["respond_by"])
    audit = await clients.get(
        "/v1/clients/audit", params={"entity": "ticket", "entity_id": ticket["id"]}
    )
    latest = audit.json()["items"][0]
    assert latest["action"] == "update"
    assert latest["after"]["severity"] == "low"
    assert latest["before"]["severity"] == "critical"
