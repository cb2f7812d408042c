"""The qualification check per employee and the rate per department (sub-departments too)."""

import httpx

from shared.auth.principal import Role
from tests.conftest import bearer
from tests.staff.conftest import make_department, make_employee, make_position


async def test_employee_check_and_department_rate(staff_client: httpx.AsyncClient) -> None:
    top = await make_department(staff_client, "T-QR")
    team = await make_department(staff_client, "T-QR-TEAM", parent_id=top["id"])
    await make_position(
        staff_client,
        "T-QR-POS",
        team["id"],
        headcount_quota=5,
        qualifications={
            "education_level": "bachelor",
            "min_years_experience": 3,
            "skills": ["商务谈判"],
        },
    )
    good = await make_employee(
        staff_client, "E9701", position_code="T-QR-POS", education_level="master",
        years_experience=5, skills=["商务谈判"],
    )  # fmt: skip
    await make_employee(
        staff_client, "E9702", position_code="T-QR-POS", education_level="bachelor",
        years_experience=4,
    )  # fmt: skip
    short = await make_employee(
        staff_client, "E9703", position_code="T-QR-POS", education_level="associate",
        years_experience=1,
    )  # fmt: skip
    await make_employee(staff_client, "E9704", department_id=team["id"])  # no position

    check = (await staff_client.get(f"/v1/staff/employees/{short['id']}/qualification")).json()
    assert check["assessable"] and check["meets_all"] is False
    assert check["position_version_no"] == 1
    missed = {r["requirement"] for r in check["requirements"] if not r["met"]}
    assert missed == {"education_level", "min_years_experience", "skill"}
    fine = (await staff_client.get(f"/v1/staff/employees/{good['id']}/qualification")).json()
    assert fine["meets_all"] is True and fine["missing"] == []

    rate = (await staff_client.get(f"/v1/staff/departments/{top['id']}/qualification-rate")).json()
    assert rate["employees"] == 4 and rate["assessed"] == 3 and rate["meeting_all"] == 2
    assert rate["rate_percent"] == "66.67"
    assert rate["not_meeting"] == [short["id"]]
    missing = await staff_client.get("/v1/staff/departments/999999/qualification-rate")
    assert missing.status_code == 404


async def test_a_team_lead_reads_his_own_lines_checks_only(
    staff_client: httpx.AsyncClient,
) -> None:
    """Qualification checks are appraisal-like (issue 18, the walk's staff world): a team
    lead reads those of his reporting line; another's answer like missing ones."""
    ours = await make_department(staff_client, "T-QL")
    theirs = await make_department(staff_client, "T-QL-O")
    await make_position(staff_client, "T-QL-LEAD", ours["id"])
    await make_position(staff_client, "T-QL-KAM", ours["id"], reports_to_code="T-QL-LEAD")
    await make_position(staff_client, "T-QL-OKAM", theirs["id"])
    lead = await make_employee(staff_client, "E9801", position_code="T-QL-LEAD")
    kam = await make_employee(staff_client, "E9802", position_code="T-QL-KAM")
    other = await make_employee(staff_client, "E9803", position_code="T-QL-OKAM")
    as_lead = bearer(Role.TEAM_LEAD, employee_id=lead["id"], subject="user:981")

    mine = await staff_client.get(f"/v1/staff/employees/{kam['id']}/qualification", headers=as_lead)
    assert mine.status_code == 200, mine.text
    hidden = await staff_client.get(
        f"/v1/staff/employees/{other['id']}/qualification", headers=as_lead
    )
    missing = await staff_client.get("/v1/staff/employees/999999/qualification", headers=as_lead)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"].replace(str(other["id"]), "#") == missing.json()[
        "detail"
    ].replace("999999", "#")

    rate = await staff_client.get(
        f"/v1/staff/departments/{ours['id']}/qualification-rate", headers=as_lead
    )
    assert rate.status_code == 200 and rate.json()["employees"] == 2, rate.text
    not_his = await staff_client.get(
        f"/v1/staff/departments/{theirs['id']}/qualification-rate", headers=as_lead
    )
    assert not_his.status_code == 404
    # The department manager reads everyone's.
    everyone = await staff_client.get(
        f"/v1/staff/employees/{other['id']}/qualification",
        headers=bearer(Role.DEPT_MANAGER, employee_id=lead["id"], subject="user:982"),
    )
    assert everyone.status_code == 200
