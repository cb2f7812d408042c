"""Who wrote, submitted and approved a description, and who may approve it (four eyes).

The organisation of these tests, worked out by hand:

    T-AP (root department, head position T-AP-MGR)
      T-AP-MGR   held by 王经理 (dept_manager)
      T-AP-LEAD  reports to T-AP-MGR, held by 李主管 (team_lead)
    T-HR (root department, head position T-HR-MGR)
      T-HR-MGR   held by 赵人事 (dept_manager)
    钱经理: a dept_manager without a position.

A T-AP-KAM description naming no approver is approved by the department manager above it:
the head of T-AP, i.e. 王经理. One naming T-HR-MGR is approved by 赵人事 only. The head of the
root department (T-AP-MGR) has nobody above: another department manager approves, never the
one who submitted.
"""

from typing import Any

import httpx

from services.staff.positions.service import company_today
from shared.auth.principal import Role
from tests.conftest import bearer, post_current
from tests.staff.conftest import (
    POSITIONS,
    duty,
    make_department,
    make_employee,
    make_position,
)


async def organisation(client: httpx.AsyncClient) -> dict[str, Any]:
    ap = await make_department(client, "T-AP", head_position_code="T-AP-MGR")
    hr = await make_department(client, "T-HR", head_position_code="T-HR-MGR")
    await make_position(client, "T-AP-MGR", ap["id"], headcount_quota=1)
    await make_position(client, "T-AP-LEAD", ap["id"], reports_to_code="T-AP-MGR")
    await make_position(client, "T-HR-MGR", hr["id"], headcount_quota=1)
    people = {
        "wang": await make_employee(client, "T-AP-1", name="王经理", position_code="T-AP-MGR"),
        "li": await make_employee(client, "T-AP-2", name="李主管", position_code="T-AP-LEAD"),
        "zhao": await make_employee(client, "T-HR-1", name="赵人事", position_code="T-HR-MGR"),
        "qian": await make_employee(client, "T-AP-3", name="钱经理"),
    }
    roles = {"wang": Role.DEPT_MANAGER, "li": Role.TEAM_LEAD, "zhao": Role.DEPT_MANAGER,
             "qian": Role.DEPT_MANAGER}  # fmt: skip
    headers = {
        key: bearer(roles[key], employee_id=person["id"], subject=f"user:{100 + n}")
        for n, (key, person) in enumerate(people.items())
    }
    return {"ap": ap, "people": people, "headers": headers}


async def kam_draft(
    client: httpx.AsyncClient, org: dict[str, Any], code: str, **fields: Any
) -> str:
    """A KAM description written and submitted by 李主管; the URL of its version 1."""
    body = {"code": code, "title": "大客户经理", "department_id": org["ap"]["id"],
            "reports_to_code": "T-AP-LEAD", "duties": [duty()],
            "qualifications": {"education_level": "bachelor", "min_years_experience": 1},
            **fields}  # fmt: skip
    created = await client.post(POSITIONS, json=body, headers=org["headers"]["li"])
    assert created.status_code == 201, created.text
    url = f"{POSITIONS}/{created.json()['position_id']}/versions/1"
    submitted = await post_current(client, f"{url}", "/submit", headers=org["headers"]["li"])
    assert submitted.status_code == 200, submitted.text
    return url


async def test_the_department_manager_above_approves_and_the_people_are_recorded(
    staff_client: httpx.AsyncClient,
) -> None:
    org = await organisation(staff_client)
    people, headers = org["people"], org["headers"]
    url = await kam_draft(staff_client, org, "T-AP-KAM")
    # 钱经理 is a department manager, but not the one above T-AP-KAM (王经理 holds T-AP-MGR)
    other = await post_current(staff_client, f"{url}", "/approve", headers=headers["qian"])
    assert other.status_code == 403, other.text
    assert other.json()["approver_codes"] == ["T-AP-MGR"]
    approved = await post_current(staff_client, f"{url}", "/approve", headers=headers["wang"])
    assert approved.status_code == 200, approved.text
    version = approved.json()
    today = company_today().isoformat()
    assert (version["created_by_employee_id"], version["submitted_by_employee_id"],
            version["approved_by_employee_id"]) == (people["li"]["id"], people["li"]["id"],
                                                     people["wang"]["id"])  # fmt: skip
    assert (version["created_by"], version["submitted_by"], version["approved_by"]) == (
        "user:101",
        "user:101",
        "user:100",
    )
    # 编写 = who submitted, 编制日期 = the day submitted; 审核/批准 = the approver, that day
    assert version["authoring"] == {
        "written_by": "李主管", "written_on": today, "reviewed_by": "王经理",
        "reviewed_on": today, "approved_by": "王经理", "approved_on": today,
    }  # fmt: skip


