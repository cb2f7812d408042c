"""Target plans hold only teams and people of the plan's department (issue 20, KPI item 2).

Org copy (department ← manager):
  department 61: lead 6100 (no manager)            department 71: lead 7100 (no manager)
  team 62: 6201, 6202 → report to 6100             team 72: 7201 → reports to 7100
  team 63: 6301       → reports to 6100 (6302 has departed)
Department 61's subtree is then {61, 62, 63} with people {6100, 6201, 6202, 6301}; 6302 has
left, 7201 and team 72 belong to department 71.
"""

from datetime import date

import httpx
from hypothesis import given
from hypothesis import strategies as st

from services.kpi.targets.rules import lines_outside_department, plan_org_date
from tests.kpi.conftest import employee_event, make_indicator, seed_org

YEAR = date.today().year  # the dated org copy knows today, not a fixed year

BASE = "/v1/kpi/target-plans"


async def _org(client: httpx.AsyncClient) -> int:
    await seed_org(client, [
        employee_event(6100, department_id=61, manager_id=None),
        employee_event(6201, department_id=62, manager_id=6100),
        employee_event(6202, department_id=62, manager_id=6100),
        employee_event(6301, department_id=63, manager_id=6100),
        employee_event(6302, department_id=63, manager_id=6100, status="departed"),
        employee_event(7100, department_id=71, manager_id=None),
        employee_event(7201, department_id=72, manager_id=7100),
    ])  # fmt: skip
    return await make_indicator(client, "dl_sales", unit="元")


def _plan(indicator: int, teams: list[tuple[int, list[int]]]) -> dict[str, object]:
    return {
        "indicator_id": indicator, "year": YEAR, "department_id": 61, "total": "90000.00",
        "teams": [
            {"team_id": team, "share": "1",
             "people": [{"employee_id": e, "share": "1"} for e in people]}
            for team, people in teams
        ],
    }  # fmt: skip


async def test_teams_and_people_of_another_department_are_refused(
    kpi_client: httpx.AsyncClient,
) -> None:
    indicator = await _org(kpi_client)
    # Team 72 and employee 7201 belong to department 71; 6302 has departed.
    refused = await kpi_client.post(
        BASE, json=_plan(indicator, [(62, [6201, 7201]), (72, [6202]), (63, [6302])])
    )
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["team_ids"] == [72] and problem["employee_ids"] == [7201, 6302]
    assert (await kpi_client.get(BASE, params={"department_id": 61})).json()["items"] == []

    # The department's own teams and people (6301 lent to team 62 is fine) are accepted:
    # 90,000.00 / 2 teams = 45,000.00 each.
    created = await kpi_client.post(
        BASE, json=_plan(indicator, [(62, [6201, 6202, 6301]), (61, [6100])])
    )
    assert created.status_code == 201, created.text
    assert [t["amount"] for t in created.json()["teams"]] == ["45000.00", "45000.00"]

    # A newcomer from another department cannot join by rebalancing either.
    plan_id = created.json()["id"]
    joined = await kpi_client.post(
        f"{BASE}/{plan_id}/rebalance",
        json={"team_id": 62, "employee_id": 7201, "change": "join", "effective_month": 7},
    )
    assert joined.status_code == 422, joined.text
    assert joined.json()["employee_ids"] == [7201]


def test_the_plan_date_is_today_clamped_into_the_plan_year() -> None:
    today = date(2026, 12, 5)
    assert plan_org_date(2026, today) == date(2026, 12, 5)
    assert plan_org_date(2025, today) == date(2025, 12, 31)
    assert plan_org_date(2027, today) == date(2027, 1, 1)


_MEMBERS = st.dictionaries(st.integers(1, 50), st.integers(100, 105), max_size=20)


@given(members=_MEMBERS, data=st.data())
def test_lines_made_of_members_are_never_outside(
    members: dict[int, int], data: st.DataObject
) -> None:
    departments = sorted({100, *members.values()})
    lines = {
        team: data.draw(st.lists(st.sampled_from(sorted(members)), max_size=5)) if members else []
        for team in data.draw(st.lists(st.sampled_from(departments), min_size=1, unique=True))
    }
    assert not lines_outside_department(100, lines, members)


@given(members=_MEMBERS, stranger=st.integers(51, 99), team=st.integers(200, 300))
def test_a_stranger_and_a_foreign_team_are_always_named(
    members: dict[int, int], stranger: int, team: int
) -> None:
    outside = lines_outside_department(100, {team: [stranger]}, members)
    assert outside.team_ids == [team] and outside.employee_ids == [stranger]
