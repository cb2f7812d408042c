"""The org chart: headcount against quota at every node, over-quota and vacancies."""

import httpx

from services.staff.orgchart.rules import (
    ChartDepartment,
    ChartPerson,
    ChartPosition,
    build_org_chart,
)
from tests.staff.conftest import make_department, make_employee, make_position


def test_counts_add_up_per_position() -> None:
    chart = build_org_chart(
        [ChartDepartment(1, "A", "部", None, 3), ChartDepartment(2, "B", "组", 1, 0)],
        [ChartPosition("P", "经理", 1, None, 1), ChartPosition("Q", "专员", 2, "P", 2)],
        [
            ChartPerson(1, "E1", "甲", "active", "P", 1),
            ChartPerson(2, "E2", "乙", "active", "P", 1),
            ChartPerson(3, "E3", "丙", "on_leave", None, 2),
            ChartPerson(4, "E4", "丁", "active", None, None),
        ],
    )
    (root,) = chart.roots
    assert (root.quota, root.headcount, root.vacancies) == (3, 3, 2)
    assert root.positions[0].over_quota and root.positions[0].headcount == 2
    (team,) = root.children
    assert team.positions[0].vacancies == 2 and [p.name for p in team.unassigned] == ["丙"]
    assert [p.name for p in chart.unplaced] == ["丁"]


async def test_chart_of_a_subtree(staff_client: httpx.AsyncClient) -> None:
    top = await make_department(staff_client, "T-OC", planned_headcount=3)
    team = await make_department(staff_client, "T-OC-T", parent_id=top["id"])
    await make_position(staff_client, "T-OC-MGR", top["id"], headcount_quota=1)
    await make_position(
        staff_client, "T-OC-REP", team["id"], headcount_quota=3, reports_to_code="T-OC-MGR"
    )
    await make_employee(staff_client, "E9801", position_code="T-OC-MGR")
    await make_employee(staff_client, "E9802", position_code="T-OC-MGR")
    await make_employee(staff_client, "E9803", position_code="T-OC-REP")
    chart = (
        await staff_client.get("/v1/staff/org-chart", params={"department_id": top["id"]})
    ).json()
    (root,) = chart["roots"]
    assert (root["quota"], root["headcount"], root["vacancies"]) == (4, 3, 2)
    manager = root["positions"][0]
    assert manager["over_quota"] and manager["headcount"] == 2 and manager["vacancies"] == 0
    rep = root["children"][0]["positions"][0]
    assert rep["vacancies"] == 2 and not rep["over_quota"]
    assert [p["employee_no"] for p in rep["people"]] == ["E9803"]
    assert (
        await staff_client.get("/v1/staff/org-chart", params={"department_id": 999999})
    ).status_code == 404
