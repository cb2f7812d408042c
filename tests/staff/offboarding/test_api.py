"""Offboarding: validation without writes, and delivery of the handover to a real receiver."""

import asyncio

from tests.staff.conftest import (
    EMPLOYEES,
    Receiver,
    StaffApp,
    make_department,
    make_employee,
    make_position,
)


async def team(staff: StaffApp) -> tuple[dict, dict, dict]:
    dept = await make_department(staff.client, "T-OFF")
    await make_position(staff.client, "T-OFF-KAM", dept["id"], headcount_quota=5)
    leaver = await make_employee(
        staff.client, "E9901", position_code="T-OFF-KAM", hire_date="2021-05-01"
    )
    successor = await make_employee(staff.client, "E9902", position_code="T-OFF-KAM")
    other = await make_employee(staff.client, "E9903", position_code="T-OFF-KAM")
    return leaver, successor, other


def departure_url(employee_id: int) -> str:
    return f"{EMPLOYEES}/{employee_id}/departure"


async def test_bad_departures_are_refused_without_a_write(staff: StaffApp) -> None:
    client = staff.client
    leaver, successor, other = await team(staff)
    url = departure_url(leaver["id"])
    cases = [
        ({"date": "2021-04-30", "successor_employee_id": successor["id"]}, 422, ["body", "date"]),
        (
            {"date": "2026-11-30", "successor_employee_id": leaver["id"]},
            422,
            ["body", "successor_employee_id"],
        ),
        (
            {"date": "2026-11-30", "successor_employee_id": 999999},
            422,
            ["body", "successor_employee_id"],
        ),
        ({"date": "2026-11-30"}, 422, None),
        (
            {
                "date": "2026-11-30",
                "successors": [{"successor_employee_id": successor["id"], "account_ids": [1]}],
            },
            422,
            None,
        ),
        (
            {
                "date": "2026-11-30",
                "successors": [
                    {"successor_employee_id": successor["id"], "account_ids": None},
                    {"successor_employee_id": leaver["id"], "account_ids": [4]},
                ],
            },
            422,
            ["body", "successors", 1, "successor_employee_id"],
        ),
    ]
    for body, status, loc in cases:
        response = await client.post(url, json=body)
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        if loc is not None:
            assert response.json()["errors"][0]["loc"] == loc
    # a successor on leave (or departed) is a conflict with stored state
    etag = (await client.get(f"{EMPLOYEES}/{other['id']}")).headers["etag"]
    await client.patch(
        f"{EMPLOYEES}/{other['id']}", json={"status": "on_leave"}, headers={"If-Match": etag}
    )
    on_leave = await client.post(
        url, json={"date": "2026-11-30", "successor_employee_id": other["id"]}
    )
    assert on_leave.status_code == 409
    assert (await client.get(f"{EMPLOYEES}/{leaver['id']}")).json()["status"] == "active"
    assert (await client.get("/v1/staff/departures", params={"employee_id": leaver["id"]})).json()[
        "items"
    ] == []
    assert (
        await client.post(
            departure_url(999999), json={"date": "2026-11-30", "successor_employee_id": 1}
        )
    ).status_code == 404


async def test_departure_completes_when_clients_comes_back(
    staff: StaffApp, receiver: Receiver, make_dispatcher
) -> None:
    client = staff.client
    leaver, successor, _ = await team(staff)
    response = await client.post(
        departure_url(leaver["id"]),
        json={"date": "2026-11-30", "successor_employee_id": successor["id"]},
    )
    assert response.status_code == 202, response.text
    departure = response.json()
    assert departure["status"] == "pending" and departure["handovers"][0]["status"] == "pending"
    gone = (await client.get(f"{EMPLOYEES}/{leaver['id']}")).json()
    assert gone["status"] == "departed" and gone["departure_date"] == "2026-11-30"
    again = await client.post(
        departure_url(leaver["id"]),
        json={"date": "2026-11-30", "successor_employee_id": successor["id"]},
    )
    assert again.status_code == 409

    dispatcher = make_dispatcher(staff.session_factory, receiver.url)
    await dispatcher.dispatch_once()  # the clients service is down: nothing confirmed
    status_url = response.headers["location"]
    assert (await client.get(status_url)).json()["status"] == "pending"

    await receiver.start()
    for _ in range(50):
        await asyncio.sleep(0.06)  # past the (test-sized) backoff
        await dispatcher.dispatch_once()
        done = (await client.get(status_url)).json()
        if done["status"] != "pending":
            break
    assert done["status"] == "completed", done
    handover = done["handovers"][0]
    assert (handover["accounts"], handover["open_tickets"], handover["planned_visits"]) == (
        50,
        3,
        7,
    )
    (sent,) = receiver.handovers()
    assert sent == {
        "handover_id": handover["handover_id"],
        "from_employee_id": leaver["id"],
        "to_employee_id": successor["id"],
        "account_ids": None,
        "include_open_tickets": True,
        "include_planned_visits": True,
        "include_collection_tasks": True,
        "reason": "departure",
    }
    request = next(r for r in receiver.received if r["path"] == "/v1/clients/handovers")
    assert request["headers"]["idempotency-key"] == handover["handover_id"]
    leaver_events = [
        r["body"]["events"][0]
        for r in receiver.received
        if r["path"].endswith("/org/employees")
        and r["body"]["events"][0]["employee_id"] == leaver["id"]
    ]
    assert {e["status"] for e in leaver_events} >= {"departed"}
    assert await dispatcher.dispatch_once() == 0  # nothing left, nothing sent twice