async def test_the_named_approver_approves_and_a_revision_keeps_the_name(
    staff_client: httpx.AsyncClient,
) -> None:
    org = await organisation(staff_client)
    headers = org["headers"]
    url = await kam_draft(staff_client, org, "T-AP-KAM2", approver_code="T-HR-MGR")
    # the description names T-HR-MGR: the department manager above (王经理) does not approve
    assert (
        await post_current(staff_client, f"{url}", "/approve", headers=headers["wang"])
    ).status_code == 403
    approved = await post_current(staff_client, f"{url}", "/approve", headers=headers["zhao"])
    assert approved.status_code == 200, approved.text
    assert approved.json()["authoring"]["approved_by"] == "赵人事"
    revised = await staff_client.post(f"{url}/revise", headers=headers["li"])
    assert revised.status_code == 201, revised.text
    assert revised.json()["approver_code"] == "T-HR-MGR"
    assert revised.json()["authoring"] == {
        "written_by": None,
        "reviewed_by": None,
        "approved_by": None,
        "written_on": None,
        "reviewed_on": None,
        "approved_on": None,
    }  # fmt: skip  (version 2 is not written yet; version 1 keeps its block)
    v1 = (await staff_client.get(url)).json()
    assert (v1["authoring"]["written_by"], v1["authoring"]["approved_by"]) == ("李主管", "赵人事")
    # a named approver must exist
    bad = await staff_client.patch(
        url.replace("/versions/1", "/versions/2"),
        json={"approver_code": "T-NOBODY"},
        headers={"If-Match": revised.headers["etag"]},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "approver_code"]


async def test_at_the_top_a_second_manager_approves_never_the_submitter(
    staff_client: httpx.AsyncClient,
) -> None:
    org = await organisation(staff_client)
    headers = org["headers"]
    top = (await staff_client.get(POSITIONS, params={"q": "T-AP-MGR"})).json()["items"][0]
    base = f"{POSITIONS}/{top['id']}/versions"
    revised = await staff_client.post(f"{base}/1/revise", headers=headers["wang"])
    assert revised.status_code == 201, revised.text
    submitted = await post_current(staff_client, f"{base}/2", "/submit", headers=headers["wang"])
    assert submitted.status_code == 200, submitted.text
    alone = await post_current(staff_client, f"{base}/2", "/approve", headers=headers["wang"])
    assert alone.status_code == 403 and "four eyes" in alone.json()["detail"]
    # the same person with another login is still the same person
    other_login = bearer(Role.DEPT_MANAGER, employee_id=org["people"]["wang"]["id"],
                         subject="user:999")  # fmt: skip
    assert (
        await post_current(staff_client, f"{base}/2", "/approve", headers=other_login)
    ).status_code == 403
    second = await post_current(staff_client, f"{base}/2", "/approve", headers=headers["qian"])
    assert second.status_code == 200, second.text
    assert second.json()["authoring"]["written_by"] == "王经理"
    assert second.json()["authoring"]["approved_by"] == "钱经理"


async def test_an_administrator_cannot_approve_what_he_submitted(
    staff_client: httpx.AsyncClient,
) -> None:
    dept = await make_department(staff_client, "T-AP-ADM")
    created = await make_position(staff_client, "T-AP-ADM-KAM", dept["id"], approve=False)
    url = f"{POSITIONS}/{created['position_id']}/versions/1"
    assert (await post_current(staff_client, f"{url}", "/submit")).status_code == 200
    alone = await post_current(staff_client, f"{url}", "/approve")  # the same admin login (user:1)
    assert alone.status_code == 403
    version = (await staff_client.get(url)).json()
    assert (version["status"], version["submitted_by"]) == ("in_review", "user:1")


async def test_a_team_description_goes_up_and_a_vacant_named_approver_falls_back(
    staff_client: httpx.AsyncClient,
) -> None:
    # team T-AP-T (under T-AP, head T-AP-LEAD): the heads above a KAM there are T-AP-LEAD
    # and T-AP-MGR, so 王经理 approves; 钱经理 holds neither. T-AP-VAC has nobody in it:
    # a description naming it is approved by the managers above instead.
    org = await organisation(staff_client)
    headers = org["headers"]
    team = await make_department(
        staff_client, "T-AP-T", parent_id=org["ap"]["id"], head_position_code="T-AP-LEAD"
    )
    await make_position(staff_client, "T-AP-VAC", org["ap"]["id"])
    for code, fields in (("T-AP-TK", {}), ("T-AP-TV", {"approver_code": "T-AP-VAC"})):
        url = await kam_draft(staff_client, org, code, department_id=team["id"], **fields)
        refused = await post_current(staff_client, f"{url}", "/approve", headers=headers["qian"])
        assert refused.status_code == 403, code
        assert refused.json()["approver_codes"] == ["T-AP-LEAD", "T-AP-MGR"], code
        approved = await post_current(staff_client, f"{url}", "/approve", headers=headers["wang"])
        assert approved.status_code == 200, (code, approved.text)
