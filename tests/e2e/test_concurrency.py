"""Concurrency through the real system (issue 10): requests that truly overlap, sent through
the gateway of the shared stack with real logins, and what must hold when they do.

- Two editors of one record with the same ``If-Match``: one wins, the other gets 412 naming
  the current ETag, nothing is lost (an account in clients, an employee in staff).
- Fifty signed ERP deliveries of one payment at once: one payment row, one allocation.
- One self-assessment submitted ten times at once, the employee racing the manager, the
  manager racing himself: one transition each, one history event.
- Transfers of one account to different successors at once, and staff's handover delivered
  ten times at once: one owner, a history whose moves form a chain, the open work with it.

Every race opens its connections first and releases the requests together (:func:`at_once`),
so they reach the services in the same few milliseconds rather than one after another.
"""

import asyncio
import json
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from functools import partial
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from deploy.processes import Stack
from services.clients.accounts.rules import credit_code_check_character
from shared.periods import Month
from shared.webhooks import signature_headers
from tests.conftest import E2E_ERP_WEBHOOK_SECRET, LoginFactory, if_match
from tests.polling import eventually, ok

pytestmark = pytest.mark.e2e

CLIENTS = "/v1/clients"
ACCOUNTS = f"{CLIENTS}/accounts"
KPI = "/v1/kpi"
RUN = uuid.uuid4().hex[:5].upper()
SHANGHAI = ZoneInfo("Asia/Shanghai")
Headers = dict[str, str]


def version(response: httpx.Response) -> int:
    return int(response.headers["ETag"].strip('"'))


@pytest.fixture
def gateway(stack: Stack, admin_headers: Headers) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("gateway"), timeout=15, headers=admin_headers) as client:
        yield client


def call(gateway: httpx.Client, method: str, url: str, **options: Any) -> httpx.Request:
    """A request to the gateway with only the headers given (no default login)."""
    return httpx.Request(method, gateway.base_url.join(url), **options)


def at_once(requests: Sequence[httpx.Request]) -> list[httpx.Response]:
    """Send every request at the same moment: one open connection each first, then a gate
    that releases them all together. The responses are in the order of the requests."""

    async def race() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=None)
        async with httpx.AsyncClient(timeout=30, limits=limits) as client:
            health = requests[0].url.join("/healthz")
            await asyncio.gather(*(client.get(health) for _ in requests))
            gate = asyncio.Event()

            async def send(request: httpx.Request) -> httpx.Response:
                await gate.wait()
                response = await client.send(request)
                await response.aread()
                return response

            tasks = [asyncio.create_task(send(request)) for request in requests]
            await asyncio.sleep(0)  # every task is now waiting at the gate
            gate.set()
            return list(await asyncio.gather(*tasks))

    return asyncio.run(race())


# --- data through the gateway -------------------------------------------------------------


def hire(gateway: httpx.Client, key: str, **fields: Any) -> int:
    body = {"employee_no": f"C{RUN}{key}", "name": f"并发{key}", "hire_date": "2024-01-01"}
    return int(ok(gateway.post("/v1/staff/employees", json=body | fields), 201)["id"])


def account(gateway: httpx.Client, owner: int, **fields: Any) -> int:
    """A new account; the first for an owner waits for staff's event to reach clients."""
    body = {"legal_name": f"并发{RUN}客户{uuid.uuid4().hex[:6]}有限公司", "owner_id": owner}
    created = eventually(
        lambda: r if (r := gateway.post(ACCOUNTS, json=body | fields)).status_code == 201 else None
    )
    assert created is not None, f"employee {owner} never reached clients' org copy"
    return int(created.json()["id"])


def unique_credit_code() -> str:
    body = f"91310000MA{uuid.uuid4().int % 10_000_000:07d}"
    return body + credit_code_check_character(body)


