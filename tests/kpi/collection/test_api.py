"""Collecting actuals from the real clients app (its ASGI app behind kpi's service client).

Both apps run in their own rolled-back transaction (their own engines and roles); their
org copies are fed the same people. Client activity is created through the clients API,
dated today (visits cannot be planned in the past), so the cycle's period is this month.

Template (linear rule: 0 below 60 % of target, score = attainment, capped at 120):

| item          | metric                | weight | target  |
|---------------|-----------------------|--------|---------|
| sales         | contract_value_signed | 30     | 100,000 |
| new_accounts  | new_accounts_signed   | 15     | 2       |
| visits        | visit_completion_rate | 15     | 100     |
| collection    | collection_rate       | 10     | 95      |  (null: nothing fell due)
| satisfaction  | mean_satisfaction     | 10     | 4       |
| churn         | churn_rate (lower)    | 10     | 5       |  (null: no account at start)
| attitude      | qualitative 1–5       | 10     |         |

Activity this month: 9201 signs 80,000.00 (account A1, its first contract) and 40,000.00
(A2, first) → 120,000.00 and 2 new accounts; plans 2 visits on A1 and completes 1 → 50.00;
surveys 4.50 and 3.50 → 4.00. 9202 signs 45,000.00 (A3, first) → 1 new account; plans and
completes 1 visit → 100.00; no survey → no actual.

9201's sheet after manager review (rating 4 → 75; collection adjusted to 90, churn to 100):

| item         | actual     | score  | × weight |
|--------------|------------|--------|----------|
| sales        | 120000.00  | 120.00 | 3600     |
| new_accounts | 2          | 100.00 | 1500     |
| visits       | 50.00      | 0.00   | 0        |  → after the 2nd visit: 100.00 → 100.00, 1500
| collection   | —          | 90.00  | 900      |
| satisfaction | 4.00       | 100.00 | 1000     |
| churn        | —          | 100.00 | 1000     |
| attitude     | rating 4   | 75.00  | 750      |

Total 8750 / 100 = 87.50 (A); re-collected after the second visit: 10250 / 100 = 102.50 (S).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from deploy.test_runner import free_port
from shared.auth.principal import Role
from shared.http_client import ServiceClient
from shared.periods import period_of
from tests.clients.conftest import employee_event as clients_employee_event
from tests.clients.conftest import feed_org
from tests.conftest import _client_in_transaction, bearer, post_current, token_for
from tests.kpi.conftest import employee_event, make_indicator, seed_org

MANAGER, KAM, SECOND = 9200, 9201, 9202
DEPARTMENT = 92
CLIENTS = "/v1/clients"
LINEAR = {"type": "linear", "floor_percent": "60", "cap": "120"}

Linked = tuple[httpx.AsyncClient, httpx.AsyncClient, FastAPI]


def this_month() -> str:
    return str(period_of(datetime.now(UTC), "month", "Asia/Shanghai"))


def today() -> str:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


def as_employee(employee_id: int) -> dict[str, str]:
    return bearer(Role.APPRAISAL_ADMIN, employee_id=employee_id)


async def _kpi_token() -> str:
    return token_for(subject="service:kpi")


@pytest.fixture
async def linked(engines: dict[str, AsyncEngine]) -> AsyncIterator[Linked]:
    """(clients client, kpi client, kpi app): kpi's clients client goes to the real app."""
    from services.clients.app import create_app as create_clients_app
    from services.kpi.app import create_app as create_kpi_app

    clients_app, kpi_app = create_clients_app(), create_kpi_app()
    async for clients in _client_in_transaction(engines["clients"], clients_app):
        upstream = ServiceClient(
            "clients", "http://clients", transport=httpx.ASGITransport(app=clients_app),
            token_source=_kpi_token,
        )  # fmt: skip
        kpi_app.state.clients_client = upstream
        async for kpi in _client_in_transaction(engines["kpi"], kpi_app):
            yield clients, kpi, kpi_app
        await upstream.aclose()


