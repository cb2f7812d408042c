"""A month's appraisal of a team, end to end through the gateway with real logins (issue 8).

Staff hires a team lead and three key-account managers on positions whose tree makes the
lead their manager; staff's events feed the org copies of clients and kpi. The members'
month happens in the clients API (contracts signed, visits planned and completed, tickets
resolved in time and late, surveys), all dated today so the period is this month. The
appraisal administrator builds a template of five automatic indicators and one rated item,
runs the cycle: collect actuals from clients, each member's self-assessment with their own
login, the lead's reviews with his, calibration against the target distribution (at most
10 % S and 20 % A per department: none of either in a department of three), lock, close.

Template (indicators name clients' metrics; linear = 0 below 60 % of target, then the
attainment, capped at 120):

| key          | metric                   | rule                            | target  | weight |
|--------------|--------------------------|---------------------------------|---------|--------|
| sales        | contract_value_signed    | linear                          | 100,000 | 30     |
| new_accounts | new_accounts_signed      | banded on actual: <1 → 0, 1 → 80, ≥2 → 100 | 2 | 15 |
| visits       | visit_completion_rate    | linear                          | 100     | 15     |
| sla          | tickets_within_sla_rate  | pass/fail (≥ target → 100)      | 90      | 10     |
| satisfaction | mean_satisfaction        | linear                          | 4       | 10     |
| attitude     | manager's rating 1–5     | 1 → 0 … 5 → 100                 |         | 20     |

The month (every fact dated today; the late ticket was opened 40 days ago, so its
deadline fell last month and it is resolved late this month, on any day of the month):

| member | contracts (new accounts) | visits done/planned | tickets in time/resolved | surveys |
|--------|--------------------------|---------------------|--------------------------|---------|
| K1     | 80,000 + 50,000 (2)      | 2 / 2               | 1 / 1                    | 5, 4    |
| K2     | 90,000 (1)               | 2 / 3               | 1 / 2 (one late)         | 4       |
| K3     | 50,000 (1)               | 1 / 1               | none → null              | none → null |

Scores (weight × score summed, / 100, rounded once to 0.01):

| item         | K1 actual → score | K2 actual → score  | K3 actual → score                   |
|--------------|-------------------|--------------------|-------------------------------------|
| sales        | 130000 → 120.00   | 90000 → 90.00      | 50000 → 0.00 (below the floor)      |
| new_accounts | 2 → 100.00        | 1 → 80.00          | 1 → 80.00                           |
| visits       | 100.00 → 100.00   | 66.67 → 66.67      | 100.00 → 100.00                     |
| sla          | 100.00 → 100.00   | 50.00 → 0.00       | — → 100.00 (lead: no ticket)        |
| satisfaction | 4.50 → 112.50     | 4.00 → 100.00      | — → 80.00 (lead: no survey)         |
| attitude     | 5 → 100.00        | 4 → 75.00          | 3 → 50.00                           |
| Σ w × s      | 10725             | 7400.05            | 5500                                |
| score, grade | 107.25 S          | 74.00 B            | 55.00 D                             |
| final        | 84.00 B (calibrated: no S allowed in a team of three) | 74.00 B | 55.00 D |
"""

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from deploy.processes import Stack
from shared.periods import Month
from tests.conftest import LoginFactory, if_match
from tests.polling import eventually, ok

pytestmark = pytest.mark.e2e

CLIENTS = "/v1/clients"
ACCOUNTS = f"{CLIENTS}/accounts"
KPI = "/v1/kpi"
RUN = uuid.uuid4().hex[:5].upper()
SHANGHAI = ZoneInfo("Asia/Shanghai")
LINEAR = {"type": "linear", "floor_percent": "60", "cap": "120"}
ONE_TO_FIVE = {"minimum": "1", "maximum": "5", "step": "1"}


def today() -> date:
    return datetime.now(SHANGHAI).date()