def open_work(gateway: httpx.Client, account_id: int) -> dict[str, int]:
    """An open ticket, a resolved ticket and a planned visit of the account."""
    ticket = {"kind": "request", "severity": "medium", "channel": "phone", "title": "巡检预约"}
    work = {
        "open": ok(gateway.post(f"{ACCOUNTS}/{account_id}/tickets", json=ticket), 201)["id"],
        "visit": ok(gateway.post(f"{ACCOUNTS}/{account_id}/visits", json={
            "planned_on": (datetime.now(SHANGHAI).date() + timedelta(days=3)).isoformat(),
            "purpose": "回访"}), 201)["id"],
    }  # fmt: skip
    resolved = gateway.post(f"{ACCOUNTS}/{account_id}/tickets", json=ticket)
    ok(gateway.post(f"{CLIENTS}/tickets/{ok(resolved, 201)['id']}/transitions",
                    json={"to": "resolved", "resolution": "已安排"},
                    headers={"If-Match": resolved.headers["ETag"]}))  # fmt: skip
    work["resolved"] = resolved.json()["id"]
    return work


def work_owners(gateway: httpx.Client, work: dict[str, int]) -> dict[str, int]:
    paths = {"open": "tickets", "resolved": "tickets", "visit": "visits"}
    return {
        key: ok(gateway.get(f"{CLIENTS}/{paths[key]}/{id_}"))["owner_id"]
        for key, id_ in work.items()
    }


def ownership_moves(gateway: httpx.Client, account_id: int) -> list[dict[str, Any]]:
    """The account's ownership history, oldest first."""
    page = ok(gateway.get(f"{ACCOUNTS}/{account_id}/ownership-history", params={"limit": 200}))
    assert page["next_cursor"] is None
    return list(reversed(page["items"]))


def assert_chain(moves: list[dict[str, Any]], first_owner: int, owner: int) -> None:
    """Created for ``first_owner``, then each move starts where the previous one ended."""
    assert (moves[0]["from_employee_id"], moves[0]["to_employee_id"]) == (None, first_owner)
    for previous, move in pairwise(moves):
        assert move["from_employee_id"] == previous["to_employee_id"], moves
        assert move["from_employee_id"] != move["to_employee_id"], moves
    assert moves[-1]["to_employee_id"] == owner


# --- 1. two editors, one If-Match ---------------------------------------------------------


def edit_race(
    gateway: httpx.Client, url: str, editors: Sequence[Headers], changes: Sequence[dict[str, Any]]
) -> None:
    """One round: both editors send their change based on the same read, at once."""
    before = gateway.get(url, headers=editors[0])
    etag = before.headers["ETag"]
    responses = at_once([
        call(gateway, "PATCH", url, json=change, headers=editor | {"If-Match": etag})
        for editor, change in zip(editors, changes, strict=True)
    ])  # fmt: skip
    assert sorted(r.status_code for r in responses) == [200, 412], [r.text for r in responses]
    won = next(n for n, r in enumerate(responses) if r.status_code == 200)
    lost = 1 - won
    refused = responses[lost]
    assert refused.headers["content-type"].startswith("application/problem+json")
    after = gateway.get(url, headers=editors[lost])
    assert refused.json()["current_etag"] == after.headers["ETag"] == responses[won].headers["ETag"]
    assert version(after) == version(before) + 1
    record, earlier = after.json(), before.json()
    assert {k: record[k] for k in changes[won]} == changes[won]
    assert {k: record[k] for k in changes[lost]} == {k: earlier[k] for k in changes[lost]}
    # The loser reloads and applies the change again: now both are there.
    retried = gateway.patch(
        url, json=changes[lost], headers=editors[lost] | {"If-Match": after.headers["ETag"]}
    )
    assert retried.status_code == 200, retried.text
    final = gateway.get(url, headers=editors[won])
    both = {**changes[0], **changes[1]}
    assert {k: final.json()[k] for k in both} == both
    assert version(final) == version(before) + 2


