"""The pipeline reports over real opportunities: the forecast to the cent per owner, team
and department against the KPI plan's targets (read from the kpi service, and answering
without it), conversion and win rate, stuck opportunities, scope per role, and the
销售机会报表 as XLSX with Chinese headers."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from openpyxl import load_workbook

from services.clients.calendar.today import company_today
from services.clients.dependencies import build_pipeline_reports, pipeline_reports
from services.clients.pipeline import rules
from services.clients.pipeline.rules import ForecastPolicy
from services.clients.settings import ClientsSettings
from shared.auth.principal import Role
from shared.db import SessionDep
from shared.http_client import ServiceClient
from tests.clients.conftest import (
    DEPARTMENT,
    KAM,
    LEAD,
    MANAGER,
    SPECIALIST,
    acting,
    create_account,
    feed_org,
)
from tests.conftest import get_as_sent_without_language, post_current, token_for
from tests.kpi.conftest import employee_event, make_indicator, seed_org

PIPELINE = "/v1/clients/pipeline"
TODAY = company_today(ClientsSettings().timezone)()
MONTH = f"{TODAY.year:04d}-{TODAY.month:02d}"
FIRST_DAY = TODAY.replace(day=1)
AS_KAM = acting(KAM, Role.ACCOUNT_MANAGER)
AS_LEAD = acting(LEAD, Role.TEAM_LEAD)
AS_MANAGER = acting(MANAGER, Role.DEPT_MANAGER)


async def opportunity(
    client: httpx.AsyncClient, account_id: int, amount: str, stage: str = "lead", **fields: Any
) -> dict[str, Any]:
    body = {"name": f"机会{amount}", "amount": amount, "currency": "CNY",
            "expected_close_month": MONTH, "stage_code": stage, **fields}  # fmt: skip
    response = await client.post(f"/v1/clients/accounts/{account_id}/opportunities", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def win(client: httpx.AsyncClient, opportunity_id: int, number: str) -> None:
    contract = {"number": number, "start_date": TODAY.isoformat(),
                "end_date": (TODAY + timedelta(days=365)).isoformat()}  # fmt: skip
    response = await post_current(
        client, f"/v1/clients/opportunities/{opportunity_id}", "/win", json={"contract": contract}
    )
    assert response.status_code == 200, response.text


async def lose(client: httpx.AsyncClient, opportunity_id: int) -> None:
    response = await post_current(
        client, f"/v1/clients/opportunities/{opportunity_id}", "/lose", json={"reason": "价格高"}
    )
    assert response.status_code == 200, response.text


async def seed(client: httpx.AsyncClient) -> dict[str, Any]:
    """KAM: 100,000 in proposal (50 %), 200,000 in negotiation (75 %), one won (50,000),
    one lost; SPECIALIST (LEAD's team): 30,000.01 qualified (25 %), one lost; LEAD: one
    open lead (10 %); one USD opportunity without a rate."""
    kam = await create_account(client, legal_name="预测甲有限公司", owner_id=KAM)
    specialist = await create_account(client, legal_name="预测乙有限公司", owner_id=SPECIALIST)
    lead = await create_account(client, legal_name="预测丙有限公司", owner_id=LEAD)
    ids = {
        "proposal": (await opportunity(client, kam["id"], "100000.00", "proposal"))["id"],
        "negotiation": (await opportunity(client, kam["id"], "200000.00", "negotiation"))["id"],
        "qualified": (await opportunity(client, specialist["id"], "30000.01", "qualified"))["id"],
        "lead": (await opportunity(client, lead["id"], "999.99", "lead"))["id"],
    }
    won = await opportunity(client, kam["id"], "50000.00", "negotiation")
    await win(client, won["id"], "HT-PIPE-1")
    await lose(client, (await opportunity(client, kam["id"], "70000.00"))["id"])
    await lose(client, (await opportunity(client, specialist["id"], "10000.00"))["id"])
    await opportunity(client, kam["id"], "1000.00", "proposal", currency="USD")
    return ids


def amount(row: dict[str, Any], field: str) -> str:
    assert row[field]["currency"] == "CNY"
    return str(row[field]["amount"])


async def test_forecast_per_owner_to_the_cent_and_totals_add_up(
    clients: httpx.AsyncClient,
) -> None:
    await seed(clients)
    response = await clients.get(f"{PIPELINE}/forecast", params={"first_month": MONTH})
    assert response.status_code == 200, response.text
    report = response.json()
    rows = {row["group_id"]: row for row in report["rows"]}
    assert set(rows) == {KAM, SPECIALIST, LEAD}
    kam = rows[KAM]
    assert (kam["group_name"], kam["month"], kam["open_count"]) == (f"员工{KAM}", MONTH, 2)
    assert amount(kam, "pipeline") == "300000.00"
    assert amount(kam, "weighted") == "200000.00"
    assert amount(kam, "commit") == "200000.00"
    assert amount(kam, "best_case") == "300000.00"
    assert (amount(kam, "won"), kam["won_count"], kam["lost_count"]) == ("50000.00", 1, 1)
    assert kam["win_rate"] == "0.5000"
    specialist = rows[SPECIALIST]
    assert amount(specialist, "weighted") == "7500.00"  # 30,000.01 × 25 % = 7,500.0025
    assert specialist["win_rate"] == "0.0000"
    assert amount(specialist, "commit") == "0.00"
    assert rows[LEAD]["win_rate"] is None  # nothing closed: no rate, not 0
    totals = report["totals"]
    for field in ("pipeline", "weighted", "best_case", "commit", "won"):
        assert Decimal(amount(totals, field)) == sum(
            Decimal(amount(r, field)) for r in rows.values()
        )
    assert report["targets_available"] is False and report["rows"][0]["target"] is None
    assert any("USD" in note for note in report["notes"])

    by_department = await clients.get(
        f"{PIPELINE}/forecast", params={"first_month": MONTH, "group_by": "department"}
    )
    [department] = by_department.json()["rows"]
    assert department["group_id"] == 3
    assert amount(department, "weighted") == amount(totals, "weighted") == "207600.00"


async def test_each_role_counts_only_what_it_may_see(clients: httpx.AsyncClient) -> None:
    await seed(clients)
    params = {"first_month": MONTH}
    mine = (await clients.get(f"{PIPELINE}/forecast", params=params, headers=AS_KAM)).json()
    assert [row["group_id"] for row in mine["rows"]] == [KAM]
    team = (await clients.get(f"{PIPELINE}/forecast", params=params, headers=AS_LEAD)).json()
    assert sorted(row["group_id"] for row in team["rows"]) == sorted([LEAD, SPECIALIST])
    everyone = await clients.get(
        f"{PIPELINE}/forecast", params={**params, "group_by": "team"}, headers=AS_MANAGER
    )
    teams = {row["group_id"]: row for row in everyone.json()["rows"]}
    assert set(teams) == {MANAGER, LEAD}  # KAM and LEAD report to MANAGER; SPECIALIST to LEAD
    assert teams[LEAD]["group_name"] == f"员工{LEAD}"
    assert amount(teams[LEAD], "pipeline") == "30000.01"
    stuck = await clients.get(f"{PIPELINE}/stuck", headers=AS_KAM)
    assert stuck.status_code == 200 and stuck.json()["items"] == []
    seen = await clients.get(f"{PIPELINE}/report", params=params, headers=AS_KAM)
    assert {line["owner_id"] for line in seen.json()["lines"]} == {KAM}
    refused = await clients.get(f"{PIPELINE}/forecast", headers=acting(KAM, Role.EMPLOYEE))
    assert refused.status_code == 403


async def test_conversion_and_win_rates(clients: httpx.AsyncClient) -> None:
    ids = await seed(clients)
    moved = await post_current(
        clients,
        f"/v1/clients/opportunities/{ids['qualified']}",
        "/stage",
        json={"stage_code": "proposal"},
    )
    assert moved.status_code == 200, moved.text
    response = await clients.get(f"{PIPELINE}/conversion", params={"first_month": MONTH})
    assert response.status_code == 200, response.text
    report = response.json()
    stages = {stage["stage_code"]: stage for stage in report["stages"]}
    assert stages["qualified"]["entered"] == 1 and stages["qualified"]["advanced"] == 1
    assert stages["qualified"]["rate"] == "1.0000"
    # lead: created there (the lead, the two lost ones) → two lost, none advanced
    assert (stages["lead"]["entered"], stages["lead"]["lost"]) == (3, 2)
    assert stages["lead"]["rate"] == "0.0000"
    assert stages["negotiation"]["advanced"] == 1  # the won one
    rates = {row["group_id"]: row for row in report["win_rates"]}
    assert rates[KAM]["win_rate"] == "0.5000"
    assert rates[LEAD]["win_rate"] is None and rates[LEAD]["won"] == rates[LEAD]["lost"] == 0


async def test_the_report_exports_xlsx_with_chinese_headers_and_names(
    clients: httpx.AsyncClient,
) -> None:
    await seed(clients)
    response = await get_as_sent_without_language(
        clients, f"{PIPELINE}/report", params={"first_month": MONTH, "format": "xlsx"}
    )
    assert response.status_code == 200, response.text
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["销售机会报表", "销售预测"]
    header, *lines = list(workbook["销售机会报表"].values)
    assert header[:5] == ("编号", "客户名称", "机会名称", "负责人", "阶段")
    assert ("预测甲有限公司", f"员工{KAM}", "方案/报价") in {
        (row[1], row[3], row[4]) for row in lines
    }
    forecast_header = next(workbook["销售预测"].values)
    assert forecast_header[:5] == ("负责人", "月份", "在途机会数", "管道金额", "加权金额")
    team = await clients.get(f"{PIPELINE}/report", params={"first_month": MONTH, "team_id": LEAD})
    assert {line["owner_id"] for line in team.json()["lines"]} == {SPECIALIST}


async def test_stuck_opportunities_are_listed_longest_first(
    clients_app: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = clients_app
    await feed_org(client, DEPARTMENT)
    await seed(client)

    def later(days: int) -> Callable[..., Any]:
        async def reports(request: Request, session: SessionDep) -> Any:
            settings: ClientsSettings = request.app.state.settings
            service = build_pipeline_reports(session, settings, None)
            service.today = lambda: TODAY + timedelta(days=days)
            return service

        return reports

    app.dependency_overrides[pipeline_reports] = later(31)
    stuck = (await client.get(f"{PIPELINE}/stuck")).json()
    assert stuck["limit_days"] == 30
    assert {item["name"] for item in stuck["items"]} >= {"机会100000.00", "机会30000.01"}
    assert all(item["days_in_stage"] == 31 for item in stuck["items"])
    app.dependency_overrides[pipeline_reports] = later(29)
    assert (await client.get(f"{PIPELINE}/stuck")).json()["items"] == []
    app.dependency_overrides.clear()


@pytest.fixture
async def kpi_link(
    clients_app: tuple[FastAPI, httpx.AsyncClient], kpi_client: httpx.AsyncClient
) -> tuple[FastAPI, httpx.AsyncClient, httpx.AsyncClient]:
    """The clients app reading targets from the real kpi app (in this test's transaction)."""
    app, client = clients_app

    async def service_token() -> str:
        return token_for(subject="service:clients")

    app.state.kpi_client = ServiceClient(
        "kpi", "http://kpi", transport=kpi_client._transport, token_source=service_token
    )
    return app, client, kpi_client


async def test_the_forecast_sits_beside_the_kpi_plan_targets(
    kpi_link: tuple[FastAPI, httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    _app, client, kpi = kpi_link
    await feed_org(client, DEPARTMENT)
    await seed(client)
    await seed_org(
        kpi, [employee_event(e, department_id=4, manager_id=None) for e in (KAM, SPECIALIST)]
    )
    indicator = await make_indicator(kpi, ClientsSettings().forecast_target_indicator, unit="元")
    plan = await kpi.post("/v1/kpi/target-plans", json={
        "indicator_id": indicator, "year": TODAY.year, "department_id": 4, "total": "1200000.00",
        "teams": [{"team_id": 4, "share": "1", "people": [
            {"employee_id": KAM, "share": "1"}, {"employee_id": SPECIALIST, "share": "1"}]}],
    })  # fmt: skip
    assert plan.status_code == 201, plan.text
    people = plan.json()["teams"][0]["people"]
    kam_target = next(p for p in people if p["employee_id"] == KAM)["months"][str(TODAY.month)]
    assert Decimal(kam_target) == Decimal("50000.00")

    report = (await client.get(f"{PIPELINE}/forecast", params={"first_month": MONTH})).json()
    assert report["targets_available"] is True, report["notes"]
    rows = {row["group_id"]: row for row in report["rows"]}
    assert amount(rows[KAM], "target") == "50000.00"
    assert rows[KAM]["attainment"] == "1.0000"  # won 50,000 of 50,000
    assert rows[KAM]["coverage"] == "6.0000"  # 300,000 open against 50,000
    assert rows[LEAD]["target"] is None  # no plan for him
    assert amount(report["totals"], "target") == "100000.00"


async def test_the_forecast_answers_when_kpi_is_down(
    clients_app: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = clients_app
    await feed_org(client, DEPARTMENT)
    await seed(client)

    async def service_token() -> str:
        return token_for(subject="service:clients")

    app.state.kpi_client = ServiceClient(
        "kpi", "http://127.0.0.1:9", retries=0, timeout_seconds=0.5, token_source=service_token
    )
    response = await client.get(f"{PIPELINE}/forecast", params={"first_month": MONTH})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["targets_available"] is False
    assert any("kpi is unreachable" in note for note in report["notes"]), report["notes"]
    assert amount(report["totals"], "weighted") == "207600.00"
    await app.state.kpi_client.aclose()


async def test_bad_months_are_refused(clients: httpx.AsyncClient) -> None:
    too_long = await clients.get(
        f"{PIPELINE}/forecast", params={"first_month": "2026-01", "last_month": "2028-02"}
    )
    assert too_long.status_code == 422
    backwards = await clients.get(
        f"{PIPELINE}/forecast", params={"first_month": "2026-05", "last_month": "2026-04"}
    )
    assert backwards.status_code == 422
    malformed = await clients.get(f"{PIPELINE}/forecast", params={"first_month": "2026-13"})
    assert malformed.status_code == 422


async def test_the_database_sums_weight_each_opportunity_like_the_rules(
    clients: httpx.AsyncClient,
) -> None:
    """Half-cent edges in two currencies: the report's per-owner and department figures
    are exactly the rules' (each opportunity converted, weighted, rounded half up once)."""
    rate = await clients.put(
        f"/v1/clients/exchange-rates/USD/{TODAY.isoformat()}",
        json={"rate": "7.1234", "source": "finance"},
    )
    assert rate.status_code in (200, 201), rate.text
    kam = await create_account(clients, legal_name="舍入甲有限公司", owner_id=KAM)
    specialist = await create_account(clients, legal_name="舍入乙有限公司", owner_id=SPECIALIST)
    cases = [  # (account, amount, currency, stage, probability)
        (kam, "0.01", "CNY", "proposal", 50), (kam, "0.05", "CNY", "proposal", 50),
        (kam, "333.33", "USD", "negotiation", 75), (kam, "100.07", "USD", "lead", 10),
        (specialist, "0.03", "CNY", "qualified", 25), (specialist, "999.99", "USD", "lead", 10),
        (specialist, "12345.67", "CNY", "proposal", 33),
    ]  # fmt: skip
    deals = []
    for account, value, currency, stage, probability in cases:
        extra = (
            {}
            if probability in (10, 25, 50, 75)
            else {"probability": probability, "probability_reason": "客户预算已批"}
        )
        await opportunity(clients, account["id"], value, stage, currency=currency, **extra)
        deals.append(rules.deal(
            owner_id=account["owner_id"], team_id=None, department_id=3, month=FIRST_DAY,
            status="open", stage_code=stage, probability=probability, amount=Decimal(value),
            rate=Decimal("7.1234") if currency == "USD" else Decimal(1),
        ))  # fmt: skip
    expected = rules.forecast(deals, rules.GroupBy.OWNER, ForecastPolicy())
    report = (await clients.get(f"{PIPELINE}/forecast", params={"first_month": MONTH})).json()
    rows = {row["group_id"]: row for row in report["rows"]}
    for (owner, _month), totals in expected.items():
        for field in ("pipeline", "weighted", "best_case", "commit"):
            assert Decimal(amount(rows[owner], field)) == getattr(totals, field), (owner, field)
    department = (
        await clients.get(
            f"{PIPELINE}/forecast", params={"first_month": MONTH, "group_by": "department"}
        )
    ).json()["rows"][0]
    assert Decimal(amount(department, "weighted")) == sum(
        (t.weighted for t in expected.values()), Decimal("0.00")
    )
