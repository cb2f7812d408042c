"""An account's timeline through the API, on a real PostgreSQL: every kind in one order,
cursor pages that add up to the whole list (ties on the instant included), the kind and
time filters, the scope and the masking of contacts' personal data."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.clients.receivables.models import Invoice, Payment
from services.clients.timeline.repository import SOURCES
from shared.auth.principal import Role
from tests.clients.conftest import (
    ACCOUNTS,
    DEPARTMENT,
    KAM,
    MANAGER,
    SPECIALIST,
    acting,
    create_account,
    create_contact,
    feed_org,
)
from tests.clients.contracts.test_api import draft
from tests.clients.duplicates.test_api import merge
from tests.clients.opportunities.test_api import post
from tests.clients.quotations.test_api import create_opportunity
from tests.clients.tickets.factories import open_ticket
from tests.clients.visits.factories import plan_visit
from tests.conftest import get_as_sent_without_language

AS_OWNER = acting(KAM, Role.ACCOUNT_MANAGER)
AS_STRANGER = acting(SPECIALIST, Role.ACCOUNT_MANAGER)
AS_MANAGER = acting(MANAGER, Role.DEPT_MANAGER)
PHONE = "138-1234-5678"


def timeline_url(account_id: int) -> str:
    return f"{ACCOUNTS}/{account_id}/timeline"


def order_key(entry: dict[str, Any]) -> tuple[datetime, str, int]:
    return (
        datetime.fromisoformat(entry["occurred_at"]),
        entry["kind"],
        int(entry["key"].split(":")[1]),
    )


async def whole(
    client: httpx.AsyncClient, account_id: int, limit: int, **params: Any
) -> list[dict[str, Any]]:
    """Every entry, ``limit`` at a time."""
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(500):
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(timeline_url(account_id), params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= limit
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("the pages never ended")


async def insert_money(app: FastAPI, account_id: int) -> None:
    """An invoice and a payment as the ERP would have brought them."""
    async with app.state.session_factory() as session:
        tag = uuid.uuid4().hex[:8]
        session.add(
            Invoice(
                erp_document_no=f"INV-{tag}",
                account_id=account_id,
                amount=Decimal("5000.00"),
                currency="CNY",
                issue_date=date(2026, 11, 1),
                owner_id=KAM,
            )
        )
        session.add(
            Payment(
                erp_ref=f"PAY-{tag}",
                account_id=account_id,
                amount=Decimal("3000.00"),
                currency="CNY",
                received_on=date(2026, 11, 20),
                owner_id=KAM,
            )
        )
        await session.commit()


@pytest.fixture
async def history(
    clients_app: tuple[FastAPI, httpx.AsyncClient],
) -> tuple[httpx.AsyncClient, int, dict[str, Any]]:
    """An account owned by KAM with at least one record of every kind of the timeline."""
    app, client = clients_app
    await feed_org(client, DEPARTMENT)
    account = await create_account(client)
    contact = await create_contact(client, account["id"], phone=PHONE)
    changed = await client.patch(
        f"/v1/clients/contacts/{contact['id']}",
        json={"title": "总经理", "email": "li@example.com"},
        headers={"If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    visit = await plan_visit(client, account["id"])
    ticket = await open_ticket(client, account["id"])
    contract = await draft(client, account["id"])
    opportunity = await create_opportunity(client, account["id"])
    stage = f"/v1/clients/opportunities/{opportunity['id']}/stage"
    moved = await post(client, stage, {"stage_code": "proposal", "note": "需求确认"})
    assert moved.status_code == 200, moved.text
    lost = await post(
        client, f"/v1/clients/opportunities/{opportunity['id']}/lose", {"reason": "预算取消"}
    )
    assert lost.status_code == 200, lost.text
    await insert_money(app, account["id"])
    credit = await client.post(
        f"{ACCOUNTS}/{account['id']}/credit-adjustments",
        json={"delta": 5, "reason": "按时回款"},
        headers=AS_MANAGER,
    )
    assert credit.status_code == 201, credit.text
    grade = await client.put(
        f"{ACCOUNTS}/{account['id']}/grade-override", json={"grade": "A", "reason": "战略客户"}
    )
    assert grade.status_code == 200, grade.text
    note = await client.post(
        f"{ACCOUNTS}/{account['id']}/notes", json={"body": "电话沟通：下季度扩容"}, headers=AS_OWNER
    )
    assert note.status_code == 201, note.text
    attachments = f"{ACCOUNTS}/{account['id']}/attachments"
    scan = {"file": ("营业执照.pdf", b"%PDF-1.4 licence", "application/pdf")}
    attached = await client.post(attachments, files=scan, headers=AS_OWNER)
    assert attached.status_code == 201, attached.text
    gone = {"file": ("作废草稿.pdf", b"%PDF-1.4 draft", "application/pdf")}
    sent = await client.post(attachments, files=gone, headers=AS_OWNER)
    removed = sent.json()
    deleted = await client.delete(
        f"/v1/clients/attachments/{removed['id']}", headers={"If-Match": sent.headers["etag"]}
    )
    assert deleted.status_code == 204, deleted.text
    duplicate = await create_account(client, legal_name=f"合并测试{uuid.uuid4().hex[:6]}有限公司")
    merged = await merge(client, account["id"], duplicate["id"], reason="同一家公司，重复录入")
    assert merged.status_code == 201, merged.text
    ids = {
        "contact": contact["id"],
        "visit": visit["id"],
        "ticket": ticket["id"],
        "contract": contract["id"],
        "opportunity": opportunity["id"],
        "note": note.json()["id"],
        "attachment": attached.json()["id"],
        "deleted_attachment": removed["id"],
        "merge": merged.json()["id"],
        "loser": duplicate["id"],
    }
    return client, account["id"], ids


async def test_every_kind_in_one_newest_first_order_with_titles_and_links(
    history: tuple[httpx.AsyncClient, int, dict[str, Any]],
) -> None:
    client, account_id, ids = history
    entries = await whole(client, account_id, 200)
    assert {e["kind"] for e in entries} == {kind.value for kind in SOURCES}
    keys = [order_key(e) for e in entries]
    assert keys == sorted(keys, reverse=True)
    assert len({e["key"] for e in entries}) == len(entries)
    events = {e["event"] for e in entries}
    assert {"opportunity_created", "opportunity_stage_moved", "opportunity_lost"} <= events
    assert {"contact_added", "contact_linked", "contact_updated", "visit_planned"} <= events
    by_kind = {e["kind"]: e for e in entries}
    note = by_kind["note"]
    assert note["title"] == "Note added: 电话沟通：下季度扩容"
    assert (note["actor_employee_id"], note["link"]) == (KAM, f"/v1/clients/notes/{ids['note']}")
    assert by_kind["ticket"]["link"] == f"/v1/clients/tickets/{ids['ticket']}"
    assert by_kind["opportunity"]["record_id"] == ids["opportunity"]
    assert by_kind["contract"]["summary"]["amount"] == "100000.00"
    assert by_kind["credit_change"]["summary"]["delta"] == 5
    assert by_kind["credit_change"]["actor_employee_id"] == MANAGER
    assert by_kind["payment"]["summary"]["received_on"] == "2026-11-20"
    [attachment] = [e for e in entries if e["kind"] == "attachment"]  # not the deleted one
    assert attachment["record_id"] == ids["attachment"]
    assert attachment["title"] == "Attachment added: 营业执照.pdf"
    assert attachment["link"] == f"/v1/clients/attachments/{ids['attachment']}"
    assert attachment["actor_employee_id"] == KAM
    assert attachment["summary"]["owner_kind"] == "account"
    merge = by_kind["account_merge"]
    assert (merge["event"], merge["record_id"]) == ("account_merged", ids["merge"])
    assert merge["link"] == f"/v1/clients/account-merges/{ids['merge']}"
    assert merge["summary"]["loser_id"] == ids["loser"]
    assert merge["summary"]["undone_at"] is None
    assert merge["title"].startswith("Duplicate account merged in: 合并测试")
    for entry in entries:  # every link answers for the caller
        assert (await client.get(entry["link"])).status_code == 200, entry["link"]
    chinese = await get_as_sent_without_language(client, timeline_url(account_id), params={
        "kind": "note"
    })  # fmt: skip
    assert chinese.json()["items"][0]["title"] == "新增备注：电话沟通：下季度扩容"


async def test_pages_of_every_size_add_up_to_the_whole_list_without_repeats_or_gaps(
    history: tuple[httpx.AsyncClient, int, dict[str, Any]],
) -> None:
    client, account_id, _ = history
    full = await whole(client, account_id, 200)
    instants = [e["occurred_at"] for e in full]
    # Records made in one transaction share its instant: ties the keyset must break.
    assert len(set(instants)) < len(instants)
    for limit in (1, 2, 3, 5, 7):
        paged = await whole(client, account_id, limit)
        assert [e["key"] for e in paged] == [e["key"] for e in full], limit
    filtered = await whole(client, account_id, 200, kind=["contact_change", "note"])
    for limit in (1, 2):
        paged = await whole(client, account_id, limit, kind=["contact_change", "note"])
        assert [e["key"] for e in paged] == [e["key"] for e in filtered]


async def test_kind_and_time_filters(
    history: tuple[httpx.AsyncClient, int, dict[str, Any]],
) -> None:
    client, account_id, _ = history
    full = await whole(client, account_id, 200)
    chosen = await whole(client, account_id, 200, kind=["visit", "opportunity"])
    assert {e["kind"] for e in chosen} == {"visit", "opportunity"}
    assert [e["key"] for e in chosen] == [
        e["key"] for e in full if e["kind"] in {"visit", "opportunity"}
    ]
    newest = max(datetime.fromisoformat(e["occurred_at"]) for e in full)
    since = await whole(client, account_id, 200, since=newest.isoformat())
    assert since and all(datetime.fromisoformat(e["occurred_at"]) == newest for e in since)
    until = await whole(client, account_id, 200, until=newest.isoformat())
    assert [e["key"] for e in since + until] == [e["key"] for e in full]
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert await whole(client, account_id, 200, since=later) == []
    url = timeline_url(account_id)
    backwards = await client.get(url, params={"since": later, "until": newest.isoformat()})
    assert backwards.status_code == 422
    assert (await client.get(url, params={"kind": "gossip"})).status_code == 422
    assert (await client.get(url, params={"since": "2026-01-01T00:00:00"})).status_code == 422
    assert (await client.get(url, params={"cursor": "eyJpZCI6IDQyfQ"})).status_code == 400
    assert (await client.get(url, params={"colour": "red"})).status_code == 422


async def test_a_stranger_gets_404_and_personal_data_is_masked_as_in_contact_reads(
    history: tuple[httpx.AsyncClient, int, dict[str, Any]],
) -> None:
    client, account_id, ids = history
    url = timeline_url(account_id)
    assert (await client.get(url, headers=AS_STRANGER)).status_code == 404
    assert (await client.get(timeline_url(987654321))).status_code == 404

    def phones(page: dict[str, Any]) -> set[tuple[str, bool]]:
        return {
            (e["summary"]["changes"]["phone"], e["personal_data_masked"])
            for e in page["items"]
            if "phone" in e["summary"]["changes"]
        }

    params = {"kind": "contact_change"}
    owner = (await client.get(url, params=params, headers=AS_OWNER)).json()
    assert phones(owner) == {(PHONE, False)}
    # Administrators run the system, not the relationship: masked, as in GET /contacts/{id}.
    admin = (await client.get(url, params=params)).json()
    assert phones(admin) == {("***-****-5678", True)}
    contact = (await client.get(f"/v1/clients/contacts/{ids['contact']}")).json()
    assert contact["phone"] == "***-****-5678"
    emails = {e["summary"]["changes"].get("email") for e in admin["items"]} - {None}
    assert emails == {"l***@example.com"}
    assert all("notes" not in e["summary"]["changes"] for e in owner["items"])


async def test_a_contact_shared_by_two_accounts_shows_its_own_changes_in_both(
    history: tuple[httpx.AsyncClient, int, dict[str, Any]],
) -> None:
    client, _, ids = history
    other = await create_account(client, owner_id=SPECIALIST)
    linked = await client.put(
        f"{ACCOUNTS}/{other['id']}/contacts/{ids['contact']}", json={"roles": ["user"]}
    )
    assert linked.status_code == 201, linked.text
    as_other_owner = acting(SPECIALIST, Role.ACCOUNT_MANAGER)
    page = await client.get(
        timeline_url(other["id"]), params={"kind": "contact_change"}, headers=as_other_owner
    )
    assert page.status_code == 200, page.text
    events = sorted(e["event"] for e in page.json()["items"])
    # Its link to this account, and its own update (logged without an account); not its
    # creation at the first account.
    assert events == ["contact_linked", "contact_updated"]
    # The owner of an account the contact is linked to reads it in full, as GET /contacts does.
    assert not any(e["personal_data_masked"] for e in page.json()["items"])
    [update] = [e for e in page.json()["items"] if e["event"] == "contact_updated"]
    assert update["summary"]["changes"]["email"] == "li@example.com"
    read = await client.get(f"/v1/clients/contacts/{ids['contact']}", headers=as_other_owner)
    assert read.json()["personal_data_masked"] is False
