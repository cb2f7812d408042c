"""The metrics batch: a month of facts for several employees, credited as documented."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from services.clients.metrics.schemas import MAX_EMPLOYEES
from services.clients.tickets.models import Ticket
from shared.auth.principal import Role
from shared.periods import Month
from tests.clients.conftest import (
    ACCOUNTS,
    DEPARTMENT,
    KAM,
    LEAD,
    SPECIALIST,
    acting,
    create_account,
    feed_org,
)
from tests.conftest import bearer, post_current

METRICS = "/v1/clients/metrics/batch"
TRANSFERS = "/v1/clients/ownership/transfers"


SHANGHAI = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return datetime.now(SHANGHAI).date()


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), SHANGHAI).astimezone(UTC)


def past_ticket(account_id: int, opened_at: datetime, **fields: Any) -> Ticket:
    """A critical ticket of a grade-C account (24x7, resolve within 12 hours)."""
    return Ticket(
        account_id=account_id,
        kind="complaint",
        severity="critical",
        channel="phone",
        title="停电投诉",
        owner_id=KAM,
        grade_at_open="C",
        response_target_minutes=120,
        resolution_target_minutes=720,
        around_the_clock=True,
        opened_at=opened_at,
        respond_by=opened_at + timedelta(hours=2),
        resolve_by=opened_at + timedelta(hours=12),
        **fields,
    )


async def write_history(app: FastAPI, tickets: list[Ticket], backdate: list[int]) -> None:
    """Facts of last month, written straight into the test's transaction: the API only
    records what happens now. ``backdate``: accounts whose ownership began last month."""
    async with app.state.session_factory() as session:
        session.add_all(tickets)
        connection = await session.connection()
        await connection.execute(
            text(
                "UPDATE clients.ownership_history SET changed_at = :at "
                "WHERE account_id = ANY(CAST(:ids AS integer[]))"
            ),
            {"ids": backdate, "at": at(Month.of(today()).previous().start_date, 9)},
        )
        await session.commit()


async def visit(client: httpx.AsyncClient, account_id: int, then: str | None = None) -> None:
    planned = await client.post(
        f"{ACCOUNTS}/{account_id}/visits",
        json={"planned_on": today().isoformat(), "purpose": "季度回访"},
    )
    assert planned.status_code == 201, planned.text
    if then is not None:
        body: dict[str, Any] = {"reason": "客户改期"}
        if then == "complete":
            body = {"outcome": "满意", "visited_by": KAM}
        done = await client.post(
            f"/v1/clients/visits/{planned.json()['id']}/{then}",
            json=body,
            headers={"If-Match": planned.headers["etag"]},
        )
        assert done.status_code == 200, done.text


async def signed_contract(
    client: httpx.AsyncClient, account_id: int, number: str, amount: str, signed_on: date
) -> dict[str, Any]:
    created = await client.post(
        f"{ACCOUNTS}/{account_id}/contracts",
        json={
            "number": number,
            "title": "年度服务合同",
            "amount": amount,
            "currency": "CNY",
            "start_date": signed_on.isoformat(),
            "end_date": date(signed_on.year + 1, 12, 31).isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    signed = await post_current(
        client,
        f"/v1/clients/contracts/{created.json()['id']}",
        "/sign",
        json={"signed_on": signed_on.isoformat()},
    )
    assert signed.status_code == 200, signed.text
    return signed.json()


async def survey(client: httpx.AsyncClient, account_id: int, period: str, score: str) -> None:
    response = await client.post(
        f"{ACCOUNTS}/{account_id}/surveys",
        json={
            "period": period,
            "score": score,
            "surveyed_on": today().isoformat(),
            "channel": "phone",
        },
    )
    assert response.status_code == 201, response.text


async def batch(client: httpx.AsyncClient, period: str, *ids: int) -> dict[int, dict[str, Any]]:
    response = await client.post(METRICS, json={"period": period, "employee_ids": list(ids)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [item["employee_id"] for item in body["items"]] == list(dict.fromkeys(ids))
    return {item["employee_id"]: item for item in body["items"]}


async def test_a_month_of_facts_for_three_employees(
    clients_app: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, clients = clients_app
    await feed_org(clients, DEPARTMENT)
    month = Month.of(today())
    last_month = month.previous()
    before = last_month.start_date
    first = await create_account(clients, owner_id=KAM)
    second = await create_account(clients, owner_id=KAM)
    theirs = await create_account(clients, owner_id=SPECIALIST)
    serviced = await create_account(clients, owner_id=KAM)
    run = first["id"]
    await signed_contract(clients, first["id"], f"M-{run}-1", "1000000.00", today())
    await signed_contract(clients, first["id"], f"M-{run}-2", "250000.50", today())
    await signed_contract(clients, second["id"], f"M-{run}-3", "80000.00", before)
    await signed_contract(clients, second["id"], f"M-{run}-4", "300000.00", today())
    await signed_contract(clients, theirs["id"], f"M-{run}-5", "99.99", today())
    # The specialist's account moves to the KAM after signing: the contract stays credited
    # to the specialist, the survey taken afterwards goes to the KAM.
    moved = await clients.post(
        TRANSFERS, json={"account_ids": [theirs["id"]], "to_employee_id": KAM, "reason": "调整"}
    )
    assert moved.status_code == 200, moved.text
    await survey(clients, first["id"], str(month), "4.00")
    await survey(clients, theirs["id"], str(month), "4.50")
    await visit(clients, serviced["id"], then="complete")
    await visit(clients, serviced["id"])
    await visit(clients, serviced["id"], then="cancel")
    adhoc = await clients.post(
        f"{ACCOUNTS}/{serviced['id']}/visits",
        json={
            "visited_on": today().isoformat(),
            "visited_by": KAM,
            "purpose": "临时拜访",
            "outcome": "顺利",
        },
    )
    assert adhoc.status_code == 201, adhoc.text
    lost = await clients.get(f"{ACCOUNTS}/{second['id']}")
    churned = await clients.patch(
        f"{ACCOUNTS}/{second['id']}",
        json={"status": "lost"},
        headers={"If-Match": lost.headers["ETag"]},
    )
    assert churned.status_code == 200, churned.text
    day = last_month.start_date
    await write_history(
        app,
        [
            # resolved two hours early, then late, then never; the last one opened at the
            # very end of the month is due next month
            past_ticket(
                serviced["id"],
                at(day + timedelta(days=2), 10),
                status="resolved",
                resolved_at=at(day + timedelta(days=2), 20),
            ),
            past_ticket(
                serviced["id"],
                at(day + timedelta(days=4), 10),
                status="resolved",
                resolved_at=at(day + timedelta(days=5), 10),
            ),
            past_ticket(serviced["id"], at(day + timedelta(days=9), 10), status="open"),
            past_ticket(serviced["id"], at(last_month.end_date, 23), status="open"),
        ],
        backdate=[first["id"], second["id"], serviced["id"]],
    )

    facts = await batch(clients, str(month), KAM, SPECIALIST, LEAD, KAM)
    kam, specialist, lead = facts[KAM], facts[SPECIALIST], facts[LEAD]
    assert kam["contracts_signed"] == 3
    assert kam["contract_value_signed"] == {"amount": "1550000.50", "currency": "CNY"}
    assert kam["new_accounts_signed"] == 1  # the second account signed first last month
    assert kam["surveys"] == 2 and kam["mean_satisfaction"] == "4.25"
    assert (kam["visits_planned"], kam["visits_done"], kam["visit_completion_rate"]) == (
        2, 1, "50.00",
    )  # fmt: skip
    assert kam["visits_completed_total"] == 2
    # held at the start: first, second and serviced (second was still active then)
    assert (kam["accounts_at_start"], kam["accounts_churned"], kam["churn_rate"]) == (
        3, 1, "33.33",
    )  # fmt: skip
    assert kam["tickets_total"] == 0
    assert specialist["contracts_signed"] == 1
    assert specialist["contract_value_signed"]["amount"] == "99.99"
    assert specialist["new_accounts_signed"] == 1
    assert specialist["surveys"] == 0 and specialist["mean_satisfaction"] is None
    assert specialist["accounts_at_start"] == 0 and specialist["churn_rate"] is None
    assert lead["contracts_signed"] == 0 and lead["contract_value_signed"]["amount"] == "0.00"
    assert lead["visit_completion_rate"] is None and lead["tickets_within_sla_rate"] is None

    previous = (await batch(clients, str(last_month), KAM))[KAM]
    assert previous["contracts_signed"] == 1
    assert previous["new_accounts_signed"] == 1
    assert previous["tickets_total"] == 4
    assert previous["tickets_resolved"] == 2
    assert previous["tickets_resolved_within_sla"] == 1
    assert previous["tickets_overdue_unresolved"] == 1
    assert previous["tickets_within_sla_rate"] == "33.33"
    assert previous["accounts_at_start"] == 0  # ownership began after the first instant
    year = (await batch(clients, str(month.containing_year()), KAM))[KAM]
    assert year["contracts_signed"] == (4 if before.year == month.year else 3)


async def test_bad_requests_are_422(clients: httpx.AsyncClient) -> None:
    for body in (
        {"period": "2026-13", "employee_ids": [KAM]},
        {"period": "2026-11", "employee_ids": []},
        {"period": "2026-11", "employee_ids": [0]},
        {"period": "2026-11", "employee_ids": list(range(1, MAX_EMPLOYEES + 2))},
        {"period": "2026-11"},
    ):
        response = await clients.post(METRICS, json=body)
        assert response.status_code == 422, body
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_only_managers_appraisers_and_services_read_metrics(
    clients: httpx.AsyncClient,
) -> None:
    body = {"period": "2026-11", "employee_ids": [KAM]}
    for headers, status in (
        (acting(KAM, Role.ACCOUNT_MANAGER), 403),
        (acting(LEAD, Role.TEAM_LEAD), 403),
        (bearer(Role.APPRAISAL_ADMIN, employee_id=37), 200),
        (bearer(subject="service:kpi"), 200),
    ):
        response = await clients.post(METRICS, json=body, headers=headers)
        assert response.status_code == status, (headers, response.text)
