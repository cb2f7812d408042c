"""Target plans: persisted parts add up exactly at every level, before and after rebalancing."""

from datetime import date
from decimal import Decimal
from typing import Any

import httpx

from tests.kpi.conftest import employee_event, make_indicator, seed_org

YEAR = date.today().year  # the dated org copy knows today, not a fixed year

BASE = "/v1/kpi/target-plans"


def assert_adds_up(plan: dict[str, Any]) -> None:
    teams = plan["teams"]
    assert sum(Decimal(t["amount"]) for t in teams) == Decimal(plan["total"])
    for team in teams:
        assert sum(Decimal(p["amount"]) for p in team["people"]) == Decimal(team["amount"])
        for person in team["people"]:
            assert len(person["months"]) == 12
            assert sum(Decimal(m) for m in person["months"].values()) == Decimal(person["amount"])


async def test_decomposition_is_stored_exactly(kpi_client: httpx.AsyncClient) -> None:
    # Department 3 with teams 4 (lead 40) and 5 (lead 50); 30 joins team 4 later.
    await seed_org(kpi_client, [
        employee_event(40, department_id=3, manager_id=None),
        employee_event(50, department_id=3, manager_id=None),
        *(employee_event(e, department_id=4, manager_id=40) for e in (12, 15, 16, 30)),
        employee_event(21, department_id=5, manager_id=50),
    ])  # fmt: skip
    indicator = await make_indicator(kpi_client, "tg_sales", unit="元")
    body = {
        "indicator_id": indicator, "year": YEAR, "department_id": 3, "total": "1000000.01",
        "seasonal_weights": ["6", "6", "8", "8", "8", "9", "9", "9", "9", "9", "9", "10"],
        "teams": [
            {"team_id": 4, "share": "2", "people": [
                {"employee_id": 12, "share": "1"}, {"employee_id": 15, "share": "1"},
                {"employee_id": 16, "share": "1"}]},
            {"team_id": 5, "share": "1", "people": [{"employee_id": 21, "share": "1"}]},
        ],
    }  # fmt: skip
    created = await kpi_client.post(BASE, json=body)
    assert created.status_code == 201, created.text
    assert (await kpi_client.get(created.headers["Location"])).json() == created.json()
    plan = (await kpi_client.get(f"{BASE}/{created.json()['id']}")).json()
    assert_adds_up(plan)
    assert plan["teams"][0]["amount"] == "666666.67"
    assert (await kpi_client.post(BASE, json=body)).status_code == 409

    joined = await kpi_client.post(
        f"{BASE}/{plan['id']}/rebalance",
        json={"team_id": 4, "employee_id": 30, "change": "join", "effective_month": 7},
    )
    assert joined.status_code == 200, joined.text
    after = joined.json()
    assert_adds_up(after)
    assert after["teams"][0]["amount"] == "666666.67"
    newcomer = next(p for p in after["teams"][0]["people"] if p["employee_id"] == 30)
    assert newcomer["months"]["6"] == "0.00" and Decimal(newcomer["months"]["7"]) > 0
    left = await kpi_client.post(
        f"{BASE}/{plan['id']}/rebalance",
        json={"team_id": 4, "employee_id": 12, "change": "leave", "effective_month": 10},
    )
    assert_adds_up(left.json())
    ghost = await kpi_client.post(
        f"{BASE}/{plan['id']}/rebalance",
        json={"team_id": 4, "employee_id": 777, "change": "leave", "effective_month": 10},
    )
    assert ghost.status_code == 409


async def test_a_target_for_a_missing_indicator_is_refused(kpi_client: httpx.AsyncClient) -> None:
    people = [{"employee_id": 1, "share": "1"}]
    body = {"indicator_id": 999999, "year": YEAR, "department_id": 3, "total": "100.00",
            "teams": [{"team_id": 4, "share": "1", "people": people}]}  # fmt: skip
    response = await kpi_client.post(BASE, json=body)
    assert response.status_code == 422
    assert "indicator 999999 does not exist" in response.json()["detail"]
    assert (await kpi_client.get(BASE, params={"indicator_id": 999999})).json()["items"] == []
