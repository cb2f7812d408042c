"""Who enters actual values (issue 18, defect 4).

An appraised employee used to set the actual of his own automatic indicator, feeding his
score and bonus. Now automatic actuals come from collection; a reviewer — the appraised
person's manager in the org copy or the appraisal administrator — may override one with a
reason, audited with the value before and after. Manual indicators are entered by the same
reviewers ("entered by a reviewer", DOMAIN.md §3), never by the appraised person.
"""

from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from services.kpi.appraisals.rules import may_enter_actual
from shared.auth.principal import Role
from tests.conftest import bearer
from tests.kpi.conftest import employee_event, make_indicator, make_template, seed_org

MANAGER, EMPLOYEE, PEER, OTHER_LEAD, OTHER_REPORT = 9400, 9401, 9402, 9490, 9491
LINEAR = {"type": "linear", "floor_percent": "60", "cap": "120"}

AS_EMPLOYEE = bearer(employee_id=EMPLOYEE)
AS_MANAGER = bearer(Role.TEAM_LEAD, employee_id=MANAGER)
AS_OFFICE = bearer(Role.APPRAISAL_ADMIN, employee_id=1)


async def _sheet(client: httpx.AsyncClient) -> tuple[str, dict[str, int], str]:
    """EMPLOYEE's appraisal in a collecting cycle: its url, item ids by key, ETag."""
    await seed_org(client, [
        employee_event(MANAGER, department_id=94, manager_id=None),
        employee_event(EMPLOYEE, department_id=94, manager_id=MANAGER),
        employee_event(PEER, department_id=94, manager_id=MANAGER),
        employee_event(OTHER_LEAD, department_id=95, manager_id=None),
        employee_event(OTHER_REPORT, department_id=95, manager_id=OTHER_LEAD),
    ])  # fmt: skip
    automatic = await make_indicator(
        client, "ae_collection", kind="automatic", metric="collection_rate", scoring_rule=LINEAR
    )
    manual = await make_indicator(client, "ae_sales")
    template = await make_template(client, automatic, manual, code="AE-SPEC")
    cycle = await client.post("/v1/kpi/cycles", json={
        "name": "实际值录入", "period": "2026-10", "template_ids": [template["id"]],
        "department_ids": [94]})  # fmt: skip
    assert cycle.status_code == 201, cycle.text
    moved = await client.post(
        f"/v1/kpi/cycles/{cycle.json()['id']}/transitions", json={"state": "collecting"}
    )
    assert moved.status_code == 200, moved.text
    listed = await client.get(
        "/v1/kpi/appraisals", params={"cycle_id": cycle.json()["id"], "employee_id": EMPLOYEE}
    )
    url = f"/v1/kpi/appraisals/{listed.json()['items'][0]['id']}"
    read = await client.get(url)
    items = {item["key"]: item["id"] for item in read.json()["items"]}
    return url, items, read.headers["ETag"]


async def _enter(
    client: httpx.AsyncClient, url: str, item: int, body: dict[str, Any], headers: dict[str, str]
) -> httpx.Response:
    etag = (await client.get(url)).headers["ETag"]
    return await client.put(
        f"{url}/items/{item}/actual", json=body, headers={"If-Match": etag, **headers}
    )


async def test_the_appraised_employee_cannot_set_his_own_actuals(
    kpi_client: httpx.AsyncClient,
) -> None:
    url, items, _ = await _sheet(kpi_client)
    for key in ("collection", "sales"):
        refused = await _enter(kpi_client, url, items[key], {"value": "120"}, AS_EMPLOYEE)
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
    # Holding the appraisal administrator's role does not let him set his own either.
    own_office = bearer(Role.APPRAISAL_ADMIN, employee_id=EMPLOYEE)
    refused = await _enter(kpi_client, url, items["collection"], {"value": "120"}, own_office)
    assert refused.status_code == 403
    sheet = (await kpi_client.get(url)).json()
    assert [item["actual"] for item in sheet["items"]] == [None, None, None]
    history = await kpi_client.get(f"{url}/items/{items['collection']}/actuals")
    assert history.json() == []


