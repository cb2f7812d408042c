"""Staff's audit log (issue 21): department, employee and position changes are recorded
with who made them, and administrators search it by actor, time, entity and action prefix."""

from datetime import UTC, datetime, timedelta

import httpx

from tests.staff.conftest import DEPARTMENTS, EMPLOYEES, make_department, make_employee

AUDIT = "/v1/staff/audit"


async def entries(client: httpx.AsyncClient, **params: str) -> list[dict]:
    response = await client.get(AUDIT, params={"limit": "200", **params})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def test_org_changes_are_recorded_and_searched(staff_client: httpx.AsyncClient) -> None:
    started = datetime.now(UTC) - timedelta(seconds=5)
    department = await make_department(staff_client, "AUD-1")
    url = f"{DEPARTMENTS}/{department['id']}"
    renamed = await post_current_patch(staff_client, url, {"name": "审计部"})
    assert renamed.status_code == 200, renamed.text
    employee = await make_employee(staff_client, "E-AUD-1")
    moved = await post_current_patch(
        staff_client, f"{EMPLOYEES}/{employee['id']}", {"department_id": department["id"]}
    )
    assert moved.status_code == 200, moved.text

    departments = await entries(staff_client, action_prefix="department_")
    assert [(e["action"], e["entity_id"]) for e in departments] == [
        ("department_updated", str(department["id"])),
        ("department_created", str(department["id"])),
    ]
    updated = departments[0]
    assert updated["before"] == {"name": "部门AUD-1"} and updated["after"] == {"name": "审计部"}
    assert updated["actor"] and updated["actor"].startswith("user:")
    assert updated["request_id"]

    people = await entries(staff_client, entity="employee", entity_id=str(employee["id"]))
    assert [e["action"] for e in people] == ["employee_updated", "employee_created"]
    assert people[0]["after"] == {"department_id": department["id"]}

    mine = await entries(staff_client, actor=updated["actor"], since=started.isoformat())
    assert {e["action"] for e in mine} >= {"department_created", "employee_updated"}
    assert await entries(staff_client, actor="user:424242") == []
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert await entries(staff_client, since=later) == []
    assert (
        len(await entries(staff_client, until=started.isoformat(), action_prefix="department_"))
        == 0
    )


async def test_a_search_refuses_a_time_without_an_offset(staff_client: httpx.AsyncClient) -> None:
    response = await staff_client.get(AUDIT, params={"since": "2026-12-01T00:00:00"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "since"]


async def post_current_patch(
    client: httpx.AsyncClient, url: str, body: dict[str, object]
) -> httpx.Response:
    etag = (await client.get(url)).headers["etag"]
    return await client.patch(url, json=body, headers={"If-Match": etag})