def test_two_editors_with_one_etag_one_412_and_nothing_lost(
    gateway: httpx.Client, login_as: LoginFactory
) -> None:
    editors = [login_as(f"conc.{RUN.lower()}.editor{n}", "admin") for n in (1, 2)]
    owner = hire(gateway, "ED1")
    account_url = f"{ACCOUNTS}/{account(gateway, owner)}"
    employee_url = f"/v1/staff/employees/{hire(gateway, 'ED2')}"
    for n in range(10):
        edit_race(gateway, account_url, editors, [{"industry": f"电力{n}"},
                                                      {"region": f"华东{n}"}])  # fmt: skip
        edit_race(gateway, employee_url, editors, [{"major": f"市场营销{n}"},
                                                       {"years_experience": n + 1}])  # fmt: skip


# --- 2. fifty deliveries of one payment ---------------------------------------------------


def erp_event(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"evt_{uuid.uuid4().hex}", "type": kind,
            "occurred_at": datetime.now(SHANGHAI).isoformat(), "data": data}  # fmt: skip


def cny(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "CNY"}


def delivery(event: dict[str, Any], api_key: str) -> tuple[bytes, Headers]:
    """A signed delivery as the ERP sends it (the webhook id is the event id)."""
    body = json.dumps(event, ensure_ascii=False).encode()
    headers = signature_headers([E2E_ERP_WEBHOOK_SECRET], event["id"], body)
    return body, headers | {"X-API-Key": api_key, "Content-Type": "application/json"}


def test_fifty_concurrent_deliveries_of_one_payment_make_one_row(gateway: httpx.Client) -> None:
    code = unique_credit_code()
    account_id = account(gateway, hire(gateway, "PAY"), credit_code=code)
    api_key = ok(gateway.post("/v1/staff/api-keys",
                              json={"name": f"并发ERP{RUN}", "scopes": ["erp:write"]}),
                 201)["key"]  # fmt: skip
    today = datetime.now(SHANGHAI).date()
    invoice = erp_event("invoice.upserted", {
        "document_no": f"INV-{code}", "account_ref": code, "contract_ref": None,
        "total": cny("900.00"), "issue_date": today.isoformat(),
        "due_lines": [{"line_no": 1, "due_date": (today + timedelta(days=30)).isoformat(),
                       "amount": cny("900.00")}],
        "status": "open", "version": 1})  # fmt: skip
    body, headers = delivery(invoice, api_key)
    applied = gateway.post(f"{CLIENTS}/erp/webhooks", content=body, headers=headers)
    assert ok(applied)["outcome"] == "applied"
    payment = erp_event("payment.received", {
        "erp_ref": f"PAY-{code}", "account_ref": code, "amount": cny("300.00"),
        "received_on": today.isoformat(), "reversed_on": None,
        "allocations": [{"document_no": f"INV-{code}", "line_no": 1,
                         "amount": cny("300.00")}]})  # fmt: skip
    # 25 retries of one delivery (one webhook id) and 25 deliveries of the same payment
    # under new webhook ids, all signed now and sent together.
    same = [delivery(payment, api_key) for _ in range(25)]
    renamed = [delivery(payment | {"id": f"evt_{uuid.uuid4().hex}"}, api_key) for _ in range(25)]
    responses = at_once([
        call(gateway, "POST", f"{CLIENTS}/erp/webhooks", content=body, headers=headers)
        for body, headers in same + renamed
    ])  # fmt: skip
    # The gateway's limit (a burst of 200 per caller by default) lets 50 through: none is 429.
    assert [r.status_code for r in responses] == [200] * 50, {r.text for r in responses}
    outcomes = [r.json()["outcome"] for r in responses]
    assert sorted(outcomes[:25]) == ["applied"] + ["duplicate"] * 24
    assert outcomes[25:] == ["applied"] * 25  # stored, applied, no second effect

    payments = ok(gateway.get(f"{CLIENTS}/payments", params={"account_id": account_id}))["items"]
    assert [(p["erp_ref"], p["amount"]["amount"], p["unallocated_amount"]["amount"])
            for p in payments] == [(f"PAY-{code}", "300.00", "0.00")]  # fmt: skip
    invoices = ok(gateway.get(f"{CLIENTS}/invoices", params={"account_id": account_id}))["items"]
    assert len(invoices) == 1
    detail = ok(gateway.get(f"{CLIENTS}/invoices/{invoices[0]['id']}"))
    assert detail["open_amount"]["amount"] == "600.00"  # 900 less the payment, once
    assert [line["paid_amount"]["amount"] for line in detail["lines"]] == ["300.00"]
    assert [a["amount"]["amount"] for a in detail["allocations"]] == ["300.00"]


