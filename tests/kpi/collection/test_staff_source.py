"""员工任职资格达标率 collected from staff, with clients' metrics, in one collection run.

Real staff and clients apps (each in its rolled-back transaction) behind kpi's clients.
Staff: department KQ, position KQ-SPEC approved with 本科 (bachelor) and 3 years required:

| employee | education | years | meets |
|----------|-----------|-------|-------|
| A        | bachelor  | 5     | yes   |
| B        | associate | 2     | no    |
| C        | master    | 4     | yes   |

Rate of KQ = 2 / 3 = 66.666… % → 66.67 (half-up, two places), the actual of everyone's
"qualification" item. Their "sales" item (clients' contract_value_signed) is 0.00: nobody
signed anything this month. Both come from one POST …/collect-actuals, each snapshot naming
its source, and the summary lists both sources' requests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.http_client import ServiceClient
from shared.periods import period_of
from tests.conftest import _client_in_transaction, token_for
from tests.kpi.conftest import employee_event, make_indicator, seed_org
from tests.staff.conftest import make_department, make_employee, make_position

LINEAR = {"type": "linear", "floor_percent": "0", "cap": "120"}
Linked = tuple[httpx.AsyncClient, httpx.AsyncClient]


async def _kpi_token() -> str:
    return token_for(subject="service:kpi")


@pytest.fixture
async def linked(engines: dict[str, AsyncEngine]) -> AsyncIterator[Linked]:
    """(staff client, kpi client): kpi's staff and clients clients reach the real apps."""
    from services.clients.app import create_app as create_clients_app
    from services.kpi.app import create_app as create_kpi_app
    from services.staff.app import create_app as create_staff_app

    staff_app, clients_app, kpi_app = create_staff_app(), create_clients_app(), create_kpi_app()
    async for staff in _client_in_transaction(engines["staff"], staff_app):
        async for _clients in _client_in_transaction(engines["clients"], clients_app):
            upstreams = [
                ServiceClient(name, f"http://{name}", transport=httpx.ASGITransport(app=app),
                              token_source=_kpi_token)
                for name, app in (("staff", staff_app), ("clients", clients_app))
            ]  # fmt: skip
            kpi_app.state.staff_client, kpi_app.state.clients_client = upstreams
            async for kpi in _client_in_transaction(engines["kpi"], kpi_app):
                yield staff, kpi
            for upstream in upstreams:
                await upstream.aclose()


async def test_one_run_collects_from_staff_and_clients_with_lineage(linked: Linked) -> None:
    staff, kpi = linked
    department = await make_department(staff, "KQ")
    await make_position(
        staff, "KQ-SPEC", department["id"],
        qualifications={"education_level": "bachelor", "min_years_experience": 3},
    )  # fmt: skip
    people = {}
    for no, education, years in (("KQ1", "bachelor", 5), ("KQ2", "associate", 2),
                                 ("KQ3", "master", 4)):  # fmt: skip
        employee = await make_employee(
            staff, no, position_code="KQ-SPEC", education_level=education,
            years_experience=years,
        )  # fmt: skip
        people[no] = employee["id"]
    rate = await staff.get(f"/v1/staff/departments/{department['id']}/qualification-rate")
    assert rate.json()["rate_percent"] == "66.67"

    await seed_org(kpi, [
        employee_event(e, position_code="KQ-SPEC", department_id=department["id"], manager_id=None)
        for e in people.values()
    ])  # fmt: skip
    qualification = await make_indicator(
        kpi, "kq_qualification", kind="automatic", source="staff", metric="qualification_rate",
        scoring_rule=LINEAR,
    )  # fmt: skip
    sales = await make_indicator(
        kpi, "kq_sales", kind="automatic", metric="contract_value_signed", scoring_rule=LINEAR
    )
    items = [
        {"key": "qualification", "title": "员工任职资格达标率", "kind": "indicator",
         "indicator_id": qualification, "weight": "60", "target_mode": "absolute",
         "target": "100"},
        {"key": "sales", "title": "签约额", "kind": "indicator", "indicator_id": sales,
         "weight": "40", "target_mode": "absolute", "target": "100000"},
    ]  # fmt: skip
    created = await kpi.post("/v1/kpi/templates", json={
        "code": "KQ-T", "name": "达标率考核表", "position_code": "KQ-SPEC", "period_kind": "month",
        "sections": [{"title": "业绩", "items": items}],
    })  # fmt: skip
    assert created.status_code == 201, created.text
    published = await kpi.post(
        f"/v1/kpi/templates/{created.json()['id']}/publish",
        headers={"If-Match": created.headers["ETag"]},
    )
    assert published.status_code == 200, published.text
    period = str(period_of(datetime.now(UTC), "month", "Asia/Shanghai"))
    cycle = (await kpi.post("/v1/kpi/cycles", json={
        "name": "达标率", "period": period, "template_ids": [created.json()["id"]],
        "department_ids": [department["id"]]})).json()  # fmt: skip
    moved = await kpi.post(
        f"/v1/kpi/cycles/{cycle['id']}/transitions", json={"state": "collecting"}
    )
    assert moved.status_code == 200, moved.text

    collected = await kpi.post(
        f"/v1/kpi/cycles/{cycle['id']}/collect-actuals", headers={"X-Request-ID": "kq-run-1"}
    )
    assert collected.status_code == 200, collected.text
    summary = collected.json()
    assert summary["items_updated"] == 6  # 3 people × (qualification + sales)
    assert sorted(
        (s["indicator_source"], s["source"], s["endpoint"], s["request_id"], s["metrics"])
        for s in summary["sources"]
    ) == [
        ("clients", "clients_metrics", "POST /v1/clients/metrics/batch", "kq-run-1",
         ["contract_value_signed"]),
        ("staff", "staff_qualifications", "POST /v1/staff/qualifications/metrics/batch",
         "kq-run-1", ["qualification_rate"]),
    ]  # fmt: skip

    for employee in people.values():
        listed = await kpi.get(
            "/v1/kpi/appraisals", params={"cycle_id": cycle["id"], "employee_id": employee}
        )
        sheet = (await kpi.get(f"/v1/kpi/appraisals/{listed.json()['items'][0]['id']}")).json()
        got = {i["key"]: (i["actual"], i["actual_source"]) for i in sheet["items"]}
        assert got == {
            "qualification": ("66.6700", "staff_qualifications"),
            "sales": ("0.0000", "clients_metrics"),
        }


def test_staff_answers_are_read_strictly() -> None:
    from services.kpi.collection.staff_source import qualification_values
    from shared.errors import BadGateway

    body = {"items": [
        {"employee_id": 1, "qualification_rate": "66.67"},
        {"employee_id": 2, "qualification_rate": None},  # nobody assessed: no value
        {"employee_id": 3, "qualification_rate": "100.00"},  # not asked for: ignored
    ]}  # fmt: skip
    assert qualification_values(body, [1, 2], ["qualification_rate"]) == {
        (1, "qualification_rate"): Decimal("66.67")
    }
    with pytest.raises(BadGateway):
        qualification_values(
            {"items": [{"employee_id": 1, "qualification_rate": "120"}]},
            [1],
            ["qualification_rate"],
        )
