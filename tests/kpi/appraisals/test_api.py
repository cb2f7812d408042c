"""Appraisal endpoints: every refused move is a precise problem and writes nothing."""

from typing import Any

import httpx

from shared.auth.principal import Role
from tests.conftest import bearer
from tests.kpi.conftest import employee_event, make_indicator, make_template, seed_org

MANAGER = 9100


def acting(employee_id: int | str) -> dict[str, str]:
    """The caller is this employee (as an appraisal administrator, who sees every sheet)."""
    return bearer(Role.APPRAISAL_ADMIN, employee_id=int(employee_id))


async def _cycle(client: httpx.AsyncClient) -> dict[str, Any]:
    team = [employee_event(e, manager_id=MANAGER, department_id=91) for e in (9101, 9102)]
    await seed_org(client, [*team, employee_event(9103, status="departed")])
    collection = await make_indicator(client, "ta_collection")
    sales = await make_indicator(client, "ta_sales")
    template = await make_template(client, collection, sales, code="TA-SPEC")
    response = await client.post("/v1/kpi/cycles", json={
        "name": "测试周期", "period": "2026-11", "template_ids": [template["id"]],
        "department_ids": [91]})  # fmt: skip
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == f"/v1/kpi/cycles/{response.json()['id']}"
    return dict(response.json())


async def _move(client: httpx.AsyncClient, cycle_id: int, *states: str) -> None:
    for state in states:
        response = await client.post(
            f"/v1/kpi/cycles/{cycle_id}/transitions", json={"state": state}
        )
        assert response.status_code == 200, response.text


async def _appraisal(client: httpx.AsyncClient, cycle_id: int, employee: int) -> httpx.Response:
    listed = await client.get(
        "/v1/kpi/appraisals", params={"cycle_id": cycle_id, "employee_id": employee}
    )
    return await client.get(f"/v1/kpi/appraisals/{listed.json()['items'][0]['id']}")


async def test_cycle_creates_the_population_in_bulk(kpi_client: httpx.AsyncClient) -> None:
    cycle = await _cycle(kpi_client)
    assert cycle["appraisal_count"] == 2 and cycle["state"] == "open"
    listed = await kpi_client.get("/v1/kpi/appraisals", params={"cycle_id": cycle["id"]})
    assert sorted(a["employee_id"] for a in listed.json()["items"]) == [9101, 9102]
    sheet = (await _appraisal(kpi_client, cycle["id"], 9101)).json()
    assert [i["key"] for i in sheet["items"]] == ["collection", "sales", "attitude"]
    skipped = await kpi_client.post(
        f"/v1/kpi/cycles/{cycle['id']}/transitions", json={"state": "closed"}
    )
    assert skipped.status_code == 409
    assert (await kpi_client.get(f"/v1/kpi/cycles/{cycle['id']}")).json()["state"] == "open"


async def test_refused_moves_write_nothing(kpi_client: httpx.AsyncClient) -> None:
    cycle = await _cycle(kpi_client)
    read = await _appraisal(kpi_client, cycle["id"], 9101)
    url, etag = f"/v1/kpi/appraisals/{read.json()['id']}", read.headers["ETag"]
    attitude = read.json()["items"][2]["id"]
    out_of_order = await kpi_client.post(
        f"{url}/manager-review", json={"ratings": []}, headers={"If-Match": etag, **acting(MANAGER)}
    )
    assert out_of_order.status_code == 409
    assert out_of_order.headers["content-type"] == "application/problem+json"
    await _move(kpi_client, cycle["id"], "collecting", "self_review")
    not_self = await kpi_client.post(
        f"{url}/self-assessment", json={}, headers={"If-Match": etag, **acting(9102)}
    )
    assert not_self.status_code == 403
    off_scale = await kpi_client.post(
        f"{url}/self-assessment", json={"ratings": [{"item_id": attitude, "rating": "6"}]},
        headers={"If-Match": etag, **acting(9101)},
    )  # fmt: skip
    assert off_scale.status_code == 422 and "outside the scale" in off_scale.json()["detail"]
    stale = await kpi_client.post(
        f"{url}/self-assessment", json={}, headers={"If-Match": '"0"', **acting(9101)}
    )
    assert stale.status_code == 412
    no_actor = await kpi_client.post(f"{url}/self-assessment", json={}, headers={"If-Match": etag})
    # An administrator's login without an employee cannot act in the review flow.
    assert no_actor.status_code == 403
    assert "not linked to an employee" in no_actor.json()["detail"]
    unchanged = await kpi_client.get(url)
    assert unchanged.json()["state"] == "pending_self" and unchanged.headers["ETag"] == etag
    assert unchanged.json()["items"][2]["self_rating"] is None
    assert (await kpi_client.get(f"{url}/history")).json() == []

    done = await kpi_client.post(
        f"{url}/self-assessment",
        json={"comment": "已完成"},
        headers={"If-Match": etag, **acting(9101)},
    )
    assert done.status_code == 200 and done.json()["state"] == "pending_manager"
    await _move(kpi_client, cycle["id"], "manager_review")
    etag = done.headers["ETag"]
    not_manager = await kpi_client.post(
        f"{url}/manager-review", json={"ratings": [{"item_id": attitude, "rating": "4"}]},
        headers={"If-Match": etag, **acting(9102)},
    )  # fmt: skip
    assert not_manager.status_code == 403 and "not the manager" in not_manager.json()["detail"]
    unscored = await kpi_client.post(
        f"{url}/manager-review", json={"ratings": [{"item_id": attitude, "rating": "4"}]},
        headers={"If-Match": etag, **acting(MANAGER)},
    )  # fmt: skip
    assert unscored.status_code == 409 and "no actual value" in unscored.json()["detail"]
    after = (await kpi_client.get(url)).json()
    assert after["state"] == "pending_manager" and after["items"][2]["manager_rating"] is None