# --- 3. appraisals ------------------------------------------------------------------------


def kpi_knows(gateway: httpx.Client, employee_id: int, manager_id: int) -> bool:
    response = gateway.get(f"{KPI}/org/employees/{employee_id}")
    return response.status_code == 200 and response.json()["manager_id"] == manager_id


def appraisal_team(gateway: httpx.Client, approver: Headers) -> dict[str, int]:
    """A department, an approved KAM position in it, a lead, three members and an admin.

    ``approver`` (a second administrator) approves what ``gateway`` submits: four eyes."""
    department = ok(gateway.post("/v1/staff/departments",
                                 json={"code": f"CONC-{RUN}", "name": f"并发考核组{RUN}"}),
                    201)["id"]  # fmt: skip
    position = ok(gateway.post("/v1/staff/positions", json={
        "code": f"CC{RUN}-KAM", "title": "大客户经理", "department_id": department,
        "headcount_quota": 5,
        "qualifications": {"education_level": "bachelor", "min_years_experience": 1},
        "duties": [{"statement": "开发和维护所辖大客户", "tasks": ["制定客户开发计划"],
                    "measure": {"criterion": "target_attained", "statement": "签约额达成率"},
                    "importance": 1}]}), 201)  # fmt: skip
    base = f"/v1/staff/positions/{position['position_id']}/versions/1"
    ok(gateway.post(f"{base}/submit", headers=if_match(gateway, base)))
    ok(gateway.post(f"{base}/approve", headers=if_match(gateway, base, approver)))
    people = {"lead": hire(gateway, "LEAD"), "admin": hire(gateway, "KADM")}
    for key in ("e1", "e2", "e3"):
        people[key] = hire(gateway, key.upper(), position_code=f"CC{RUN}-KAM",
                           manager_id=people["lead"])  # fmt: skip
    for key in ("e1", "e2", "e3"):
        assert eventually(partial(kpi_knows, gateway, people[key], people["lead"]))
    people["department"] = int(department)
    return people


def appraisal_cycle(admin: httpx.Client, department_id: int) -> int:
    """A published one-item template (a rated attitude, 1–5) and this month's cycle."""
    created = admin.post(f"{KPI}/templates", json={
        "code": f"CC{RUN}-MONTHLY", "name": "并发月度考核表", "position_code": f"CC{RUN}-KAM",
        "period_kind": "month", "sections": [{"title": "工作态度", "items": [{
            "key": "attitude", "title": "工作态度", "kind": "qualitative", "weight": "100",
            "rating_scale": {"minimum": "1", "maximum": "5", "step": "1"}}]}]})  # fmt: skip
    template = ok(created, 201)["id"]
    ok(admin.post(f"{KPI}/templates/{template}/publish",
                  headers={"If-Match": created.headers["ETag"]}))  # fmt: skip
    cycle = ok(admin.post(f"{KPI}/cycles", json={
        "name": f"并发考核{RUN}", "period": str(Month.of(datetime.now(SHANGHAI).date())),
        "template_ids": [template], "department_ids": [department_id]}), 201)  # fmt: skip
    assert cycle["appraisal_count"] == 3
    return int(cycle["id"])


