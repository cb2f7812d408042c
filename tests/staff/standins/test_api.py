"""Stand-ins through the staff app and a real database: who may name one, overlaps, the
questions other services ask, the events they get, and the absent person's inbox."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from services.staff.outbox import STAFF_OUTBOX
from shared.auth.principal import Role
from tests.conftest import bearer
from tests.staff.conftest import StaffApp, make_employee

STAND_INS = "/v1/staff/stand-ins"
INBOX = "/v1/me/inbox"
WORK_ITEMS = "/v1/staff/internal/work-items"


def as_person(employee_id: int, *roles: Role) -> dict[str, str]:
    return bearer(*roles, employee_id=employee_id, subject=f"user:{9000 + employee_id}")


def shanghai_noon(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T04:00:00+00:00").astimezone(UTC)


@pytest.fixture
async def people(staff: StaffApp) -> dict[str, int]:
    boss = int((await make_employee(staff.client, "SI000"))["id"])
    absent = int((await make_employee(staff.client, "SI001", manager_id=boss))["id"])
    helper = int((await make_employee(staff.client, "SI002"))["id"])
    other = int((await make_employee(staff.client, "SI003"))["id"])
    return {"boss": boss, "absent": absent, "helper": helper, "other": other}


def naming(people: dict[str, int], starts: str, ends: str, **fields: Any) -> dict[str, Any]:
    return {
        "absent_employee_id": people["absent"],
        "stand_in_employee_id": people["helper"],
        "starts_on": starts,
        "ends_on": ends,
        "note": "年假",
    } | fields


async def test_the_person_the_manager_or_an_admin_names_a_stand_in(
    staff: StaffApp, people: dict[str, int]
) -> None:
    body = naming(people, "2026-12-14", "2026-12-18")
    refused = await staff.client.post(STAND_INS, json=body, headers=as_person(people["other"]))
    assert refused.status_code == 403
    own = await staff.client.post(STAND_INS, json=body, headers=as_person(people["absent"]))
    assert own.status_code == 201, own.text
    assert own.headers["location"] == f"{STAND_INS}/{own.json()['id']}"
    by_boss = await staff.client.post(
        STAND_INS,
        json=naming(people, "2026-12-21", "2026-12-22"),
        headers=as_person(people["boss"]),
    )
    assert by_boss.status_code == 201, by_boss.text
    by_admin = await staff.client.post(STAND_INS, json=naming(people, "2026-12-28", "2026-12-28"))
    assert by_admin.status_code == 201, by_admin.text


async def test_overlaps_are_409_and_bad_ranges_422(staff: StaffApp, people: dict[str, int]) -> None:
    first = await staff.client.post(STAND_INS, json=naming(people, "2026-12-14", "2026-12-18"))
    assert first.status_code == 201
    clash = await staff.client.post(
        STAND_INS,
        json=naming(people, "2026-12-18", "2026-12-20", stand_in_employee_id=people["other"]),
    )
    assert clash.status_code == 409, clash.text
    assert str(first.json()["id"]) in clash.json()["detail"]
    adjacent = await staff.client.post(STAND_INS, json=naming(people, "2026-12-19", "2026-12-20"))
    assert adjacent.status_code == 201
    for bad in (
        naming(people, "2026-12-25", "2026-12-24"),
        naming(people, "2026-12-25", "2026-12-26", stand_in_employee_id=people["absent"]),
        naming(people, "2026-12-25", "2026-12-26", stand_in_employee_id=1_999_999),
        naming(people, "2026-12-25", "2026-12-26", absent_employee_id=1_999_999),
    ):
        response = await staff.client.post(STAND_INS, json=bad)
        assert response.status_code == 422, (bad, response.text)
    # A cancelled stand-in frees its days.
    cancel = await staff.client.delete(f"{STAND_INS}/{first.json()['id']}")
    assert cancel.status_code == 204
    again = await staff.client.post(STAND_INS, json=naming(people, "2026-12-14", "2026-12-18"))
    assert again.status_code == 201


async def test_who_stands_in_for_whom_on_a_day_and_the_events(
    staff: StaffApp, people: dict[str, int]
) -> None:
    created = (
        await staff.client.post(STAND_INS, json=naming(people, "2026-12-14", "2026-12-18"))
    ).json()
    as_service = bearer(subject="service:clients")

    async def ids(**params: Any) -> list[int]:
        response = await staff.client.get(STAND_INS, params=params, headers=as_service)
        assert response.status_code == 200, response.text
        return [row["id"] for row in response.json()["items"]]

    assert await ids(absent_employee_id=people["absent"], on="2026-12-16") == [created["id"]]
    assert await ids(absent_employee_id=people["absent"], on="2026-12-19") == []
    assert await ids(stand_in_employee_id=people["helper"], on="2026-12-14") == [created["id"]]
    assert await ids(stand_in_employee_id=people["other"], on="2026-12-14") == []

    await staff.client.delete(f"{STAND_INS}/{created['id']}")
    async with staff.session_factory() as session:
        connection = await session.connection()
        rows = (
            await connection.execute(
                select(STAFF_OUTBOX.c.destination, STAFF_OUTBOX.c.path, STAFF_OUTBOX.c.payload)
                .where(STAFF_OUTBOX.c.kind == "org_stand_in")
                .order_by(STAFF_OUTBOX.c.id)
            )
        ).all()
    # Only this stand-in's events: an e2e test in the same run may have named others.
    events = [
        (dest, payload["events"][0])
        for dest, _, payload in rows
        if payload["events"][0]["stand_in_id"] == created["id"]
    ]
    assert sorted({dest for dest, _ in events}) == ["clients", "kpi"]
    assert [(e["cancelled"], e["version"]) for dest, e in events if dest == "clients"] == [
        (False, 1),
        (True, 2),
    ]
    assert all(e["absent_employee_id"] == people["absent"] for _, e in events)


async def test_the_stand_in_sees_the_absent_persons_items_within_the_dates_only(
    staff: StaffApp, people: dict[str, int]
) -> None:
    await staff.client.post(STAND_INS, json=naming(people, "2026-12-14", "2026-12-18"))
    item = {
        "source_key": "ticket:5:escalation",
        "employee_id": people["absent"],
        "kind": "sla_escalation",
        "title": "工单 #5 已升级",
        "record_path": "/v1/clients/tickets/5",
    }
    posted = await staff.client.post(
        WORK_ITEMS, json=item, headers=bearer(subject="service:clients")
    )
    assert posted.status_code == 201
    helper = as_person(people["helper"])

    async def seen_at(moment: datetime) -> list[dict[str, Any]]:
        staff.app.state.clock = lambda: moment
        return list((await staff.client.get(INBOX, headers=helper)).json()["items"])

    assert await seen_at(shanghai_noon("2026-12-13")) == []
    # 00:30 on the first day in Shanghai is still the 13th in UTC: the stand-in already acts.
    first_minutes = await seen_at(datetime(2026, 12, 13, 16, 30, tzinfo=UTC))
    assert [(i["id"], i["on_behalf_of"]) for i in first_minutes] == [
        (posted.json()["id"], people["absent"])
    ]
    assert len(await seen_at(shanghai_noon("2026-12-18"))) == 1
    assert await seen_at(shanghai_noon("2026-12-19")) == []
    assert (await staff.client.get(INBOX, headers=as_person(people["other"]))).json()["items"] == []

    url = f"{INBOX}/{posted.json()['id']}"
    outside = await staff.client.patch(url, json={"state": "done"}, headers=helper)
    assert outside.status_code == 404
    staff.app.state.clock = lambda: shanghai_noon("2026-12-15")
    inside = await staff.client.patch(url, json={"state": "done"}, headers=helper)
    assert inside.status_code == 200
    assert inside.json()["on_behalf_of"] == people["absent"]


async def test_my_stand_ins(staff: StaffApp, people: dict[str, int]) -> None:
    created = (
        await staff.client.post(STAND_INS, json=naming(people, "2026-12-14", "2026-12-18"))
    ).json()
    staff.app.state.clock = lambda: shanghai_noon("2026-12-15")
    mine = (await staff.client.get("/v1/me/stand-ins", headers=as_person(people["absent"]))).json()
    assert mine["today"] == "2026-12-15"
    assert [s["id"] for s in mine["named_for_me"]] == [created["id"]]
    acting = (
        await staff.client.get("/v1/me/stand-ins", headers=as_person(people["helper"]))
    ).json()
    assert [s["id"] for s in acting["standing_in_for_today"]] == [created["id"]]
    assert acting["named_for_me"] == []
