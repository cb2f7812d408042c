"""The inbox through the staff app and a real database: posting, closing, reading, states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from services.staff.inbox.models import WorkItem
from shared.auth.principal import Role
from tests.conftest import bearer
from tests.staff.conftest import StaffApp, make_employee

WORK_ITEMS = "/v1/staff/internal/work-items"
INBOX = "/v1/me/inbox"
FROM_CLIENTS = bearer(subject="service:clients")
FROM_KPI = bearer(subject="service:kpi")
DUE = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)


def as_person(employee_id: int, *roles: Role) -> dict[str, str]:
    return bearer(*roles, employee_id=employee_id, subject=f"user:{9000 + employee_id}")


def item(employee_id: int, key: str, **fields: Any) -> dict[str, Any]:
    return {
        "source_key": key,
        "employee_id": employee_id,
        "kind": "sla_escalation",
        "title": f"工单 {key} 已升级至您处理",
        "due_at": DUE.isoformat(),
        "account_id": 31,
        "account_name": "华东电力集团",
        "record_path": "/v1/clients/tickets/812",
        "severity": "urgent",
    } | fields


async def post(
    client: httpx.AsyncClient, body: dict[str, Any], headers: dict[str, str] = FROM_CLIENTS
) -> httpx.Response:
    return await client.post(WORK_ITEMS, json=body, headers=headers)


@pytest.fixture
async def person(staff: StaffApp) -> int:
    return int((await make_employee(staff.client, "IB001"))["id"])


async def rows_with_key(staff: StaffApp, key: str) -> int:
    async with staff.session_factory() as session:
        count = await session.exec(
            select(func.count()).select_from(WorkItem).where(WorkItem.source_key == key)  # type: ignore[arg-type]
        )
        return int(count.one()[0])


async def test_a_post_delivered_twice_is_one_item(staff: StaffApp, person: int) -> None:
    staff.client.headers.pop("accept-language", None)  # people read zh-CN by default
    first = await post(staff.client, item(person, "ticket:812:escalation:1"))
    again = await post(staff.client, item(person, "ticket:812:escalation:1"))
    assert first.status_code == 201, first.text
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"]
    assert first.json()["source_service"] == "clients"
    assert await rows_with_key(staff, "ticket:812:escalation:1") == 1
    inbox = (await staff.client.get(INBOX, headers=as_person(person))).json()
    assert [i["id"] for i in inbox["items"]] == [first.json()["id"]]
    assert inbox["counts"] == {"sla_escalation": 1}
    assert inbox["items"][0]["kind_label"] == "工单升级"
    assert inbox["items"][0]["on_behalf_of"] is None


async def test_the_same_key_from_another_service_is_another_item(
    staff: StaffApp, person: int
) -> None:
    a = await post(staff.client, item(person, "k:1"))
    b = await post(staff.client, item(person, "k:1", kind="appraisal_step"), FROM_KPI)
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


async def test_only_services_post_and_only_people_read(staff: StaffApp, person: int) -> None:
    refused = await post(staff.client, item(person, "k:2"), as_person(person, Role.ADMIN))
    assert refused.status_code == 403
    assert (await staff.client.get(INBOX, headers=FROM_CLIENTS)).status_code == 403
    assert (await staff.client.get(INBOX, headers={"Authorization": ""})).status_code == 401


@pytest.mark.parametrize(
    "change",
    [
        {"employee_id": 2_000_000},
        {"kind": "coffee"},
        {"title": ""},
        {"record_path": "https://evil.example/x"},
        {"due_at": "2026-12-08T09:00:00"},
        {"source_key": "has space"},
        {"severity": "panic"},
    ],
)
async def test_bad_posts_are_refused_with_422(
    staff: StaffApp, person: int, change: dict[str, Any]
) -> None:
    response = await post(staff.client, item(person, "k:bad") | change)
    assert response.status_code == 422, response.text


async def test_the_sender_closes_its_item_by_key(staff: StaffApp, person: int) -> None:
    posted = (await post(staff.client, item(person, "dunning:77"))).json()
    closed = await staff.client.post(
        f"{WORK_ITEMS}/close", json={"source_key": "dunning:77"}, headers=FROM_CLIENTS
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["state"] == "done"
    again = await staff.client.post(
        f"{WORK_ITEMS}/close", json={"source_key": "dunning:77"}, headers=FROM_CLIENTS
    )
    assert again.status_code == 200
    headers = as_person(person)
    assert (await staff.client.get(INBOX, headers=headers)).json()["items"] == []
    done = (await staff.client.get(INBOX, params={"state": "done"}, headers=headers)).json()
    assert [i["id"] for i in done["items"]] == [posted["id"]]
    # Another service cannot close clients' item, and a close that overtook its post is 425.
    other = await staff.client.post(
        f"{WORK_ITEMS}/close", json={"source_key": "dunning:78"}, headers=FROM_KPI
    )
    assert other.status_code == 425
    assert other.headers["content-type"].startswith("application/problem+json")


async def test_filters_paging_and_badges(staff: StaffApp, person: int) -> None:
    bodies = [
        item(person, "a", due_at=(DUE + timedelta(days=2)).isoformat(), account_id=5),
        item(person, "b", kind="dunning_task", due_at=DUE.isoformat(), account_id=6),
        item(person, "c", kind="dunning_task", due_at=None, account_id=5),
        item(person, "d", due_at=(DUE + timedelta(days=1)).isoformat(), account_id=6),
    ]
    ids = {}
    for body in bodies:
        ids[body["source_key"]] = (await post(staff.client, body)).json()["id"]
    headers = as_person(person)

    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = (await staff.client.get(INBOX, params=params, headers=headers)).json()
        assert page["counts"] == {"sla_escalation": 2, "dunning_task": 2}
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [ids["b"], ids["d"], ids["a"], ids["c"]]  # by due time, none last

    async def keys(**params: Any) -> list[int]:
        page = (await staff.client.get(INBOX, params=params, headers=headers)).json()
        return [i["id"] for i in page["items"]]

    assert await keys(kind="dunning_task") == [ids["b"], ids["c"]]
    assert await keys(account_id=6) == [ids["b"], ids["d"]]
    assert await keys(due_after=(DUE + timedelta(days=1)).isoformat()) == [ids["d"], ids["a"]]
    assert await keys(due_before=(DUE + timedelta(days=1)).isoformat()) == [ids["b"]]
    bad = await staff.client.get(INBOX, params={"cursor": "eyJ4IjoxfQ"}, headers=headers)
    assert bad.status_code == 400


async def test_the_person_snoozes_dismisses_and_reopens(staff: StaffApp, person: int) -> None:
    posted = (await post(staff.client, item(person, "visit:9"))).json()
    headers = as_person(person)
    url = f"{INBOX}/{posted['id']}"
    now = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
    staff.app.state.clock = lambda: now
    until = now + timedelta(hours=3)
    snoozed = await staff.client.patch(
        url, json={"state": "snoozed", "snoozed_until": until.isoformat()}, headers=headers
    )
    assert snoozed.status_code == 200, snoozed.text
    assert (await staff.client.get(INBOX, headers=headers)).json()["items"] == []
    later = (await staff.client.get(INBOX, params={"state": "snoozed"}, headers=headers)).json()
    assert [i["id"] for i in later["items"]] == [posted["id"]]

    staff.app.state.clock = lambda: until + timedelta(seconds=1)
    back = (await staff.client.get(INBOX, headers=headers)).json()
    assert [(i["id"], i["state"]) for i in back["items"]] == [(posted["id"], "open")]

    dismissed = await staff.client.patch(url, json={"state": "dismissed"}, headers=headers)
    assert dismissed.json()["state"] == "dismissed"
    assert (await staff.client.get(INBOX, headers=headers)).json()["counts"] == {}
    reopened = await staff.client.patch(url, json={"state": "open"}, headers=headers)
    assert reopened.json()["state"] == "open"


async def test_state_changes_that_do_not_hold_are_refused(staff: StaffApp, person: int) -> None:
    posted = (await post(staff.client, item(person, "visit:10"))).json()
    url = f"{INBOX}/{posted['id']}"
    headers = as_person(person)
    no_until = await staff.client.patch(url, json={"state": "snoozed"}, headers=headers)
    assert no_until.status_code == 422
    past = datetime(2020, 1, 1, tzinfo=UTC).isoformat()
    in_past = await staff.client.patch(
        url, json={"state": "snoozed", "snoozed_until": past}, headers=headers
    )
    assert in_past.status_code == 422
    stray = await staff.client.patch(
        url, json={"state": "done", "snoozed_until": past}, headers=headers
    )
    assert stray.status_code == 422


async def test_someone_elses_item_answers_like_missing(staff: StaffApp, person: int) -> None:
    other = int((await make_employee(staff.client, "IB002"))["id"])
    posted = (await post(staff.client, item(person, "visit:11"))).json()
    url = f"{INBOX}/{posted['id']}"
    response = await staff.client.patch(url, json={"state": "done"}, headers=as_person(other))
    assert response.status_code == 404
    assert (await staff.client.get(INBOX, headers=as_person(other))).json()["items"] == []
    missing = await staff.client.patch(
        f"{INBOX}/99999", json={"state": "done"}, headers=as_person(person)
    )
    assert missing.status_code == 404
