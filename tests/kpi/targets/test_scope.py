"""Who reads which target plan, down to which part (issue 18, defect 15).

Team leads used to read any department's plan down to individual targets. Now a team lead
sees the plans of his reporting subtree (the department level he leads and below), an
account manager his own targets, and the appraisal administrator, the department manager,
administrators and executives everything. A plan outside the scope answers like a missing one.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from services.kpi.targets.rules import visible_parts
from shared.auth.principal import Role
from tests.conftest import bearer
from tests.kpi.conftest import employee_event, make_indicator, seed_org

YEAR = date.today().year  # the dated org copy knows today, not a fixed year

BASE = "/v1/kpi/target-plans"
HEAD, LEAD_54, LEAD_55, OTHER_LEAD = 9530, 9540, 9550, 9560
P12, P15, P21, OTHER = 9512, 9515, 9521, 9561


async def _plans(client: httpx.AsyncClient) -> tuple[int, int]:
    """Department 53's plan (teams 54 and 55) and department 56's plan."""
    await seed_org(client, [
        employee_event(HEAD, department_id=52, manager_id=None),
        employee_event(LEAD_54, department_id=53, manager_id=HEAD),
        employee_event(LEAD_55, department_id=53, manager_id=HEAD),
        employee_event(P12, department_id=54, manager_id=LEAD_54),
        employee_event(P15, department_id=54, manager_id=LEAD_54),
        employee_event(P21, department_id=55, manager_id=LEAD_55),
        employee_event(OTHER_LEAD, department_id=56, manager_id=None),
        employee_event(OTHER, department_id=56, manager_id=OTHER_LEAD),
    ])  # fmt: skip
    indicator = await make_indicator(client, "ts_sales", unit="元")
    ids = []
    for department, teams in (
        (53, [{"team_id": 54, "share": "2", "people": [
                  {"employee_id": P12, "share": "1"}, {"employee_id": P15, "share": "1"}]},
              {"team_id": 55, "share": "1", "people": [{"employee_id": P21, "share": "1"}]}]),
        (56, [{"team_id": 56, "share": "1", "people": [{"employee_id": OTHER, "share": "1"}]}]),
    ):  # fmt: skip
        created = await client.post(BASE, json={
            "indicator_id": indicator, "year": YEAR, "department_id": department,
            "total": "1200000.00", "teams": teams})  # fmt: skip
        assert created.status_code == 201, created.text
        ids.append(int(created.json()["id"]))
    return ids[0], ids[1]


def _parts(plan: dict[str, Any]) -> dict[int, list[int]]:
    return {team["team_id"]: [p["employee_id"] for p in team["people"]] for team in plan["teams"]}


async def _listed(client: httpx.AsyncClient, headers: dict[str, str]) -> set[int]:
    page = await client.get(BASE, params={"year": YEAR, "limit": 200}, headers=headers)
    assert page.status_code == 200, page.text
    return {plan["id"] for plan in page.json()["items"]}


async def test_a_team_lead_sees_his_teams_part_only(kpi_client: httpx.AsyncClient) -> None:
    ours, theirs = await _plans(kpi_client)
    as_lead = bearer(Role.TEAM_LEAD, employee_id=LEAD_54)
    assert await _listed(kpi_client, as_lead) == {ours}
    plan = await kpi_client.get(f"{BASE}/{ours}", headers=as_lead)
    assert plan.status_code == 200, plan.text
    assert _parts(plan.json()) == {54: [P12, P15]}
    assert (await kpi_client.get(f"{BASE}/{theirs}", headers=as_lead)).status_code == 404


async def test_the_lead_of_the_department_sees_its_whole_plan(
    kpi_client: httpx.AsyncClient,
) -> None:
    ours, theirs = await _plans(kpi_client)
    as_head = bearer(Role.TEAM_LEAD, employee_id=HEAD)
    plan = await kpi_client.get(f"{BASE}/{ours}", headers=as_head)
    assert _parts(plan.json()) == {54: [P12, P15], 55: [P21]}
    assert await _listed(kpi_client, as_head) == {ours}
    for role in (Role.DEPT_MANAGER, Role.APPRAISAL_ADMIN, Role.EXECUTIVE, Role.ADMIN):
        headers = bearer(role, employee_id=1)
        assert await _listed(kpi_client, headers) == {ours, theirs}
        whole = await kpi_client.get(f"{BASE}/{ours}", headers=headers)
        assert _parts(whole.json()) == {54: [P12, P15], 55: [P21]}


async def test_an_account_manager_sees_his_own_target_only(kpi_client: httpx.AsyncClient) -> None:
    ours, _ = await _plans(kpi_client)
    for employee, team in ((P12, 54), (P21, 55)):
        headers = bearer(Role.ACCOUNT_MANAGER, employee_id=employee)
        assert await _listed(kpi_client, headers) == {ours}
        plan = await kpi_client.get(f"{BASE}/{ours}", headers=headers)
        assert plan.status_code == 200, plan.text
        assert _parts(plan.json()) == {team: [employee]}
        assert len(plan.json()["teams"][0]["people"][0]["months"]) == 12


async def test_a_plan_outside_the_scope_answers_like_a_missing_one(
    kpi_client: httpx.AsyncClient,
) -> None:
    ours, _ = await _plans(kpi_client)
    as_other = bearer(Role.TEAM_LEAD, employee_id=OTHER_LEAD)
    hidden = await kpi_client.get(f"{BASE}/{ours}", headers=as_other)
    missing = await kpi_client.get(f"{BASE}/2000000000", headers=as_other)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.headers["content-type"] == missing.headers["content-type"]
    body, expected = hidden.json(), missing.json()
    assert set(body) == set(expected)
    assert {k: body[k] for k in ("type", "title", "status")} == {
        k: expected[k] for k in ("type", "title", "status")
    }
    assert body["detail"] == expected["detail"].replace("2000000000", str(ours))
    filtered = await kpi_client.get(BASE, params={"department_id": 53}, headers=as_other)
    assert filtered.json()["items"] == []


@dataclass(frozen=True)
class Part:
    level: str
    team_id: int
    employee_id: int | None


TEAMS = {1: [11, 12], 2: [21, 22], 3: [31]}
PARTS = [Part("team", team, None) for team in TEAMS] + [
    Part(level, team, person)
    for team, people in TEAMS.items()
    for person in people
    for level in ("person", "month")
]


@given(
    departments=st.frozensets(st.sampled_from([1, 2, 3, 9])),
    employees=st.frozensets(st.sampled_from([11, 12, 21, 22, 31, 99])),
)
def test_nobody_sees_an_individual_target_outside_his_scope(
    departments: frozenset[int], employees: frozenset[int]
) -> None:
    shown = visible_parts(100, PARTS, departments=departments, employees=employees)
    for part in shown:
        assert part.team_id in departments or (
            part.employee_id in employees
            if part.employee_id is not None
            else any(e in employees for e in TEAMS[part.team_id])
        )
    for part in PARTS:
        if part.team_id in departments or part.employee_id in employees:
            assert part in shown
    assert visible_parts(100, PARTS, departments=None, employees=frozenset()) == PARTS
    assert visible_parts(100, PARTS, departments=departments | {100}, employees=employees) == PARTS
