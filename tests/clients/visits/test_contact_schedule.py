"""The contact schedule: planned touches, done/skip, birthdays (idempotent), scope, export."""

from datetime import date

import httpx

from services.clients.visits.rules import birthday_in_year
from shared.auth.principal import Role
from tests.clients.conftest import (
    ACCOUNTS,
    KAM,
    SPECIALIST,
    acting,
    create_account,
    create_contact,
)
from tests.clients.visits.factories import CLIENTS, all_items, days, today
from tests.conftest import post_current

TOUCHES = f"{CLIENTS}/contact-touches"
NEXT_YEAR = today().year + 1


async def test_plan_and_do_a_contact_touch(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    contact = await create_contact(clients, account["id"])
    url = f"{ACCOUNTS}/{account['id']}/contact-schedule"
    created = await clients.post(
        url,
        json={"contact_id": contact["id"], "due_on": days(5), "kind": "call", "note": "节前问候"},
    )
    assert created.status_code == 201, created.text
    touch = created.json()
    assert (touch["owner_id"], touch["status"], touch["kind"]) == (KAM, "planned", "call")

    stale = await clients.post(
        f"{TOUCHES}/{touch['id']}/done", json={}, headers={"If-Match": '"7"'}
    )
    assert stale.status_code == 412
    future = await clients.post(
        f"{TOUCHES}/{touch['id']}/done", json={"done_on": days(1)}, headers={"If-Match": '"1"'}
    )
    assert future.status_code == 422
    done = await clients.post(
        f"{TOUCHES}/{touch['id']}/done", json={"note": "已电话问候"}, headers={"If-Match": '"1"'}
    )
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["done_on"], done.json()["note"]) == (
        "done",
        today().isoformat(),
        "已电话问候",
    )
    done_tag = {"If-Match": done.headers["etag"]}
    again = await clients.post(f"{TOUCHES}/{touch['id']}/done", json={}, headers=done_tag)
    assert again.status_code == 409
    skip = await clients.post(f"{TOUCHES}/{touch['id']}/skip", json={}, headers=done_tag)
    assert skip.status_code == 409
    missing_tag = await clients.post(f"{TOUCHES}/{touch['id']}/skip", json={})
    assert missing_tag.status_code == 428

    second = (
        await clients.post(
            url, json={"contact_id": contact["id"], "due_on": days(9), "kind": "holiday_care"}
        )
    ).json()
    skipped = await clients.post(
        f"{TOUCHES}/{second['id']}/skip", json={}, headers={"If-Match": f'"{second["version"]}"'}
    )
    assert skipped.json()["status"] == "skipped"
    listed = await all_items(clients, url, status="done")
    assert [t["id"] for t in listed] == [touch["id"]]
    audit = (
        await clients.get(
            "/v1/clients/audit", params={"entity": "contact_schedule", "account_id": account["id"]}
        )
    ).json()["items"]
    assert {e["action"] for e in audit} == {"create", "done", "skipped"}


