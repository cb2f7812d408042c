"""Only a description in force sets a quota; quotas above the planned headcount are flagged."""

import httpx
from hypothesis import given
from hypothesis import strategies as st

from services.staff.orgchart.rules import (
    ChartDepartment,
    ChartPerson,
    ChartPosition,
    build_org_chart,
)
from tests.conftest import post_current
from tests.staff.conftest import SECOND_ADMIN, make_department, make_position

ORG_CHART = "/v1/staff/org-chart"


def test_a_draft_position_counts_nothing_and_quotas_over_plan_are_flagged() -> None:
    # A (planned 4): P in force, quota 2; Q only a draft proposing 5, held by 甲.
    # B under A: R in force, quota 3.
    # A's quota = P 2 + B's 3 = 5 (Q's 5 is not counted: 10 before), 5 > planned 4: flagged.
    # Q: quota 0, 甲 holds it → headcount 1, over quota, no vacancy; vacancies of A = 2 + 3.
    chart = build_org_chart(
        [ChartDepartment(1, "A", "部", None, 4), ChartDepartment(2, "B", "组", 1, 0)],
        [
            ChartPosition("P", "经理", 1, None, 2),
            ChartPosition("Q", "专员", 1, "P", 5, in_force=False),
            ChartPosition("R", "专员", 2, "P", 3),
        ],
        [ChartPerson(1, "E1", "甲", "active", "Q", 1)],
    )
    (root,) = chart.roots
    assert (root.quota, root.headcount, root.vacancies) == (5, 1, 5)
    assert root.quota_over_plan and not root.over_plan
    draft = root.positions[1]
    assert (draft.in_force, draft.quota, draft.proposed_quota) == (False, 0, 5)
    assert draft.over_quota and draft.vacancies == 0
    (team,) = root.children
    assert (team.quota, team.quota_over_plan) == (3, False)  # B plans nothing: no flag
    # a plan of exactly the quotas is not exceeded
    exact = build_org_chart(
        [ChartDepartment(1, "A", "部", None, 5), ChartDepartment(2, "B", "组", 1, 0)],
        [ChartPosition("P", "经理", 1, None, 2), ChartPosition("R", "专员", 2, "P", 3)],
        [],
    )
    assert (exact.roots[0].quota, exact.roots[0].quota_over_plan) == (5, False)


@given(
    positions=st.lists(st.tuples(st.integers(0, 20), st.booleans()), max_size=8),
    planned=st.integers(0, 100),
)
def test_the_quota_is_the_sum_of_the_quotas_in_force(
    positions: list[tuple[int, bool]], planned: int
) -> None:
    chart = build_org_chart(
        [ChartDepartment(1, "A", "部", None, planned)],
        [ChartPosition(f"P{n}", "职位", 1, None, q, f) for n, (q, f) in enumerate(positions)],
        [],
    )
    (root,) = chart.roots
    in_force = sum(q for q, f in positions if f)
    assert root.quota == in_force == root.vacancies
    assert root.quota_over_plan == (planned > 0 and in_force > planned)


async def test_the_chart_counts_approved_positions_only(staff_client: httpx.AsyncClient) -> None:
    # planned 3; T-Q-MGR in force with 2; T-Q-REP a draft proposing 4 → quota 2, no flag
    # (before: 2 + 4 = 6). Approving T-Q-REP makes the quota 6 > 3: flagged.
    dept = await make_department(staff_client, "T-Q", planned_headcount=3)
    await make_position(staff_client, "T-Q-MGR", dept["id"], headcount_quota=2)
    draft = await make_position(staff_client, "T-Q-REP", dept["id"], headcount_quota=4,
                                approve=False)  # fmt: skip
    params = {"department_id": dept["id"]}
    (root,) = (await staff_client.get(ORG_CHART, params=params)).json()["roots"]
    assert (root["quota"], root["vacancies"], root["quota_over_plan"]) == (2, 2, False)
    rep = next(p for p in root["positions"] if p["code"] == "T-Q-REP")
    assert (rep["in_force"], rep["quota"], rep["proposed_quota"]) == (False, 0, 4)

    base = f"/v1/staff/positions/{draft['position_id']}/versions/1"
    assert (await post_current(staff_client, f"{base}", "/submit")).status_code == 200
    assert (
        await post_current(staff_client, f"{base}", "/approve", headers=SECOND_ADMIN)
    ).status_code == 200
    (root,) = (await staff_client.get(ORG_CHART, params=params)).json()["roots"]
    assert (root["quota"], root["vacancies"], root["quota_over_plan"]) == (6, 6, True)
