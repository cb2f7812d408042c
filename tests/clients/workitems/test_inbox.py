"""Each clients event reaches staff's inbox exactly once over real HTTP (a second delivery
of every message adds nothing), urgent ones reach the SMTP server and a service queue's
group robots exactly once, and the items close themselves when the work is done."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.message import Message
from zoneinfo import ZoneInfo

from sqlalchemy import text

from deploy.test_runner import free_port
from services.clients.jobs import work_items_once
from services.clients.workitems.outbox import CLIENTS_OUTBOX, STAFF
from shared.auth.principal import Role
from shared.http_client import ServiceClient
from shared.outbox import OutboxDispatcher
from tests.clients.conftest import acting, create_account, credit_code
from tests.clients.receivables.factories import deliver, invoice_event, payment_event
from tests.clients.tickets.factories import TICKETS, ago, move, open_ticket
from tests.clients.workitems.conftest import Link, clients_token
from tests.conftest import bearer

APPROVALS = "/v1/clients/approvals"


def today() -> str:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


def readable(mail: Message) -> str:
    """A mail's subject and decoded text parts."""
    parts = [str(mail["Subject"])]
    for part in mail.walk():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            parts.append(payload.decode(part.get_content_charset() or "utf-8"))
    return "\n".join(parts)


def kinds(items: list[dict[str, object]]) -> list[object]:
    return sorted(str(item["kind"]) for item in items)


async def test_an_escalation_reaches_the_manager_once_and_closes_when_resolved(
    link: Link,
) -> None:
    people = link.people
    account = await create_account(link.clients, owner_id=people.kam)
    ticket = await open_ticket(
        link.clients, account["id"], opened_at=ago(days=2), queue_id=people.service_queue
    )
    checked = await link.clients.post(f"{TICKETS}/sla-check")
    assert checked.status_code == 200, checked.text
    assert await link.deliver() == 1
    assert await link.deliver() == 0
    assert await link.deliver_everything_again() == 1  # staff keeps one item per key

    [item] = await link.inbox(people.manager)
    assert item["kind"] == "sla_escalation"
    assert item["severity"] == "urgent"
    assert item["source_service"] == "clients"
    assert item["record_path"] == f"/v1/clients/tickets/{ticket['id']}"
    assert item["account_id"] == account["id"]
    assert item["account_name"] == account["legal_name"]
    assert item["team_department_id"] == people.service_queue
    assert await link.inbox(people.kam) == []

    # urgent: one e-mail to the manager, one message per robot of the queue, once
    assert await link.send_channels() == {"tried": 3, "sent": 3}
    assert await link.send_channels() == {"tried": 0, "sent": 0}
    assert [str(mail["To"]) for mail in link.smtp.mails] == ["boss@example.com"]
    assert f"工单 #{ticket['id']}" in str(link.smtp.mails[0]["Subject"])
    robots = sorted(m["platform"] for m in await link.robot_messages())
    assert robots == ["dingtalk", "wecom"]

    ticket = (await link.clients.get(f"{TICKETS}/{ticket['id']}")).json()
    await move(link.clients, ticket, "resolved", resolution="已更换断路器")
    assert await link.deliver() == 1
    assert await link.inbox(people.manager) == []
    assert [i["id"] for i in await link.inbox(people.manager, "done")] == [item["id"]]
    assert await link.deliver_everything_again() == 2  # post and close again: still done
    assert await link.inbox(people.manager) == []
    assert len(link.smtp.mails) == 1


async def test_an_approval_request_goes_to_the_approver_and_its_answer_to_the_requester(
    link: Link,
) -> None:
    people = link.people
    account = await create_account(link.clients, owner_id=people.kam)
    url = f"/v1/clients/accounts/{account['id']}/credit-adjustments"
    as_kam = acting(people.kam, Role.ACCOUNT_MANAGER)
    body = {"delta": 8, "reason": "年度框架合同续签"}
    held = await link.clients.post(url, json=body, headers=as_kam)
    assert held.status_code == 202, held.text
    request_id = held.json()["id"]
    assert await link.deliver() == 1
    assert await link.deliver_everything_again() == 1
    [asked] = await link.inbox(people.manager)
    assert (asked["kind"], asked["record_path"]) == (
        "approval_request",
        f"{APPROVALS}/{request_id}",
    )
    assert await link.send_channels() == {"tried": 1, "sent": 1}  # urgent: e-mailed

    approved = await link.clients.post(
        f"{APPROVALS}/{request_id}/approve",
        json={"comment": "同意"},
        headers=acting(people.manager),
    )
    assert approved.status_code == 200, approved.text
    assert await link.deliver() == 2  # the request's close, the answer's post
    assert await link.inbox(people.manager) == []
    [answer] = await link.inbox(people.kam)
    assert answer["kind"] == "approval_answer"
    assert "已批准" in answer["title"]
    assert await link.deliver_everything_again() == 3
    assert kinds(await link.inbox(people.kam)) == ["approval_answer"]
    assert await link.inbox(people.manager) == []


