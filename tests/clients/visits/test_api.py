"""Visit plans and visits: generation, lifecycle, bad input, lists, scope, completion."""

from datetime import date, timedelta

import httpx
from fastapi import FastAPI

from services.clients.accounts.rules import Grade
from services.clients.visits.rules import plan_visits
from shared.auth.principal import Role
from tests.clients.conftest import (
    ACCOUNTS,
    KAM,
    LEAD,
    MANAGER,
    SPECIALIST,
    acting,
    create_account,
    create_contact,
)
from tests.clients.visits.factories import (
    VISITS,
    all_items,
    days,
    insert_visit,
    plan_visit,
    today,
)
from tests.conftest import post_current

NEXT_YEAR = today().year + 1


async def test_yearly_plan_follows_the_grade_and_is_made_once(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)  # grade C: half-yearly
    url = f"{ACCOUNTS}/{account['id']}/visit-plan"
    created = await clients.post(url, json={"year": NEXT_YEAR})
    assert created.status_code == 201, created.text
    plan = created.json()
    assert (plan["grade"], plan["frequency"], plan["planned"], plan["done"]) == (
        "C",
        "half_yearly",
        2,
        0,
    )
    assert plan["completion_rate"] == "0.00"
    planned = [date.fromisoformat(v["planned_on"]) for v in plan["visits"]]
    assert planned == plan_visits(NEXT_YEAR, Grade.C)
    assert [d.month for d in planned] == [4, 9]  # the middle of each half
    assert {(v["source"], v["status"], v["owner_id"]) for v in plan["visits"]} == {
        ("plan", "planned", KAM)
    }

    again = await clients.post(url, json={"year": NEXT_YEAR})
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    past = await clients.post(url, json={"year": today().year - 1})
    assert past.status_code == 422
    got = (await clients.get(url, params={"year": NEXT_YEAR})).json()
    assert [v["id"] for v in got["visits"]] == [v["id"] for v in plan["visits"]]
    assert (await clients.get(url, params={"year": NEXT_YEAR + 1})).json()["visits"] == []


