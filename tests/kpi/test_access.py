"""Whose appraisals a caller sees: their own, their reports', or all for the administrator.

Asking for someone else's appraisal by id answers 404, as if it did not exist.
"""

import httpx

from shared.auth.principal import Role
from tests.conftest import bearer
from tests.kpi.conftest import employee_event, make_indicator, make_template, seed_org

LEAD, A, B, OUTSIDER = 9200, 9201, 9202, 9299


async def cycle_with_team(client: httpx.AsyncClient) -> dict[int, int]:
    """Appraisals of A and B (reporting to LEAD) and OUTSIDER; their ids by employee."""
    await seed_org(
        client,
        [
            employee_event(LEAD, department_id=92),
            employee_event(A, manager_id=LEAD, department_id=92),
            employee_event(B, manager_id=LEAD, department_id=92),
            employee_event(OUTSIDER, department_id=92),
        ],
    )
    one = await make_indicator(client, "acc_one")
    two = await make_indicator(client, "acc_two")
    template = await make_template(client, one, two, code="ACC-SPEC")
    created = await client.post(
        "/v1/kpi/cycles",
        json={"name": "权限测试", "period": "2026-10", "template_ids": [template["id"]],
              "department_ids": [92]},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    listed = await client.get("/v1/kpi/appraisals", params={"cycle_id": created.json()["id"]})
    return {a["employee_id"]: a["id"] for a in listed.json()["items"]}


async def visible(
    client: httpx.AsyncClient, headers: dict[str, str], ids: dict[int, int]
) -> set[int]:
    page = await client.get("/v1/kpi/appraisals", params={"limit": 200}, headers=headers)
    assert page.status_code == 200
    mine = set(ids.values())
    return {a["employee_id"] for a in page.json()["items"] if a["id"] in mine}


async def test_each_caller_sees_their_scope(kpi_client: httpx.AsyncClient) -> None:
    ids = await cycle_with_team(kpi_client)
    assert await visible(kpi_client, bearer(employee_id=A), ids) == {A}
    assert await visible(kpi_client, bearer(Role.TEAM_LEAD, employee_id=LEAD), ids) == {LEAD, A, B}
    assert await visible(kpi_client, bearer(Role.APPRAISAL_ADMIN, employee_id=1), ids) == set(ids)


async def test_someone_elses_appraisal_by_id_is_404(kpi_client: httpx.AsyncClient) -> None:
    ids = await cycle_with_team(kpi_client)
    as_a = bearer(employee_id=A)
    assert (await kpi_client.get(f"/v1/kpi/appraisals/{ids[A]}", headers=as_a)).status_code == 200
    other = await kpi_client.get(f"/v1/kpi/appraisals/{ids[B]}", headers=as_a)
    assert other.status_code == 404
    history = await kpi_client.get(f"/v1/kpi/appraisals/{ids[OUTSIDER]}/history", headers=as_a)
    assert history.status_code == 404
    filtered = await kpi_client.get("/v1/kpi/appraisals", params={"employee_id": B}, headers=as_a)
    assert filtered.json()["items"] == []


async def test_an_employee_cannot_run_cycles_or_calibrate(kpi_client: httpx.AsyncClient) -> None:
    as_employee = bearer(employee_id=A)
    created = await kpi_client.post("/v1/kpi/cycles", json={}, headers=as_employee)
    assert created.status_code == 403
    rollup = await kpi_client.get("/v1/kpi/rollups/trend", headers=as_employee)
    assert rollup.status_code == 403
    internal = await kpi_client.post(
        "/v1/kpi/internal/org/employees", json={"events": []}, headers=bearer(Role.ADMIN)
    )
    assert internal.status_code == 403


async def test_cycle_decisions_and_refusals_are_in_the_audit_log(
    kpi_client: httpx.AsyncClient,
) -> None:
    ids = await cycle_with_team(kpi_client)
    cycle = (await kpi_client.get(f"/v1/kpi/appraisals/{ids[A]}")).json()["cycle_id"]
    moved = await kpi_client.post(
        f"/v1/kpi/cycles/{cycle}/transitions", json={"state": "collecting"}
    )
    assert moved.status_code == 200, moved.text
    refused = await kpi_client.post(
        f"/v1/kpi/cycles/{cycle}/transitions",
        json={"state": "self_review"},
        headers=bearer(employee_id=A),
    )
    assert refused.status_code == 403
    log = (await kpi_client.get("/v1/kpi/audit")).json()["items"]
    assert log[0]["action"] == "access_denied" and log[0]["actor"] == "user:1"
    change = next(e for e in log if e["action"] == "cycle_state_changed")
    assert change["entity_id"] == str(cycle)
    assert (change["before"], change["after"]) == ({"state": "open"}, {"state": "collecting"})
    assert change["service"] == "kpi" and change["request_id"] and change["client_address"]
    hidden = await kpi_client.get("/v1/kpi/audit", headers=bearer(Role.APPRAISAL_ADMIN))
    assert hidden.status_code == 403


def test_every_read_of_peoples_results_goes_through_the_one_scope() -> None:
    """Appraisals, roll-ups, exports and target plans all depend on access.caller_scope."""
    from fastapi.dependencies.models import Dependant

    from services.kpi.access import caller_scope
    from services.kpi.app import create_app
    from shared.auth.policy import api_routes

    def calls(dependant: Dependant) -> set[object]:
        found = {dependant.call}
        for child in dependant.dependencies:
            found |= calls(child)
        return found

    scoped = ("/v1/kpi/appraisals", "/v1/kpi/target-plans", "/v1/kpi/rollups")
    checked = []
    for route in api_routes(create_app()):
        if route.path.startswith(scoped) or route.path.endswith(("/export", "/rollup")):
            assert caller_scope in calls(route.dependant), route.path
            checked.append(route.path)
    assert len(checked) >= 15