async def test_a_refused_handover_fails_the_departure(
    staff: StaffApp, receiver: Receiver, make_dispatcher
) -> None:
    leaver, successor, _ = await team(staff)
    receiver.script = [409]
    await receiver.start()
    response = await staff.client.post(
        departure_url(leaver["id"]),
        json={"date": "2026-11-30", "successor_employee_id": successor["id"]},
    )
    await make_dispatcher(staff.session_factory, receiver.url).dispatch_once()
    failed = (await staff.client.get(response.headers["location"])).json()
    assert failed["status"] == "failed" and "409" in failed["failure_reason"]
    assert failed["handovers"][0]["status"] == "failed"


async def test_a_failed_departure_is_retried_to_another_successor(
    staff: StaffApp, receiver: Receiver, make_dispatcher
) -> None:
    leaver, successor, other = await team(staff)
    receiver.script = [409]
    await receiver.start()
    response = await staff.client.post(
        departure_url(leaver["id"]),
        json={"date": "2026-11-30", "successor_employee_id": successor["id"]},
    )
    dispatcher = make_dispatcher(staff.session_factory, receiver.url)
    await dispatcher.dispatch_once()
    retry_url = f"/v1/staff/departures/{response.json()['id']}/retry"
    refused = await staff.client.post(retry_url, json={"successor_employee_id": leaver["id"]})
    assert refused.status_code == 422  # the leaver cannot succeed themselves

    retried = await staff.client.post(retry_url, json={"successor_employee_id": other["id"]})
    assert retried.status_code == 202, retried.text
    assert retried.json()["status"] == "pending" and retried.json()["failure_reason"] is None
    assert retried.json()["handovers"][0]["successor_employee_id"] == other["id"]
    await dispatcher.dispatch_once()
    done = (await staff.client.get(response.headers["location"])).json()
    assert done["status"] == "completed", done
    first, second = receiver.handovers()
    assert first["handover_id"] == second["handover_id"]  # still deduplicated downstream
    assert (first["to_employee_id"], second["to_employee_id"]) == (successor["id"], other["id"])
    again = await staff.client.post(retry_url, json={})
    assert again.status_code == 409  # only a failed departure is retried
    assert await dispatcher.dispatch_once() == 0


async def test_groups_go_first_and_the_catch_all_last(
    staff: StaffApp, receiver: Receiver, make_dispatcher
) -> None:
    leaver, successor, other = await team(staff)
    await receiver.start()
    response = await staff.client.post(
        departure_url(leaver["id"]),
        json={
            "date": "2026-11-30",
            "successors": [
                {"successor_employee_id": successor["id"], "account_ids": None},
                {"successor_employee_id": other["id"], "account_ids": [11, 12]},
            ],
        },
    )
    assert response.status_code == 202, response.text
    assert [h["status"] for h in response.json()["handovers"]] == ["pending", "waiting"]
    dispatcher = make_dispatcher(staff.session_factory, receiver.url)
    await dispatcher.dispatch_once()
    await dispatcher.dispatch_once()
    done = (await staff.client.get(response.headers["location"])).json()
    assert done["status"] == "completed"
    assert [h["accounts"] for h in done["handovers"]] == [2, 50]
    assert [(h["to_employee_id"], h["account_ids"]) for h in receiver.handovers()] == [
        (other["id"], [11, 12]),
        (successor["id"], None),
    ]


async def test_a_departure_ends_the_leavers_logins(staff: StaffApp) -> None:
    client = staff.client
    leaver, successor, _ = await team(staff)
    password = "leaver-password-2026"
    created = await client.post(
        "/v1/staff/users",
        json={"login": "leaver.one", "password": password, "employee_id": leaver["id"],
              "roles": ["account_manager"]},
    )  # fmt: skip
    assert created.status_code == 201
    form = {"username": "leaver.one", "password": password}
    before = await client.post("/v1/auth/token", data=form, headers={"Authorization": ""})
    assert before.status_code == 200
    departed = await client.post(
        departure_url(leaver["id"]),
        json={"date": "2026-11-30", "successor_employee_id": successor["id"]},
    )
    assert departed.status_code == 202, departed.text
    after = await client.post("/v1/auth/token", data=form, headers={"Authorization": ""})
    assert after.status_code == 401
    refresh = await client.post(
        "/v1/auth/refresh", json={"refresh_token": before.json()["refresh_token"]}
    )
    assert refresh.status_code == 401
    user = (await client.get(f"/v1/staff/users/{created.json()['id']}")).json()
    assert user["active"] is False