async def test_grade_change_replans_the_future_only(
    clients_app: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, clients = clients_app
    from tests.clients.conftest import DEPARTMENT, feed_org

    await feed_org(clients, DEPARTMENT)
    account = await create_account(clients)
    account_id = account["id"]
    plan = (
        await clients.post(f"{ACCOUNTS}/{account_id}/visit-plan", json={"year": NEXT_YEAR})
    ).json()
    first, second = plan["visits"]
    done = await post_current(
        clients,
        f"{VISITS}/{first['id']}",
        "/complete",
        json={"outcome": "提前拜访，确认续约意向"},
        headers=acting(MANAGER),
    )
    assert done.status_code == 200, done.text
    yesterday = today() - timedelta(days=1)
    overdue_id = None
    if yesterday.year == today().year:
        overdue_id = await insert_visit(
            app, account_id=account_id, owner_id=KAM, planned_on=yesterday
        )

    override = await clients.put(
        f"{ACCOUNTS}/{account_id}/grade-override",
        json={"grade": "A", "reason": "集团战略客户"},
    )
    assert override.status_code == 200, override.text

    after = (
        await clients.get(f"{ACCOUNTS}/{account_id}/visit-plan", params={"year": NEXT_YEAR})
    ).json()
    assert (after["grade"], after["frequency"]) == ("A", "monthly")
    by_id = {v["id"]: v for v in after["visits"]}
    assert by_id[first["id"]]["status"] == "completed"  # the past stays
    assert (by_id[second["id"]]["status"], by_id[second["id"]]["cancel_reason"]) == (
        "cancelled",
        "replanned",
    )
    live = [v for v in after["visits"] if v["status"] != "cancelled"]
    # one visit a month; the month of the completed visit gets no second one
    assert sorted(date.fromisoformat(v["planned_on"]).month for v in live) == list(range(1, 13))
    assert after["planned"] == 12 and after["done"] == 1
    if overdue_id is not None:
        overdue = (await clients.get(f"{VISITS}/{overdue_id}")).json()
        assert (overdue["status"], overdue["overdue"]) == ("planned", True)
    audit = (
        await clients.get("/v1/clients/audit", params={"account_id": account_id, "limit": 200})
    ).json()["items"]
    actions = {(e["entity"], e["action"]) for e in audit}
    assert {("visit", "replan_cancel"), ("visit", "replan"), ("visit", "complete")} <= actions


async def test_visit_lifecycle_with_if_match(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    contact = await create_contact(clients, account["id"])
    visit = await plan_visit(clients, account["id"], contact_ids=[contact["id"]])
    assert (visit["source"], visit["status"], visit["owner_id"]) == ("manual", "planned", KAM)
    url = f"{VISITS}/{visit['id']}"

    got = await clients.get(url)
    assert got.headers["ETag"] == '"1"'
    missing = await clients.patch(url, json={"planned_on": days(12)})
    assert missing.status_code == 428
    stale = await clients.patch(url, json={"planned_on": days(12)}, headers={"If-Match": '"9"'})
    assert stale.status_code == 412
    assert (await clients.get(url)).json()["planned_on"] == days(10)  # nothing written
    moved = await clients.patch(
        url, json={"planned_on": days(12), "purpose": "续约洽谈"}, headers={"If-Match": '"1"'}
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["planned_on"], moved.json()["version"]) == (days(12), 2)
    assert moved.headers["ETag"] == '"2"'

    nobody = await post_current(clients, f"{url}", "/complete", json={"outcome": "完成"})
    assert nobody.status_code == 422  # an admin login without an employee: who visited?
    completed = await post_current(
        clients,
        f"{url}",
        "/complete",
        json={
            "contact_ids": [contact["id"]],
            "outcome": "客户确认二期需求",
            "next_step": "两周内提交方案",
            "next_visit_on": days(30),
        },
        headers=acting(MANAGER),
    )
    assert completed.status_code == 200, completed.text
    body = completed.json()
    assert (body["status"], body["visited_by"], body["visited_on"]) == (
        "completed",
        MANAGER,
        today().isoformat(),
    )
    twice = await post_current(clients, f"{url}", "/complete", json={"outcome": "again"})
    assert twice.status_code == 409

    visits = await all_items(clients, f"{ACCOUNTS}/{account['id']}/visits")
    follow_up = next(v for v in visits if v["id"] != visit["id"])
    assert (follow_up["planned_on"], follow_up["status"], follow_up["purpose"]) == (
        days(30),
        "planned",
        "两周内提交方案",
    )
    cancel_url = f"{VISITS}/{follow_up['id']}/cancel"
    current = {"If-Match": f'"{follow_up["version"]}"'}
    assert (
        await clients.post(cancel_url, json={"reason": " "}, headers=current)
    ).status_code == 422
    cancelled = await clients.post(cancel_url, json={"reason": "客户方负责人出差"}, headers=current)
    assert (cancelled.json()["status"], cancelled.json()["cancel_reason"]) == (
        "cancelled",
        "客户方负责人出差",
    )
    again = await clients.post(
        cancel_url, json={"reason": "again"}, headers={"If-Match": cancelled.headers["etag"]}
    )
    assert again.status_code == 409
    etag = (await clients.get(f"{VISITS}/{follow_up['id']}")).headers["ETag"]
    reschedule = await clients.patch(
        f"{VISITS}/{follow_up['id']}", json={"purpose": "x"}, headers={"If-Match": etag}
    )
    assert reschedule.status_code == 409


async def test_bad_visit_input_writes_nothing(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    other = await create_account(clients)
    stranger = await create_contact(clients, other["id"], name="王五")
    url = f"{ACCOUNTS}/{account['id']}/visits"
    bad_bodies = [
        {"planned_on": days(3), "visited_on": days(0)},
        {"purpose": "neither planned nor visited"},
        {"planned_on": days(3), "outcome": "an outcome before the visit"},
        {"planned_on": days(-3)},
        {"visited_on": days(2), "visited_by": KAM},
        {"visited_on": days(0), "visited_by": KAM, "next_visit_on": days(-1)},
        {"planned_on": days(3), "contact_ids": [stranger["id"]]},
        {"planned_on": days(3), "contact_ids": list(range(1, 30))},
        {"planned_on": days(3), "purpose": "x" * 501},
    ]
    for body in bad_bodies:
        response = await clients.post(url, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    unknown = await clients.post(url, json={"planned_on": days(3), "contact_ids": [stranger["id"]]})
    assert unknown.json()["errors"][0]["loc"] == ["body", "contact_ids", 0]
    assert await all_items(clients, url) == []

    backwards = await clients.get(VISITS, params={"planned_from": days(5), "planned_to": days(1)})
    assert backwards.status_code == 422
    assert (await clients.get(VISITS, params={"status": "lost"})).status_code == 422

    visit = await plan_visit(clients, account["id"])
    assert (
        await post_current(clients, f"{ACCOUNTS}/{account['id']}", "/archive")
    ).status_code == 200
    for response in (
        await clients.post(url, json={"planned_on": days(3)}),
        await clients.post(f"{ACCOUNTS}/{account['id']}/visit-plan", json={"year": NEXT_YEAR}),
        await post_current(clients, f"{VISITS}/{visit['id']}", "/complete", json={"outcome": "x"}),
        await post_current(clients, f"{VISITS}/{visit['id']}", "/cancel", json={"reason": "x"}),
        await clients.patch(
            f"{VISITS}/{visit['id']}", json={"purpose": "x"}, headers={"If-Match": '"1"'}
        ),
    ):
        assert response.status_code == 409, response.text
    assert (await clients.get(f"{VISITS}/{visit['id']}")).json()["status"] == "planned"
    assert len(await all_items(clients, url)) == 1


async def test_adhoc_visits_overdue_lists_and_export(
    clients_app: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, clients = clients_app
    from tests.clients.conftest import DEPARTMENT, feed_org

    await feed_org(clients, DEPARTMENT)
    mine = await create_account(clients, owner_id=KAM)
    theirs = await create_account(clients, owner_id=SPECIALIST)
    adhoc = await clients.post(
        f"{ACCOUNTS}/{mine['id']}/visits",
        json={"visited_on": days(0), "outcome": "临时拜访", "next_visit_on": days(7)},
        headers=acting(KAM, Role.ACCOUNT_MANAGER),
    )
    assert adhoc.status_code == 201, adhoc.text
    body = adhoc.json()
    assert (body["source"], body["status"], body["planned_on"], body["visited_by"]) == (
        "adhoc",
        "completed",
        None,
        KAM,
    )
    late = await insert_visit(
        app, account_id=theirs["id"], owner_id=SPECIALIST, planned_on=today() - timedelta(days=3)
    )
    theirs_planned = await plan_visit(clients, theirs["id"])

    overdue = await all_items(clients, VISITS, overdue="true")
    assert late in {v["id"] for v in overdue}
    assert all(v["status"] == "planned" and v["overdue"] for v in overdue)
    team = await all_items(clients, VISITS, team_of=LEAD)
    assert {v["account_id"] for v in team} == {theirs["id"]}
    of_kam = await all_items(clients, VISITS, owner_id=KAM, status="completed")
    assert [v["id"] for v in of_kam if v["account_id"] == mine["id"]] == [body["id"]]
    ranged = await all_items(
        clients, VISITS, account_id=theirs["id"], planned_from=days(1), planned_to=days(20)
    )
    assert [v["id"] for v in ranged] == [theirs_planned["id"]]

    exported = await clients.get(
        f"{VISITS}/export", params={"lang": "en", "account_id": theirs["id"]}
    )
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    lines = exported.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("id,account_id,owner_id,planned_on,status")
    assert sorted(int(line.split(",")[0]) for line in lines[1:]) == sorted(
        [late, theirs_planned["id"]]
    )
    bad_export = await clients.get(
        f"{VISITS}/export", params={"lang": "en", "planned_from": days(5), "planned_to": days(1)}
    )
    assert bad_export.status_code == 422


async def test_account_manager_sees_only_own_visits(clients: httpx.AsyncClient) -> None:
    mine = await create_account(clients, owner_id=KAM)
    theirs = await create_account(clients, owner_id=SPECIALIST)
    my_visit = await plan_visit(clients, mine["id"])
    their_visit = await plan_visit(clients, theirs["id"])
    as_kam = acting(KAM, Role.ACCOUNT_MANAGER)

    listed = (await clients.get(VISITS, params={"limit": 200}, headers=as_kam)).json()["items"]
    assert {v["id"] for v in listed} == {my_visit["id"]}
    assert (await clients.get(f"{VISITS}/{their_visit['id']}", headers=as_kam)).status_code == 404
    assert (
        await post_current(
            clients,
            f"{VISITS}/{their_visit['id']}",
            "/cancel",
            json={"reason": "x"},
            headers=as_kam,
        )
    ).status_code == 404
    assert (
        await clients.post(
            f"{ACCOUNTS}/{theirs['id']}/visits", json={"planned_on": days(3)}, headers=as_kam
        )
    ).status_code == 404
    assert (
        await clients.get(
            f"{ACCOUNTS}/{theirs['id']}/visit-plan", params={"year": 2027}, headers=as_kam
        )
    ).status_code == 404
    report = (
        await clients.get(
            f"{VISITS}/completion", params={"period": str(today().year)}, headers=as_kam
        )
    ).json()
    assert {o["owner_id"] for o in report["owners"]} <= {KAM}


async def test_completion_per_owner_and_period(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients, owner_id=SPECIALIST)
    plan = (
        await clients.post(f"{ACCOUNTS}/{account['id']}/visit-plan", json={"year": NEXT_YEAR})
    ).json()
    first, _second = plan["visits"]
    await post_current(
        clients,
        f"{VISITS}/{first['id']}",
        "/complete",
        json={"outcome": "ok"},
        headers=acting(SPECIALIST),
    )
    extra = await plan_visit(clients, account["id"], planned_on=f"{NEXT_YEAR}-12-01")
    await post_current(clients, f"{VISITS}/{extra['id']}", "/cancel", json={"reason": "客户取消"})

    url = f"{VISITS}/completion"
    year = (
        await clients.get(url, params={"period": str(NEXT_YEAR), "owner_id": [SPECIALIST, LEAD]})
    ).json()
    assert year["start"] == f"{NEXT_YEAR}-01-01" and year["end"] == f"{NEXT_YEAR}-12-31"
    assert year["owners"] == [
        {"owner_id": LEAD, "planned": 0, "done": 0, "rate": None},
        {"owner_id": SPECIALIST, "planned": 2, "done": 1, "rate": "50.00"},
    ]
    first_month = date.fromisoformat(first["planned_on"]).month
    quarter = f"{NEXT_YEAR}-Q{(first_month - 1) // 3 + 1}"
    by_team = (await clients.get(url, params={"period": quarter, "team_of": LEAD})).json()
    assert by_team["owners"] == [
        {"owner_id": SPECIALIST, "planned": 1, "done": 1, "rate": "100.00"}
    ]
    month = (
        await clients.get(url, params={"period": f"{NEXT_YEAR}-12", "owner_id": SPECIALIST})
    ).json()
    assert month["owners"] == [{"owner_id": SPECIALIST, "planned": 0, "done": 0, "rate": None}]
    for bad in ("2026-13", "26", "2026-Q5", "x" * 8):
        assert (await clients.get(url, params={"period": bad})).status_code == 422


async def test_transfer_moves_planned_visits_but_not_done_ones(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients, owner_id=KAM)
    done = await plan_visit(clients, account["id"])
    await post_current(
        clients,
        f"{VISITS}/{done['id']}",
        "/complete",
        json={"outcome": "已拜访"},
        headers=acting(KAM),
    )
    planned = await plan_visit(clients, account["id"], planned_on=days(20))
    moved = await clients.post(
        "/v1/clients/ownership/transfers",
        json={"account_ids": [account["id"]], "to_employee_id": SPECIALIST, "reason": "调整分工"},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["planned_visits"] == 1
    assert (await clients.get(f"{VISITS}/{planned['id']}")).json()["owner_id"] == SPECIALIST
    assert (await clients.get(f"{VISITS}/{done['id']}")).json()["owner_id"] == KAM  # credited


async def test_plans_fall_on_working_days_and_keep_a_persons_cancellation(
    clients: httpx.AsyncClient,
) -> None:
    # 2031 is past the statutory source: only weekends and the admin's day count.
    assert (
        await clients.put(
            "/v1/clients/calendar/days/2031-04-01", json={"kind": "holiday", "name": "公司假日"}
        )
    ).status_code == 201
    account_id = (await create_account(clients))["id"]  # grade C: half-yearly
    url = f"{ACCOUNTS}/{account_id}/visit-plan"
    plan = (await clients.post(url, json={"year": 2031})).json()
    # H1 1 Jan–30 Jun: 1 Jan + 180 // 2 = 1 Apr, the admin's holiday → 2 Apr (Wed).
    # H2 1 Jul–31 Dec: 1 Jul + 183 // 2 = 30 Sep (Tue).
    assert [v["planned_on"] for v in plan["visits"]] == ["2031-04-02", "2031-09-30"]
    april = plan["visits"][0]["id"]
    cancelled = await post_current(
        clients, f"{VISITS}/{april}", "/cancel", json={"reason": "客户春节放假"}
    )
    assert cancelled.status_code == 200, cancelled.text

    override = await clients.put(
        f"{ACCOUNTS}/{account_id}/grade-override", json={"grade": "A", "reason": "集团战略客户"}
    )
    assert override.status_code == 200, override.text
    after = (await clients.get(url, params={"year": 2031})).json()
    by_id = {v["id"]: v for v in after["visits"]}
    # The person's cancellation stands; the C plan's 30 Sep was replaced by the re-plan.
    assert (by_id[april]["status"], by_id[april]["cancel_reason"]) == ("cancelled", "客户春节放假")
    live = [v["planned_on"] for v in after["visits"] if v["status"] == "planned"]
    # Monthly, mid-month (first + (days - 1) // 2), April left to the cancellation, moved to
    # the nearest working day (later first): 16 Mar Sun → 17 Mon; 15 Jun Sun → 16 Mon;
    # 16 Aug Sat → 17 Sun → 15 Fri; 15 Nov Sat → 16 Sun → 14 Fri.
    assert live == [
        "2031-01-16",
        "2031-02-14",
        "2031-03-17",
        "2031-05-16",
        "2031-06-16",
        "2031-07-16",
        "2031-08-15",
        "2031-09-15",
        "2031-10-16",
        "2031-11-14",
        "2031-12-16",
    ]
    assert all(date.fromisoformat(day).weekday() < 5 for day in live)