async def test_the_manager_enters_manual_actuals_and_overrides_automatic_ones_with_a_reason(
    kpi_client: httpx.AsyncClient,
) -> None:
    url, items, _ = await _sheet(kpi_client)
    manual = await _enter(kpi_client, url, items["sales"], {"value": "9000"}, AS_MANAGER)
    assert manual.status_code == 200, manual.text
    assert manual.json()["items"][1]["actual_source"] == "manual"

    no_reason = await _enter(kpi_client, url, items["collection"], {"value": "95"}, AS_MANAGER)
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["detail"]
    overridden = await _enter(
        kpi_client, url, items["collection"], {"value": "95", "reason": "月末到账未入档案"},
        AS_MANAGER,
    )  # fmt: skip
    assert overridden.status_code == 200, overridden.text
    line = overridden.json()["items"][0]
    assert (line["actual"], line["actual_source"]) == ("95.0000", "manual_override")
    again = await _enter(
        kpi_client, url, items["collection"], {"value": "97", "reason": "财务复核"}, AS_OFFICE
    )
    assert again.status_code == 200, again.text

    log = (await kpi_client.get("/v1/kpi/audit", params={"action": "actual_overridden"})).json()
    entries = sorted(
        (e for e in log["items"] if e["action"] == "actual_overridden"), key=lambda e: e["id"]
    )
    assert [(e["actor"], e["before"]["value"], e["after"]["value"], e["after"]["reason"])
            for e in entries] == [
        ("user:1", None, "95", "月末到账未入档案"), ("user:1", "95.0000", "97", "财务复核"),
    ]  # fmt: skip
    assert {e["actor_employee_id"] for e in entries} == {MANAGER, 1}
    assert all(e["entity_id"] == url.rsplit("/", 1)[1] for e in entries)
    events = (await kpi_client.get(f"{url}/history")).json()
    assert [e["action"] for e in events][-3:] == [
        "actual_recorded", "actual_overridden", "actual_overridden",
    ]  # fmt: skip


async def test_someone_outside_the_appraisal_scope_gets_404_like_missing(
    kpi_client: httpx.AsyncClient,
) -> None:
    url, items, _ = await _sheet(kpi_client)
    missing = await kpi_client.put(
        f"/v1/kpi/appraisals/2000000000/items/{items['sales']}/actual",
        json={"value": "1"}, headers={"If-Match": '"1"', **AS_OFFICE},
    )  # fmt: skip
    assert missing.status_code == 404
    appraisal_id = url.rsplit("/", 1)[1]
    for outsider in (bearer(employee_id=PEER), bearer(Role.TEAM_LEAD, employee_id=OTHER_LEAD)):
        hidden = await kpi_client.put(
            f"{url}/items/{items['sales']}/actual", json={"value": "1"},
            headers={"If-Match": '"1"', **outsider},
        )  # fmt: skip
        assert hidden.status_code == 404
        body, expected = hidden.json(), missing.json()
        assert {k: body[k] for k in ("type", "title", "status")} == {
            k: expected[k] for k in ("type", "title", "status")
        }
        assert body["detail"] == expected["detail"].replace("2000000000", appraisal_id)
        assert set(body) == set(expected)
        snapshots = await kpi_client.get(f"{url}/items/{items['sales']}/actuals", headers=outsider)
        assert snapshots.status_code == 404, snapshots.text
        assert snapshots.json()["type"] == expected["type"]


@given(
    actor=st.integers(1, 50), appraised=st.integers(1, 50),
    manager=st.none() | st.integers(1, 50), office=st.booleans(),
)  # fmt: skip
def test_only_a_reviewer_other_than_the_appraised_person_enters_actuals(
    actor: int, appraised: int, manager: int | None, office: bool
) -> None:
    allowed = may_enter_actual(
        actor, appraised_employee_id=appraised, manager_id=manager, appraisal_office=office
    )
    if actor == appraised:
        assert not allowed
    else:
        assert allowed == (office or actor == manager)
