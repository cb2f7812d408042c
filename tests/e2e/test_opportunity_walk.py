"""A prospect's opportunity from first lead to contract, and another lost, through the
gateway with real logins (issue 22, "Done when").

Staff hires a team lead (折扣权限 20 %) and a key-account manager (5 %) reporting to him.
The manager opens an opportunity on a prospect, moves it 线索 → 需求确认 → 方案/报价, quotes
a 100,000.00 line at 10 % off (above his 5 %): the quotation waits for his lead, who
approves it; it is sent and accepted. The opportunity goes 投标/谈判 with a bid whose
deadlines show in the team's upcoming deadlines, and is won into a contract carrying the
quotation's 90,000.00; the prospect becomes an existing client. A second opportunity is
lost to a named competitor. The forecast (against the KPI target plan of the manager's
department: 120,000.00 a year, 10,000.00 a month), the 销售机会报表 and the competitor
report show both; a month's KPI cycle collects won amount 90,000 and win rate 50 %.
"""

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
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
KPI = "/v1/kpi"
RUN = uuid.uuid4().hex[:5].upper()
SHANGHAI = ZoneInfo("Asia/Shanghai")
FORECAST_TARGET_INDICATOR = "sales_attainment"  # clients' forecast_target_indicator default
LINEAR = {"type": "linear", "floor_percent": "0", "cap": "120"}


def today() -> date:
    return datetime.now(SHANGHAI).date()


