"""The time-based round posts each item once however often it runs, and closes what is
over: imminent SLA deadlines, key contacts' birthdays, contract renewals, and
reconciliation differences for finance."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI

from services.clients.dependencies import build_work_item_rounds
from services.clients.jobs import work_items_once
from services.clients.settings import ClientsSettings
from services.clients.workitems.producer import Kind, WorkItem, WorkItemOutbox
from services.clients.workitems.producers import RoundResult
from services.clients.workitems.rules import collection_task_keys, next_birthday
from shared.auth.principal import Role
from tests.clients.conftest import (
    DEPARTMENT,
    KAM,
    MANAGER,
    create_account,
    create_contact,
    feed_org,
)
from tests.clients.tickets.factories import ago, open_ticket
from tests.clients.workitems.conftest import open_items
from tests.conftest import bearer, post_current

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def app(clients_app: tuple[FastAPI, httpx.AsyncClient]) -> FastAPI:
    app, client = clients_app
    await feed_org(client, DEPARTMENT)
    return app


def client_of(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers=bearer(Role.ADMIN),
    )


CLIENT_HEADERS = bearer(Role.ADMIN)


async def round_at(app: FastAPI, moment: datetime, **settings: Any) -> RoundResult:
    result = await work_items_once(app.state.session_factory, ClientsSettings(**settings), moment)
    assert result is not None
    return result


async def test_an_imminent_deadline_is_posted_once_to_whoever_works_the_ticket(
    app: FastAPI,
) -> None:
    async with client_of(app) as clients:
        account = await create_account(clients, owner_id=KAM)
        ticket = await open_ticket(clients, account["id"], opened_at=ago(minutes=10))
    respond_by = datetime.fromisoformat(ticket["respond_by"])
    before = respond_by - timedelta(minutes=30)
    first = await round_at(app, before, sla_imminent_minutes=60)
    assert first.posted.get("sla_breach_imminent", 0) >= 1
    assert (await round_at(app, before, sla_imminent_minutes=60)).posted == {}
    items = {
        k: v
        for k, v in (await open_items(app.state.session_factory)).items()
        if k.startswith(f"ticket:{ticket['id']}:imminent:respond")
    }
    [(_, item)] = items.items()
    assert item["employee_id"] == KAM
    assert item["kind"] == "sla_breach_imminent"
    assert item["severity"] == "urgent"
    assert datetime.fromisoformat(item["due_at"]) == respond_by


async def test_a_key_contacts_birthday_is_posted_days_ahead_and_closed_once_past(
    app: FastAPI,
) -> None:
    today = datetime.now(SHANGHAI).date()
    soon = today + timedelta(days=2)
    birthday = date(1975, soon.month, min(soon.day, 28))
    async with client_of(app) as clients:
        account = await create_account(clients, owner_id=KAM)
        await create_contact(clients, account["id"], birthday=birthday.isoformat())
        await create_contact(  # not a decision maker, nothing planned with: not key
            clients, account["id"], name="王小二", roles=["user"], birthday=birthday.isoformat()
        )
    noon = datetime.combine(today, datetime.min.time(), SHANGHAI) + timedelta(hours=12)
    days_ahead = (next_birthday(birthday, today) - today).days
    result = await round_at(app, noon.astimezone(UTC), birthday_notice_days=days_ahead)
    assert result.posted == {"contact_birthday": 1}
    assert (await round_at(app, noon, birthday_notice_days=days_ahead)).posted == {}
    [(_, item)] = [
        (k, v)
        for k, v in (await open_items(app.state.session_factory)).items()
        if k.startswith("birthday:")
    ]
    assert item["employee_id"] == KAM and item["account_id"] == account["id"]
    assert "李建国" in item["title"]
    the_day_after = noon + timedelta(days=days_ahead + 1)
    after = await round_at(app, the_day_after, birthday_notice_days=0)
    assert after.closed == {"contact_birthday": 1}
    assert not any(k.startswith("birthday:") for k in await open_items(app.state.session_factory))


async def test_a_contract_ending_within_the_notice_is_posted_and_closes_when_renewed(
    app: FastAPI,
) -> None:
    today = datetime.now(SHANGHAI).date()
    end = today + timedelta(days=20)
    async with client_of(app) as clients:
        account = await create_account(clients, owner_id=KAM)
        body = {
            "number": f"HT-{uuid.uuid4().hex[:8]}",
            "title": "配电运维服务合同",
            "amount": "100000.00",
            "currency": "CNY",
            "start_date": (today - timedelta(days=300)).isoformat(),
            "end_date": end.isoformat(),
        }
        made = await clients.post(f"/v1/clients/accounts/{account['id']}/contracts", json=body)
        assert made.status_code == 201, made.text
        contract = made.json()
        signing = await post_current(
            clients,
            f"/v1/clients/contracts/{contract['id']}",
            "/sign",
            json={"signed_on": (today - timedelta(days=299)).isoformat()},
        )
        assert signing.status_code == 200, signing.text
        now = datetime.now(UTC)
        assert (await round_at(app, now, contract_renewal_notice_days=10)).posted == {}
        assert (await round_at(app, now, contract_renewal_notice_days=30)).posted == {
            "contract_renewal": 1
        }
        assert (await round_at(app, now, contract_renewal_notice_days=30)).posted == {}
        renewed = await clients.post(
            f"/v1/clients/contracts/{contract['id']}/renewals",
            json={
                "number": f"HT-R-{uuid.uuid4().hex[:6]}",
                "end_date": (end + timedelta(days=365)).isoformat(),
            },
        )
        assert renewed.status_code == 201, renewed.text
    closed = await round_at(app, now, contract_renewal_notice_days=30)
    assert closed.closed == {"contract_renewal": 1}
    assert not any(k.startswith("contract:") for k in await open_items(app.state.session_factory))


async def test_reconciliation_differences_go_to_finance_and_a_clean_day_closes_them(
    app: FastAPI,
) -> None:
    settings = ClientsSettings(finance_departments=[3])  # the test department's people
    day = date(2026, 12, 5)
    async with app.state.session_factory() as session:
        rounds = build_work_item_rounds(session, settings)
        found = RoundResult()
        await rounds.reconciliation_differences(day, {"发票": 2, "回款": 0}, found)
        await rounds.reconciliation_differences(day, {"发票": 2, "回款": 0}, found)
        await session.commit()
    active = [e["employee_id"] for e in DEPARTMENT if e["status"] == "active"]
    assert found.posted == {"reconciliation_mismatch": len(active)}
    items = await open_items(app.state.session_factory)
    assert {v["employee_id"] for k, v in items.items() if k.startswith("reconciliation:")} == set(
        active
    )
    assert MANAGER in active
    async with app.state.session_factory() as session:
        clean = RoundResult()
        await build_work_item_rounds(session, settings).reconciliation_differences(
            day + timedelta(days=1), {"发票": 0, "回款": 0}, clean
        )
        await session.commit()
    assert clean.closed == {"reconciliation_mismatch": len(active)}


async def test_closes_find_a_records_items_by_prefix_or_key_and_only_posted_ones(
    app: FastAPI,
) -> None:
    def item(key: str) -> WorkItem:
        return WorkItem(key, KAM, Kind.DUNNING_TASK, "催收", "/v1/clients/collection-tasks/1")

    async with app.state.session_factory() as session:
        outbox = WorkItemOutbox(session)
        posted = ["ticket:1:escalation:0", "ticket:1:imminent:respond:0", "ticket:12:escalation:0"]
        posted += collection_task_keys(1) + collection_task_keys(3)
        assert await outbox.post_all([item(k) for k in posted]) == 7
        assert await outbox.post_all([item(posted[0])]) == 0  # posted once
        # ticket:1: is not a prefix of ticket:12:
        assert await outbox.close_all("ticket:1:") == posted[:2]
        assert await outbox.close_all("ticket:1:") == []  # closed once
        assert await outbox.open_keys("ticket:") == ["ticket:12:escalation:0"]
        assert await outbox.close_all("ticket:", keep={"ticket:12:escalation:0"}) == []
        # many at once, by key: only those posted and open
        wanted = collection_task_keys(1) + collection_task_keys(2) + collection_task_keys(3)
        assert sorted(await outbox.close_keys(wanted)) == sorted(posted[3:])
        assert await outbox.close_keys(wanted) == []
        assert not await outbox.close("collection-task:99:owner")  # never posted: no close
        await session.commit()


async def test_admins_and_services_run_the_round_now_and_a_second_run_posts_nothing(
    app: FastAPI,
) -> None:
    app.state.settings = ClientsSettings(sla_imminent_minutes=10_080)  # within a week
    async with client_of(app) as clients:
        account = await create_account(clients, owner_id=KAM)
        await open_ticket(clients, account["id"])
        run = "/v1/clients/work-items/run"
        first = await clients.post(run)
        assert first.status_code == 200, first.text
        assert first.json()["posted"].get("sla_breach_imminent", 0) >= 1
        second = await clients.post(run, headers=bearer(subject="service:kpi"))
        assert second.status_code == 200, second.text
        assert second.json()["posted"] == {}
        refused = await clients.post(run, headers=bearer(Role.DEPT_MANAGER, employee_id=MANAGER))
        assert refused.status_code == 403
