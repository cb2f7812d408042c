"""The SLA breach check: flags missed deadlines and escalates to the owner's manager once."""

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.jobs import SLA_CHECK_LOCK, sla_check_once
from shared.auth.principal import Role
from tests.clients.conftest import KAM, LEAD, MANAGER, SPECIALIST, acting, create_account
from tests.clients.tickets.factories import TICKETS, ago, events, move, open_ticket
from tests.conftest import bearer

CHECK = f"{TICKETS}/sla-check"


async def test_a_breach_escalates_to_the_owners_manager_exactly_once(
    clients: httpx.AsyncClient,
) -> None:
    kams = await create_account(clients, owner_id=KAM)
    specialists = await create_account(clients, owner_id=SPECIALIST)
    late = await open_ticket(clients, kams["id"], opened_at=ago(days=2))  # both deadlines past
    answered = await open_ticket(clients, specialists["id"], opened_at=ago(hours=3))
    answered = await move(clients, answered, "in_progress")  # late first response (2 h)
    on_time = await open_ticket(clients, kams["id"])

    first = await clients.post(CHECK)
    assert first.status_code == 200, first.text
    flagged = {f["ticket_id"]: f for f in first.json()["flagged"]}
    assert flagged[late["id"]]["escalated_to"] == MANAGER
    assert flagged[late["id"]]["response_breached"] is True
    assert flagged[late["id"]]["resolution_breached"] is True
    assert flagged[answered["id"]]["escalated_to"] == LEAD
    assert flagged[answered["id"]]["resolution_breached"] is False
    assert on_time["id"] not in flagged

    second = await clients.post(CHECK)
    assert second.status_code == 200
    assert not {late["id"], answered["id"]} & {f["ticket_id"] for f in second.json()["flagged"]}

    ticket = (await clients.get(f"{TICKETS}/{late['id']}")).json()
    assert ticket["escalated_to"] == MANAGER
    assert ticket["escalated_at"] is not None
    assert ticket["breached"] is True
    escalations = [e for e in await events(clients, late["id"]) if e["kind"] == "escalation"]
    assert len(escalations) == 1
    assert str(MANAGER) in escalations[0]["note"]
    audit = await clients.get(
        "/v1/clients/audit", params={"entity": "ticket", "entity_id": late["id"]}
    )
    actions = [e["action"] for e in audit.json()["items"]]
    assert actions.count("escalate") == 1
    escalated = (await clients.get(f"{TICKETS}/{answered['id']}")).json()
    assert escalated["escalated_to"] == LEAD
    assert (await clients.get(f"{TICKETS}/{on_time['id']}")).json()["escalated_at"] is None


async def test_an_owner_without_a_manager_is_flagged_but_escalated_to_nobody(
    clients: httpx.AsyncClient,
) -> None:
    account = await create_account(clients, owner_id=MANAGER)  # 900 heads the department
    late = await open_ticket(clients, account["id"], opened_at=ago(days=2))
    result = await clients.post(CHECK)
    flagged = {f["ticket_id"]: f for f in result.json()["flagged"]}
    assert flagged[late["id"]]["escalated"] is True
    assert flagged[late["id"]]["escalated_to"] is None
    again = await clients.post(CHECK)
    assert late["id"] not in {f["ticket_id"] for f in again.json()["flagged"]}


async def test_resolved_tickets_are_not_escalated(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    late = await open_ticket(clients, account["id"], opened_at=ago(days=2))
    resolved = await move(clients, late, "resolved", resolution="已处理")
    assert resolved["resolution_breached"] is True  # resolved after its deadline
    result = await clients.post(CHECK)
    assert late["id"] not in {f["ticket_id"] for f in result.json()["flagged"]}


async def test_only_admins_and_services_run_the_check(clients: httpx.AsyncClient) -> None:
    refused = await clients.post(CHECK, headers=acting(KAM, Role.ACCOUNT_MANAGER))
    assert refused.status_code == 403
    service = await clients.post(CHECK, headers=bearer(subject="service:kpi"))
    assert service.status_code == 200


async def test_a_round_is_skipped_while_another_replica_holds_the_lock(
    engines: dict[str, AsyncEngine],
) -> None:
    factory = async_sessionmaker(engines["clients"], class_=AsyncSession, expire_on_commit=False)
    async with engines["clients"].connect() as other_replica:
        await other_replica.begin()
        await other_replica.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SLA_CHECK_LOCK})
        assert await sla_check_once(factory) is False
        await other_replica.rollback()
    assert await sla_check_once(factory) is True