def etag_of(client: httpx.Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return str(response.headers["ETag"])


def history(admin: httpx.Client, appraisal_id: int) -> list[str]:
    return [event["action"] for event in ok(admin.get(f"{KPI}/appraisals/{appraisal_id}/history"))]


def test_concurrent_appraisal_submissions_make_one_transition(
    gateway: httpx.Client, login_as: LoginFactory
) -> None:
    people = appraisal_team(gateway, login_as(f"conc.{RUN.lower()}.approver", "admin"))
    logins = {key: login_as(f"conc.{RUN.lower()}.{key}", role, employee_id=people[key])
              for key, role in (("admin", "appraisal_admin"), ("lead", "team_lead"),
                                ("e1", "account_manager"), ("e2", "account_manager"),
                                ("e3", "account_manager"))}  # fmt: skip
    with httpx.Client(base_url=str(gateway.base_url), headers=logins["admin"]) as admin:
        cycle = appraisal_cycle(admin, people["department"])
        listed = ok(admin.get(f"{KPI}/appraisals", params={"cycle_id": cycle}))["items"]
        sheets = {a["employee_id"]: ok(admin.get(f"{KPI}/appraisals/{a['id']}")) for a in listed}
        for state in ("collecting", "self_review"):
            ok(admin.post(f"{KPI}/cycles/{cycle}/transitions", json={"state": state}))

        def sheet(key: str) -> tuple[str, int]:
            found = sheets[people[key]]
            return f"{KPI}/appraisals/{found['id']}", found["items"][0]["id"]

        def self_assessment(key: str, if_match: str, rating: str) -> httpx.Request:
            url, item = sheet(key)
            body = {"comment": "本月按计划完成", "ratings": [{"item_id": item, "rating": rating}]}
            headers = logins[key] | {"If-Match": if_match}
            return call(gateway, "POST", f"{url}/self-assessment", json=body, headers=headers)

        def manager_review(key: str, if_match: str, rating: str) -> httpx.Request:
            url, item = sheet(key)
            body = {"comment": "如实评价", "adjustments": [],
                    "ratings": [{"item_id": item, "rating": rating}]}  # fmt: skip
            headers = logins["lead"] | {"If-Match": if_match}
            return call(gateway, "POST", f"{url}/manager-review", json=body, headers=headers)

        # Ten submissions of one self-assessment with the ETag read before: one passes,
        # nine find the sheet changed (412). Ten with If-Match "*", which names no version:
        # all refused (428), the lock is never skipped (issue 18, defect 11).
        e1, _ = sheet("e1")
        etag = etag_of(admin, e1)
        ratings = [str(n % 5 + 1) for n in range(10)]
        first = at_once([self_assessment("e1", etag, r) for r in ratings])
        assert sorted(r.status_code for r in first) == [200] + [412] * 9, [r.text for r in first]
        e2, _ = sheet("e2")
        untouched = ok(admin.get(e2))
        starred = at_once([self_assessment("e2", "*", r) for r in ratings])
        assert [r.status_code for r in starred] == [428] * 10, [r.text for r in starred]
        assert ok(admin.get(e2))["version"] == untouched["version"]
        assert history(admin, untouched["id"]) == []
        winner = next(r.json() for r in first if r.status_code == 200)
        after = ok(admin.get(e1))
        assert after["state"] == "pending_manager"
        assert after["items"][0]["self_rating"] == winner["items"][0]["self_rating"]
        assert after["version"] == winner["version"]
        assert history(admin, after["id"]) == ["self_assessed"]

        # In manager review, e3 (late) and the lead race on e3's sheet with one ETag: the
        # self-assessment always lands (the review is stale, 412, or premature, 409).
        ok(admin.post(f"{KPI}/cycles/{cycle}/transitions", json={"state": "manager_review"}))
        e3, _ = sheet("e3")
        etag = etag_of(admin, e3)
        late, review = at_once([self_assessment("e3", etag, "4"), manager_review("e3", etag, "5")])
        assert late.status_code == 200, late.text
        assert review.status_code in (409, 412), review.text
        assert ok(admin.get(e3))["state"] == "pending_manager"
        assert history(admin, late.json()["id"]) == ["self_assessed"]

        # The lead reviewing e1 from two tabs with different ratings: one review counts.
        etag = etag_of(admin, e1)
        tabs = at_once([manager_review("e1", etag, "5"), manager_review("e1", etag, "2")])
        assert sorted(r.status_code for r in tabs) == [200, 412], [r.text for r in tabs]
        winner = next(r.json() for r in tabs if r.status_code == 200)
        reviewed = ok(admin.get(e1))
        assert reviewed["state"] == "pending_calibration"
        assert reviewed["items"][0]["manager_rating"] == winner["items"][0]["manager_rating"]
        assert reviewed["score"] == winner["score"] and reviewed["version"] == winner["version"]
        assert history(admin, reviewed["id"]) == ["self_assessed", "manager_reviewed"]


# --- 4. handovers -------------------------------------------------------------------------


def test_concurrent_transfers_leave_one_owner_and_a_chain(
    gateway: httpx.Client, login_as: LoginFactory
) -> None:
    mover = login_as(f"conc.{RUN.lower()}.mover", "admin")
    first = hire(gateway, "TF0")
    successors = [hire(gateway, f"TF{n}") for n in (1, 2, 3)]
    for successor in successors:  # each is in clients' org copy once an account is theirs
        account(gateway, successor)
    account_id = account(gateway, first)
    work = open_work(gateway, account_id)
    moved = 0
    for _ in range(5):
        responses = at_once([
            call(gateway, "POST", f"{CLIENTS}/ownership/transfers", headers=mover, json={
                "account_ids": [account_id], "to_employee_id": successor,
                "reason": "区域调整"}) for successor in successors
        ])  # fmt: skip
        assert [r.status_code for r in responses] == [200] * 3, [r.text for r in responses]
        moved += sum(r.json()["accounts"] for r in responses)
        assert all(r.json()["accounts"] + r.json()["unchanged"] == 1 for r in responses)
    owner = ok(gateway.get(f"{ACCOUNTS}/{account_id}"))["owner_id"]
    assert owner in successors
    moves = ownership_moves(gateway, account_id)
    assert len(moves) == 1 + moved  # every move reported is recorded once
    # Round one moves three times; later, whichever goes first may find the account already
    # its own, but the next two cannot: at least 3 + 4 × 2 moves.
    assert moved >= 11
    assert_chain(moves, first, owner)
    assert work_owners(gateway, work) == {"open": owner, "visit": owner, "resolved": first}


def test_one_handover_delivered_ten_times_at_once_applies_once(
    gateway: httpx.Client, admin_headers: Headers
) -> None:
    leaver = hire(gateway, "HL0")
    successor, rival = hire(gateway, "HS1"), hire(gateway, "HS2")
    for employee in (successor, rival):
        account(gateway, employee)
    accounts = [account(gateway, leaver) for _ in range(3)]
    work = open_work(gateway, accounts[0])
    handover_id = str(uuid.uuid4())

    def handover(to: int, ident: str) -> httpx.Request:
        body = {"handover_id": ident, "from_employee_id": leaver, "to_employee_id": to}
        return call(gateway, "POST", f"{CLIENTS}/handovers", json=body, headers=admin_headers)

    # Staff's outbox delivering one handover ten times, and a second departure's handover
    # of the same leaver to another successor, all at the same moment.
    deliveries = [handover(successor, handover_id) for _ in range(10)]
    responses = at_once([*deliveries, handover(rival, str(uuid.uuid4()))])
    assert [r.status_code for r in responses] == [200] * 11, [r.text for r in responses]
    results = [r.json() for r in responses[:10]]
    assert all(result == results[0] for result in results)  # the stored result, each time
    other = responses[10].json()
    # One of the two handovers took all three accounts; the other found none left.
    assert sorted([results[0]["accounts"], other["accounts"]]) == [0, 3]
    owner = successor if results[0]["accounts"] == 3 else rival
    taken = results[0] if owner == successor else other
    assert (taken["open_tickets"], taken["planned_visits"]) == (1, 1)
    for account_id in accounts:
        assert ok(gateway.get(f"{ACCOUNTS}/{account_id}"))["owner_id"] == owner
        moves = ownership_moves(gateway, account_id)
        assert len(moves) == 2, moves  # created, then handed over once
        assert_chain(moves, leaver, owner)
    assert work_owners(gateway, work) == {"open": owner, "visit": owner, "resolved": leaver}