@pytest.fixture
def gateway(stack: Stack, admin_headers: dict[str, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("gateway"), timeout=15, headers=admin_headers) as client:
        yield client


def as_login(gateway: httpx.Client, headers: dict[str, str]) -> httpx.Client:
    return httpx.Client(base_url=str(gateway.base_url), timeout=15, headers=headers)


def money(value: dict[str, Any]) -> tuple[str, str]:
    return str(value["amount"]), str(value["currency"])


def discount_authority(percent: str) -> dict[str, Any]:
    return {
        "financial": [
            {
                "code": "approve_discount",
                "description": "报价折扣审批",
                "limits": {"max_discount_percent": percent},
            }
        ]
    }


def team(gateway: httpx.Client, approver: httpx.Client) -> dict[str, int]:
    """A department, a lead position (20 % discount) and a KAM position (5 %) under it."""
    department = ok(gateway.post("/v1/staff/departments",
                                 json={"code": f"OPP-E2E-{RUN}", "name": f"商机测试组{RUN}"}),
                    201)  # fmt: skip
    duty = {"statement": "开发和维护所辖大客户", "tasks": ["跟踪项目订单"],
            "measure": {"criterion": "target_attained", "statement": "个人销售目标达成率"},
            "importance": 1}  # fmt: skip
    positions = ((f"OP{RUN}-LEAD", "客户开发主管", None, "20"),
                 (f"OP{RUN}-KAM", "大客户经理", f"OP{RUN}-LEAD", "5"))  # fmt: skip
    for code, title, reports_to, limit in positions:
        created = ok(gateway.post("/v1/staff/positions", json={
            "code": code, "title": title, "department_id": department["id"],
            "reports_to_code": reports_to, "headcount_quota": 2, "duties": [duty],
            "authorities": discount_authority(limit),
            "qualifications": {"education_level": "bachelor", "min_years_experience": 3}}),
            201)  # fmt: skip
        base = f"/v1/staff/positions/{created['position_id']}/versions/1"
        ok(gateway.post(f"{base}/submit", headers=if_match(gateway, base)))
        ok(approver.post(f"{base}/approve", headers=if_match(approver, base)))
    people: dict[str, int] = {}
    for key, position in (("lead", "LEAD"), ("kam", "KAM"), ("admin", None)):
        body = {"employee_no": f"O{RUN}{key.upper()}", "name": f"商机{key}",
                "hire_date": "2024-01-01"}  # fmt: skip
        if position:
            body["position_code"] = f"OP{RUN}-{position}"
        people[key] = int(ok(gateway.post("/v1/staff/employees", json=body), 201)["id"])
    people["department"] = int(department["id"])
    return people


def prospect(gateway: httpx.Client, owner: int, name: str) -> dict[str, Any]:
    """A prospect account; the first for an owner waits for staff's event to reach clients."""
    body = {"legal_name": name, "owner_id": owner, "trade_class": "prospect"}
    created = eventually(
        lambda: r if (r := gateway.post(f"{CLIENTS}/accounts", json=body)).status_code == 201
        else None
    )  # fmt: skip
    assert created is not None, f"employee {owner} never reached clients' org copy"
    return dict(created.json())


def step(
    client: httpx.Client, path: str, body: dict[str, Any], status: int = 200
) -> httpx.Response:
    """POST a mutation that takes If-Match, with the resource's current ETag."""
    resource = path.rsplit("/", 1)[0]
    current = client.get(resource)
    ok(current)
    response = client.post(path, json=body, headers={"If-Match": current.headers["ETag"]})
    ok(response, status)
    return response


def stage(client: httpx.Client, opportunity_id: int, code: str) -> dict[str, Any]:
    path = f"{CLIENTS}/opportunities/{opportunity_id}/stage"
    return dict(step(client, path, {"stage_code": code, "note": f"进入{code}"}).json())


def forecast_target_indicator(admin: httpx.Client) -> int:
    """The indicator clients reads its forecast targets from: made once per stack."""
    created = admin.post(f"{KPI}/indicators", json={
        "code": FORECAST_TARGET_INDICATOR, "name": "销售目标达成率", "unit": "元",
        "kind": "manual"})  # fmt: skip
    if created.status_code == 201:
        return int(created.json()["id"])
    assert created.status_code == 409, created.text
    params: dict[str, Any] = {"kind": "manual", "limit": 200}
    while True:  # another test of the run made it: find it, page by page
        page = ok(admin.get(f"{KPI}/indicators", params=params))
        for indicator in page["items"]:
            if indicator["code"] == FORECAST_TARGET_INDICATOR:
                return int(indicator["id"])
        assert page.get("next_cursor"), f"{FORECAST_TARGET_INDICATOR} exists but is not listed"
        params["cursor"] = page["next_cursor"]


def kpi_template(admin: httpx.Client) -> int:
    items = []
    for key, metric, target in (("won", "won_amount", "100000"), ("win_rate", "win_rate", "50")):
        indicator = ok(admin.post(f"{KPI}/indicators", json={
            "code": f"opp_{RUN.lower()}_{key}", "name": key, "unit": "-", "kind": "automatic",
            "metric": metric, "scoring_rule": LINEAR}), 201)  # fmt: skip
        items.append({"key": key, "title": key, "kind": "indicator",
                      "indicator_id": indicator["id"], "weight": "50",
                      "target_mode": "absolute", "target": target})  # fmt: skip
    created = admin.post(f"{KPI}/templates", json={
        "code": f"OP{RUN}-KAM-MONTHLY", "name": "大客户经理月度销售考核表",
        "position_code": f"OP{RUN}-KAM", "period_kind": "month",
        "sections": [{"title": "销售业绩", "items": items}]})  # fmt: skip
    body = ok(created, 201)
    ok(admin.post(f"{KPI}/templates/{body['id']}/publish",
                  headers={"If-Match": created.headers["ETag"]}))  # fmt: skip
    return int(body["id"])


def test_a_prospect_is_won_through_quotation_approval_and_bid_another_lost(
    gateway: httpx.Client, login_as: LoginFactory
) -> None:
    with as_login(gateway, login_as(f"oppe2e.{RUN.lower()}.approver", "admin")) as approver:
        people = team(gateway, approver)
    lead, kam = people["lead"], people["kam"]
    assert ok(gateway.get(f"/v1/staff/employees/{kam}"))["manager_id"] == lead
    month = str(Month.of(today()))
    logins = {key: login_as(f"oppe2e.{RUN.lower()}.{key}", role, employee_id=people[key])
              for key, role in (("admin", "appraisal_admin"), ("lead", "team_lead"),
                                ("kam", "account_manager"))}  # fmt: skip
    clients = {key: as_login(gateway, headers) for key, headers in logins.items()}
    me, boss = clients["kam"], clients["lead"]
    try:
        # The catalogue and the competitor register (administrator's).
        product = ok(gateway.post(f"{CLIENTS}/products", json={
            "code": f"OPP-{RUN}-SDWAN", "name": "SD-WAN组网服务", "unit": "套",
            "list_price": "100000.00", "currency": "CNY"}), 201)  # fmt: skip
        rival = ok(gateway.post(f"{CLIENTS}/competitors",
                                json={"name": f"竞对{RUN}网络科技有限公司"}), 201)  # fmt: skip

        # A prospect gets an opportunity, with the manager's own login.
        won_account = prospect(gateway, kam, f"商机{RUN}甲有限公司")
        lost_account = prospect(gateway, kam, f"商机{RUN}乙有限公司")
        assert won_account["trade_class"] == "prospect"
        opportunity = ok(me.post(f"{CLIENTS}/accounts/{won_account['id']}/opportunities", json={
            "name": "总部SD-WAN组网项目", "amount": "100000.00", "currency": "CNY",
            "expected_close_month": month, "source": "客户转介绍",
            "next_step": "需求调研", "next_step_date": today().isoformat(),
            "lines": [{"product_id": product["id"], "quantity": "1"}]}), 201)  # fmt: skip
        opp_id = opportunity["id"]
        assert (opportunity["stage_code"], opportunity["owner_id"]) == ("lead", kam)
        assert stage(me, opp_id, "qualified")["probability"] == 25
        assert stage(me, opp_id, "proposal")["probability"] == 50

        # A quotation at 10 % off, above the manager's 5 %: it waits for the lead.
        quotation = ok(me.post(f"{CLIENTS}/opportunities/{opp_id}/quotations", json={
            "title": "SD-WAN组网报价", "valid_until": (today() + timedelta(days=30)).isoformat(),
            "lines": [{"product_id": product["id"], "quantity": "1",
                       "discount_percent": "10"}]}), 201)  # fmt: skip
        quotation_path = f"{CLIENTS}/quotations/{quotation['id']}"
        submitted = step(me, f"{quotation_path}/submit", {}, 202).json()
        assert (submitted["kind"], submitted["approver_employee_id"]) == (
            "quotation_discount",
            lead,
        )
        assert ok(me.get(quotation_path))["state"] == "pending_approval"
        mine = ok(boss.get(f"{CLIENTS}/approvals", params={"for_me": "true", "state": "pending"}))
        [request] = [r for r in mine["items"] if r["id"] == submitted["id"]]
        assert request["payload"]["discount_limit_percent"] == "5"
        assert request["payload"]["total"] == "90000.00"
        refused = me.post(f"{CLIENTS}/approvals/{request['id']}/approve", json={})
        assert refused.status_code in (403, 404, 409), refused.text  # not his own request
        ok(boss.post(f"{CLIENTS}/approvals/{request['id']}/approve", json={"comment": "同意折扣"}))
        approved = ok(me.get(quotation_path))
        assert (approved["state"], approved["approved_by"]) == ("approved", lead)
        step(me, f"{quotation_path}/send", {})
        step(me, f"{quotation_path}/accept", {})

        # 投标/谈判 with a bid: its deadlines are in the team's upcoming deadlines.
        stage(me, opp_id, "negotiation")
        submission = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5)
        bid = ok(me.post(f"{CLIENTS}/opportunities/{opp_id}/bids", json={
            "tender_number": f"ZB-{RUN}-001", "title": "总部SD-WAN组网招标",
            "issuer": f"商机{RUN}甲有限公司采购部",
            "questions_deadline": (submission - timedelta(days=2)).isoformat(),
            "submission_deadline": submission.isoformat(),
            "bond": {"amount": {"amount": "5000.00", "currency": "CNY"}},
            "documents": [{"name": "营业执照", "done": True}, {"name": "技术方案"}]}),
            201)  # fmt: skip
        for viewer in (me, boss):
            upcoming = ok(viewer.get(f"{CLIENTS}/bid-deadlines", params={"days": 14}))
            deadlines = {(r["kind"], r["at"][:19]) for r in upcoming if r["bid_id"] == bid["id"]}
            assert deadlines == {
                ("questions", (submission - timedelta(days=2)).isoformat()[:19]),
                ("submission", submission.isoformat()[:19])}, upcoming  # fmt: skip

        # Won into a contract carrying the accepted quotation's amount.
        won = step(me, f"{CLIENTS}/opportunities/{opp_id}/win", {"contract": {
            "number": f"HT-{RUN}-001", "start_date": today().isoformat(),
            "end_date": date(today().year + 1, 12, 31).isoformat()}}).json()  # fmt: skip
        assert won["stage_code"] == "won" and won["contract_id"] is not None
        contract = ok(me.get(f"{CLIENTS}/contracts/{won['contract_id']}"))
        assert money(contract["amount"]) == ("90000.00", "CNY")
        assert (contract["status"], contract["owner_id"]) == ("signed", kam), contract
        assert ok(me.get(f"{CLIENTS}/accounts/{won_account['id']}"))["trade_class"] == "existing"
        history = ok(me.get(f"{CLIENTS}/opportunities/{opp_id}/stage-history"))
        assert [c["to_stage_code"] for c in history["changes"]] == [
            "lead", "qualified", "proposal", "negotiation", "won"]  # fmt: skip

        # Another is lost to the named competitor.
        other = ok(me.post(f"{CLIENTS}/accounts/{lost_account['id']}/opportunities", json={
            "name": "分支机构专线项目", "amount": "60000.00", "currency": "CNY",
            "expected_close_month": month}), 201)  # fmt: skip
        lost = step(
            me,
            f"{CLIENTS}/opportunities/{other['id']}/lose",
            {"reason": "对方报价低于我方15%", "competitor_id": rival["id"]},
        ).json()
        assert lost["stage_code"] == "lost"

        # The KPI target plan of the department: 120,000.00 a year, even months.
        admin = clients["admin"]
        plan = ok(gateway.post(f"{KPI}/target-plans", json={
            "indicator_id": forecast_target_indicator(gateway), "year": today().year,
            "department_id": people["department"], "total": "120000.00",
            "teams": [{"team_id": people["department"], "share": "1",
                       "people": [{"employee_id": kam, "share": "1"}]}]}), 201)  # fmt: skip
        [planned] = plan["teams"][0]["people"]
        assert planned["months"][str(today().month)] == "10000.00"

        # The team's forecast (lead's login) shows both, against the target.
        forecast = ok(boss.get(f"{CLIENTS}/pipeline/forecast",
                               params={"first_month": month, "team_id": lead}))  # fmt: skip
        assert forecast["targets_available"] is True, forecast["notes"]
        [row] = [r for r in forecast["rows"] if r["group_id"] == kam]
        assert (row["won_count"], row["lost_count"], row["win_rate"]) == (1, 1, "0.5000")
        assert money(row["won"]) == ("90000.00", "CNY")  # the contract's, not the 100,000 hoped
        assert money(row["target"]) == ("10000.00", "CNY")
        assert row["attainment"] == "9.0000"
        report = ok(boss.get(f"{CLIENTS}/pipeline/report",
                             params={"first_month": month, "team_id": lead}))  # fmt: skip
        assert {(line["id"], line["stage_code"]) for line in report["lines"]} == {
            (opp_id, "won"), (other["id"], "lost")}  # fmt: skip
        sheet = boss.get(
            f"{CLIENTS}/pipeline/report",
            params={"first_month": month, "team_id": lead, "format": "xlsx"},
        )
        assert sheet.status_code == 200 and sheet.content[:2] == b"PK", sheet.text

        # The competitor report shows the loss.
        win_loss = ok(gateway.get(f"{CLIENTS}/competitor-win-loss",
                                  params={"closed_from": today().isoformat()}))  # fmt: skip
        [theirs] = [c for c in win_loss["competitors"] if c["competitor_id"] == rival["id"]]
        assert (theirs["lost_to"], theirs["won_against"]) == (1, 0), theirs

        # A month's KPI cycle collects won amount and win rate from clients.
        cycle = ok(admin.post(f"{KPI}/cycles", json={
            "name": f"{month} 商机测试组月度考核", "period": month,
            "template_ids": [kpi_template(admin)], "department_ids": [people["department"]],
        }), 201)  # fmt: skip
        assert cycle["appraisal_count"] == 1
        ok(admin.post(f"{KPI}/cycles/{cycle['id']}/transitions", json={"state": "collecting"}))
        collected = ok(admin.post(f"{KPI}/cycles/{cycle['id']}/collect-actuals"))
        assert (collected["items_updated"], collected["metrics_missing"]) == (2, []), collected
        listing = {"cycle_id": cycle["id"], "limit": 50}
        [listed] = ok(admin.get(f"{KPI}/appraisals", params=listing))["items"]
        sheet_items = ok(admin.get(f"{KPI}/appraisals/{listed['id']}"))["items"]
        actuals = {item["key"]: Decimal(item["actual"]) for item in sheet_items}
        assert actuals == {"won": Decimal("90000"), "win_rate": Decimal("50")}
    finally:
        for client in clients.values():
            client.close()
