"""A KPI cycle collects the pipeline indicators from clients' metrics batch (issue 22):
won amount, new opportunities, win rate and the open pipeline, credited to the owner on
each stage change; a win rate with nothing closed is no actual (null), not 0."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx

from tests.clients.conftest import employee_event as clients_employee_event
from tests.clients.conftest import feed_org
from tests.conftest import post_current
from tests.kpi.collection.test_api import (
    CLIENTS,
    DEPARTMENT,
    KAM,
    LINEAR,
    MANAGER,
    SECOND,
    Linked,
    _account,
    _by_key,
    _collect,
    _move,
    _sheet,
    linked,
    this_month,
    today,
)
from tests.kpi.conftest import employee_event, make_indicator, seed_org

__all__ = ["linked"]  # the fixture, shared with the collection tests

INDICATORS = {  # key: (metric, target)
    "won": ("won_amount", "100000"),
    "win_rate": ("win_rate", "50"),
    "new": ("new_opportunities", "4"),
    "pipeline": ("pipeline_amount", "100000"),
}


async def _opportunity(clients: httpx.AsyncClient, account_id: int, amount: str) -> int:
    response = await clients.post(
        f"{CLIENTS}/accounts/{account_id}/opportunities",
        json={"name": f"机会{uuid.uuid4().hex[:4]}", "amount": amount, "currency": "CNY",
              "expected_close_month": this_month(), "stage_code": "proposal"},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def _activity(clients: httpx.AsyncClient) -> None:
    """9201 opens four opportunities this month: wins 80,000.00, loses 20,000.00, keeps
    50,000.00 and 25,000.50 open. 9202 opens one and keeps it open (nothing closed)."""
    await feed_org(clients, [
        clients_employee_event(MANAGER, department_id=DEPARTMENT),
        clients_employee_event(KAM, manager_id=MANAGER, department_id=DEPARTMENT),
        clients_employee_event(SECOND, manager_id=MANAGER, department_id=DEPARTMENT),
    ])  # fmt: skip
    mine, theirs = await _account(clients, KAM), await _account(clients, SECOND)
    won = await _opportunity(clients, mine, "80000.00")
    lost = await _opportunity(clients, mine, "20000.00")
    await _opportunity(clients, mine, "50000.00")
    await _opportunity(clients, mine, "25000.50")
    await _opportunity(clients, theirs, "10000.00")
    day = date.fromisoformat(today())
    contract = {"number": f"HT-{uuid.uuid4().hex[:8]}", "start_date": day.isoformat(),
                "end_date": (day + timedelta(days=365)).isoformat()}  # fmt: skip
    response = await post_current(
        clients, f"{CLIENTS}/opportunities/{won}", "/win", json={"contract": contract}
    )
    assert response.status_code == 200, response.text
    response = await post_current(
        clients, f"{CLIENTS}/opportunities/{lost}", "/lose", json={"reason": "价格"}
    )
    assert response.status_code == 200, response.text


async def _cycle(kpi: httpx.AsyncClient) -> dict[str, Any]:
    await seed_org(kpi, [
        employee_event(MANAGER, position_code="KA-LEAD", department_id=DEPARTMENT, manager_id=None),
        employee_event(KAM, position_code="KA-KAM", department_id=DEPARTMENT, manager_id=MANAGER),
        employee_event(SECOND, position_code="KA-KAM", department_id=DEPARTMENT,
                       manager_id=MANAGER),
    ])  # fmt: skip
    items = []
    for key, (metric, target) in INDICATORS.items():
        indicator = await make_indicator(
            kpi, f"opp_{key}", kind="automatic", metric=metric, scoring_rule=LINEAR
        )
        items.append({"key": key, "title": key, "kind": "indicator", "indicator_id": indicator,
                      "weight": "25", "target_mode": "absolute", "target": target})  # fmt: skip
    created = await kpi.post("/v1/kpi/templates", json={
        "code": "OPP-KAM", "name": "销售机会考核表", "position_code": "KA-KAM",
        "period_kind": "month", "sections": [{"title": "销售", "items": items}],
    })  # fmt: skip
    assert created.status_code == 201, created.text
    published = await kpi.post(
        f"/v1/kpi/templates/{created.json()['id']}/publish",
        headers={"If-Match": created.headers["ETag"]},
    )
    assert published.status_code == 200, published.text
    cycle = await kpi.post("/v1/kpi/cycles", json={
        "name": "销售机会", "period": this_month(), "template_ids": [created.json()["id"]],
        "department_ids": [DEPARTMENT]})  # fmt: skip
    assert cycle.status_code == 201, cycle.text
    return dict(cycle.json())


async def test_a_cycle_collects_won_amount_win_rate_and_the_pipeline(linked: Linked) -> None:
    clients, kpi, _ = linked
    await _activity(clients)
    cycle = await _cycle(kpi)
    await _move(kpi, cycle["id"], "collecting")
    response = await _collect(kpi, cycle["id"])
    assert response.status_code == 200, response.text
    assert response.json()["metrics_missing"] == []

    kam = (await _sheet(kpi, cycle["id"], KAM)).json()
    assert _by_key(kam, "actual") == {
        "won": "80000.0000", "win_rate": "50.0000", "new": "4.0000", "pipeline": "75000.5000",
    }  # fmt: skip
    assert _by_key(kam, "actual_source")["won"] == "clients_metrics"
    second = (await _sheet(kpi, cycle["id"], SECOND)).json()
    assert _by_key(second, "actual") == {
        "won": "0.0000", "win_rate": None, "new": "1.0000", "pipeline": "10000.0000",
    }  # fmt: skip
