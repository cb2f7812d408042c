"""The org copy: events applied only when newer, and a full resync from staff."""

import httpx
from fastapi import FastAPI

from shared.http_client import ServiceClient
from tests.clients.conftest import AS_STAFF, ORG_EVENTS, employee_event, feed_org

EMPLOYEE = "/v1/clients/internal/org/employees"


async def test_newer_versions_win_and_repeats_are_harmless(
    clients_client: httpx.AsyncClient,
) -> None:
    v2 = employee_event(700, name="王磊", version=2)
    assert await feed_org(clients_client, [v2]) == {"applied": 1, "ignored": 0}
    assert await feed_org(clients_client, [v2]) == {"applied": 0, "ignored": 1}
    older = employee_event(700, name="旧名字", status="departed", version=1)
    assert await feed_org(clients_client, [older]) == {"applied": 0, "ignored": 1}
    batch = [employee_event(700, name="王磊", status="departed", version=3), v2]
    assert await feed_org(clients_client, batch) == {"applied": 1, "ignored": 1}
    got = (await clients_client.get(f"{EMPLOYEE}/700", headers=AS_STAFF)).json()
    assert (got["name"], got["status"], got["version"]) == ("王磊", "departed", 3)


async def test_bad_events_are_422_and_nothing_applied(clients_client: httpx.AsyncClient) -> None:
    good = employee_event(701)
    bad = employee_event(702, status="retired")
    response = await clients_client.post(ORG_EVENTS, json={"events": [good, bad]}, headers=AS_STAFF)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][:3] == ["body", "events", 1]
    assert (await clients_client.get(f"{EMPLOYEE}/701", headers=AS_STAFF)).status_code == 404


async def test_resync_reads_every_page(clients_app: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, client = clients_app
    await feed_org(client, [employee_event(801, name="旧", version=5)])
    pages = {
        None: {
            "items": [
                {"id": 800, "name": "张三", "status": "active", "version": 1, "manager_id": None},
                {"id": 801, "name": "新", "status": "active", "version": 4},
            ],
            "next_cursor": "p2",
        },
        "p2": {
            "items": [
                {
                    "id": 802,
                    "name": "李四",
                    "status": "on_leave",
                    "version": 2,
                    "effective_manager_id": 800,
                    "authority_limits": {"adjust_credit_score": {"max_delta": 3}},
                }
            ],
            "next_cursor": None,
        },
    }
    seen: list[str | None] = []

    def staff(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor")
        seen.append(cursor)
        assert request.url.path == "/v1/staff/employees"
        return httpx.Response(200, json=pages[cursor])

    app.state.staff_client = ServiceClient(
        "staff", "http://staff.test", transport=httpx.MockTransport(staff)
    )
    response = await client.post("/v1/clients/internal/org/resync", headers=AS_STAFF)
    assert response.status_code == 200, response.text
    assert response.json() == {"pages": 2, "received": 3, "applied": 2, "ignored": 1}
    assert seen == [None, "p2"]
    assert (await client.get(f"{EMPLOYEE}/801", headers=AS_STAFF)).json()["name"] == "旧"
    assert (await client.get(f"{EMPLOYEE}/802", headers=AS_STAFF)).json()["manager_id"] == 800


async def test_resync_with_staff_failing_is_502(
    clients_app: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = clients_app
    app.state.staff_client = ServiceClient(
        "staff",
        "http://staff.test",
        retries=0,
        transport=httpx.MockTransport(lambda _: httpx.Response(500, json={})),
    )
    response = await client.post("/v1/clients/internal/org/resync", headers=AS_STAFF)
    assert response.status_code == 502
    assert "staff answered 500" in response.json()["detail"]


async def test_resync_without_staff_client_is_503(clients_client: httpx.AsyncClient) -> None:
    response = await clients_client.post("/v1/clients/internal/org/resync", headers=AS_STAFF)
    assert response.status_code == 503
