"""Roll-ups and the cycle export hold only the caller's scope (issue 18, defect 2).

A team lead who gets 404 on another team's appraisal must not read its score, grade or
bonus factor in the export, nor count it in his roll-up.
"""

import csv
import io

import httpx
from openpyxl import load_workbook

from shared.auth.principal import Role
from tests.conftest import bearer
from tests.kpi.test_access import LEAD, OUTSIDER, A, B, cycle_with_team

AS_LEAD = bearer(Role.TEAM_LEAD, employee_id=LEAD)


async def _cycle_id(client: httpx.AsyncClient, ids: dict[int, int]) -> int:
    return int((await client.get(f"/v1/kpi/appraisals/{ids[A]}")).json()["cycle_id"])


def _csv_employees(text: str) -> set[int]:
    return {int(row["employee_id"]) for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}


async def test_a_team_lead_exports_only_his_subtree(kpi_client: httpx.AsyncClient) -> None:
    ids = await cycle_with_team(kpi_client)
    cycle = await _cycle_id(kpi_client, ids)
    hidden = await kpi_client.get(f"/v1/kpi/appraisals/{ids[OUTSIDER]}", headers=AS_LEAD)
    assert hidden.status_code == 404

    as_lead = await kpi_client.get(
        f"/v1/kpi/cycles/{cycle}/export", params={"lang": "en"}, headers=AS_LEAD
    )
    assert as_lead.status_code == 200, as_lead.text
    assert _csv_employees(as_lead.text) == {LEAD, A, B}

    xlsx = await kpi_client.get(
        f"/v1/kpi/cycles/{cycle}/export", params={"lang": "en", "format": "xlsx"}, headers=AS_LEAD
    )
    assert xlsx.status_code == 200, xlsx.text
    rows = list(load_workbook(io.BytesIO(xlsx.content)).worksheets[0].iter_rows(values_only=True))
    assert {int(str(row[0])) for row in rows[1:]} == {LEAD, A, B}

    everyone = await kpi_client.get(
        f"/v1/kpi/cycles/{cycle}/export",
        params={"lang": "en"},
        headers=bearer(Role.APPRAISAL_ADMIN, employee_id=1),
    )
    assert _csv_employees(everyone.text) == {LEAD, A, B, OUTSIDER}


async def test_a_team_leads_rollup_counts_only_his_subtree(
    kpi_client: httpx.AsyncClient,
) -> None:
    ids = await cycle_with_team(kpi_client)
    cycle = await _cycle_id(kpi_client, ids)

    rollup = await kpi_client.get(f"/v1/kpi/cycles/{cycle}/rollup", headers=AS_LEAD)
    assert rollup.status_code == 200, rollup.text
    assert [(g["group_id"], g["appraisals"]) for g in rollup.json()["groups"]] == [(92, 3)]
    by_team = await kpi_client.get(
        f"/v1/kpi/cycles/{cycle}/rollup", params={"group_by": "team"}, headers=AS_LEAD
    )
    teams = {g["group_id"]: g["appraisals"] for g in by_team.json()["groups"]}
    assert sum(teams.values()) == 3 and OUTSIDER not in teams
    # a team is named after its manager (org copy); departments' names live in staff
    named = {g["group_id"]: g["group_name"] for g in by_team.json()["groups"]}
    assert named[LEAD] == f"员工{LEAD}"
    assert all(name is None for key, name in named.items() if key != LEAD)  # not in the copy
    assert rollup.json()["groups"][0]["group_name"] is None

    admin = await kpi_client.get(f"/v1/kpi/cycles/{cycle}/rollup")
    assert [(g["group_id"], g["appraisals"]) for g in admin.json()["groups"]] == [(92, 4)]


async def test_an_employee_without_reports_sees_no_rollup_of_others(
    kpi_client: httpx.AsyncClient,
) -> None:
    ids = await cycle_with_team(kpi_client)
    cycle = await _cycle_id(kpi_client, ids)
    as_lead_without_team = bearer(Role.TEAM_LEAD, employee_id=OUTSIDER)
    export = await kpi_client.get(
        f"/v1/kpi/cycles/{cycle}/export", params={"lang": "en"}, headers=as_lead_without_team
    )
    assert _csv_employees(export.text) == {OUTSIDER}
    rollup = await kpi_client.get(f"/v1/kpi/cycles/{cycle}/rollup", headers=as_lead_without_team)
    assert [(g["group_id"], g["appraisals"]) for g in rollup.json()["groups"]] == [(92, 1)]


async def test_a_trend_of_a_department_not_his_answers_like_a_missing_one(
    kpi_client: httpx.AsyncClient,
) -> None:
    """The department filter goes through the scope (issue 18): another department's
    trend is not shown to a team lead, and its answer says no more than a missing one's."""
    await cycle_with_team(kpi_client)
    his = await kpi_client.get("/v1/kpi/rollups/trend?department_id=92", headers=AS_LEAD)
    assert his.status_code == 200, his.text
    assert his.json()["department_id"] == 92 and his.json()["points"]

    other = await kpi_client.get("/v1/kpi/rollups/trend?department_id=93", headers=AS_LEAD)
    missing = await kpi_client.get("/v1/kpi/rollups/trend?department_id=987654", headers=AS_LEAD)
    assert other.status_code == missing.status_code == 404
    assert other.json()["type"] == missing.json()["type"]
    assert other.json()["detail"].replace("93", "#") == missing.json()["detail"].replace(
        "987654", "#"
    )

    admin = await kpi_client.get("/v1/kpi/rollups/trend?department_id=93")
    assert admin.status_code == 200 and admin.json()["department_id"] == 93
