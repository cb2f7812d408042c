"""Position descriptions through the API: lifecycle, immutability, diff, reporting lines."""

import httpx

from shared.auth.principal import Role
from tests.conftest import bearer, post_current
from tests.staff.conftest import (
    POSITIONS,
    SECOND_ADMIN,
    duty,
    make_department,
    make_position,
)

PROBLEM = "application/problem+json"


async def test_create_makes_draft_v1_and_patch_needs_if_match(
    staff_client: httpx.AsyncClient,
) -> None:
    dept = await make_department(staff_client, "T-PD")
    created = await make_position(staff_client, "T-KAM", dept["id"], approve=False)
    assert created["status"] == "draft" and created["version_no"] == 1
    url = f"{POSITIONS}/{created['position_id']}/versions/1"
    got = await staff_client.get(url)
    assert got.headers["etag"] == '"1"'
    assert (await staff_client.patch(url, json={"title": "新"})).status_code == 428
    ok = await staff_client.patch(url, json={"title": "大客户经理"}, headers={"If-Match": '"1"'})
    assert ok.status_code == 200 and ok.json()["title"] == "大客户经理"
    stale = await staff_client.patch(url, json={"title": "x"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412


async def test_lifecycle_one_approved_version_and_immutability(
    staff_client: httpx.AsyncClient,
) -> None:
    dept = await make_department(staff_client, "T-LC")
    v1 = await make_position(staff_client, "T-LC-POS", dept["id"])
    pid = v1["position_id"]
    assert v1["status"] == "approved" and v1["authoring"]["approved_on"] is not None
    base = f"{POSITIONS}/{pid}/versions"

    # an approved version is immutable
    etag = (await staff_client.get(f"{base}/1")).headers["etag"]
    frozen = await staff_client.patch(f"{base}/1", json={"title": "x"}, headers={"If-Match": etag})
    assert frozen.status_code == 409 and frozen.headers["content-type"] == PROBLEM
    # approving something not in review is a 409
    assert (await post_current(staff_client, f"{base}/1", "/approve")).status_code == 409

    # editing an approved version = a new draft copied from it
    v2 = await staff_client.post(f"{base}/1/revise")
    assert v2.status_code == 201 and v2.json()["version_no"] == 2
    assert v2.json()["duties"] == v1["duties"]
    assert (await staff_client.post(f"{base}/1/revise")).status_code == 409  # one open draft
    assert (
        await post_current(staff_client, f"{base}/2", "/approve")
    ).status_code == 409  # still a draft
    edit = await staff_client.patch(
        f"{base}/2",
        json={"headcount_quota": 5, "duties": [duty(1), duty(2, "维护客户关系")]},
        headers={"If-Match": v2.headers["etag"]},
    )
    assert edit.status_code == 200, edit.text
    assert (await post_current(staff_client, f"{base}/2", "/submit")).json()[
        "status"
    ] == "in_review"
    approved = await post_current(staff_client, f"{base}/2", "/approve", headers=SECOND_ADMIN)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"

    versions = (await staff_client.get(base)).json()["items"]
    assert [(v["version_no"], v["status"]) for v in versions] == [(1, "retired"), (2, "approved")]
    position = (await staff_client.get(f"{POSITIONS}/{pid}")).json()
    assert position["in_force_version_no"] == 2 and position["headcount_quota"] == 5

    diff = (await staff_client.get(f"{POSITIONS}/{pid}/diff", params={"from": 1, "to": 2})).json()
    by_field = {c["field"]: c for c in diff["changes"]}
    assert set(by_field) == {"headcount_quota", "duties"}  # authoring dates are both today
    assert by_field["headcount_quota"]["before"] == 2 and by_field["headcount_quota"]["after"] == 5
    assert by_field["duties"]["added"] == ["维护客户关系"]
    assert by_field["duties"]["removed"] == [] and by_field["duties"]["changed"] == []

    retired = await post_current(staff_client, f"{base}/2", "/retire")
    assert retired.json()["status"] == "retired"
    assert (await post_current(staff_client, f"{base}/2", "/retire")).status_code == 409


async def test_return_to_draft_and_incomplete_submit(staff_client: httpx.AsyncClient) -> None:
    dept = await make_department(staff_client, "T-RT")
    empty = await staff_client.post(
        POSITIONS, json={"code": "T-EMPTY", "title": "空", "department_id": dept["id"]}
    )
    base = f"{POSITIONS}/{empty.json()['position_id']}/versions/1"
    incomplete = await post_current(staff_client, f"{base}", "/submit")
    assert incomplete.status_code == 409
    assert set(incomplete.json()["missing"]) == {"duties", "qualifications"}
    full = await make_position(staff_client, "T-FULL", dept["id"], approve=False)
    base = f"{POSITIONS}/{full['position_id']}/versions/1"
    await post_current(staff_client, f"{base}", "/submit")
    back = await post_current(staff_client, f"{base}", "/return")
    assert back.json()["status"] == "draft"


async def test_bad_references_are_refused_without_a_write(staff_client: httpx.AsyncClient) -> None:
    dept = await make_department(staff_client, "T-BR")
    no_dept = await staff_client.post(
        POSITIONS, json={"code": "T-NODEPT", "title": "x", "department_id": 999999}
    )
    assert no_dept.status_code == 422
    assert no_dept.json()["errors"][0]["loc"] == ["body", "department_id"]
    no_boss = await staff_client.post(
        POSITIONS,
        json={
            "code": "T-NOBOSS",
            "title": "x",
            "department_id": dept["id"],
            "reports_to_code": "NOPE",
        },
    )
    assert no_boss.status_code == 422
    listed = (await staff_client.get(POSITIONS, params={"q": "T-NO"})).json()
    assert listed["items"] == []
    bad_ranks = await staff_client.post(
        POSITIONS,
        json={"code": "T-RANK", "title": "x", "department_id": dept["id"], "duties": [duty(2)]},
    )
    assert bad_ranks.status_code == 422
    no_limit = await staff_client.post(
        POSITIONS,
        json={
            "code": "T-LIMIT",
            "title": "x",
            "department_id": dept["id"],
            "authorities": {"financial": [{"code": "approve_discount", "description": "折扣"}]},
        },
    )
    assert no_limit.status_code == 422
    await make_position(staff_client, "T-DUP", dept["id"], approve=False)
    dup = await staff_client.post(
        POSITIONS, json={"code": "T-DUP", "title": "x", "department_id": dept["id"]}
    )
    assert dup.status_code == 409


async def test_reports_to_cycles_are_409_and_subordinates_are_derived(
    staff_client: httpx.AsyncClient,
) -> None:
    dept = await make_department(staff_client, "T-CY")
    top = await make_position(staff_client, "T-TOP", dept["id"])
    mid = await make_position(staff_client, "T-MID", dept["id"], reports_to_code="T-TOP")
    await make_position(staff_client, "T-LOW", dept["id"], reports_to_code="T-MID")
    await make_position(staff_client, "T-LOW2", dept["id"], reports_to_code="T-MID")

    subordinates = await staff_client.get(f"{POSITIONS}/{mid['position_id']}/subordinates")
    assert sorted(p["code"] for p in subordinates.json()) == ["T-LOW", "T-LOW2"]

    draft = (await staff_client.post(f"{POSITIONS}/{top['position_id']}/versions/1/revise")).json()
    url = f"{POSITIONS}/{top['position_id']}/versions/{draft['version_no']}"
    cycle = await staff_client.patch(
        url, json={"reports_to_code": "T-LOW"}, headers={"If-Match": '"1"'}
    )
    assert cycle.status_code == 409
    assert cycle.json()["cycle"] == ["T-TOP", "T-LOW", "T-MID", "T-TOP"]
    itself = await staff_client.patch(
        url, json={"reports_to_code": "T-TOP"}, headers={"If-Match": '"1"'}
    )
    assert itself.status_code == 409
    unchanged = await staff_client.get(url)
    assert unchanged.json()["reports_to_code"] is None and unchanged.headers["etag"] == '"1"'


async def test_list_filters_and_pages(staff_client: httpx.AsyncClient) -> None:
    one = await make_department(staff_client, "T-L1")
    two = await make_department(staff_client, "T-L2")
    for index in range(3):
        await make_position(staff_client, f"T-LP{index}", one["id"])
    await make_position(staff_client, "T-LPX", two["id"], approve=False)
    seen, cursor = [], None
    while True:
        params = {"department_id": one["id"], "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await staff_client.get(POSITIONS, params=params)).json()
        seen += [p["code"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["T-LP0", "T-LP1", "T-LP2"]
    drafts = (await staff_client.get(POSITIONS, params={"status": "draft", "q": "T-LP"})).json()
    assert [p["code"] for p in drafts["items"]] == ["T-LPX"]
    assert (await staff_client.get(f"{POSITIONS}/999999")).status_code == 404
    assert (await staff_client.get(f"{POSITIONS}/1/versions/0")).status_code == 422


async def test_only_managers_approve_and_approvals_are_audited(
    staff_client: httpx.AsyncClient,
) -> None:
    dept = await make_department(staff_client, "T-APR")
    created = await make_position(staff_client, "T-APR-KAM", dept["id"], approve=False)
    base = f"/v1/staff/positions/{created['position_id']}/versions"
    submitted = await staff_client.post(f"{base}/1/submit", headers={"If-Match": '"1"'})
    assert submitted.status_code == 200, submitted.text
    etag = submitted.headers["etag"]
    lead = await staff_client.post(
        f"{base}/1/approve", headers={"If-Match": etag, **bearer(Role.TEAM_LEAD, employee_id=2)}
    )
    assert lead.status_code == 403
    manager = await staff_client.post(
        f"{base}/1/approve",
        headers={"If-Match": etag, **bearer(Role.DEPT_MANAGER, employee_id=1, subject="user:3")},
    )
    assert manager.status_code == 200, manager.text
    log = (await staff_client.get("/v1/staff/audit", params={"action": "position_approved"})).json()
    assert log["items"][0]["entity_id"] == "T-APR-KAM v1"