async def test_bad_touches_are_refused(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    other = await create_account(clients)
    stranger = await create_contact(clients, other["id"])
    contact = await create_contact(clients, account["id"])
    url = f"{ACCOUNTS}/{account['id']}/contact-schedule"
    for body in (
        {"contact_id": stranger["id"], "due_on": days(5), "kind": "call"},
        {"contact_id": contact["id"], "due_on": days(-1), "kind": "call"},
        {"contact_id": contact["id"], "due_on": days(5), "kind": "fax"},
        {"contact_id": contact["id"], "due_on": days(5), "kind": "call", "extra": 1},
    ):
        response = await clients.post(url, json=body)
        assert response.status_code == 422, (body, response.text)
    assert await all_items(clients, url) == []
    backwards = await clients.get(TOUCHES, params={"due_from": days(5), "due_to": days(1)})
    assert backwards.status_code == 422
    archived = await post_current(clients, f"{ACCOUNTS}/{account['id']}", "/archive")
    assert archived.status_code == 200
    archived = await clients.post(
        url, json={"contact_id": contact["id"], "due_on": days(5), "kind": "call"}
    )
    assert archived.status_code == 409


async def test_birthday_greetings_are_planned_once(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    leap = await create_contact(clients, account["id"], name="闰年生", birthday="1972-02-29")
    plain = await create_contact(clients, account["id"], name="普通生", birthday="1980-07-15")
    await create_contact(clients, account["id"], name="无生日")
    await create_contact(clients, account["id"], name="已离开", birthday="1975-05-05", active=False)
    url = f"{ACCOUNTS}/{account['id']}/contact-schedule/birthdays"

    first = await clients.post(url, params={"year": NEXT_YEAR})
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["created"], body["existing"]) == (2, 0)
    assert {(t["contact_id"], t["due_on"], t["kind"]) for t in body["items"]} == {
        (
            leap["id"],
            birthday_in_year(date(1972, 2, 29), NEXT_YEAR).isoformat(),
            "birthday_greeting",
        ),
        (plain["id"], f"{NEXT_YEAR}-07-15", "birthday_greeting"),
    }
    again = (await clients.post(url, params={"year": NEXT_YEAR})).json()
    assert (again["created"], again["existing"], again["items"]) == (0, 2, [])
    schedule = await all_items(
        clients, f"{ACCOUNTS}/{account['id']}/contact-schedule", kind="birthday_greeting"
    )
    assert len(schedule) == 2
    assert (await clients.post(url, params={"year": today().year - 1})).status_code == 422


def test_birthday_on_29_february() -> None:
    assert birthday_in_year(date(1972, 2, 29), 2027) == date(2027, 2, 28)
    assert birthday_in_year(date(1972, 2, 29), 2028) == date(2028, 2, 29)
    assert birthday_in_year(date(1980, 7, 15), 2027) == date(2027, 7, 15)


async def test_scope_overdue_and_export(clients: httpx.AsyncClient) -> None:
    mine = await create_account(clients, owner_id=KAM)
    theirs = await create_account(clients, owner_id=SPECIALIST)
    my_contact = await create_contact(clients, mine["id"])
    their_contact = await create_contact(clients, theirs["id"])
    my_touch = (
        await clients.post(
            f"{ACCOUNTS}/{mine['id']}/contact-schedule",
            json={"contact_id": my_contact["id"], "due_on": days(0), "kind": "email"},
        )
    ).json()
    their_touch = (
        await clients.post(
            f"{ACCOUNTS}/{theirs['id']}/contact-schedule",
            json={"contact_id": their_contact["id"], "due_on": days(3), "kind": "meeting"},
        )
    ).json()
    as_kam = acting(KAM, Role.ACCOUNT_MANAGER)
    listed = (await clients.get(TOUCHES, headers=as_kam)).json()["items"]
    assert [t["id"] for t in listed] == [my_touch["id"]]
    assert (
        await clients.post(
            f"{TOUCHES}/{their_touch['id']}/done", json={}, headers={**as_kam, "If-Match": '"1"'}
        )
    ).status_code == 404
    assert (
        await clients.get(f"{ACCOUNTS}/{theirs['id']}/contact-schedule", headers=as_kam)
    ).status_code == 404
    assert await all_items(clients, TOUCHES, overdue="true", account_id=mine["id"]) == []
    by_owner = await all_items(clients, TOUCHES, owner_id=SPECIALIST, due_from=days(1))
    assert [t["id"] for t in by_owner] == [their_touch["id"]]

    exported = await clients.get(f"{TOUCHES}/export", params={"lang": "en", "owner_id": SPECIALIST})
    assert exported.status_code == 200
    lines = exported.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].split(",")[:4] == ["id", "account_id", "contact_id", "owner_id"]
    assert [line.split(",")[0] for line in lines[1:]] == [str(their_touch["id"])]
