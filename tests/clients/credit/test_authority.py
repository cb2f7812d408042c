"""Defect 10 (issue 18): credit authority is a limit per account per period, summed over
the actor's adjustments by absolute value; past it, the change becomes a request (202).

Figures by hand: LEAD (901) holds ±5 and reports to MANAGER (900). The account starts at 60.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.clients.credit.rules import AuthorityPeriod, period_start
from services.clients.dependencies import SettingsDep, build_credit, credit_service
from shared.db import SessionDep
from tests.clients.conftest import (
    ACCOUNTS,
    DEPARTMENT,
    LEAD,
    MANAGER,
    SPECIALIST,
    acting,
    create_account,
    feed_org,
)
from tests.clients.credit.test_api import adjust


async def score_of(client: httpx.AsyncClient, account_id: int) -> int:
    return int((await client.get(f"{ACCOUNTS}/{account_id}")).json()["credit_score"])


async def test_two_adjustments_within_one_limit_do_not_add_up(
    clients: httpx.AsyncClient,
) -> None:
    account = await create_account(clients)
    first = await adjust(clients, account["id"], LEAD, 5)
    assert first.status_code == 201, first.text
    second = await adjust(clients, account["id"], LEAD, 5)
    # Before the fix this was 201 and the score moved by 10 with a limit of ±5.
    assert second.status_code == 202, second.text
    request = second.json()
    assert second.headers["Location"] == f"/v1/clients/approvals/{request['id']}"
    assert (request["state"], request["kind"]) == ("pending", "credit_adjustment")
    assert (request["requested_by"], request["approver_employee_id"]) == (LEAD, MANAGER)
    assert request["payload"]["delta"] == 5
    assert request["payload"]["score_before"] == 65
    assert request["payload"]["authority_used"] == 5
    assert await score_of(clients, account["id"]) == 65


async def test_plus_three_then_plus_three_asks_for_the_second(
    clients: httpx.AsyncClient,
) -> None:
    account = await create_account(clients)
    assert (await adjust(clients, account["id"], LEAD, 3)).status_code == 201
    second = await adjust(clients, account["id"], LEAD, 3)
    assert second.status_code == 202, second.text
    # 2 points are left this month: +2 still goes through directly, then nothing is left.
    assert (await adjust(clients, account["id"], LEAD, 2)).status_code == 201
    assert (await adjust(clients, account["id"], LEAD, 1)).status_code == 202
    assert await score_of(clients, account["id"]) == 65


async def test_negative_deltas_count_by_absolute_value(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    assert (await adjust(clients, account["id"], LEAD, 3)).status_code == 201
    # −3 would bring the score back to 60, but it is 3 more points of authority: 6 > 5.
    back = await adjust(clients, account["id"], LEAD, -3)
    assert back.status_code == 202, back.text
    assert (await adjust(clients, account["id"], LEAD, -2)).status_code == 201
    assert await score_of(clients, account["id"]) == 61


async def test_authority_is_per_account_and_per_actor(clients: httpx.AsyncClient) -> None:
    one = await create_account(clients)
    other = await create_account(clients)
    assert (await adjust(clients, one["id"], LEAD, 5)).status_code == 201
    assert (await adjust(clients, other["id"], LEAD, 5)).status_code == 201
    # MANAGER (±20) has his own budget on the account LEAD used up.
    assert (await adjust(clients, one["id"], MANAGER, 5)).status_code == 201
    assert await score_of(clients, one["id"]) == 70


async def test_a_single_change_past_the_limit_is_a_request(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    response = await adjust(clients, account["id"], LEAD, 6)
    assert response.status_code == 202, response.text
    assert response.json()["payload"]["max_delta"] == 5
    history = (await clients.get(f"{ACCOUNTS}/{account['id']}/credit-adjustments")).json()
    assert history["items"] == []


async def test_a_team_lead_adjusts_in_his_line(clients: httpx.AsyncClient) -> None:
    from shared.auth.principal import Role

    account = await create_account(clients, owner_id=SPECIALIST)
    response = await clients.post(
        f"{ACCOUNTS}/{account['id']}/credit-adjustments",
        json={"delta": 6, "reason": "新签年度框架合同"},
        headers=acting(LEAD, Role.TEAM_LEAD),
    )
    assert response.status_code == 202, response.text
    assert response.json()["approver_employee_id"] == MANAGER


def _next_month() -> datetime:
    this = period_start(datetime.now(UTC), "Asia/Shanghai", AuthorityPeriod.MONTH)
    return period_start(this + timedelta(days=32), "Asia/Shanghai", AuthorityPeriod.MONTH)


async def test_next_month_the_budget_is_fresh(
    clients_app: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = clients_app
    await feed_org(client, DEPARTMENT)
    account = await create_account(client)
    assert (await adjust(client, account["id"], LEAD, 5)).status_code == 201
    assert (await adjust(client, account["id"], LEAD, 1)).status_code == 202

    later = _next_month() + timedelta(hours=1)

    async def next_month_credit(session: SessionDep, settings: SettingsDep) -> Any:
        return build_credit(session, settings, now=lambda: later)

    app.dependency_overrides[credit_service] = next_month_credit
    assert (await adjust(client, account["id"], LEAD, 5)).status_code == 201
    assert (await adjust(client, account["id"], LEAD, 1)).status_code == 202
    assert await score_of(client, account["id"]) == 70


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(deltas=st.lists(st.integers(min_value=-7, max_value=7).filter(bool), min_size=1, max_size=6))
async def test_what_one_actor_applies_directly_never_exceeds_his_limit(
    clients: httpx.AsyncClient, deltas: list[int]
) -> None:
    """Through the API: LEAD's (±5) directly applied adjustments on one account this month
    sum, by absolute value, to at most 5; every other attempt became a request (202)."""
    account = await create_account(clients)
    for delta in deltas:
        response = await adjust(clients, account["id"], LEAD, delta)
        assert response.status_code in {201, 202}, response.text
    history = (await clients.get(f"{ACCOUNTS}/{account['id']}/credit-adjustments")).json()
    applied = [item["delta"] for item in history["items"]]
    assert sum(abs(delta) for delta in applied) <= 5
    assert await score_of(clients, account["id"]) == 60 + sum(applied)
