"""``GET /v1/clients/me/day`` per persona: each person sees his own day, within his scope."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from services.clients.calendar.today import company_today
from shared.auth.principal import Role
from tests.clients.conftest import (
    ACCOUNTS,
    KAM,
    LEAD,
    MANAGER,
    SPECIALIST,
    acting,
    create_account,
    create_contact,
    credit_code,
)
from tests.clients.receivables.conftest import erp_app  # noqa: F401 - the fixture
from tests.clients.receivables.factories import deliver, invoice_event
from tests.clients.tickets.factories import open_ticket
from tests.conftest import post_current

MY_DAY = "/v1/clients/me/day"
AS_KAM = acting(KAM, Role.ACCOUNT_MANAGER)


async def _sql(app: FastAPI, statement: str, **params: Any) -> None:
    async with app.state.session_factory() as session:
        await session.execute(text(statement), params)
        await session.commit()


async def _kams_day(app: FastAPI, client: httpx.AsyncClient) -> dict[str, Any]:
    """A day for KAM: visits today and overdue, a ticket he handles, one escalated to the
    manager, an overdue invoice, a birthday this week and a contract to renew; and the same
    for SPECIALIST's account, which KAM must not see."""
    today = company_today("Asia/Shanghai")()
    code = credit_code(7401)
    mine = await create_account(
        client, owner_id=KAM, legal_name="我的一天有限公司", credit_code=code
    )
    theirs = await create_account(client, owner_id=SPECIALIST, legal_name="别人的客户有限公司")
    made: dict[str, Any] = {"today": today, "mine": mine, "theirs": theirs}
    for account in (mine, theirs):
        for key, day in (("today", today), ("overdue", today - timedelta(days=3))):
            response = await client.post(
                f"{ACCOUNTS}/{account['id']}/visits",
                json={"planned_on": (today + timedelta(days=1)).isoformat(), "purpose": key},
            )
            assert response.status_code == 201, response.text
            visit_id = response.json()["id"]
            await _sql(
                app, "UPDATE clients.visits SET planned_on = :d WHERE id = :id", d=day, id=visit_id
            )
            made[f"visit_{key}_{account['id']}"] = visit_id
        ticket = await open_ticket(client, account["id"], severity="high")
        escalated = await open_ticket(client, account["id"], severity="low")
        await _sql(
            app, "UPDATE clients.tickets SET handler_id = owner_id WHERE id = :id", id=ticket["id"]
        )
        await _sql(
            app,
            "UPDATE clients.tickets SET escalated_to = :m WHERE id = :id",
            m=MANAGER,
            id=escalated["id"],
        )
        made[f"ticket_{account['id']}"] = ticket["id"]
        made[f"escalated_{account['id']}"] = escalated["id"]
        contact = await create_contact(
            client,
            account["id"],
            birthday=(today + timedelta(days=2)).replace(year=1975).isoformat(),
        )
        made[f"contact_{account['id']}"] = contact["id"]
        contract = await client.post(
            f"{ACCOUNTS}/{account['id']}/contracts",
            json={
                "number": f"HT-{account['id']}",
                "title": "年度服务合同",
                "amount": "1000.00",
                "currency": "CNY",
                "start_date": (today - timedelta(days=300)).isoformat(),
                "end_date": (today + timedelta(days=30)).isoformat(),
            },
        )
        assert contract.status_code == 201, contract.text
        signed = await post_current(
            client, f"/v1/clients/contracts/{contract.json()['id']}", "/sign", json={}
        )
        assert signed.status_code == 200, signed.text
        made[f"contract_{account['id']}"] = contract.json()["id"]
    invoice = invoice_event("INV-DAY", code, [((today - timedelta(days=10)).isoformat(), "100.00")])
    assert (await deliver(client, invoice)).status_code < 300
    return made