async def test_a_dispute_decision_tells_both_parties_and_stays_read_once_read(
    link: Link,
) -> None:
    people = link.people
    code = credit_code(2399)
    held = await create_account(link.clients, owner_id=people.kam, credit_code=code)
    as_finance = acting(people.finance, Role.ACCOUNT_MANAGER)
    clash = await link.clients.post(
        "/v1/clients/accounts",
        json={"legal_name": "撞单收件箱有限公司", "owner_id": people.finance, "credit_code": code},
        headers=as_finance,
    )
    assert clash.status_code == 202, clash.text
    dispute = clash.json()
    assert await link.deliver() == 1
    [asked] = await link.inbox(people.manager)
    assert asked["kind"] == "ownership_dispute"
    assert (await link.send_channels())["sent"] > 0  # urgent: pushed to the arbiter

    path = f"/v1/clients/ownership-disputes/{dispute['id']}"
    read = await link.clients.get(path, headers=acting(people.manager))
    decided = await link.clients.post(
        f"{path}/decision",
        json={"winner": "owner", "reason": "原负责人持续跟进"},
        headers={"If-Match": read.headers["etag"], **acting(people.manager)},
    )
    assert decided.status_code == 200, decided.text
    assert await link.deliver() == 3  # the arbiter's close, one outcome per party
    assert await link.inbox(people.manager) == []
    [owner] = await link.inbox(people.kam)
    [claimant] = await link.inbox(people.finance)
    for item in (owner, claimant):
        assert (item["kind"], item["severity"]) == ("ownership_dispute_decided", "info")
        assert item["record_path"] == path
    assert (owner["account_id"], owner["account_name"]) == (held["id"], held["legal_name"])
    assert (claimant["account_id"], claimant["account_name"]) == (None, None)
    assert "仍归原负责人" in claimant["title"]
    # Each party is e-mailed once; the claimant's mail does not name the account either.
    sent_before = len(link.smtp.mails)
    assert await link.send_channels() == {"tried": 2, "sent": 2}
    mails = {str(m["To"]): readable(m) for m in link.smtp.mails[sent_before:]}
    assert set(mails) == {"kam@example.com", "fin@example.com"}
    assert f"#{dispute['id']}" in mails["fin@example.com"]
    assert held["legal_name"] in mails["kam@example.com"]
    assert held["legal_name"] not in mails["fin@example.com"]

    # Read and dismissed by their readers, as other info items; a redelivery reopens none.
    for person, item, state in (
        (people.kam, owner, "done"),
        (people.finance, claimant, "dismissed"),
    ):
        changed = await link.staff.client.patch(
            f"/v1/me/inbox/{item['id']}",
            json={"state": state},
            headers=bearer(Role.ACCOUNT_MANAGER, employee_id=person, subject="user:77"),
        )
        assert changed.status_code == 200, changed.text
    assert await link.deliver_everything_again() == 4
    assert await link.inbox(people.kam) == [] and await link.inbox(people.finance) == []
    assert [i["id"] for i in await link.inbox(people.kam, "done")] == [owner["id"]]
    assert [i["id"] for i in await link.inbox(people.finance, "dismissed")] == [claimant["id"]]


async def test_the_overdue_visit_digest_closes_with_the_last_overdue_visit(link: Link) -> None:
    people = link.people
    account = await create_account(link.clients, owner_id=people.kam)
    visits = f"/v1/clients/accounts/{account['id']}/visits"
    planned = await link.clients.post(visits, json={"planned_on": today(), "purpose": "季度回访"})
    assert planned.status_code == 201, planned.text
    visit = planned.json()
    async with link.clients_app.state.session_factory() as session:
        await (await session.connection()).execute(
            text("UPDATE clients.visits SET planned_on = planned_on - 3 WHERE id = :id"),
            {"id": visit["id"]},
        )
        await session.commit()
    settings = link.clients_app.state.settings
    factory = link.clients_app.state.session_factory
    first = await work_items_once(factory, settings)
    assert first is not None and first.posted == {"visit_overdue": 1}
    again = await work_items_once(factory, settings)
    assert again is not None and again.posted == {}
    assert await link.deliver() == 1
    [digest] = await link.inbox(people.kam)
    assert digest["kind"] == "visit_overdue"
    assert "1 次拜访已逾期" in digest["title"]

    fresh = (await link.clients.get(f"/v1/clients/visits/{visit['id']}")).json()
    done = await link.clients.post(
        f"/v1/clients/visits/{visit['id']}/complete",
        json={"visited_on": today(), "visited_by": people.kam, "outcome": "顺利"},
        headers={"If-Match": f'"{fresh["version"]}"'},
    )
    assert done.status_code == 200, done.text
    assert await link.deliver() == 1
    assert await link.inbox(people.kam) == []