@pytest.fixture
def gateway(stack: Stack, admin_headers: dict[str, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("gateway"), timeout=15, headers=admin_headers) as client:
        yield client


def as_login(gateway: httpx.Client, headers: dict[str, str]) -> httpx.Client:
    return httpx.Client(base_url=str(gateway.base_url), timeout=15, headers=headers)


# --- staff: the team ---------------------------------------------------------------------


def team(gateway: httpx.Client, approver: httpx.Client) -> dict[str, int]:
    """A department, a lead position and a KAM position reporting to it, and the people.

    ``approver`` (a second administrator) approves what ``gateway`` submits: four eyes."""
    department = ok(gateway.post("/v1/staff/departments",
                                 json={"code": f"KPI-E2E-{RUN}", "name": f"考核测试组{RUN}"}),
                    201)  # fmt: skip
    duty = {"statement": "开发和维护所辖大客户", "tasks": ["制定客户开发计划"],
            "measure": {"criterion": "target_attained", "statement": "签约额达成率"},
            "importance": 1}  # fmt: skip
    for code, title, reports_to in ((f"KE{RUN}-LEAD", "客户开发主管", None),
                                    (f"KE{RUN}-KAM", "大客户经理", f"KE{RUN}-LEAD")):  # fmt: skip
        created = ok(gateway.post("/v1/staff/positions", json={
            "code": code, "title": title, "department_id": department["id"],
            "reports_to_code": reports_to, "headcount_quota": 3, "duties": [duty],
            "qualifications": {"education_level": "bachelor", "min_years_experience": 3}}),
            201)  # fmt: skip
        base = f"/v1/staff/positions/{created['position_id']}/versions/1"
        ok(gateway.post(f"{base}/submit", headers=if_match(gateway, base)))
        ok(approver.post(f"{base}/approve", headers=if_match(approver, base)))
    people: dict[str, int] = {}
    for key, position in (("lead", "LEAD"), ("k1", "KAM"), ("k2", "KAM"), ("k3", "KAM"),
                          ("admin", None)):  # fmt: skip
        body = {"employee_no": f"K{RUN}{key.upper()}", "name": f"考核{key}",
                "hire_date": "2024-01-01"}  # fmt: skip
        if position:
            body["position_code"] = f"KE{RUN}-{position}"
        people[key] = int(ok(gateway.post("/v1/staff/employees", json=body), 201)["id"])
    people["department"] = int(department["id"])
    return people


def kpi_knows(gateway: httpx.Client, employee_id: int, manager_id: int | None) -> bool:
    response = gateway.get(f"{KPI}/org/employees/{employee_id}")
    return response.status_code == 200 and response.json()["manager_id"] == manager_id


# --- clients: the month ------------------------------------------------------------------


def account(gateway: httpx.Client, owner: int) -> int:
    """A new account; the first for an owner waits for staff's event to reach clients."""
    name = f"考核{RUN}客户{uuid.uuid4().hex[:6]}有限公司"
    created = eventually(
        lambda: r if (r := gateway.post(ACCOUNTS, json={"legal_name": name, "owner_id": owner}))
        .status_code == 201 else None
    )  # fmt: skip
    assert created is not None, f"employee {owner} never reached clients' org copy"
    return int(created.json()["id"])


def sign(gateway: httpx.Client, account_id: int, amount: str) -> None:
    day = today()
    draft = ok(gateway.post(f"{ACCOUNTS}/{account_id}/contracts", json={
        "number": f"HT-{RUN}-{uuid.uuid4().hex[:6]}", "title": "年度服务合同", "amount": amount,
        "currency": "CNY", "start_date": day.isoformat(),
        "end_date": date(day.year + 1, 12, 31).isoformat()}), 201)  # fmt: skip
    contract_url = f"{CLIENTS}/contracts/{draft['id']}"
    ok(gateway.post(f"{contract_url}/sign", json={"signed_on": day.isoformat()},
                    headers=if_match(gateway, contract_url)))  # fmt: skip


def visits(gateway: httpx.Client, account_id: int, by: int, planned: int, done: int) -> None:
    for n in range(planned):
        plan = {"planned_on": today().isoformat(), "purpose": "回访"}
        visit = ok(gateway.post(f"{ACCOUNTS}/{account_id}/visits", json=plan), 201)
        if n < done:
            ok(gateway.post(f"{CLIENTS}/visits/{visit['id']}/complete",
                            json={"visited_on": today().isoformat(), "visited_by": by,
                                  "outcome": "客户确认续约"},
                            headers={"If-Match": f'"{visit["version"]}"'}))  # fmt: skip


def resolved_ticket(gateway: httpx.Client, account_id: int, *, late: bool) -> None:
    """A ticket resolved now: opened now (in time), or 40 days ago (its deadline long past)."""
    body: dict[str, Any] = {"kind": "complaint", "severity": "critical", "channel": "phone",
                            "title": "网络中断投诉"}  # fmt: skip
    if late:
        body["opened_at"] = (datetime.now(UTC) - timedelta(days=40)).isoformat()
    created = gateway.post(f"{ACCOUNTS}/{account_id}/tickets", json=body)
    ticket = ok(created, 201)
    ok(gateway.post(f"{CLIENTS}/tickets/{ticket['id']}/transitions",
                    json={"to": "resolved", "resolution": "已恢复"},
                    headers={"If-Match": created.headers["ETag"]}))  # fmt: skip


def survey(gateway: httpx.Client, account_id: int, score: str) -> None:
    ok(gateway.post(f"{ACCOUNTS}/{account_id}/surveys",
                    json={"period": str(Month.of(today())), "score": score, "channel": "visit",
                          "surveyed_on": today().isoformat()}), 201)  # fmt: skip


def month_of_activity(gateway: httpx.Client, people: dict[str, int]) -> None:
    k1, k2, k3 = people["k1"], people["k2"], people["k3"]
    a, b, c, d = (
        account(gateway, k1),
        account(gateway, k1),
        account(gateway, k2),
        account(gateway, k3),
    )
    sign(gateway, a, "80000.00")
    sign(gateway, b, "50000.00")
    sign(gateway, c, "90000.00")
    sign(gateway, d, "50000.00")
    visits(gateway, a, k1, planned=2, done=2)
    visits(gateway, c, k2, planned=3, done=2)
    visits(gateway, d, k3, planned=1, done=1)
    resolved_ticket(gateway, a, late=False)
    resolved_ticket(gateway, c, late=False)
    resolved_ticket(gateway, c, late=True)
    survey(gateway, a, "5")
    survey(gateway, b, "4")
    survey(gateway, c, "4")


# --- kpi: template and cycle -------------------------------------------------------------

INDICATORS = {  # key: (metric, weight, target, scoring rule)
    "sales": ("contract_value_signed", "30", "100000", LINEAR),
    "new_accounts": ("new_accounts_signed", "15", "2", {
        "type": "banded", "basis": "actual", "bands": [
            {"upper": "1", "score": "0"}, {"lower": "1", "upper": "2", "score": "80"},
            {"lower": "2", "score": "100"}]}),
    "visits": ("visit_completion_rate", "15", "100", LINEAR),
    "sla": ("tickets_within_sla_rate", "10", "90", {"type": "pass_fail"}),
    "satisfaction": ("mean_satisfaction", "10", "4", LINEAR),
}  # fmt: skip


def template(admin: httpx.Client) -> int:
    items = []
    for key, (metric, weight, target, rule) in INDICATORS.items():
        indicator = ok(admin.post(f"{KPI}/indicators", json={
            "code": f"e2e_{RUN.lower()}_{key}", "name": key, "unit": "-", "kind": "automatic",
            "metric": metric, "scoring_rule": rule}), 201)  # fmt: skip
        items.append({"key": key, "title": key, "kind": "indicator",
                      "indicator_id": indicator["id"], "weight": weight,
                      "target_mode": "absolute", "target": target})  # fmt: skip
    attitude = {"key": "attitude", "title": "工作态度", "kind": "qualitative", "weight": "20",
                "rating_scale": ONE_TO_FIVE}  # fmt: skip
    created = admin.post(f"{KPI}/templates", json={
        "code": f"KE{RUN}-KAM-MONTHLY", "name": "大客户经理月度考核表",
        "position_code": f"KE{RUN}-KAM", "period_kind": "month",
        "sections": [{"title": "业绩指标", "items": items},
                     {"title": "工作态度", "items": [attitude]}]})  # fmt: skip
    body = ok(created, 201)
    ok(admin.post(f"{KPI}/templates/{body['id']}/publish",
                  headers={"If-Match": created.headers["ETag"]}))  # fmt: skip
    return int(body["id"])


def move(admin: httpx.Client, cycle_id: int, state: str) -> None:
    ok(admin.post(f"{KPI}/cycles/{cycle_id}/transitions", json={"state": state}))


def sheets(client: httpx.Client, cycle_id: int) -> dict[int, dict[str, Any]]:
    """Every appraisal of the cycle the caller sees, by employee."""
    listed = ok(client.get(f"{KPI}/appraisals", params={"cycle_id": cycle_id, "limit": 50}))
    return {
        a["employee_id"]: ok(client.get(f"{KPI}/appraisals/{a['id']}")) for a in listed["items"]
    }


def by_key(sheet: dict[str, Any], field: str) -> dict[str, Any]:
    return {item["key"]: item[field] for item in sheet["items"]}


def etag(client: httpx.Client, appraisal_id: int) -> str:
    return str(client.get(f"{KPI}/appraisals/{appraisal_id}").headers["ETag"])


def review(lead: httpx.Client, sheet: dict[str, Any], rating: str,
           adjustments: dict[str, tuple[str, str]]) -> dict[str, Any]:  # fmt: skip
    ids = {item["key"]: item["id"] for item in sheet["items"]}
    return dict(ok(lead.post(
        f"{KPI}/appraisals/{sheet['id']}/manager-review",
        json={"comment": "本月表现如实评价",
              "ratings": [{"item_id": ids["attitude"], "rating": rating}],
              "adjustments": [{"item_id": ids[k], "score": s, "reason": r}
                              for k, (s, r) in adjustments.items()]},
        headers={"If-Match": etag(lead, sheet["id"])},
    )))  # fmt: skip


def test_a_month_of_a_team_is_appraised_as_computed_by_hand(
    gateway: httpx.Client, login_as: LoginFactory
) -> None:
    with as_login(gateway, login_as(f"kpie2e.{RUN.lower()}.approver", "admin")) as approver:
        people = team(gateway, approver)
    lead, k1, k2, k3 = people["lead"], people["k1"], people["k2"], people["k3"]
    for member in (k1, k2, k3):  # the lead is the members' manager by the position tree
        assert ok(gateway.get(f"/v1/staff/employees/{member}"))["manager_id"] == lead
        assert eventually(lambda m=member: kpi_knows(gateway, m, lead)), "kpi's org copy"
    month_of_activity(gateway, people)
    period = str(Month.of(today()))

    logins = {key: login_as(f"kpie2e.{RUN.lower()}.{key}", role, employee_id=people[key])
              for key, role in (("admin", "appraisal_admin"), ("lead", "team_lead"),
                                ("k1", "account_manager"), ("k2", "account_manager"),
                                ("k3", "account_manager"))}  # fmt: skip
    clients = {key: as_login(gateway, headers) for key, headers in logins.items()}
    admin = clients["admin"]
    try:
        cycle = ok(admin.post(f"{KPI}/cycles", json={
            "name": f"{period} 考核测试组月度考核", "period": period,
            "template_ids": [template(admin)], "department_ids": [people["department"]],
        }), 201)  # fmt: skip
        assert cycle["appraisal_count"] == 3  # the three KAMs; the lead's position has no template
        move(admin, cycle["id"], "collecting")
        collected = ok(admin.post(f"{KPI}/cycles/{cycle['id']}/collect-actuals"))
        assert {k: v for k, v in collected.items() if k not in ("fetched_at", "sources")} == {
            "cycle_id": cycle["id"], "period": period,
            "appraisals": 3, "items_updated": 13, "values_missing": 2, "metrics_missing": [],
        }  # fmt: skip
        assert [s["source"] for s in collected["sources"]] == ["clients_metrics"]
        actuals = {e: by_key(s, "actual") for e, s in sheets(admin, cycle["id"]).items()}
        assert actuals == {
            k1: {"sales": "130000.0000", "new_accounts": "2.0000", "visits": "100.0000",
                 "sla": "100.0000", "satisfaction": "4.5000", "attitude": None},
            k2: {"sales": "90000.0000", "new_accounts": "1.0000", "visits": "66.6700",
                 "sla": "50.0000", "satisfaction": "4.0000", "attitude": None},
            k3: {"sales": "50000.0000", "new_accounts": "1.0000", "visits": "100.0000",
                 "sla": None, "satisfaction": None, "attitude": None},
        }  # fmt: skip

        # Self-assessment: each member with their own login, seeing only their own sheet.
        move(admin, cycle["id"], "self_review")
        for key, rating in (("k1", "5"), ("k2", "4"), ("k3", "4")):
            own = sheets(clients[key], cycle["id"])
            assert list(own) == [people[key]]
            sheet = own[people[key]]
            attitude = next(i["id"] for i in sheet["items"] if i["key"] == "attitude")
            ok(clients[key].post(
                f"{KPI}/appraisals/{sheet['id']}/self-assessment",
                json={"comment": "本月按计划完成", "ratings": [
                    {"item_id": attitude, "rating": rating, "comment": "积极配合团队"}]},
                headers={"If-Match": etag(clients[key], sheet["id"])},
            ))  # fmt: skip

        # Manager review: the lead (from staff's position tree) for each; a peer may not.
        move(admin, cycle["id"], "manager_review")
        team_sheets = sheets(clients["lead"], cycle["id"])
        assert set(team_sheets) == {k1, k2, k3}
        peer = clients["k2"].post(
            f"{KPI}/appraisals/{team_sheets[k3]['id']}/manager-review",
            json={},
            headers={"If-Match": etag(admin, team_sheets[k3]["id"])},
        )
        assert peer.status_code in (403, 404), peer.text  # k3's sheet is not k2's to see
        scored = {
            k1: review(clients["lead"], team_sheets[k1], "5", {}),
            k2: review(clients["lead"], team_sheets[k2], "4", {}),
            k3: review(clients["lead"], team_sheets[k3], "3", {
                "sla": ("100", "本月无工单,按满分计"),
                "satisfaction": ("80", "本月未做满意度调查,按80计")}),
        }  # fmt: skip
        assert {e: by_key(s, "score") for e, s in scored.items()} == {
            k1: {"sales": "120.00", "new_accounts": "100.00", "visits": "100.00",
                 "sla": "100.00", "satisfaction": "112.50", "attitude": "100.00"},
            k2: {"sales": "90.00", "new_accounts": "80.00", "visits": "66.67",
                 "sla": "0.00", "satisfaction": "100.00", "attitude": "75.00"},
            k3: {"sales": "0.00", "new_accounts": "80.00", "visits": "100.00",
                 "sla": "100.00", "satisfaction": "80.00", "attitude": "50.00"},
        }  # fmt: skip
        assert {e: (s["score"], s["grade"]) for e, s in scored.items()} == {
            k1: ("107.25", "S"), k2: ("74.00", "B"), k3: ("55.00", "D"),
        }  # fmt: skip

        # Calibration: one S of three is over the target distribution, so the lock is
        # refused until the administrator moves it, with the reason.
        move(admin, cycle["id"], "calibration")
        overview = ok(admin.get(f"{KPI}/cycles/{cycle['id']}/calibration"))
        department = next(
            d for d in overview["departments"] if d["department_id"] == people["department"]
        )
        assert department["grades"] == {"S": 1, "A": 0, "B": 1, "C": 0, "D": 1}
        assert [(v["grade"], v["count"], v["max_count"]) for v in department["violations"]] == [
            ("S", 1, 0)
        ]
        lock = {"department_id": people["department"]}
        refused = admin.post(f"{KPI}/cycles/{cycle['id']}/calibration/lock", json=lock)
        assert refused.status_code == 409, refused.text
        ok(admin.post(
            f"{KPI}/appraisals/{scored[k1]['id']}/calibration-adjustment",
            json={"final_score": "84.00", "reason": "强制分布:三人组S、A名额为0"},
            headers={"If-Match": etag(admin, scored[k1]["id"])},
        ))  # fmt: skip
        locked = ok(admin.post(f"{KPI}/cycles/{cycle['id']}/calibration/lock", json=lock))
        assert locked == {"department_id": people["department"], "locked": 3}
        move(admin, cycle["id"], "closed")
        assert ok(admin.get(f"{KPI}/cycles/{cycle['id']}"))["state"] == "closed"

        final = {
            e: (s["state"], s["score"], s["grade"], s["final_score"], s["final_grade"])
            for e, s in sheets(admin, cycle["id"]).items()
        }
        assert final == {
            k1: ("calibrated", "107.25", "S", "84.00", "B"),
            k2: ("calibrated", "74.00", "B", "74.00", "B"),
            k3: ("calibrated", "55.00", "D", "55.00", "D"),
        }  # fmt: skip
        history = ok(admin.get(f"{KPI}/appraisals/{scored[k1]['id']}/history"))
        assert [e["action"] for e in history] == [
            "actuals_collected", "self_assessed", "manager_reviewed", "calibration_adjusted",
            "calibration_locked",
        ]  # fmt: skip
        assert history[1]["actor_employee_id"] == k1 and history[2]["actor_employee_id"] == lead
        assert history[3]["actor_employee_id"] == people["admin"]
    finally:
        for client in clients.values():
            client.close()