async def test_an_account_manager_sees_his_own_day(
    erp_app: tuple[FastAPI, httpx.AsyncClient],  # noqa: F811
) -> None:
    app, client = erp_app
    made = await _kams_day(app, client)
    mine, theirs = made["mine"]["id"], made["theirs"]["id"]
    response = await client.get(MY_DAY, headers=AS_KAM)
    assert response.status_code == 200, response.text
    day = response.json()
    assert day["day"] == made["today"].isoformat()
    assert [v["id"] for v in day["visits_today"]] == [made[f"visit_today_{mine}"]]
    assert [v["id"] for v in day["visits_overdue"]] == [made[f"visit_overdue_{mine}"]]
    assert day["visits_overdue"][0]["overdue"] is True
    assert [t["id"] for t in day["tickets_assigned"]] == [made[f"ticket_{mine}"]]
    assert day["tickets_assigned"][0]["account_name"] == "我的一天有限公司"
    assert day["tickets_escalated"] == []
    [invoice] = day["invoices_overdue"]
    assert invoice["erp_document_no"] == "INV-DAY" and invoice["days_overdue"] == 10
    [birthday] = day["birthdays"]
    assert birthday["contact_id"] == made[f"contact_{mine}"] and birthday["days_until"] == 2
    [renewal] = day["renewals"]
    assert renewal["contract_id"] == made[f"contract_{mine}"] and renewal["days_left"] == 30
    assert day["counts"] == {
        "visits_today": 1,
        "visits_overdue": 1,
        "tickets_assigned": 1,
        "tickets_escalated": 0,
        "invoices_overdue": 1,
        "birthdays": 1,
        "renewals": 1,
    }
    seen = str(day)
    assert "别人的客户有限公司" not in seen
    assert theirs not in {v["account_id"] for v in day["visits_today"] + day["visits_overdue"]}


async def test_the_manager_sees_what_was_escalated_to_him_not_his_staffs_day(
    erp_app: tuple[FastAPI, httpx.AsyncClient],  # noqa: F811
) -> None:
    app, client = erp_app
    made = await _kams_day(app, client)
    response = await client.get(MY_DAY, headers=acting(MANAGER))
    assert response.status_code == 200, response.text
    day = response.json()
    assert {t["id"] for t in day["tickets_escalated"]} == {
        made[f"escalated_{made['mine']['id']}"],
        made[f"escalated_{made['theirs']['id']}"],
    }
    assert day["visits_today"] == [] and day["invoices_overdue"] == []
    assert day["birthdays"] == [] and day["renewals"] == []
    assert day["counts"]["tickets_escalated"] == 2


async def test_a_team_lead_sees_only_his_own_items_and_limits_apply(
    erp_app: tuple[FastAPI, httpx.AsyncClient],  # noqa: F811
) -> None:
    app, client = erp_app
    made = await _kams_day(app, client)
    lead = await client.get(MY_DAY, headers=acting(LEAD, Role.TEAM_LEAD))
    assert lead.status_code == 200
    assert lead.json()["counts"] == dict.fromkeys(lead.json()["counts"], 0)
    specialist = await client.get(
        MY_DAY, params={"limit": 1}, headers=acting(SPECIALIST, Role.ACCOUNT_MANAGER)
    )
    day = specialist.json()
    assert [v["account_id"] for v in day["visits_today"]] == [made["theirs"]["id"]]
    assert day["counts"]["tickets_assigned"] == 1


async def test_a_login_without_an_employee_or_without_access_is_refused(
    erp_app: tuple[FastAPI, httpx.AsyncClient],  # noqa: F811
) -> None:
    _, client = erp_app
    assert (await client.get(MY_DAY)).status_code == 403  # an administrator's bare token
    no_role = await client.get(MY_DAY, headers=acting(KAM, Role.APPRAISAL_ADMIN))
    assert no_role.status_code == 403
    assert (await client.get(MY_DAY, params={"limit": 51}, headers=AS_KAM)).status_code == 422
