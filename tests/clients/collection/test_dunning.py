"""Dunning runs on a hand-computed example: a line gets the level its age calls for in one
run (however many runs came before), tasks close when their line is paid and stay closed on
a reversal, owners work their tasks, and a handover moves the open ones.

Default levels: 1 at -3 days (call), 2 at 1 (call), 3 at 15 (visit), 4 at 30 (letter),
5 at 60 (letter, escalated to the owner's manager). Tasks are due 3 days after the run.
"""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import httpx

from shared.auth.principal import Role
from tests.clients.conftest import (
    KAM,
    MANAGER,
    SPECIALIST,
    acting,
    create_account,
    credit_code,
    employee_event,
    feed_org,
)
from tests.clients.receivables.factories import (
    FINANCE,
    deliver,
    invoice_event,
    payment_event,
    reversal_event,
)
from tests.conftest import post_current

RUN = "/v1/clients/dunning/run"
TASKS = "/v1/clients/collection-tasks"


async def run(client: httpx.AsyncClient, as_of: str, **kwargs: Any) -> dict[str, Any]:
    response = await client.post(RUN, params={"as_of": as_of}, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


async def history(client: httpx.AsyncClient, account_id: int) -> list[tuple[int, int, str]]:
    """(line_no, level, status) of every task of the account, oldest first."""
    response = await client.get(f"/v1/clients/accounts/{account_id}/dunning-history")
    assert response.status_code == 200, response.text
    return [(t["line_no"], t["level"], t["status"]) for t in response.json()["items"]]


async def applied(client: httpx.AsyncClient, event: dict[str, Any]) -> None:
    response = await deliver(client, event)
    assert response.json()["outcome"] == "applied", response.text


def counts(result: dict[str, Any]) -> tuple[int, int, int, int, int]:
    return (
        result["lines_checked"],
        result["tasks_created"],
        result["superseded"],
        result["closed_paid"],
        result["cancelled"],
    )


async def test_levels_follow_the_age_and_close_on_payment(erp: httpx.AsyncClient) -> None:
    code = credit_code(8101)
    account_id = (await create_account(erp, credit_code=code, owner_id=KAM))["id"]
    # Line 1: 1000.00 due 2026-07-01; line 2: 500.00 due 2026-08-01.
    await applied(
        erp, invoice_event("INV-D1", code, [("2026-07-01", "1000.00"), ("2026-08-01", "500.00")])
    )

    # 06-27: line 1 is 4 days before due, below level 1's -3; nothing is old enough.
    assert counts(await run(erp, "2026-06-27", headers=FINANCE)) == (0, 0, 0, 0, 0)
    # 06-28: line 1 at -3 days reaches level 1 (a reminder call, due 3 days later).
    assert counts(await run(erp, "2026-06-28")) == (1, 1, 0, 0, 0)
    [task] = (await erp.get(TASKS, params={"account_id": account_id})).json()["items"]
    assert (task["level"], task["channel"], task["days_overdue"]) == (1, "call", -3)
    assert (task["triggered_on"], task["due_on"], task["owner_id"]) == (
        "2026-06-28", "2026-07-01", KAM,
    )  # fmt: skip
    assert task["open_amount"] == {"amount": "1000.00", "currency": "CNY"}
    # The same day again adds nothing.
    assert counts(await run(erp, "2026-06-28"))[1] == 0

    # 08-10: line 1 is 30 (to 07-31) + 10 = 40 days overdue: level 4 (≥ 30, < 60) straight
    # from level 1, whose open task is superseded. Line 2 is 9 days overdue and starts at
    # level 2 (≥ 1, < 15), not at level 1.
    assert counts(await run(erp, "2026-08-10")) == (2, 2, 1, 0, 0)
    # 08-11: line 1 (41 days) stays at 4, line 2 (10 days) at 2: however many runs, no step.
    assert counts(await run(erp, "2026-08-11"))[1:3] == (0, 0)
    # 08-16: line 2 is 15 days overdue → 3 (visit); line 1 (46 days) stays at 4.
    assert counts(await run(erp, "2026-08-16"))[1:3] == (1, 1)
    assert await history(erp, account_id) == [
        (1, 1, "cancelled"),
        (1, 4, "open"),
        (2, 2, "cancelled"),
        (2, 3, "open"),
    ]

    # Line 1 paid in full: its open task closes in the same transaction as the payment.
    await applied(
        erp, payment_event("PAY-D1", code, "1000.00", "2026-08-20", [("INV-D1", 1, "1000.00")])
    )
    assert (await history(erp, account_id))[1:] == [
        (1, 4, "closed_paid"),
        (2, 2, "cancelled"),
        (2, 3, "open"),
    ]
    # The payment bounces: the line reopens, the closed task stays closed …
    await applied(erp, reversal_event("PAY-D1", "2026-08-25"))
    assert (await history(erp, account_id))[1] == (1, 4, "closed_paid")
    # … and the next run brings both lines to their age's level: line 1 (30 + 31 + 31 + 1
    # = 92 days) and line 2 (31 + 30 = 61 days) both → 5, escalated to KAM's manager; only
    # line 2's level-3 task was still open to supersede.
    assert counts(await run(erp, "2026-10-01")) == (2, 2, 1, 0, 0)
    open_tasks = (await erp.get(TASKS, params={"account_id": account_id, "status": "open"})).json()[
        "items"
    ]
    assert [(t["line_no"], t["level"], t["channel"], t["escalated_to"]) for t in open_tasks] == [
        (1, 5, "letter", MANAGER),
        (2, 5, "letter", MANAGER),
    ]
    # 11-29: both lines are at the last level and get nothing more.
    assert counts(await run(erp, "2026-11-29")) == (2, 0, 0, 0, 0)

    # A payment covering both lines (oldest first) closes both open tasks at once.
    await applied(erp, payment_event("PAY-D2", code, "1500.00", "2026-11-29"))
    statuses = await history(erp, account_id)
    assert [s for s in statuses if s[2] == "open"] == []
    assert statuses[-2:] == [(1, 5, "closed_paid"), (2, 5, "closed_paid")]
    actions = (await erp.get("/v1/clients/audit", params={"entity": "collection_task"})).json()[
        "items"
    ]
    assert {a["action"] for a in actions} >= {"dunning", "close_paid"}


async def test_future_run_and_wrong_roles_are_refused(erp: httpx.AsyncClient) -> None:
    future = await erp.post(RUN, params={"as_of": "2099-01-01"})
    assert future.status_code == 422
    assert future.json()["errors"][0]["loc"] == ["query", "as_of"]
    for role in (Role.ACCOUNT_MANAGER, Role.DEPT_MANAGER):
        denied = await erp.post(RUN, params={"as_of": "2026-06-01"}, headers=acting(KAM, role))
        assert denied.status_code == 403


async def test_owners_work_their_tasks_in_scope(erp: httpx.AsyncClient) -> None:
    code = credit_code(8102)
    account_id = (await create_account(erp, credit_code=code, owner_id=KAM))["id"]
    await applied(erp, invoice_event("INV-D2", code, [("2026-09-01", "800.00")]))
    await run(erp, "2026-09-05")  # 4 days overdue: level 2
    kam = acting(KAM, Role.ACCOUNT_MANAGER)
    other = acting(SPECIALIST, Role.ACCOUNT_MANAGER)
    [task] = (await erp.get(TASKS, headers=kam)).json()["items"]
    assert (task["account_id"], task["level"]) == (account_id, 2)
    # Someone else's task is invisible: not listed, 404 by id, 404 on the history.
    assert (await erp.get(TASKS, headers=other)).json()["items"] == []
    assert (await erp.get(f"{TASKS}/{task['id']}", headers=other)).status_code == 404
    hidden = await erp.get(f"/v1/clients/accounts/{account_id}/dunning-history", headers=other)
    assert hidden.status_code == 404
    done_url = f"{TASKS}/{task['id']}/done"
    assert (await erp.post(done_url, json={}, headers=other)).status_code == 404

    # Filters: by the manager's team, by level, by due range.
    assert len((await erp.get(TASKS, params={"team_of": MANAGER})).json()["items"]) == 1
    assert (await erp.get(TASKS, params={"team_of": SPECIALIST})).json()["items"] == []
    assert (await erp.get(TASKS, params={"level": 1})).json()["items"] == []
    due = {"due_from": "2026-09-08", "due_to": "2026-09-08"}
    assert len((await erp.get(TASKS, params=due)).json()["items"]) == 1

    stale = await erp.post(done_url, json={"note": "x"}, headers={**kam, "If-Match": '"7"'})
    assert stale.status_code == 412
    done = await erp.post(
        done_url, json={"note": "客户承诺9月10日付款"}, headers={**kam, "If-Match": '"1"'}
    )
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["status"], body["done_by"], body["note"], body["version"]) == (
        "done", KAM, "客户承诺9月10日付款", 2,
    )  # fmt: skip
    assert done.headers["ETag"] == '"2"'
    again = await erp.post(done_url, json={}, headers={**kam, "If-Match": '"2"'})
    assert again.status_code == 409

    exported = await erp.get(f"{TASKS}/export", params={"lang": "en", "owner_id": KAM})
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["id", "account_id", "invoice_id"]
    assert [(r[0], r[15], r[18]) for r in rows[1:]] == [
        (str(task["id"]), "done", "客户承诺9月10日付款")
    ]


