"""A departure's handover of thousands of accounts: every account, its history, its audit
entry and its open work move in one transaction, or nothing does."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, insert, text
from sqlmodel import col, select

from services.clients.accounts.models import Account
from services.clients.audit.models import AuditEntry
from services.clients.ownership.models import OwnershipChange
from services.clients.ownership.repository import OwnershipRepository
from tests.clients.conftest import (
    ACCOUNTS,
    create_account,
    create_contact,
    credit_code,
    employee_event,
    feed_org,
)
from tests.clients.receivables.factories import deliver, invoice_event
from tests.clients.tickets.factories import open_ticket
from tests.clients.visits.factories import days, plan_visit
from tests.conftest import post_current

HANDOVERS = "/v1/clients/handovers"
TASKS = "/v1/clients/collection-tasks"
LEAVER, SUCCESSOR = 970, 971
BULK = 2000


async def insert_accounts(app: FastAPI, owner_id: int, count: int) -> list[int]:
    """``count`` accounts of ``owner_id`` with their first history entry, in bulk."""
    async with app.state.session_factory() as session:
        connection = await session.connection()
        rows = [{"legal_name": f"批量客户{n}有限公司", "owner_id": owner_id} for n in range(count)]
        ids = list(
            (await connection.execute(insert(Account).returning(col(Account.id)), rows)).scalars()
        )
        await connection.execute(
            insert(OwnershipChange),
            [{"account_id": i, "to_employee_id": owner_id, "reason": "created"} for i in ids],
        )
        await session.commit()
    return sorted(ids)


async def scalar(app: FastAPI, statement: Any) -> Any:
    async with app.state.session_factory() as session:
        connection = await session.connection()
        return (await connection.execute(statement)).scalar_one()


async def owned_by(app: FastAPI, owner_id: int) -> int:
    return int(
        await scalar(
            app, select(func.count()).select_from(Account).where(col(Account.owner_id) == owner_id)
        )
    )


async def moves_recorded(app: FastAPI, handover_id: str) -> tuple[int, int]:
    """(ownership history entries of the handover, ownership audit entries to the successor)"""
    history = await scalar(
        app,
        select(func.count())
        .select_from(OwnershipChange)
        .where(
            col(OwnershipChange.handover_id) == uuid.UUID(handover_id),
            col(OwnershipChange.from_employee_id) == LEAVER,
            col(OwnershipChange.to_employee_id) == SUCCESSOR,
        ),
    )
    audit = await scalar(
        app,
        text(
            "SELECT count(*) FROM clients.audit_log WHERE entity = 'ownership' "
            "AND action = 'transfer' AND before = jsonb_build_object('owner_id', :leaver) "
            "AND after = jsonb_build_object('owner_id', :successor, 'reason', 'departure')"
        ).bindparams(leaver=LEAVER, successor=SUCCESSOR),
    )
    return history, audit


async def open_work(erp: httpx.AsyncClient) -> dict[str, Any]:
    """An account of the leaver with an open ticket, a planned visit, a planned contact
    touch, and two collection tasks, one of them already done."""
    code = credit_code(8170)
    account = await create_account(erp, owner_id=LEAVER, credit_code=code)
    contact = await create_contact(erp, account["id"])
    touch = await erp.post(
        f"{ACCOUNTS}/{account['id']}/contact-schedule",
        json={"contact_id": contact["id"], "due_on": days(5), "kind": "call"},
    )
    assert touch.status_code == 201, touch.text
    invoice = invoice_event("INV-H1", code, [("2026-09-01", "100.00"), ("2026-09-02", "200.00")])
    assert (await deliver(erp, invoice)).json()["outcome"] == "applied"
    dunning = await erp.post("/v1/clients/dunning/run", params={"as_of": "2026-09-03"})
    assert dunning.status_code == 200, dunning.text
    done, still_open = (await erp.get(TASKS, params={"account_id": account["id"]})).json()["items"]
    assert (await post_current(erp, f"{TASKS}/{done['id']}", "/done", json={})).status_code == 200
    return {
        "account": account["id"],
        "ticket": (await open_ticket(erp, account["id"]))["id"],
        "visit": (await plan_visit(erp, account["id"]))["id"],
        "touch": touch.json()["id"],
        "done_task": done["id"],
        "open_task": still_open["id"],
    }


async def work_owners(erp: httpx.AsyncClient, work: dict[str, Any]) -> dict[str, int]:
    account_id = work["account"]
    tasks = (await erp.get(TASKS, params={"account_id": account_id})).json()["items"]
    touches = (await erp.get(f"{ACCOUNTS}/{account_id}/contact-schedule")).json()["items"]
    return {
        "ticket": (await erp.get(f"/v1/clients/tickets/{work['ticket']}")).json()["owner_id"],
        "visit": (await erp.get(f"/v1/clients/visits/{work['visit']}")).json()["owner_id"],
        "touch": next(t["owner_id"] for t in touches if t["id"] == work["touch"]),
        "done_task": next(t["owner_id"] for t in tasks if t["id"] == work["done_task"]),
        "open_task": next(t["owner_id"] for t in tasks if t["id"] == work["open_task"]),
    }


def handover_body() -> dict[str, Any]:
    return {
        "handover_id": str(uuid.uuid4()),
        "from_employee_id": LEAVER,
        "to_employee_id": SUCCESSOR,
        "account_ids": None,
    }


async def test_a_handover_of_thousands_moves_everything(
    erp_app: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, erp = erp_app
    await feed_org(erp, [employee_event(LEAVER), employee_event(SUCCESSOR)])
    bulk = await insert_accounts(app, LEAVER, BULK)
    work = await open_work(erp)
    body = handover_body()

    response = await erp.post(HANDOVERS, json=body)

    assert response.status_code == 200, response.text
    assert response.json() == {
        "handover_id": body["handover_id"], "status": "completed", "accounts": BULK + 1,
        "open_tickets": 1, "planned_visits": 1, "collection_tasks": 1, "team_memberships": 0,
        "open_opportunities": 0, "opportunity_memberships": 0, "open_quotations": 0,
        "open_bids": 0,
    }  # fmt: skip
    assert (await owned_by(app, LEAVER), await owned_by(app, SUCCESSOR)) == (0, BULK + 1)
    assert await moves_recorded(app, body["handover_id"]) == (BULK + 1, BULK + 1)
    for account_id in (bulk[0], bulk[-1]):
        account = (await erp.get(f"{ACCOUNTS}/{account_id}")).json()
        assert (account["owner_id"], account["version"]) == (SUCCESSOR, 2)
        history = (await erp.get(f"{ACCOUNTS}/{account_id}/ownership-history")).json()["items"]
        assert [(h["from_employee_id"], h["to_employee_id"]) for h in history] == [
            (LEAVER, SUCCESSOR),
            (None, LEAVER),
        ]
        assert history[0]["handover_id"] == body["handover_id"]
        assert history[0]["options"] == {
            "include_open_tickets": True,
            "include_planned_visits": True,
            "include_collection_tasks": True,
        }
    # Open work follows the accounts; the done collection task stays with the leaver.
    assert await work_owners(erp, work) == {
        "ticket": SUCCESSOR, "visit": SUCCESSOR, "touch": SUCCESSOR,
        "done_task": LEAVER, "open_task": SUCCESSOR,
    }  # fmt: skip
    # Delivered again: the stored result, nothing moves twice.
    again = await erp.post(HANDOVERS, json=body)
    assert again.json() == response.json()
    assert await moves_recorded(app, body["handover_id"]) == (BULK + 1, BULK + 1)


async def test_a_failure_mid_way_moves_nothing(
    erp_app: tuple[FastAPI, httpx.AsyncClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The accounts, their history and audit are written, then moving the open work fails:
    the whole handover rolls back, and staff's retry with the same id goes through."""
    app, erp = erp_app
    await feed_org(erp, [employee_event(LEAVER), employee_event(SUCCESSOR)])
    await insert_accounts(app, LEAVER, BULK)
    work = await open_work(erp)
    body = handover_body()
    move_service_work = OwnershipRepository.move_service_work

    async def fails_after_moving(self: OwnershipRepository, *args: Any, **kwargs: Any) -> Any:
        await move_service_work(self, *args, **kwargs)
        connection = await self.session.connection()
        await connection.execute(text("SELECT 1 / 0"))  # the database refuses the step

    monkeypatch.setattr(OwnershipRepository, "move_service_work", fails_after_moving)
    with pytest.raises(Exception, match="division by zero"):
        await erp.post(HANDOVERS, json=body)

    assert (await owned_by(app, LEAVER), await owned_by(app, SUCCESSOR)) == (BULK + 1, 0)
    assert await moves_recorded(app, body["handover_id"]) == (0, 0)
    audit = (
        select(func.count()).select_from(AuditEntry).where(col(AuditEntry.entity) == "ownership")
    )
    assert await scalar(app, audit) == 0
    assert set((await work_owners(erp, work)).values()) == {LEAVER}

    monkeypatch.undo()
    retried = await erp.post(HANDOVERS, json=body)
    assert retried.status_code == 200, retried.text
    assert retried.json()["accounts"] == BULK + 1
    assert await owned_by(app, SUCCESSOR) == BULK + 1
