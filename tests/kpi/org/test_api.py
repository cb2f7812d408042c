"""The org copy: staff's events applied once, newest version wins; reporting lines; resync."""

from typing import Any

import httpx
import pytest

from tests.kpi.conftest import AS_STAFF, employee_event, seed_org

EVENTS = "/v1/kpi/internal/org/employees"


async def test_events_apply_only_when_newer(kpi_client: httpx.AsyncClient) -> None:
    event = employee_event(501, version=3, name="王磊")
    first = await kpi_client.post(EVENTS, json={"events": [event]}, headers=AS_STAFF)
    assert first.json() == {"applied": 1, "ignored": 0}
    again = await kpi_client.post(EVENTS, json={"events": [event]}, headers=AS_STAFF)
    assert again.json() == {"applied": 0, "ignored": 1}
    older = employee_event(501, version=2, name="旧名字")
    newer = employee_event(501, version=4, name="王磊(新)", position_code="KA-KAM")
    mixed = await kpi_client.post(EVENTS, json={"events": [newer, older]}, headers=AS_STAFF)
    assert mixed.json() == {"applied": 1, "ignored": 1}
    read = (await kpi_client.get("/v1/kpi/org/employees/501")).json()
    assert (read["name"], read["position_code"], read["version"]) == ("王磊(新)", "KA-KAM", 4)


async def test_manager_chain_reports_and_population(kpi_client: httpx.AsyncClient) -> None:
    await seed_org(kpi_client, [
        employee_event(601, manager_id=None, position_code="KA-MGR", department_id=1),
        employee_event(602, manager_id=601, position_code="KA-DEV-LEAD", department_id=2),
        employee_event(603, manager_id=602, department_id=2),
        employee_event(604, manager_id=602, department_id=2, status="departed"),
    ])  # fmt: skip
    chain = (await kpi_client.get("/v1/kpi/org/employees/603/manager-chain")).json()
    assert [e["employee_id"] for e in chain] == [602, 601]
    reports = await kpi_client.get("/v1/kpi/org/employees", params={"manager_id": 602})
    assert [e["employee_id"] for e in reports.json()["items"]] == [603, 604]
    population = await kpi_client.get(
        "/v1/kpi/org/employees",
        params={"department_id": 2, "position_code": "KA-SPEC", "status": "active"},
    )
    assert [e["employee_id"] for e in population.json()["items"]] == [603]
    assert (await kpi_client.get("/v1/kpi/org/employees/999999")).status_code == 404


async def test_a_bad_event_is_refused_whole(kpi_client: httpx.AsyncClient) -> None:
    bad = employee_event(701, status="retired")
    response = await kpi_client.post(
        EVENTS, json={"events": [employee_event(700), bad]}, headers=AS_STAFF
    )
    assert response.status_code == 422
    assert (await kpi_client.get("/v1/kpi/org/employees/700")).status_code == 404


@pytest.fixture
def staff_pages() -> list[dict[str, Any]]:
    first = [{**employee_event(801), "id": 801} for _ in range(1)]
    return [
        {"items": first, "next_cursor": "1"},
        {"items": [employee_event(802, version=2)], "next_cursor": None},
    ]


async def test_resync_reads_every_page(kpi_client_with_staff: httpx.AsyncClient) -> None:
    response = await kpi_client_with_staff.post("/v1/kpi/internal/org/resync", headers=AS_STAFF)
    assert response.status_code == 200, response.text
    assert response.json() == {"pages": 2, "received": 2, "applied": 2, "ignored": 0}
    again = await kpi_client_with_staff.post("/v1/kpi/internal/org/resync", headers=AS_STAFF)
    assert again.json()["applied"] == 0