async def test_handover_moves_open_collection_tasks(erp: httpx.AsyncClient) -> None:
    leaver, successor = 960, 961
    await feed_org(erp, [employee_event(leaver), employee_event(successor)])
    code = credit_code(8103)
    account_id = (await create_account(erp, credit_code=code, owner_id=leaver))["id"]
    await applied(
        erp, invoice_event("INV-D3", code, [("2026-09-01", "100.00"), ("2026-09-02", "200.00")])
    )
    await run(erp, "2026-09-03")
    first, second = (await erp.get(TASKS, params={"account_id": account_id})).json()["items"]
    assert (await post_current(erp, f"{TASKS}/{first['id']}", "/done", json={})).status_code == 200
    response = await erp.post(
        "/v1/clients/handovers",
        json={
            "handover_id": str(uuid.uuid4()),
            "from_employee_id": leaver,
            "to_employee_id": successor,
            "account_ids": None,
            "include_open_tickets": True,
            "include_planned_visits": True,
            "include_collection_tasks": True,
            "reason": "departure",
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["collection_tasks"] == 1
    tasks = (await erp.get(TASKS, params={"account_id": account_id})).json()["items"]
    # The open task follows the account; the done one stays credited to the leaver.
    assert [(t["id"], t["owner_id"], t["status"]) for t in tasks] == [
        (first["id"], leaver, "done"),
        (second["id"], successor, "open"),
    ]
    # New tasks go to the new owner: on 09-16 line 1 is 15 days overdue → level 3.
    await run(erp, "2026-09-16")
    latest = (await erp.get(TASKS, params={"account_id": account_id, "level": 3})).json()
    assert [(t["line_no"], t["owner_id"]) for t in latest["items"]] == [(1, successor)]
