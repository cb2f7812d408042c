"""Employees through the API: derived department and manager, filters, If-Match, events."""

from sqlalchemy import select

from services.staff.outbox import STAFF_OUTBOX
from tests.staff.conftest import (
    EMPLOYEES,
    StaffApp,
    make_department,
    make_employee,
    make_position,
)


async def outbox_events(staff: StaffApp, employee_id: int) -> list[dict]:
    async with staff.session_factory() as session:
        rows = (
            await (await session.connection()).execute(
                select(STAFF_OUTBOX.c.destination, STAFF_OUTBOX.c.payload).where(
                    STAFF_OUTBOX.c.kind == "org_employee"
                )
            )
        ).all()
    return [
        {"destination": d, **p["events"][0]}
        for d, p in rows
        if p["events"][0]["employee_id"] == employee_id
    ]


async def test_department_and_manager_are_derived_unless_set(staff: StaffApp) -> None:
    client = staff.client
    dept = await make_department(client, "T-ED")
    other = await make_department(client, "T-ED2")
    await make_position(client, "T-BOSS", dept["id"], headcount_quota=1)
    await make_position(
        client,
        "T-REP",
        dept["id"],
        reports_to_code="T-BOSS",
        authorities={
            "business": [
                {"code": "adjust_credit_score", "description": "信用分", "limits": {"max_delta": 5}}
            ]
        },
    )
    boss = await make_employee(client, "E9001", position_code="T-BOSS")
    rep = await make_employee(client, "E9002", position_code="T-REP")
    assert rep["department_id"] == dept["id"] and not rep["department_explicit"]
    assert rep["manager_id"] == boss["id"] and not rep["manager_explicit"]
    assert boss["manager_id"] is None

    moved = await client.patch(
        f"{EMPLOYEES}/{rep['id']}",
        json={"department_id": other["id"]},
        headers={"If-Match": f'"{rep["version"]}"'},
    )
    assert moved.status_code == 200
    assert moved.json()["department_id"] == other["id"] and moved.json()["department_explicit"]

    events = await outbox_events(staff, rep["id"])
    assert {e["destination"] for e in events} == {"clients", "kpi"}
    latest = max(events, key=lambda e: e["version"])
    assert latest["department_id"] == other["id"] and latest["manager_id"] == boss["id"]
    assert latest["authority_limits"] == {"adjust_credit_score": {"max_delta": 5}}
    assert latest["status"] == "active" and latest["position_code"] == "T-REP"


async def test_a_new_superior_changes_derived_managers_with_an_event(staff: StaffApp) -> None:
    client = staff.client
    dept = await make_department(client, "T-NS")
    await make_position(client, "T-NS-LEAD", dept["id"], headcount_quota=1)
    await make_position(client, "T-NS-REP", dept["id"], reports_to_code="T-NS-LEAD")
    rep = await make_employee(client, "E9011", position_code="T-NS-REP")
    assert rep["manager_id"] is None
    lead = await make_employee(client, "E9012", position_code="T-NS-LEAD")
    again = (await client.get(f"{EMPLOYEES}/{rep['id']}")).json()
    assert again["manager_id"] == lead["id"] and again["version"] == rep["version"] + 1
    versions = [e["version"] for e in await outbox_events(staff, rep["id"])]
    assert max(versions) == again["version"]


async def test_bad_input_is_refused_without_a_write(staff: StaffApp) -> None:
    client = staff.client
    unknown = await client.post(
        EMPLOYEES,
        json={
            "employee_no": "E9021",
            "name": "x",
            "hire_date": "2020-01-01",
            "position_code": "NOPE",
        },
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["loc"] == [
        "body",
        "position_code",
    ]
    bad_manager = await client.post(
        EMPLOYEES,
        json={"employee_no": "E9021", "name": "x", "hire_date": "2020-01-01", "manager_id": 999999},
    )
    assert bad_manager.status_code == 422
    departed = await client.post(
        EMPLOYEES,
        json={"employee_no": "E9021", "name": "x", "hire_date": "2020-01-01", "status": "departed"},
    )
    assert departed.status_code == 422
    assert (await client.get(EMPLOYEES, params={"q": "E9021"})).json()["items"] == []
    await make_employee(client, "E9022")
    dup = await client.post(
        EMPLOYEES, json={"employee_no": "E9022", "name": "y", "hire_date": "2020-01-01"}
    )
    assert dup.status_code == 409


async def test_patch_needs_if_match(staff: StaffApp) -> None:
    client = staff.client
    person = await make_employee(client, "E9031")
    url = f"{EMPLOYEES}/{person['id']}"
    assert (await client.patch(url, json={"name": "新名"})).status_code == 428
    ok = await client.patch(url, json={"status": "on_leave"}, headers={"If-Match": '"1"'})
    assert ok.status_code == 200 and ok.headers["etag"] == '"2"'
    stale = await client.patch(url, json={"name": "x"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    itself = await client.patch(url, json={"manager_id": person["id"]}, headers={"If-Match": '"2"'})
    assert itself.status_code == 422


async def test_search_filter_and_pages(staff: StaffApp) -> None:
    client = staff.client
    dept = await make_department(client, "T-SF")
    await make_position(client, "T-SF-POS", dept["id"], headcount_quota=5)
    for index in range(4):
        await make_employee(client, f"E95{index:02d}", position_code="T-SF-POS")
    await make_employee(client, "E9599", status="on_leave")
    seen, cursor = [], None
    while True:
        params = {"department_id": dept["id"], "limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(EMPLOYEES, params=params)).json()
        seen += [e["employee_no"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["E9500", "E9501", "E9502", "E9503"]
    on_leave = (await client.get(EMPLOYEES, params={"status": "on_leave", "q": "E95"})).json()
    assert [e["employee_no"] for e in on_leave["items"]] == ["E9599"]
    by_position = (await client.get(EMPLOYEES, params={"position_code": "T-SF-POS"})).json()
    assert len(by_position["items"]) == 4
    assert (await client.get(f"{EMPLOYEES}/999999")).status_code == 404