async def test_a_collection_task_reaches_its_owner_and_closes_when_the_line_is_paid(
    link: Link,
) -> None:
    people = link.people
    code = credit_code(8801)
    account = await create_account(link.clients, owner_id=people.kam, credit_code=code)
    invoice = invoice_event("INV-WI1", code, [("2026-09-01", "800.00")])
    assert (await deliver(link.clients, invoice)).json()["outcome"] == "applied"
    ran = await link.clients.post("/v1/clients/dunning/run", params={"as_of": "2026-09-05"})
    assert ran.status_code == 200 and ran.json()["tasks_created"] == 1, ran.text
    assert await link.deliver() == 1
    assert await link.deliver_everything_again() == 1
    [task] = await link.inbox(people.kam)
    assert (task["kind"], task["account_id"]) == ("dunning_task", account["id"])
    assert "800.00 CNY" in task["title"]

    paid = payment_event("PAY-WI1", code, "800.00", "2026-09-06", [("INV-WI1", 1, "800.00")])
    assert (await deliver(link.clients, paid)).json()["outcome"] == "applied"
    assert await link.deliver() == 1
    assert await link.inbox(people.kam) == []
    assert [i["id"] for i in await link.inbox(people.kam, "done")] == [task["id"]]


async def test_an_erp_event_waiting_goes_to_finance_and_closes_once_applied(link: Link) -> None:
    people = link.people
    code = credit_code(8802)
    waiting = invoice_event("INV-WI2", code, [("2026-12-20", "300.00")])
    assert (await deliver(link.clients, waiting)).json()["outcome"] == "pending"
    factory, settings = link.clients_app.state.session_factory, link.clients_app.state.settings
    soon = await work_items_once(factory, settings, datetime.now(UTC) + timedelta(hours=1))
    assert soon is not None and "erp_event_pending" not in soon.posted
    later = await work_items_once(factory, settings, datetime.now(UTC) + timedelta(hours=5))
    assert later is not None and later.posted == {"erp_event_pending": 1}
    assert await link.deliver() == 1
    [pending] = await link.inbox(people.finance)
    assert pending["kind"] == "erp_event_pending"

    await create_account(link.clients, owner_id=people.kam, credit_code=code)
    retried = await link.clients.post("/v1/clients/erp/inbox/retry")
    assert retried.status_code == 200 and retried.json()["applied"] == 1, retried.text
    assert await link.deliver() == 1
    assert await link.inbox(people.finance) == []


async def test_staff_down_delays_items_and_a_restarted_dispatcher_delivers_them_once(
    link: Link,
) -> None:
    people = link.people
    account = await create_account(link.clients, owner_id=people.kam)
    as_kam = acting(people.kam, Role.ACCOUNT_MANAGER)
    url = f"/v1/clients/accounts/{account['id']}/credit-adjustments"
    held = await link.clients.post(url, json={"delta": 9, "reason": "扩容"}, headers=as_kam)
    assert held.status_code == 202, held.text  # the API answers while staff is unreachable
    down = ServiceClient(
        STAFF, f"http://127.0.0.1:{free_port()}", timeout_seconds=2, retries=0,
        token_source=clients_token,
    )  # fmt: skip
    crashed = OutboxDispatcher(
        CLIENTS_OUTBOX, link.clients_app.state.session_factory, {STAFF: down},
        backoff_seconds=0.01, max_backoff_seconds=0.01,
    )  # fmt: skip
    try:
        assert await crashed.dispatch_once() == 1
    finally:
        await down.aclose()
    assert await link.inbox(people.manager) == []
    await asyncio.sleep(0.05)  # the retry's backoff
    assert await link.deliver() == 1  # the process that comes back delivers it
    assert await link.deliver() == 0
    assert kinds(await link.inbox(people.manager)) == ["approval_request"]