# --- the clients side ------------------------------------------------------------------------


async def _account(clients: httpx.AsyncClient, owner: int) -> int:
    response = await clients.post(
        f"{CLIENTS}/accounts",
        json={"legal_name": f"取数客户{uuid.uuid4().hex[:6]}有限公司", "owner_id": owner},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def _sign(clients: httpx.AsyncClient, account_id: int, amount: str) -> None:
    year = date.fromisoformat(today()).year
    draft = await clients.post(
        f"{CLIENTS}/accounts/{account_id}/contracts",
        json={"number": f"HT-{uuid.uuid4().hex[:8]}", "title": "年度服务合同", "amount": amount,
              "currency": "CNY", "start_date": f"{year}-01-01", "end_date": f"{year + 1}-12-31"},
    )  # fmt: skip
    assert draft.status_code == 201, draft.text
    signed = await post_current(
        clients, f"{CLIENTS}/contracts/{draft.json()['id']}", "/sign", json={"signed_on": today()}
    )
    assert signed.status_code == 200, signed.text


async def _plan_visit(clients: httpx.AsyncClient, account_id: int) -> int:
    response = await clients.post(
        f"{CLIENTS}/accounts/{account_id}/visits", json={"planned_on": today(), "purpose": "回访"}
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def _complete_visit(clients: httpx.AsyncClient, visit_id: int, by: int) -> None:
    response = await post_current(
        clients,
        f"{CLIENTS}/visits/{visit_id}",
        "/complete",
        json={"visited_on": today(), "visited_by": by, "outcome": "客户确认续约"},
    )
    assert response.status_code == 200, response.text


async def _survey(clients: httpx.AsyncClient, account_id: int, score: str) -> None:
    response = await clients.post(
        f"{CLIENTS}/accounts/{account_id}/surveys",
        json={"period": this_month(), "score": score, "surveyed_on": today(), "channel": "visit"},
    )
    assert response.status_code == 201, response.text


async def _activity(clients: httpx.AsyncClient) -> int:
    """This month's activity of the table above; returns 9201's visit left to complete."""
    await feed_org(clients, [
        clients_employee_event(MANAGER, department_id=DEPARTMENT),
        clients_employee_event(KAM, manager_id=MANAGER, department_id=DEPARTMENT),
        clients_employee_event(SECOND, manager_id=MANAGER, department_id=DEPARTMENT),
    ])  # fmt: skip
    a1, a2, a3 = [await _account(clients, owner) for owner in (KAM, KAM, SECOND)]
    await _sign(clients, a1, "80000.00")
    await _sign(clients, a2, "40000.00")
    await _sign(clients, a3, "45000.00")
    done, pending = await _plan_visit(clients, a1), await _plan_visit(clients, a1)
    await _complete_visit(clients, done, KAM)
    await _complete_visit(clients, await _plan_visit(clients, a3), SECOND)
    await _survey(clients, a1, "4.50")
    await _survey(clients, a2, "3.50")
    return pending


# --- the KPI side ----------------------------------------------------------------------------


INDICATORS = {  # key: (metric, weight, target, direction)
    "sales": ("contract_value_signed", "30", "100000", "higher_is_better"),
    "new_accounts": ("new_accounts_signed", "15", "2", "higher_is_better"),
    "visits": ("visit_completion_rate", "15", "100", "higher_is_better"),
    "collection": ("collection_rate", "10", "95", "higher_is_better"),
    "satisfaction": ("mean_satisfaction", "10", "4", "higher_is_better"),
    "churn": ("churn_rate", "10", "5", "lower_is_better"),
}


async def _cycle(kpi: httpx.AsyncClient) -> dict[str, Any]:
    await seed_org(kpi, [
        employee_event(MANAGER, position_code="KA-LEAD", department_id=DEPARTMENT, manager_id=None),
        employee_event(KAM, position_code="KA-KAM", department_id=DEPARTMENT, manager_id=MANAGER),
        employee_event(SECOND, position_code="KA-KAM", department_id=DEPARTMENT,
                       manager_id=MANAGER),
    ])  # fmt: skip
    items = []
    for key, (metric, weight, target, direction) in INDICATORS.items():
        indicator = await make_indicator(
            kpi, f"col_{key}", kind="automatic", metric=metric, direction=direction,
            scoring_rule=LINEAR,
        )  # fmt: skip
        items.append({"key": key, "title": key, "kind": "indicator", "indicator_id": indicator,
                      "weight": weight, "target_mode": "absolute", "target": target})  # fmt: skip
    attitude = {"key": "attitude", "title": "工作态度", "kind": "qualitative", "weight": "10",
                "rating_scale": {"minimum": "1", "maximum": "5", "step": "1"}}  # fmt: skip
    created = await kpi.post("/v1/kpi/templates", json={
        "code": "COL-KAM", "name": "大客户经理月度考核表", "position_code": "KA-KAM",
        "period_kind": "month",
        "sections": [{"title": "业绩", "items": items}, {"title": "态度", "items": [attitude]}],
    })  # fmt: skip
    assert created.status_code == 201, created.text
    published = await kpi.post(
        f"/v1/kpi/templates/{created.json()['id']}/publish",
        headers={"If-Match": created.headers["ETag"]},
    )
    assert published.status_code == 200, published.text
    cycle = await kpi.post("/v1/kpi/cycles", json={
        "name": "本月考核", "period": this_month(), "template_ids": [created.json()["id"]],
        "department_ids": [DEPARTMENT]})  # fmt: skip
    assert cycle.status_code == 201, cycle.text
    return dict(cycle.json())


async def _move(kpi: httpx.AsyncClient, cycle_id: int, *states: str) -> None:
    for state in states:
        response = await kpi.post(f"/v1/kpi/cycles/{cycle_id}/transitions", json={"state": state})
        assert response.status_code == 200, response.text


async def _sheet(kpi: httpx.AsyncClient, cycle_id: int, employee: int) -> httpx.Response:
    listed = await kpi.get(
        "/v1/kpi/appraisals", params={"cycle_id": cycle_id, "employee_id": employee}
    )
    return await kpi.get(f"/v1/kpi/appraisals/{listed.json()['items'][0]['id']}")


def _by_key(sheet: dict[str, Any], field: str) -> dict[str, Any]:
    return {item["key"]: item[field] for item in sheet["items"]}


async def _collect(kpi: httpx.AsyncClient, cycle_id: int, **headers: str) -> httpx.Response:
    return await kpi.post(f"/v1/kpi/cycles/{cycle_id}/collect-actuals", headers=headers)


async def test_collection_snapshots_the_hand_computed_actuals_and_rescores(
    linked: Linked,
) -> None:
    clients, kpi, _ = linked
    pending_visit = await _activity(clients)
    cycle = await _cycle(kpi)
    refused = await _collect(kpi, cycle["id"])
    assert refused.status_code == 409  # the cycle is still open
    await _move(kpi, cycle["id"], "collecting")

    response = await _collect(kpi, cycle["id"])
    assert response.status_code == 200, response.text
    summary = response.json()
    assert {k: v for k, v in summary.items() if k not in ("fetched_at", "sources")} == {
        "cycle_id": cycle["id"], "period": this_month(),
        "appraisals": 2, "items_updated": 7, "values_missing": 5, "metrics_missing": [],
    }  # fmt: skip
    [lineage] = summary["sources"]
    assert (lineage["source"], lineage["endpoint"], lineage["employees"]) == (
        "clients_metrics", "POST /v1/clients/metrics/batch", 2,
    )  # fmt: skip

    kam = (await _sheet(kpi, cycle["id"], KAM)).json()
    assert _by_key(kam, "actual") == {
        "sales": "120000.0000", "new_accounts": "2.0000",
        "visits": "50.0000", "collection": None, "satisfaction": "4.0000", "churn": None,
        "attitude": None,
    }  # fmt: skip
    assert _by_key(kam, "actual_source")["sales"] == "clients_metrics"
    second = (await _sheet(kpi, cycle["id"], SECOND)).json()
    assert _by_key(second, "actual") == {
        "sales": "45000.0000", "new_accounts": "1.0000", "visits": "100.0000",
        "collection": None, "satisfaction": None, "churn": None, "attitude": None,
    }  # fmt: skip
    assert second["version"] == 2  # a changed sheet has a new ETag

    # 9201 through self-assessment and manager review: the sheet is scored (87.50, A).
    await _move(kpi, cycle["id"], "self_review")
    url = f"/v1/kpi/appraisals/{kam['id']}"
    etag = (await kpi.get(url)).headers["ETag"]
    assessed = await kpi.post(
        f"{url}/self-assessment", json={"comment": "本月完成"},
        headers={"If-Match": etag, **as_employee(KAM)},
    )  # fmt: skip
    assert assessed.status_code == 200, assessed.text
    await _move(kpi, cycle["id"], "manager_review")
    item_ids = {item["key"]: item["id"] for item in kam["items"]}
    reviewed = await kpi.post(
        f"{url}/manager-review",
        json={"ratings": [{"item_id": item_ids["attitude"], "rating": "4"}],
              "adjustments": [
                  {"item_id": item_ids["collection"], "score": "90", "reason": "回款系统未上线"},
                  {"item_id": item_ids["churn"], "score": "100", "reason": "期初无客户,不考核"}]},
        headers={"If-Match": assessed.headers["ETag"], **as_employee(MANAGER)},
    )  # fmt: skip
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["score"] == "87.50" and reviewed.json()["grade"] == "A"
    assert _by_key(reviewed.json(), "score") == {
        "sales": "120.00", "new_accounts": "100.00", "visits": "0.00", "collection": "90.00",
        "satisfaction": "100.00", "churn": "100.00", "attitude": "75.00",
    }  # fmt: skip

    # The second visit happens; collecting again snapshots anew and rescores the sheet.
    await _complete_visit(clients, pending_visit, KAM)
    again = await _collect(kpi, cycle["id"])
    assert again.status_code == 200, again.text
    assert again.json()["items_updated"] == 7
    rescored = (await kpi.get(url)).json()
    assert rescored["score"] == "102.50" and rescored["grade"] == "S"
    assert rescored["final_score"] == "102.50" and rescored["final_grade"] == "S"
    assert _by_key(rescored, "actual")["visits"] == "100.0000"
    assert _by_key(rescored, "score")["visits"] == "100.00"
    assert rescored["version"] == reviewed.json()["version"] + 1

    visits = await kpi.get(f"{url}/items/{item_ids['visits']}/actuals")
    assert [(s["value"], s["source"]) for s in visits.json()] == [
        ("50.0000", "clients_metrics"), ("100.0000", "clients_metrics"),
    ]  # fmt: skip
    assert visits.json()[1]["note"].startswith(f"visit_completion_rate · {this_month()} · ")

    history = (await kpi.get(f"{url}/history")).json()
    collected = [e for e in history if e["action"] == "actuals_collected"]
    assert len(collected) == 2
    first, last = collected[0]["detail"], collected[1]["detail"]
    [lineage] = first["sources"]
    assert lineage["source"] == "clients_metrics" and first["period"] == this_month()
    assert lineage["fetched_at"] == summary["fetched_at"]
    assert sorted(first["missing"]) == ["churn_rate", "collection_rate"]
    assert {i["metric"]: i["value"] for i in first["items"]} == {
        "contract_value_signed": "120000.00", "new_accounts_signed": "2",
        "visit_completion_rate": "50.00", "mean_satisfaction": "4.00",
    }  # fmt: skip
    assert "score" not in first
    assert last["score"] == {"before": "87.50", "after": "102.50"}

    audit = await kpi.get("/v1/kpi/audit", params={"action": "actuals_collected"})
    entries = [e for e in audit.json()["items"] if e["entity_id"] == str(cycle["id"])]
    assert len(entries) == 2 and entries[0]["entity"] == "cycle"
    assert entries[0]["after"]["items_updated"] == 7


async def test_a_clients_outage_is_a_503_and_writes_nothing(linked: Linked) -> None:
    clients, kpi, kpi_app = linked
    await _activity(clients)
    cycle = await _cycle(kpi)
    await _move(kpi, cycle["id"], "collecting")
    closed = ServiceClient("clients", f"http://127.0.0.1:{free_port()}", backoff_seconds=0)
    kpi_app.state.clients_client = closed
    try:
        response = await _collect(kpi, cycle["id"])
    finally:
        await closed.aclose()
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == "urn:kam:problem:service-unavailable"
    sheet = (await _sheet(kpi, cycle["id"], KAM)).json()
    assert set(_by_key(sheet, "actual").values()) == {None} and sheet["version"] == 1
    history = (await kpi.get(f"/v1/kpi/appraisals/{sheet['id']}/history")).json()
    assert history == []
    audit = await kpi.get("/v1/kpi/audit", params={"action": "actuals_collected"})
    assert audit.json()["items"] == []


async def test_a_broken_clients_answer_is_a_502(linked: Linked) -> None:
    _, kpi, kpi_app = linked
    cycle = await _cycle(kpi)
    await _move(kpi, cycle["id"], "collecting")
    broken = ServiceClient(
        "clients", "http://clients", backoff_seconds=0,
        transport=httpx.MockTransport(lambda request: httpx.Response(500, text="boom")),
    )  # fmt: skip
    kpi_app.state.clients_client = broken
    try:
        response = await _collect(kpi, cycle["id"])
    finally:
        await broken.aclose()
    assert response.status_code == 502, response.text
    assert set(_by_key((await _sheet(kpi, cycle["id"], KAM)).json(), "actual").values()) == {None}


async def test_only_cycle_runners_collect(linked: Linked) -> None:
    _, kpi, _ = linked
    cycle = await _cycle(kpi)
    await _move(kpi, cycle["id"], "collecting")
    refused = await _collect(kpi, cycle["id"], **bearer(Role.DEPT_MANAGER, employee_id=MANAGER))
    assert refused.status_code == 403
    missing = await _collect(kpi, 999_999)
    assert missing.status_code == 404


async def test_collecting_again_keeps_a_reviewers_override(linked: Linked) -> None:
    clients, kpi, _ = linked
    await _activity(clients)
    cycle = await _cycle(kpi)
    await _move(kpi, cycle["id"], "collecting")
    first = await _collect(kpi, cycle["id"])
    assert first.json()["items_updated"] == 7
    sheet = await _sheet(kpi, cycle["id"], KAM)
    sales = next(item["id"] for item in sheet.json()["items"] if item["key"] == "sales")
    url = f"/v1/kpi/appraisals/{sheet.json()['id']}"
    overridden = await kpi.put(
        f"{url}/items/{sales}/actual", json={"value": "130000", "reason": "合同补签未入档案"},
        headers={"If-Match": sheet.headers["ETag"], **bearer(Role.TEAM_LEAD, employee_id=MANAGER)},
    )  # fmt: skip
    assert overridden.status_code == 200, overridden.text

    again = await _collect(kpi, cycle["id"])
    assert again.status_code == 200, again.text
    assert again.json()["items_updated"] == 6  # the overridden item is left alone
    after = (await kpi.get(url)).json()
    assert _by_key(after, "actual")["sales"] == "130000.0000"
    assert _by_key(after, "actual_source")["sales"] == "manual_override"
    history = (await kpi.get(f"{url}/items/{sales}/actuals")).json()
    assert [h["source"] for h in history] == ["clients_metrics", "manual_override"]