async def test_actuals_are_snapshotted_and_cycle_cannot_close_early(
    kpi_client: httpx.AsyncClient,
) -> None:
    cycle = await _cycle(kpi_client)
    await _move(kpi_client, cycle["id"], "collecting")
    read = await _appraisal(kpi_client, cycle["id"], 9101)
    url, item = f"/v1/kpi/appraisals/{read.json()['id']}", read.json()["items"][0]["id"]
    entered = await kpi_client.put(
        f"{url}/items/{item}/actual", json={"value": "92.5", "note": "财务月报"},
        headers={"If-Match": read.headers["ETag"], **acting(9900)},
    )  # fmt: skip
    assert entered.status_code == 200, entered.text
    line = entered.json()["items"][0]
    assert (line["actual"], line["actual_source"]) == ("92.5000", "manual")
    history = (await kpi_client.get(f"{url}/items/{item}/actuals")).json()
    assert [(h["value"], h["source"], h["recorded_by"]) for h in history] == [
        ("92.5000", "manual", 9900)
    ]
    await _move(kpi_client, cycle["id"], "self_review", "manager_review", "calibration")
    early = await kpi_client.post(
        f"/v1/kpi/cycles/{cycle['id']}/transitions", json={"state": "closed"}
    )
    assert early.status_code == 409 and "not yet calibrated" in early.json()["detail"]
    lock = await kpi_client.post(
        f"/v1/kpi/cycles/{cycle['id']}/calibration/lock", json={"department_id": 91},
        headers={**acting(9900)},
    )  # fmt: skip
    assert lock.status_code == 409
    overview = (await kpi_client.get(f"/v1/kpi/cycles/{cycle['id']}/calibration")).json()
    assert overview["departments"][0]["awaiting_review"] == 2
    rollup = await kpi_client.get(
        f"/v1/kpi/cycles/{cycle['id']}/rollup", params={"group_by": "team"}
    )
    assert rollup.status_code == 200 and rollup.json()["groups"][0]["group_id"] == MANAGER
    export = await kpi_client.get(
        f"/v1/kpi/cycles/{cycle['id']}/export", params={"lang": "en", "format": "csv"}
    )
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert export.text.lstrip("\ufeff").startswith("employee_id,employee_no,name")
    assert len(export.text.strip().splitlines()) == 3
    trend = await kpi_client.get("/v1/kpi/rollups/trend", params={"department_id": 91})
    assert trend.status_code == 200


async def test_cycle_needs_published_templates_and_people(kpi_client: httpx.AsyncClient) -> None:
    collection = await make_indicator(kpi_client, "tb_collection")
    sales = await make_indicator(kpi_client, "tb_sales")
    draft = await make_template(kpi_client, collection, sales, code="TB-DRAFT", publish=False)
    refused = await kpi_client.post("/v1/kpi/cycles", json={
        "name": "x", "period": "2026-11", "template_ids": [draft["id"]]})  # fmt: skip
    assert refused.status_code == 422 and "published" in refused.json()["detail"]
    wrong_period = await kpi_client.post("/v1/kpi/cycles", json={
        "name": "x", "period": "2026-Q4", "template_ids": [draft["id"]]})  # fmt: skip
    assert wrong_period.status_code == 422
    assert (await kpi_client.get("/v1/kpi/cycles", params={"period": "2026-11"})).json()[
        "items"
    ] == []


async def test_appraisals_carry_the_cycle_and_employee_names(kpi_client: httpx.AsyncClient) -> None:
    cycle = await _cycle(kpi_client)
    listed = await kpi_client.get("/v1/kpi/appraisals", params={"cycle_id": cycle["id"]})
    names = {
        (a["employee_id"], a["cycle_name"], a["employee_name"]) for a in listed.json()["items"]
    }
    expected = {
        (employee, "测试周期", event["name"])
        for employee in (9101, 9102)
        for event in [employee_event(employee)]
    }
    assert names == expected
    sheet = (await _appraisal(kpi_client, cycle["id"], 9101)).json()
    assert sheet["cycle_name"] == "测试周期"
